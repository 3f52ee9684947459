// The report's gnuplot figures (plots.h): text in gnuplot's two syntaxes (string literals and
// data files), running gnuplot, and the three plots (the price plot's labels placed by
// label_layout.h).
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
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "report/label_layout.h"
#include "report/wording.h"
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

std::string gp_header(std::string_view name, std::string_view title, int height = 480) {
  return fmt::format(
      "# Drawn by fitformer select's report (src/report/plots.cc) from {0}.dat.\n"
      "# Redraw: cd plots && gnuplot {0}.gp > {0}.svg\n"
      "set terminal svg size 800,{2} dynamic enhanced font 'sans,11'\n"
      "set encoding utf8\n"
      "set title {1} noenhanced\n"
      "set grid\n"
      "set key outside right top noenhanced\n",
      name, gp_string(title), height);
}

// Writes a plot's data and script, then draws it.
void draw(const fs::path& dir, const std::string& name, std::string_view dat, std::string_view gp) {
  write_file_atomic(dir / (name + ".dat"), dat);
  write_file_atomic(dir / (name + ".gp"), gp);
  run_gnuplot(dir, name);
}

// LC as a dashed vertical line across a plot whose x axis is latency in µs, named in the key
// (gp_lc_key) rather than by a label that could cover a point or another label.
std::string gp_lc_line(double lc_us) {
  return fmt::format(
      "lc_us = {:.10g}\n"
      "set arrow from lc_us, graph 0 to lc_us, graph 1 nohead dt 2 lw 2 lc rgb '#000000'\n",
      lc_us);
}

// The key entry of gp_lc_line, a plot clause.
std::string gp_lc_key(double lc_us) {
  return fmt::format("keyentry with lines dt 2 lw 2 lc rgb '#000000' title {}",
                     gp_string("LC " + latency(lc_us)));
}

// The x range of a log axis holding every value and `also`, with room either side.
std::pair<double, double> log_range(const std::vector<double>& values, double also,
                                    double right_room) {
  double lo = also, hi = also;
  for (const double v : values) lo = std::min(lo, v), hi = std::max(hi, v);
  return {lo / 2, hi * right_room};
}

// How one precision's line is drawn: dash pattern, width and marker (filled when it meets AC,
// open when not), so that lines of different precisions differ in more than colour.
struct PrecisionStyle {
  int order = 0;  // drawing order within a split: wider solid lines first
  int dash = 1;
  double width = 2;
  int filled = 7, open = 6;
  double point_size = 1.2;
};

PrecisionStyle precision_style(std::string_view precision) {
  if (precision == "int8") return {0, 1, 5, 7, 6, 1.8};   // solid, wide, large circles
  if (precision == "int16") return {1, 5, 2, 5, 4, 1.1};  // dash-dot-dot, squares
  if (precision == "fp32") return {2, 2, 2, 9, 8, 1.1};   // dashed, small triangles
  return {3, 3, 2, 13, 12, 1.1};                          // dotted, diamonds
}

}  // namespace

