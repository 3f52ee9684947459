// The report's gnuplot figures: for each, a data file and a script written next to the SVG,
// then gnuplot run on them (the SVG replaced only when gnuplot succeeds).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "report/result_read.h"

namespace fitformer::report {

// A figure: its file stem (plots/<name>.svg), what its numbers are, and a caption.
struct Figure {
  std::string name, provenance, caption;
};

// Metric against sparsity, one line per (pattern, precision, split), AC as a horizontal line.
std::optional<Figure> plot_accuracy(const Result& r, const std::filesystem::path& dir);
// One point per device with a best latency, fastest on top, LC as a vertical line.
std::optional<Figure> plot_latency(const Result& r, const std::filesystem::path& dir);
// Price against best latency for every device whose model meets AC; the choice labelled.
std::optional<Figure> plot_price(const Result& r, const std::filesystem::path& dir);

// "12.5 µs", "1.234 ms": latencies as the plots' labels and the page print them.
std::string latency(double us);

}  // namespace fitformer::report
