// The HTML report of `fitformer select` (DESIGN.md §9, issue 7): the answer, the
// constraints, gnuplot plots of what the closed loop explored and a table per device, drawn
// from the select result JSON alone so that `fitformer report` can redraw it later.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace fitformer::report {

// Writes out_dir/report.html and its plots (out_dir/plots/*.svg, drawn by running gnuplot
// with scripts written to out_dir/plots/*.gp, data in out_dir/plots/*.dat) from the select
// result JSON. Returns the report's path. Required fields: "constraints" (with "lc_us",
// "metric", "threshold"), "candidates", "devices" (each with "id"), "feasible"; every other
// field may be missing or null. Throws fitformer::Error naming `source` (the result's file)
// and the field when a required one is missing or has the wrong type, and naming "gnuplot" when
// gnuplot is missing or fails (its stderr in the message). Every file is replaced atomically.
// The page is well-formed XML (XHTML syntax), as are its SVGs. Artifacts are linked relative to
// out_dir, through their paths relative to `result_dir` (the folder holding the result's file;
// empty: out_dir, where select writes both).
std::filesystem::path write_report(const nlohmann::json& result,
                                   const std::filesystem::path& out_dir,
                                   const std::string& source = "select result",
                                   const std::filesystem::path& result_dir = {});

}  // namespace fitformer::report