// Metric against sparsity, one line per (pattern, precision, split), AC as a horizontal line.
std::optional<Figure> plot_accuracy(const Result& r, const fs::path& dir) {
  if (r.candidates.empty()) return std::nullopt;
  std::set<std::string> patterns;
  for (const auto& c : r.candidates) patterns.insert(c.pattern);
  // Series by (split, precision): the colour says the split, the dash pattern and marker the
  // precision, so that int8 and fp32 lines of nearly equal metric stay apart (issue 14 item 6).
  struct Series {
    std::string split, precision;
    std::vector<const Candidate*> points;
  };
  // Keyed (split, drawing order, precision): within a split the solid int8 line is drawn first
  // and the thinner dashed fp32 line on top of it, so that where they coincide both show.
  std::map<std::tuple<std::string, int, std::string>, Series> series;
  std::set<std::string> provenance;
  for (const auto& c : r.candidates) {
    std::string split = patterns.size() > 1 ? c.pattern : std::string();
    // Other HP splits get lines of their own: joined to the default split's points they would
    // draw vertical jumps at one sparsity. The dense model (no split) starts every default line.
    if (c.rho2 && *c.rho2 != sparsity::kDefaultRho2)
      split += fmt::format("{}rho2 {}", split.empty() ? "" : " ", *c.rho2);
    // So do other bank counts (the dense model, B-free, starts the default B's lines).
    if (c.sparsity > 0 && c.banks != sparsity::kDefaultBanks)
      split += fmt::format("{}B {}", split.empty() ? "" : " ", c.banks);
    Series& s = series[{split, precision_style(c.precision).order, c.precision}];
    s.split = split;
    s.precision = c.precision;
    s.points.push_back(&c);
    provenance.insert(c.provenance);
  }
  // One hue per split, a dark shade for int8 and a light one for the others.
  constexpr std::array<std::array<std::string_view, 2>, 4> kHues = {{{"#08519c", "#fd8d3c"},
                                                                     {"#006d2c", "#e7298a"},
                                                                     {"#54278f", "#d9a400"},
                                                                     {"#7f2704", "#6baed6"}}};
  std::map<std::string, std::size_t> hue_of;
  for (const auto& [key, s] : series) hue_of.emplace(s.split, hue_of.size() % kHues.size());
  std::string dat, plots;
  int block = 0;
  for (auto& [key, s] : series) {
    auto& points = s.points;
    std::stable_sort(points.begin(), points.end(),
                     [](const auto* a, const auto* b) { return a->sparsity < b->sparsity; });
    const std::string label = s.split.empty() ? s.precision : s.precision + " " + s.split;
    dat += fmt::format("# {} (block {}): sparsity {} meets_ac low high (95 % interval)\n",
                       dat_string(label), block, r.metric);
    for (const auto* p : points) {
      // A value without an interval gets a zero-length bar.
      dat += fmt::format("{:.6g} {:.8g} {} {:.8g} {:.8g}\n", p->sparsity, p->value,
                         p->meets_ac ? 1 : 0, p->interval ? p->interval->low : p->value,
                         p->interval ? p->interval->high : p->value);
    }
    dat += "\n\n";
    const PrecisionStyle style = precision_style(s.precision);
    const std::string colour =
        fmt::format("rgb '{}'", kHues[hue_of[s.split]][s.precision == "int8" ? 0 : 1]);
    plots += fmt::format(
        "  'accuracy.dat' index {0} using 1:2 with lines lw {3} dt {4} lc {1} title {2}, \\\n"
        "  'accuracy.dat' index {0} using 1:($3 > 0 ? $2 : NaN) with points pt {5} ps {7} "
        "lc {1} notitle, \\\n"
        "  'accuracy.dat' index {0} using 1:($3 > 0 ? NaN : $2) with points pt {6} ps {7} "
        "lw 2 lc {1} notitle, \\\n"
        "  'accuracy.dat' index {0} using 1:2:4:5 with yerrorbars pt 0 ps 0 lc {1} notitle, \\\n",
        block, colour, gp_string(label), style.width, style.dash, style.filled, style.open,
        style.point_size);
    ++block;
  }
  const std::string prov = provenance_list(provenance);
  const std::string metric = metric_label(r.metric);
  std::string gp = gp_header("accuracy", fmt::format("{} against sparsity ({})", metric, prov));
  gp += fmt::format(
      "set xlabel 'sparsity (fraction of encoder weights removed; 0 = the dense model)'\n"
      "set ylabel {}\n"
      "set xrange [0:*]\n"
      "set offsets 0, graph 0.03, graph 0.05, graph 0.05\n"
      "ac = {:.10g}\n",
      gp_string(fmt::format("{} ({} is better)", metric, r.higher_is_better ? "higher" : "lower")),
      r.threshold);
  gp += "plot \\\n" + plots;
  if (r.dense_fp32) {
    gp += fmt::format("  {:.10g} with lines dt 3 lc rgb '#777777' title 'dense model, fp32', \\\n",
                      *r.dense_fp32);
  }
  gp += fmt::format(
      "  ac with lines dt 4 lw 2 lc rgb '#000000' title {}, \\\n"
      "  keyentry with points pt 7 lc rgb '#000000' title 'filled: meets AC', \\\n"
      "  keyentry with points pt 6 ps 1.6 lc rgb '#000000' title 'open: fails AC'\n",
      gp_string("AC: " + r.ac));
  draw(dir, "accuracy", dat, gp);
  return Figure{
      "accuracy", prov,
      fmt::format("{} of every candidate the select loop evaluated, starting from the "
                  "dense model at sparsity 0; one line per {}precision and split, int8 "
                  "wide and solid with circles, fp32 dashed with triangles drawn on top; "
                  "filled points meet AC ({}), open points fail it; bars: the 95 % interval.",
                  metric_name(r.metric), patterns.size() > 1 ? "pattern and " : "", r.ac)};
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
  struct Verdict {
    std::string_view title, style;
    std::string rows;
  };
  std::array<Verdict, 3> groups = {
      Verdict{"chosen", "pt 5 ps 1.8 lc rgb '#1a9850'", {}},
      Verdict{"feasible", "pt 7 ps 1.4 lc rgb '#4575b4'", {}},
      Verdict{"fails a constraint", "pt 9 ps 1.4 lc rgb '#d73027'", {}}};
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
  // The figures are the right axis' tic labels, one per row: beside their device, never on a
  // point, a line or each other.
  std::string dat = "# index latency_us device label, one block per verdict\n", plots;
  int block = 0;
  for (const Verdict& g : groups) {
    if (g.rows.empty()) continue;  // gnuplot refuses an index with no data
    dat += fmt::format("# {}\n{}\n\n", g.title, g.rows);
    plots +=
        fmt::format("{}  'latency.dat' index {} using 2:1:ytic(3):y2tic(4) with points {} title {}",
                    plots.empty() ? "" : ", \\\n", block, g.style, gp_string(g.title));
    ++block;
  }
  const auto [lo, hi] = log_range(latencies, r.lc_us, 2);
  const std::string prov = provenance_list(provenance);
  const int height = std::max(320, 150 + 22 * static_cast<int>(devices.size()));
  std::string gp = gp_header("latency", fmt::format("Best latency per device ({})", prov), height);
  gp += fmt::format(
      "set bmargin 6\n"
      "set key at screen 0.5, screen 0.01 center bottom horizontal noenhanced\n"
      "set logscale x\n"
      "set xrange [{:.6g}:{:.6g}]\n"
      "set yrange [{}:-0.8]\n"
      "set link y2\n"
      "set ytics nomirror noenhanced\n"
      "set y2tics noenhanced\n"
      "set xlabel 'best latency (µs, log scale)'\n"
      "{}plot \\\n{}, \\\n  {}\n",
      lo, hi, static_cast<double>(devices.size()) - 0.2, gp_lc_line(r.lc_us), plots,
      gp_lc_key(r.lc_us));
  draw(dir, "latency", dat, gp);
  return Figure{"latency", prov,
                fmt::format("The fastest latency each device reaches with a model that meets "
                            "AC (or its most accurate model), against LC = {}; the figure of each "
                            "is on the right.",
                            latency(r.lc_us))};
}

