// Renders the select result JSON as report.html with three gnuplot figures: the result is
// read into plain structs first (every required field checked, with its path, in one place),
// then the plots' data and scripts are written and drawn, then the page is assembled.
#include "explore/report.h"

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
#include "explore/select.h"

extern char** environ;  // POSIX: the environment handed to gnuplot

namespace fitformer::explore {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Errors name the input this way: the result arrives as a JSON value, not a file.
const std::string kSource = "select result";

// A JSON value with its path ("devices[2].best"), so that every error names the field.
class Node {
 public:
  Node(const json& value, std::string path) : value_(&value), path_(std::move(path)) {}

  const json& value() const { return *value_; }
  const std::string& path() const { return path_; }

  // Missing or null: nullopt. Present on a non-object: an error naming this node.
  std::optional<Node> find(std::string_view key) const {
    if (!value_->is_object()) throw Error(kSource, path_, "an object", value_->type_name());
    const auto it = value_->find(key);
    if (it == value_->end() || it->is_null()) return std::nullopt;
    return Node(*it, child(key));
  }
  Node at(std::string_view key) const {
    auto node = find(key);
    if (!node) throw Error(kSource, child(key), "a value", "none");
    return *node;
  }
  std::optional<double> opt_number(std::string_view key) const {
    const auto node = find(key);
    if (!node) return std::nullopt;
    if (!node->value().is_number()) {
      throw Error(kSource, node->path_, "a number", node->value().dump());
    }
    return node->value().get<double>();
  }
  double number(std::string_view key) const {
    const auto value = opt_number(key);
    if (!value) throw Error(kSource, child(key), "a number", "none");
    return *value;
  }
  // Strings as they are, numbers and booleans printed; missing: `fallback`.
  std::string text(std::string_view key, std::string fallback = {}) const {
    const auto node = find(key);
    if (!node) return fallback;
    const json& v = node->value();
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean()) return v.dump();
    throw Error(kSource, node->path_, "a string", v.dump());
  }
  bool flag(std::string_view key, bool fallback) const {
    const auto node = find(key);
    if (!node) return fallback;
    if (!node->value().is_boolean()) {
      throw Error(kSource, node->path_, "true or false", node->value().dump());
    }
    return node->value().get<bool>();
  }
  // The elements of an array member; a missing optional array is empty.
  std::vector<Node> list(std::string_view key, bool required) const {
    const auto node = required ? std::optional<Node>(at(key)) : find(key);
    std::vector<Node> items;
    if (!node) return items;
    if (!node->value().is_array()) {
      throw Error(kSource, node->path_, "an array", node->value().type_name());
    }
    for (std::size_t i = 0; i < node->value().size(); ++i) {
      items.emplace_back(node->value()[i], fmt::format("{}[{}]", node->path_, i));
    }
    return items;
  }

 private:
  std::string child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const json* value_;
  std::string path_;
};

struct Candidate {
  long index = 0;
  std::string pattern, precision, provenance;
  double sparsity = 0;
  std::optional<double> rho2;
  double value = 0;
  bool meets_ac = false;
};

struct Best {
  long candidate = -1;
  double latency_us = 0;
  std::optional<double> metric;
  std::string provenance;
};

// Resource kinds in the order the table lists them, with their JSON keys.
constexpr std::array<std::string_view, 5> kResources = {"dsp", "bram36", "uram", "lut", "ff"};
constexpr std::array<std::string_view, 5> kResourceLabels = {"DSP", "BRAM36", "URAM", "LUT", "FF"};

struct Accelerator {
  std::optional<double> pes, banks, block_cols, token_lanes, clock_mhz;
  std::string precision, provenance;
  std::array<std::optional<double>, kResources.size()> used, available;
};

struct Device {
  std::string id, name, kind, tier, reason;
  std::optional<double> price_usd, power_w;
  bool chosen = false, feasible = false, meets_ac = false;
  std::optional<Best> best;
  std::optional<Accelerator> accel;
};

struct Nearest {
  std::string what, device;
  std::optional<double> candidate, latency_us, metric;
};

struct Result {
  std::string command, recipe, profile, task;
  double lc_us = 0, threshold = 0;
  std::string ac, metric, objective;
  bool higher_is_better = true;
  std::optional<double> batch, seq, dense_fp32;
  bool feasible = false;
  std::optional<Best> chosen;
  std::string chosen_device;
  std::vector<Candidate> candidates;
  std::vector<Device> devices;
  std::vector<Nearest> nearest;
  std::vector<std::pair<std::string, std::string>> artifacts;
};

