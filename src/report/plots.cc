// The report's gnuplot figures (report_plots.h): text in gnuplot's two syntaxes (string
// literals and data files), running gnuplot, and the three plots.
#include "report/plots.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "sparsity/hp_plan.h"

extern char** environ;  // POSIX: the environment handed to gnuplot

namespace fitformer::report {

namespace fs = std::filesystem;

std::string latency(double us) {
  return us >= 1000 ? fmt::format("{:.4g} ms", us / 1000) : fmt::format("{:.4g} µs", us);
}

namespace {

// `s` between `quote` characters, each quote inside written as `quote_inside` and control
// characters as spaces (a newline would end a gnuplot command or data row).
std::string quoted(std::string_view s, char quote, std::string_view quote_inside) {
  std::string out(1, quote);
  for (const char ch : s) {
    if (ch == quote) {
      out += quote_inside;
    } else {
      out += static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch;
    }
  }
  return out + quote;
}

// A single-quoted gnuplot string: no escapes are processed inside, a quote is doubled.
std::string gp_string(std::string_view s) {
  return quoted(s, '\'', "''");
}

// A double-quoted field of a gnuplot data file, which has no escape for the quote itself.
std::string dat_string(std::string_view s) {
  return quoted(s, '"', "'");
}

// "measured", or "measured and modeled": what a figure's numbers are.
std::string provenance_list(const std::set<std::string>& labels) {
  std::string out;
  std::size_t i = 0;
  for (const auto& label : labels) {
    if (i > 0) out += i + 1 == labels.size() ? " and " : ", ";
    out += label.empty() ? "unlabelled" : label;
    ++i;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// gnuplot

// Runs `gnuplot name.gp` in plots_dir with stdout going to a temp file that is renamed to
// name.svg once gnuplot succeeds, so a failed plot never replaces a good one.
void run_gnuplot(const fs::path& plots_folder, const std::string& name) {
  // Absolute, because the child opens its stdout after changing into the folder.
  const fs::path plots_dir = fs::absolute(plots_folder);
  const fs::path script = plots_dir / (name + ".gp");
  const fs::path svg = plots_dir / (name + ".svg");
  const fs::path tmp = plots_dir / fmt::format(".{}.svg.{}.tmp", name, ::getpid());
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw Error(script.string(), "gnuplot", "a pipe for its stderr", std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The scripts name their data files relative to the plots folder.
  posix_spawn_file_actions_addchdir_np(&actions, plots_dir.c_str());
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::string arg0 = "gnuplot", arg1 = name + ".gp";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);
  if (spawn_error != 0) {
    ::close(err_pipe[0]);
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw Error("gnuplot", "",
                "gnuplot on PATH to draw " + svg.string() + " (scripts/setup installs gnuplot-nox)",
                std::strerror(spawn_error));
  }
  std::string err_text;
  std::array<char, 4096> buffer;
  for (;;) {
    const ssize_t n = ::read(err_pipe[0], buffer.data(), buffer.size());
    if (n > 0) {
      err_text.append(buffer.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::error_code ec;
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const auto svg_bytes = fs::file_size(tmp, ec);
  if (!ok || ec || svg_bytes == 0) {
    fs::remove(tmp, ec);
    while (!err_text.empty() && std::isspace(static_cast<unsigned char>(err_text.back()))) {
      err_text.pop_back();
    }
    std::replace(err_text.begin(), err_text.end(), '\n', ' ');
    const std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                              : "killed by a signal";
    throw Error(script.string(), "gnuplot", "an SVG drawn with exit status 0",
                how + (err_text.empty() ? "" : ": " + err_text));
  }
  // Same durability as write_file_atomic: the bytes reach the disk before the rename.
  if (const int fd = ::open(tmp.c_str(), O_RDONLY); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  fs::rename(tmp, svg);
}

std::string gp_header(std::string_view name, std::string_view title) {
  return fmt::format(
      "# Drawn by fitformer select's report (src/report/plots.cc) from {0}.dat.\n"
      "# Redraw: cd plots && gnuplot {0}.gp > {0}.svg\n"
      "set terminal svg size 800,480 dynamic enhanced font 'sans,11'\n"
      "set encoding utf8\n"
      "set title {1} noenhanced\n"
      "set grid\n"
      "set key outside right top noenhanced\n",
      name, gp_string(title));
}

// Writes a plot's data and script, then draws it.
void draw(const fs::path& dir, const std::string& name, std::string_view dat, std::string_view gp) {
  write_file_atomic(dir / (name + ".dat"), dat);
  write_file_atomic(dir / (name + ".gp"), gp);
  run_gnuplot(dir, name);
}

// LC as a dashed vertical line across a plot whose x axis is latency in µs.
std::string gp_lc_line(double lc_us) {
  return fmt::format(
      "lc_us = {:.10g}\n"
      "set arrow from lc_us, graph 0 to lc_us, graph 1 nohead dt 2 lw 2 lc rgb '#000000'\n"
      "set label {} at lc_us, graph 1 offset char 0.5,-1 left noenhanced\n",
      lc_us, gp_string("LC " + latency(lc_us)));
}

// Points of one kind: a legend entry, gnuplot styles for the points and their labels, and
// the data rows.
struct Group {
  std::string_view title, point_style, label_style;
  std::string rows;
};

// One data block per non-empty group (appended to `dat`), each plotted as points plus a text
// label, so that every group gets its own colour and legend entry. Returns the plot clauses.
template <std::size_t N>
std::string gp_groups(std::string_view name, std::string_view point_columns,
                      std::string_view label_columns, const std::array<Group, N>& groups,
                      std::string& dat) {
  std::string plots;
  int block = 0;
  for (const Group& g : groups) {
    if (g.rows.empty()) continue;  // gnuplot refuses an index with no data
    dat += fmt::format("# {}\n{}\n\n", g.title, g.rows);
    plots += fmt::format(
        "{}  '{}.dat' index {} using {} with points {} title {}, \\\n"
        "  '{}.dat' index {} using {} with labels {} noenhanced notitle",
        plots.empty() ? "" : ", \\\n", name, block, point_columns, g.point_style,
        gp_string(g.title), name, block, label_columns, g.label_style);
    ++block;
  }
  return plots;
}

// The x range of a log axis holding every value and `also`, with room either side.
std::pair<double, double> log_range(const std::vector<double>& values, double also,
                                    double right_room) {
  double lo = also, hi = also;
  for (const double v : values) lo = std::min(lo, v), hi = std::max(hi, v);
  return {lo / 2, hi * right_room};
}

}  // namespace

// Metric against sparsity, one line per (pattern, precision, split), AC as a horizontal line.
std::optional<Figure> plot_accuracy(const Result& r, const fs::path& dir) {
  if (r.candidates.empty()) return std::nullopt;
  std::set<std::string> patterns;
  for (const auto& c : r.candidates) patterns.insert(c.pattern);
  std::map<std::string, std::vector<const Candidate*>> series;
  std::set<std::string> provenance;
  for (const auto& c : r.candidates) {
    std::string label = patterns.size() > 1 ? c.pattern + " " + c.precision : c.precision;
    // Other HP splits get lines of their own: joined to the default split's points they would
    // draw vertical jumps at one sparsity. The dense model (no split) starts every default line.
    if (c.rho2 && *c.rho2 != sparsity::kDefaultRho2) label += fmt::format(" rho2 {}", *c.rho2);
    series[label].push_back(&c);
    provenance.insert(c.provenance);
  }
  std::string dat, plots;
  int block = 0;
  for (auto& [label, points] : series) {
    std::stable_sort(points.begin(), points.end(),
                     [](const auto* a, const auto* b) { return a->sparsity < b->sparsity; });
    dat +=
        fmt::format("# {} (block {}): sparsity {} meets_ac\n", dat_string(label), block, r.metric);
    for (const auto* p : points) {
      dat += fmt::format("{:.6g} {:.8g} {}\n", p->sparsity, p->value, p->meets_ac ? 1 : 0);
    }
    dat += "\n\n";
    const int colour = block + 1;
    plots += fmt::format(
        "  'accuracy.dat' index {0} using 1:2 with lines lw 2 lc {1} title {2}, \\\n"
        "  'accuracy.dat' index {0} using 1:($3 > 0 ? $2 : NaN) with points pt 7 ps 1.2 "
        "lc {1} notitle, \\\n"
        "  'accuracy.dat' index {0} using 1:($3 > 0 ? NaN : $2) with points pt 6 ps 1.6 "
        "lc {1} notitle, \\\n",
        block, colour, gp_string(label));
    ++block;
  }
  const std::string prov = provenance_list(provenance);
  std::string gp = gp_header("accuracy", fmt::format("{} against sparsity ({})", r.metric, prov));
  gp += fmt::format(
      "set xlabel 'sparsity (fraction of encoder weights removed)'\n"
      "set ylabel {}\n"
      "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n"
      "ac = {:.10g}\n",
      gp_string(
          fmt::format("{} ({} is better)", r.metric, r.higher_is_better ? "higher" : "lower")),
      r.threshold);
  gp += "plot \\\n" + plots;
  if (r.dense_fp32) {
    gp += fmt::format("  {:.10g} with lines dt 3 lc rgb '#777777' title 'dense fp32', \\\n",
                      *r.dense_fp32);
  }
  gp += fmt::format(
      "  ac with lines dt 2 lw 2 lc rgb '#000000' title {}, \\\n"
      "  keyentry with points pt 7 lc rgb '#000000' title 'meets AC', \\\n"
      "  keyentry with points pt 6 ps 1.6 lc rgb '#000000' title 'fails AC'\n",
      gp_string("AC: " + r.ac));
  draw(dir, "accuracy", dat, gp);
  return Figure{"accuracy", prov,
                fmt::format("{} of every candidate the select loop evaluated, one line per "
                            "{}precision; filled points meet AC ({}), open points fail it.",
                            r.metric, patterns.size() > 1 ? "pattern and " : "", r.ac)};
}

// One point per device with a best latency, fastest on top, LC as a vertical line.
std::optional<Figure> plot_latency(const Result& r, const fs::path& dir) {
  std::vector<const Device*> devices;
  for (const auto& d : r.devices) {
    if (d.best && d.best->latency_us > 0) devices.push_back(&d);
  }
  if (devices.empty()) return std::nullopt;
  std::stable_sort(devices.begin(), devices.end(), [](const Device* a, const Device* b) {
    return a->best->latency_us < b->best->latency_us;
  });
  // chosen, feasible, fails a constraint
  std::array<Group, 3> groups = {
      Group{"chosen", "pt 5 ps 1.8 lc rgb '#1a9850'", "left offset char 1.5,0", {}},
      Group{"feasible", "pt 7 ps 1.4 lc rgb '#4575b4'", "left offset char 1.5,0", {}},
      Group{"fails a constraint", "pt 9 ps 1.4 lc rgb '#d73027'", "left offset char 1.5,0", {}}};
  std::set<std::string> provenance;
  std::vector<double> latencies;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const Device& d = *devices[i];
    groups[d.chosen     ? 0
           : d.feasible ? 1
                        : 2]
        .rows += fmt::format(
        "{} {:.8g} {} {}\n", i, d.best->latency_us, dat_string(d.id),
        dat_string(fmt::format("{} ({})", latency(d.best->latency_us), d.best->provenance)));
    provenance.insert(d.best->provenance);
    latencies.push_back(d.best->latency_us);
  }
  std::string dat = "# index latency_us device label, one block per verdict\n";
  const std::string plots = gp_groups("latency", "2:1:ytic(3)", "2:1:4", groups, dat);
  const auto [lo, hi] = log_range(latencies, r.lc_us, 20);
  const std::string prov = provenance_list(provenance);
  std::string gp = gp_header("latency", fmt::format("Best latency per device ({})", prov));
  gp += fmt::format(
      "set logscale x\n"
      "set xrange [{:.6g}:{:.6g}]\n"
      "set yrange [{}:-0.8]\n"
      "set ytics noenhanced\n"
      "set xlabel 'best latency (µs, log scale)'\n"
      "{}plot \\\n{}\n",
      lo, hi, static_cast<double>(devices.size()) - 0.2, gp_lc_line(r.lc_us), plots);
  draw(dir, "latency", dat, gp);
  return Figure{"latency", prov,
                fmt::format("The fastest latency each device reaches with a model that meets "
                            "AC (or its most accurate model), against LC = {}.",
                            latency(r.lc_us))};
}

// Price against best latency for every device whose model meets AC; the choice labelled.
std::optional<Figure> plot_price(const Result& r, const fs::path& dir) {
  std::array<Group, 2> groups = {
      Group{"meets AC", "pt 7 ps 1.3 lc rgb '#4575b4'", "left offset char 1,0", {}},
      Group{
          "chosen", "pt 3 ps 3 lw 2 lc rgb '#1a9850'", "left offset char 1.5,0.8 font ',12'", {}}};
  std::set<std::string> provenance;
  std::vector<double> latencies, prices;
  for (const auto& d : r.devices) {
    // A log axis has no place for a free device or a missing price.
    if (!d.best || !d.meets_ac || !d.system_price_usd || *d.system_price_usd <= 0) continue;
    groups[d.chosen ? 1 : 0].rows +=
        fmt::format("{:.8g} {:.8g} {}\n", d.best->latency_us, *d.system_price_usd,
                    dat_string(d.chosen ? "chosen: " + d.id : d.id));
    provenance.insert(d.best->provenance);
    latencies.push_back(d.best->latency_us);
    prices.push_back(*d.system_price_usd);
  }
  if (latencies.empty()) return std::nullopt;
  std::string dat = "# latency_us system_price_usd device, one block per verdict\n";
  const std::string plots = gp_groups("price", "1:2", "1:2:3", groups, dat);
  const auto [x_lo, x_hi] = log_range(latencies, r.lc_us, 8);
  const auto [y_lo, y_hi] = log_range(prices, prices.front(), 3);
  const std::string prov = provenance_list(provenance);
  std::string gp =
      gp_header("price", fmt::format("Price against best latency, devices meeting AC ({})", prov));
  gp += fmt::format(
      "set logscale xy\n"
      "set xrange [{:.6g}:{:.6g}]\n"
      "set yrange [{:.6g}:{:.6g}]\n"
      "set xlabel 'best latency (µs, log scale)'\n"
      "set ylabel 'system price: device + host (USD, log scale)'\n"
      "{}plot \\\n{}\n",
      x_lo, x_hi, y_lo, y_hi, gp_lc_line(r.lc_us), plots);
  draw(dir, "price", dat, gp);
  return Figure{"price", prov,
                "Every device whose best model meets AC, at the price of a working system (the "
                "device plus the host it needs): left of the LC line meets both; the cheapest of "
                "those by the objective is the choice."};
}

}  // namespace fitformer::report