// Price against best latency for every device whose model meets AC; the choice labelled.
std::optional<Figure> plot_price(const Result& r, const fs::path& dir) {
  struct Point {
    const Device* device;
    double latency_us, price_usd;
  };
  std::vector<Point> points;
  std::set<std::string> provenance;
  std::vector<double> latencies, prices;
  for (const auto& d : r.devices) {
    // A log axis has no place for a free device or a missing price.
    if (!d.best || !d.meets_ac || !d.system_price_usd || *d.system_price_usd <= 0) continue;
    points.push_back({&d, d.best->latency_us, *d.system_price_usd});
    provenance.insert(d.best->provenance);
    latencies.push_back(d.best->latency_us);
    prices.push_back(*d.system_price_usd);
  }
  if (points.empty()) return std::nullopt;
  // The choice is labelled first, then the rest from the fastest: earlier labels sit nearer.
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    return std::pair(!a.device->chosen, a.latency_us) < std::pair(!b.device->chosen, b.latency_us);
  });
  const auto [x_lo, x_hi] = log_range(latencies, r.lc_us, 8);
  const auto [y_lo, y_hi] = log_range(prices, prices.front(), 3);

  // The plot area is pinned (margins at screen fractions) so that the labels can be placed in
  // pixels: x from 11 % to 80 % of the 800 px width, y from 12 % to 88 % of the 480 px height.
  constexpr double kWidth = 800, kHeight = 480, kLeft = 0.11, kRight = 0.80, kBottom = 0.12,
                   kTop = 0.88;
  const auto px = [&](double x) {
    return kWidth * (kLeft + (kRight - kLeft) * std::log(x / x_lo) / std::log(x_hi / x_lo));
  };
  const auto py = [&](double y) {
    return kHeight * (1 - kBottom - (kTop - kBottom) * std::log(y / y_lo) / std::log(y_hi / y_lo));
  };
  const Box area{kWidth * kLeft, kHeight * (1 - kTop), kWidth * kRight, kHeight * (1 - kBottom)};
  const double lc_x = px(r.lc_us);
  const std::vector<Box> lines = {{lc_x - 2, area.y0, lc_x + 2, area.y1}};
  std::vector<LabelRequest> requests;
  std::string dat = "# latency_us system_price_usd device chosen\n";
  for (const Point& p : points) {
    const bool chosen = p.device->chosen;
    requests.push_back({px(p.latency_us), py(p.price_usd),
                        chosen ? "chosen: " + p.device->id : p.device->id, chosen ? 8.0 : 7.0, 14,
                        chosen ? 11.0 : 6.0});
    dat += fmt::format("{:.8g} {:.8g} {} {}\n", p.latency_us, p.price_usd, dat_string(p.device->id),
                       chosen ? 1 : 0);
  }
  std::string labels;
  const std::vector<PlacedLabel> placed = place_labels(requests, area, lines);
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const PlacedLabel& l = placed[i];
    const bool chosen = points[i].device->chosen;
    labels += fmt::format("set label {} at screen {:.4f}, screen {:.4f} {} front noenhanced{}\n",
                          gp_string(requests[i].text), l.x / kWidth, 1 - l.y / kHeight,
                          l.align == Align::kLeft    ? "left"
                          : l.align == Align::kRight ? "right"
                                                     : "center",
                          chosen ? " font ',12' textcolor rgb '#1a9850'" : "");
    if (l.leader) {
      // From the point to the nearest edge of its label.
      const double ax = std::clamp(requests[i].x, l.box.x0, l.box.x1);
      const double ay = std::clamp(requests[i].y, l.box.y0, l.box.y1);
      labels += fmt::format(
          "set arrow from {:.8g}, {:.8g} to screen {:.4f}, screen {:.4f} nohead lw 0.8 "
          "lc rgb '#999999' back\n",
          points[i].latency_us, points[i].price_usd, ax / kWidth, 1 - ay / kHeight);
    }
  }
  const std::string prov = provenance_list(provenance);
  std::string gp =
      gp_header("price", fmt::format("Price against best latency, devices meeting AC ({})", prov));
  gp += fmt::format(
      "set lmargin at screen {}\nset rmargin at screen {}\n"
      "set bmargin at screen {}\nset tmargin at screen {}\n"
      "set logscale xy\n"
      "set xrange [{:.6g}:{:.6g}]\n"
      "set yrange [{:.6g}:{:.6g}]\n"
      "set xlabel 'best latency (µs, log scale)'\n"
      "set ylabel 'system price: device + host (USD, log scale)'\n"
      "{}"
      "# Labels placed by src/report/label_layout.cc so that none overlaps another.\n{}"
      "plot \\\n"
      "  'price.dat' using 1:($4 > 0 ? NaN : $2) with points pt 7 ps 1.3 lc rgb '#4575b4' "
      "title 'meets AC', \\\n"
      "  'price.dat' using 1:($4 > 0 ? $2 : NaN) with points pt 3 ps 3 lw 2 lc rgb '#1a9850' "
      "title 'chosen', \\\n  {}\n",
      kLeft, kRight, kBottom, kTop, x_lo, x_hi, y_lo, y_hi, gp_lc_line(r.lc_us), labels,
      gp_lc_key(r.lc_us));
  draw(dir, "price", dat, gp);
  return Figure{"price", prov,
                "Every device whose best model meets AC, at the price of a working system (the "
                "device plus the host it needs): left of the LC line meets both; the cheapest of "
                "those by the objective is the choice."};
}

}  // namespace fitformer::report