bool meets(const Result& r, double value) {
  return r.higher_is_better ? value >= r.threshold : value <= r.threshold;
}

const Candidate* find_candidate(const Result& r, long index) {
  for (const auto& c : r.candidates) {
    if (c.index == index) return &c;
  }
  return nullptr;
}

std::optional<Best> read_best(const std::optional<Node>& node) {
  if (!node) return std::nullopt;
  Best b;
  b.candidate = static_cast<long>(node->opt_number("candidate").value_or(-1));
  b.latency_us = node->number("latency_us");
  b.metric = node->opt_number("metric");
  b.provenance = node->text("provenance");
  return b;
}

Accelerator read_accelerator(const Node& node) {
  Accelerator a;
  a.pes = node.opt_number("pes");
  a.banks = node.opt_number("banks");
  a.block_cols = node.opt_number("block_cols");
  a.token_lanes = node.opt_number("token_lanes");
  a.clock_mhz = node.opt_number("clock_mhz");
  a.precision = node.text("precision");
  a.provenance = node.text("provenance");
  const auto used = node.find("used");
  const auto available = node.find("available");
  for (std::size_t i = 0; i < kResources.size(); ++i) {
    if (used) a.used[i] = used->opt_number(kResources[i]);
    if (available) a.available[i] = available->opt_number(kResources[i]);
  }
  return a;
}

Result read_result(const json& json_result) {
  const Node root(json_result, "");
  Result r;
  r.command = root.text("command");
  r.recipe = root.text("recipe");
  r.profile = root.text("profile");
  r.task = root.text("task");
  const Node c = root.at("constraints");
  r.lc_us = c.number("lc_us");
  r.metric = c.text("metric");
  if (r.metric.empty()) throw Error(kSource, "constraints.metric", "a metric name", "none");
  r.threshold = c.number("threshold");
  // An older result without the direction: the metric's name says it (select.h).
  r.higher_is_better = c.find("higher_is_better")
                           ? c.flag("higher_is_better", true)
                           : higher_is_better(r.metric, "constraints.metric");
  r.ac = c.text("ac",
                fmt::format("{}{}{:g}", r.metric, r.higher_is_better ? ">=" : "<=", r.threshold));
  r.objective = c.text("objective", "price");
  r.batch = c.opt_number("batch");
  r.seq = c.opt_number("seq");
  if (const auto dense = root.find("dense")) r.dense_fp32 = dense->opt_number("metric_fp32");
  if (!root.find("feasible")) throw Error(kSource, "feasible", "true or false", "none");
  r.feasible = root.flag("feasible", false);

  const auto candidates = root.list("candidates", true);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Node& n = candidates[i];
    Candidate cand;
    cand.index = static_cast<long>(n.opt_number("index").value_or(static_cast<double>(i)));
    cand.pattern = n.text("pattern", "hp");
    cand.precision = n.text("precision", "fp32");
    cand.provenance = n.text("provenance");
    cand.sparsity = n.number("sparsity");
    cand.rho2 = n.opt_number("rho2");
    cand.value = n.number("value");
    cand.meets_ac = n.flag("meets_ac", meets(r, cand.value));
    r.candidates.push_back(cand);
  }

  for (const Node& n : root.list("devices", true)) {
    Device d;
    d.id = n.text("id");
    if (d.id.empty()) throw Error(kSource, n.at("id").path(), "a device id", "an empty string");
    d.name = n.text("name", d.id);
    d.kind = n.text("kind");
    d.tier = n.text("tier");
    d.reason = n.text("reason");
    d.price_usd = n.opt_number("price_usd");
    d.power_w = n.opt_number("power_w");
    d.chosen = n.flag("chosen", false);
    d.feasible = n.flag("feasible", false);
    d.best = read_best(n.find("best"));
    if (d.best) {
      // A device meets AC when the model it would run does; the metric travels with "best".
      const Candidate* cand = find_candidate(r, d.best->candidate);
      d.meets_ac = d.best->metric ? meets(r, *d.best->metric) : cand && cand->meets_ac;
    }
    if (const auto accel = n.find("accelerator")) d.accel = read_accelerator(*accel);
    r.devices.push_back(std::move(d));
  }

  if (const auto chosen = root.find("chosen")) {
    r.chosen_device = chosen->text("device");
    r.chosen = read_best(chosen);
  }
  if (const auto nearest = root.find("nearest")) {
    const std::array<std::pair<std::string_view, std::string_view>, 2> kinds = {
        {{"best_latency_at_ac", "Fastest device whose model meets AC"},
         {"best_accuracy_at_lc", "Most accurate model on a device that meets LC"}}};
    for (const auto& [key, what] : kinds) {
      const auto n = nearest->find(key);
      if (!n) continue;
      r.nearest.push_back({std::string(what), n->text("device"), n->opt_number("candidate"),
                           n->opt_number("latency_us"), n->opt_number("metric")});
    }
  }
  if (const auto artifacts = root.find("artifacts")) {
    if (!artifacts->value().is_object()) {
      throw Error(kSource, "artifacts", "an object", artifacts->value().type_name());
    }
    for (const auto& item : artifacts->value().items()) {
      r.artifacts.emplace_back(item.key(), artifacts->text(item.key()));
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------
// Text in three syntaxes: HTML, gnuplot string literals, gnuplot data files.

std::string html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

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

// Counts (LUTs, prices) print whole, as "117120" rather than "1.171e+05"; the rest to 4
// significant digits.
std::string number(std::optional<double> v, std::string_view unit = {}) {
  if (!v) return "—";
  const bool whole = *v == std::floor(*v) && std::fabs(*v) < 1e12;
  const std::string digits = whole ? fmt::format("{:.0f}", *v) : fmt::format("{:.4g}", *v);
  return unit.empty() ? digits : digits + " " + std::string(unit);
}

std::string latency(double us) {
  return us >= 1000 ? fmt::format("{:.4g} ms", us / 1000) : fmt::format("{:.4g} µs", us);
}

// A provenance badge; only the three known labels become CSS classes.
std::string badge(std::string_view provenance) {
  if (provenance.empty()) return "<span class=\"prov\">unlabelled</span>";
  const bool known =
      provenance == "measured" || provenance == "simulated" || provenance == "modeled";
  return fmt::format("<span class=\"prov{}{}\">{}</span>", known ? " " : "",
                     known ? provenance : "", html(provenance));
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
      "# Drawn by fitformer select's report (src/explore/report.cc) from {0}.dat.\n"
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

// A figure: its file stem, what its numbers are, and a caption.
struct Figure {
  std::string name, provenance, caption;
};

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
    if (c.rho2 && *c.rho2 != 0.5) label += fmt::format(" rho2 {}", *c.rho2);
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

// The x range of a log axis holding every value and `also`, with room either side.
std::pair<double, double> log_range(const std::vector<double>& values, double also,
                                    double right_room) {
  double lo = also, hi = also;
  for (const double v : values) lo = std::min(lo, v), hi = std::max(hi, v);
  return {lo / 2, hi * right_room};
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
    if (!d.best || !d.meets_ac || !d.price_usd || *d.price_usd <= 0) continue;
    groups[d.chosen ? 1 : 0].rows +=
        fmt::format("{:.8g} {:.8g} {}\n", d.best->latency_us, *d.price_usd,
                    dat_string(d.chosen ? "chosen: " + d.id : d.id));
    provenance.insert(d.best->provenance);
    latencies.push_back(d.best->latency_us);
    prices.push_back(*d.price_usd);
  }
  if (latencies.empty()) return std::nullopt;
  std::string dat = "# latency_us price_usd device, one block per verdict\n";
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
      "set ylabel 'price (USD, log scale)'\n"
      "{}plot \\\n{}\n",
      x_lo, x_hi, y_lo, y_hi, gp_lc_line(r.lc_us), plots);
  draw(dir, "price", dat, gp);
  return Figure{"price", prov,
                "Every device whose best model meets AC: left of the LC line meets both; the "
                "cheapest of those by the objective is the choice."};
}

// ---------------------------------------------------------------------------------------
// The page

constexpr std::string_view kStyle = R"(
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 70rem; margin: 2rem auto;
       padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
  border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.answer { padding: 1rem 1.2rem; border-radius: 6px; border: 1px solid; }
.answer.yes { background: #eef8ee; border-color: #7bbf7b; }
.answer.no { background: #fbeeee; border-color: #d08a8a; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .25rem .6rem;
  border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.chosen { background: #eef8ee; font-weight: 600; }
.prov { font-size: .75rem; padding: 0 .35rem; border-radius: 3px; background: #eee;
        color: #444; white-space: nowrap; }
.prov.measured { background: #dcefdc; color: #225522; }
.prov.simulated { background: #dde6f6; color: #223366; }
.prov.modeled { background: #f6ecd8; color: #664411; }
.ok { color: #1a7a1a; } .fail { color: #b02020; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
)";

std::string device_name(const Result& r, std::string_view id) {
  for (const auto& d : r.devices) {
    if (d.id == id) return d.name;
  }
  return std::string(id);
}

std::string candidate_text(const Result& r, long index) {
  const Candidate* c = find_candidate(r, index);
  if (!c) return fmt::format("candidate {}", index);
  std::string text = fmt::format("{} at sparsity {:.3g}", c->pattern, c->sparsity);
  if (c->rho2) text += fmt::format(" (split ρ2 = {:.3g})", *c->rho2);
  return text + ", " + c->precision;
}

void write_answer(const Result& r, std::string& out) {
  if (r.feasible && r.chosen) {
    const Best& b = *r.chosen;
    const Device* device = nullptr;
    for (const auto& d : r.devices) {
      if (d.id == r.chosen_device) device = &d;
    }
    const Candidate* c = find_candidate(r, b.candidate);
    out += fmt::format(
        "<div class=\"answer yes\"><p><strong>{}</strong> ({}) runs the model in "
        "<strong>{}</strong> "
        "{} within LC {}.</p>\n<ul>\n<li>Model: {}</li>\n",
        html(device_name(r, r.chosen_device)), html(r.chosen_device), latency(b.latency_us),
        badge(b.provenance), latency(r.lc_us), html(candidate_text(r, b.candidate)));
    if (c) {
      out += fmt::format(
          "<li>{}: {:.4g} {}, against AC {} ({})</li>\n", html(r.metric), c->value,
          badge(c->provenance), html(r.ac),
          c->meets_ac ? "<span class=\"ok\">met</span>" : "<span class=\"fail\">not met</span>");
    }
    if (device) {
      out += fmt::format("<li>Price {}, power {}</li>\n", number(device->price_usd, "USD"),
                         number(device->power_w, "W"));
    }
    out += "</ul></div>\n";
    return;
  }
  out += fmt::format(
      "<div class=\"answer no\"><p><strong>No device meets both</strong> LC {} and AC {}.</p>\n",
      latency(r.lc_us), html(r.ac));
  if (r.nearest.empty()) {
    out += "<p>No nearest feasible point was recorded.</p>\n";
  } else {
    out += "<p>The nearest points that meet one constraint:</p>\n<ul>\n";
    for (const auto& n : r.nearest) {
      out += fmt::format(
          "<li>{}: <strong>{}</strong>, {}, latency {}, {} {}</li>\n", html(n.what),
          html(device_name(r, n.device)),
          n.candidate ? html(candidate_text(r, static_cast<long>(*n.candidate))) : "—",
          n.latency_us ? latency(*n.latency_us) : "—", html(r.metric), number(n.metric));
    }
    out += "</ul>\n";
  }
  out += "</div>\n";
}

void write_constraints(const Result& r, std::string& out) {
  out += fmt::format(
      "<h2>2. Constraints</h2>\n<table>\n"
      "<tr><th>Latency (LC)</th><td class=\"n\">{:g} µs ({})</td></tr>\n"
      "<tr><th>Accuracy (AC)</th><td class=\"n\">{}</td></tr>\n"
      "<tr><th>Dense fp32 {}</th><td class=\"n\">{}</td></tr>\n"
      "<tr><th>Objective</th><td class=\"n\">cheapest by {}</td></tr>\n"
      "<tr><th>Batch × sequence</th><td class=\"n\">{} × {}</td></tr>\n"
      "<tr><th>Task, recipe, profile</th><td class=\"n\">{}, {}, {}</td></tr>\n</table>\n",
      r.lc_us, latency(r.lc_us), html(r.ac), html(r.metric), number(r.dense_fp32),
      html(r.objective), number(r.batch), number(r.seq), html(r.task), html(r.recipe),
      html(r.profile));
}

void write_figure(const std::optional<Figure>& figure, std::string_view heading,
                  std::string_view missing, std::string& out) {
  out += fmt::format("<h2>{}</h2>\n", heading);
  if (!figure) {
    out += fmt::format("<p>{}</p>\n", missing);
    return;
  }
  out += fmt::format(
      "<figure><img src=\"plots/{0}.svg\" alt=\"{1}\">\n<figcaption>{1} Numbers: {2}. "
      "Data and script: plots/{0}.dat, plots/{0}.gp.</figcaption></figure>\n",
      figure->name, html(figure->caption), badge(figure->provenance));
}

void write_devices(const Result& r, std::string& out) {
  out +=
      "<h2>6. Every device</h2>\n<table>\n<tr><th>Device</th><th>Kind</th><th>Tier</th>"
      "<th class=\"n\">Price</th><th class=\"n\">Power</th><th class=\"n\">Best latency</th>"
      "<th>Model</th><th>Verdict</th></tr>\n";
  for (const auto& d : r.devices) {
    std::string verdict = d.chosen     ? "<span class=\"ok\">chosen</span>"
                          : d.feasible ? "<span class=\"ok\">feasible</span>"
                                       : "<span class=\"fail\">infeasible</span>";
    if (!d.reason.empty()) verdict += ": " + html(d.reason);
    out += fmt::format(
        "<tr{}><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
        d.chosen ? " class=\"chosen\"" : "", html(d.name), html(d.id), html(d.kind), html(d.tier),
        number(d.price_usd, "USD"), number(d.power_w, "W"),
        d.best ? latency(d.best->latency_us) + " " + badge(d.best->provenance) : "—",
        d.best ? html(candidate_text(r, d.best->candidate)) : "—", verdict);
  }
  out += "</table>\n";
}

void write_accelerators(const Result& r, std::string& out) {
  out += "<h2>7. The accelerator sized for each FPGA</h2>\n";
  bool any = false;
  for (const auto& d : r.devices) {
    if (!d.accel) continue;
    any = true;
    const Accelerator& a = *d.accel;
    out += fmt::format(
        "<h3>{} <small>({})</small> {}</h3>\n<p>{} PEs (P), {} banks (B), {} block columns "
        "(Bc), {} token lanes, {}, {}.</p>\n<table>\n<tr><th>Resource</th><th class=\"n\">Used"
        "</th><th class=\"n\">Usable</th><th class=\"n\">Use</th></tr>\n",
        html(d.name), html(d.id), badge(a.provenance), number(a.pes), number(a.banks),
        number(a.block_cols), number(a.token_lanes), html(a.precision), number(a.clock_mhz, "MHz"));
    for (std::size_t i = 0; i < kResources.size(); ++i) {
      const auto& used = a.used[i];
      const auto& available = a.available[i];
      std::string share = "—";
      if (used && available && *available > 0) {
        const double percent = 100 * *used / *available;
        share = fmt::format("<span class=\"{}\">{:.1f}%</span>", percent > 100 ? "fail" : "ok",
                            percent);
      }
      out += fmt::format(
          "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
          "<td class=\"n\">{}</td></tr>\n",
          kResourceLabels[i], number(used), number(available), share);
    }
    out += "</table>\n";
  }
  if (!any) out += "<p>No FPGA's best model fits it, so no accelerator was sized.</p>\n";
}

void write_artifacts(const Result& r, std::string& out) {
  out += "<h2>8. Artifacts and command</h2>\n";
  if (r.artifacts.empty()) {
    out += "<p>No deployable artifacts (nothing was chosen).</p>\n";
  } else {
    out += "<table>\n";
    for (const auto& [what, path] : r.artifacts) {
      out += fmt::format("<tr><th>{}</th><td><code>{}</code></td></tr>\n", html(what), html(path));
    }
    out += "</table>\n";
  }
  out += fmt::format("<p>Command:</p>\n<pre><code>{}</code></pre>\n",
                     html(r.command.empty() ? "(not recorded)" : r.command));
}

}  // namespace

fs::path write_report(const json& result, const fs::path& out_dir) {
  const Result r = read_result(result);
  const fs::path plots = out_dir / "plots";
  fs::create_directories(plots);
  const auto accuracy = plot_accuracy(r, plots);
  const auto latency_figure = plot_latency(r, plots);
  const auto price = plot_price(r, plots);

  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>fitformer select: {0}</title>\n<style>{1}</style>\n</head>\n<body>\n"
      "<h1>fitformer select: {0}</h1>\n<p>Every number is labelled {2}, {3} or {4}.</p>\n"
      "<h2>1. The answer</h2>\n",
      html(r.task.empty() ? r.recipe : r.task), kStyle, badge("measured"), badge("simulated"),
      badge("modeled"));
  write_answer(r, out);
  write_constraints(r, out);
  write_figure(accuracy, fmt::format("3. {} against sparsity", html(r.metric)),
               "No candidate models were recorded.", out);
  write_figure(latency_figure, "4. Best latency per device",
               "No device has a latency for any model.", out);
  write_figure(price, "5. Price against latency",
               "No priced device has a latency for a model that meets AC.", out);
  write_devices(r, out);
  write_accelerators(r, out);
  write_artifacts(r, out);
  out += "</body>\n</html>\n";

  const fs::path report = out_dir / "report.html";
  write_file_atomic(report, out);
  return report;
}

}  // namespace fitformer::explore
