// Reading the select result JSON into report_result.h's structs, through a JSON value that
// carries its own path so that every error names the field.
#include "report/result_read.h"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <filesystem>

#include "core/error.h"
#include "explore/constraints.h"
#include "io/json_reader.h"
#include "sparsity/patterns.h"

namespace fitformer::report {

explore::AccuracyConstraint constraint(const Result& r) {
  return {r.metric, r.threshold, r.higher_is_better};
}

bool meets(const Result& r, double value) {
  return explore::meets(constraint(r), value);
}

const Candidate* find_candidate(const Result& r, long index) {
  for (const auto& c : r.candidates) {
    if (c.index == index) return &c;
  }
  return nullptr;
}

namespace {

using nlohmann::json;

// A JSON value with its path ("devices[2].best") and the input it came from, so that every
// error names the file and the field.
class Node {
 public:
  Node(const json& value, std::string path, const std::string& source)
      : value_(&value), path_(std::move(path)), source_(&source) {}

  const json& value() const { return *value_; }
  const std::string& path() const { return path_; }
  const std::string& source() const { return *source_; }

  // Missing or null: nullopt. Present on a non-object: an error naming this node.
  std::optional<Node> find(std::string_view key) const {
    if (!value_->is_object()) throw Error(*source_, path_, "an object", value_->type_name());
    const auto it = value_->find(key);
    if (it == value_->end() || it->is_null()) return std::nullopt;
    return Node(*it, child(key), *source_);
  }
  Node at(std::string_view key) const {
    auto node = find(key);
    if (!node) throw Error(*source_, child(key), "a value", "none");
    return *node;
  }
  std::optional<double> opt_number(std::string_view key) const {
    const auto node = find(key);
    if (!node) return std::nullopt;
    if (!node->value().is_number()) {
      throw Error(*source_, node->path_, "a number", io::describe_json(node->value()));
    }
    return node->value().get<double>();
  }
  double number(std::string_view key) const {
    const auto value = opt_number(key);
    if (!value) throw Error(*source_, child(key), "a number", "none");
    return *value;
  }
  // Strings as they are, numbers and booleans printed; missing: `fallback`.
  std::string text(std::string_view key, std::string fallback = {}) const {
    const auto node = find(key);
    if (!node) return fallback;
    const json& v = node->value();
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean()) return v.dump();
    throw Error(*source_, node->path_, "a string", io::describe_json(v));
  }
  bool flag(std::string_view key, bool fallback) const {
    const auto node = find(key);
    if (!node) return fallback;
    if (!node->value().is_boolean()) {
      throw Error(*source_, node->path_, "true or false", io::describe_json(node->value()));
    }
    return node->value().get<bool>();
  }
  // The elements of an array member; a missing optional array is empty.
  std::vector<Node> list(std::string_view key, bool required) const {
    const auto node = required ? std::optional<Node>(at(key)) : find(key);
    std::vector<Node> items;
    if (!node) return items;
    if (!node->value().is_array()) {
      throw Error(*source_, node->path_, "an array", node->value().type_name());
    }
    for (std::size_t i = 0; i < node->value().size(); ++i) {
      items.emplace_back(node->value()[i], fmt::format("{}[{}]", node->path_, i), *source_);
    }
    return items;
  }

 private:
  std::string child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const json* value_;
  std::string path_;
  const std::string* source_;
};

std::optional<Best> read_best(const std::optional<Node>& node) {
  if (!node) return std::nullopt;
  Best b;
  b.candidate = static_cast<long>(node->opt_number("candidate").value_or(-1));
  b.latency_us = node->number("latency_us");
  b.metric = node->opt_number("metric");
  b.provenance = node->text("provenance");
  return b;
}

// An interval {low, high, method, units}; null or missing: none. low <= high, both finite.
std::optional<ConfidenceInterval> read_interval(const std::optional<Node>& node) {
  if (!node) return std::nullopt;
  ConfidenceInterval i;
  i.low = node->number("low");
  i.high = node->number("high");
  i.method = node->text("method");
  i.units = static_cast<int64_t>(node->opt_number("units").value_or(0));
  if (!std::isfinite(i.low) || !std::isfinite(i.high) || !(i.low <= i.high))
    throw Error(node->source(), node->path(), "finite low <= high",
                fmt::format("[{}, {}]", i.low, i.high));
  return i;
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

// The header: what was asked, under which constraints.
void read_constraints(const Node& root, Result& r) {
  r.command = root.text("command");
  r.recipe = root.text("recipe");
  r.profile = root.text("profile");
  r.task = root.text("task");
  const Node c = root.at("constraints");
  r.lc_us = c.number("lc_us");
  r.metric = c.text("metric");
  if (r.metric.empty()) throw Error(root.source(), "constraints.metric", "a metric name", "none");
  r.threshold = c.number("threshold");
  // An older result without the direction: the metric's name says it (select.h).
  r.higher_is_better = c.find("higher_is_better")
                           ? c.flag("higher_is_better", true)
                           : explore::higher_is_better(r.metric, "constraints.metric");
  r.ac = c.text("ac",
                fmt::format("{}{}{:g}", r.metric, r.higher_is_better ? ">=" : "<=", r.threshold));
  r.objective = c.text("objective", "price");
  r.price_basis = c.text("price_basis");
  r.interval_basis = c.text("interval_basis");
  r.batch = c.opt_number("batch");
  r.seq = c.opt_number("seq");
  if (const auto dense = root.find("dense")) {
    r.dense_fp32 = dense->opt_number("metric_fp32");
    r.dense_fp32_interval = read_interval(dense->find("interval_fp32"));
    // Select always scores the dense model by running it (explore/select_run.cc).
    r.dense_provenance = dense->text("provenance", "measured");
  }
  if (!root.find("feasible")) throw Error(root.source(), "feasible", "true or false", "none");
  r.feasible = root.flag("feasible", false);
}

Candidate read_candidate(const Node& n, std::size_t i, const Result& r) {
  Candidate cand;
  cand.index = static_cast<long>(n.opt_number("index").value_or(static_cast<double>(i)));
  cand.pattern = n.text("pattern", "hp");
  cand.precision = n.text("precision", "fp32");
  cand.provenance = n.text("provenance");
  cand.sparsity = n.number("sparsity");
  cand.rho2 = n.opt_number("rho2");
  cand.banks = static_cast<long>(n.opt_number("banks").value_or(sparsity::kDefaultBanks));
  cand.value = n.number("value");
  cand.interval = read_interval(n.find("interval"));
  cand.meets_ac = n.flag("meets_ac", meets(r, cand.value));
  cand.standing = explore::ac_standing(constraint(r), cand.value, cand.interval);
  return cand;
}

// A device; its candidates must be read already (meets_ac comes from its best one).
Device read_device(const Node& n, const Result& r) {
  Device d;
  d.id = n.text("id");
  if (d.id.empty()) throw Error(n.source(), n.at("id").path(), "a device id", "an empty string");
  d.name = n.text("name", d.id);
  d.kind = n.text("kind");
  d.tier = n.text("tier");
  d.reason = n.text("reason");
  d.price_usd = n.opt_number("price_usd");
  d.system_price_usd = n.opt_number("system_price_usd");
  if (!d.system_price_usd) d.system_price_usd = d.price_usd;
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
  if (const auto closest = n.find("closest_accelerator")) {
    d.closest = read_accelerator(*closest);
    d.closest_candidate = static_cast<long>(closest->number("candidate"));
  }
  d.in_scope = n.flag("in_scope", true);
  for (const Node& row : n.list("latencies", false)) {
    d.rows.push_back({static_cast<long>(row.number("candidate")),
                      row.opt_number("latency_us").value_or(0), row.text("provenance"),
                      row.flag("fits", true)});
  }
  return d;
}

// The choice, the nearest feasible points and the artifacts' paths.
void read_outcome(const Node& root, Result& r) {
  if (const auto chosen = root.find("chosen")) {
    r.chosen_device = chosen->text("device");
    r.chosen = read_best(chosen);
    r.lc_margin = chosen->opt_number("lc_margin");
  }
  for (const Node& n : root.list("sensitivity", false)) {
    SensitivityRow row;
    row.assumption = n.text("assumption");
    row.feasible = n.flag("feasible", false);
    row.device = n.text("device");
    row.latency_us = n.opt_number("latency_us");
    row.provenance = n.text("provenance", "modeled");
    row.changes_choice = n.flag("changes_choice", false);
    row.chosen_latency_us = n.opt_number("chosen_latency_us");
    row.chosen_meets_lc = n.flag("chosen_meets_lc", false);
    row.chosen_provenance = n.text("chosen_provenance", "modeled");
    r.sensitivity.push_back(std::move(row));
  }
  if (const auto nearest = root.find("nearest")) {
    const std::array<std::pair<std::string_view, std::string_view>, 2> kinds = {
        {{"best_latency_at_ac", "Fastest device whose model meets AC"},
         {"best_accuracy_at_lc", "Most accurate model on a device that meets LC"}}};
    for (const auto& [key, what] : kinds) {
      const auto n = nearest->find(key);
      if (!n) continue;
      r.nearest.push_back({std::string(what), n->text("device"), n->text("provenance"),
                           n->opt_number("candidate"), n->opt_number("latency_us"),
                           n->opt_number("metric")});
    }
  }
  if (const auto artifacts = root.find("artifacts")) {
    if (!artifacts->value().is_object()) {
      throw Error(root.source(), "artifacts", "an object", artifacts->value().type_name());
    }
    const auto in_run = root.find("artifacts_in_run");
    // Before artifacts_in_run, the run's folder is where select wrote the report, in the same
    // frame as the artifacts' paths.
    const std::filesystem::path run_dir = std::filesystem::path(root.text("report")).parent_path();
    for (const auto& item : artifacts->value().items()) {
      const std::string path = artifacts->text(item.key());
      std::string relative;
      if (in_run) {
        relative = in_run->text(item.key());
      } else if (!run_dir.empty()) {
        relative = std::filesystem::path(path).lexically_relative(run_dir).string();
        if (relative.empty() || relative.starts_with("..")) relative.clear();
      }
      r.artifacts.push_back({item.key(), path, relative});
    }
  }
}

}  // namespace

Result read_result(const json& json_result, const std::string& source) {
  const Node root(json_result, "", source);
  Result r;
  read_constraints(root, r);
  const auto candidates = root.list("candidates", true);
  for (std::size_t i = 0; i < candidates.size(); ++i)
    r.candidates.push_back(read_candidate(candidates[i], i, r));
  for (const Node& n : root.list("devices", true)) r.devices.push_back(read_device(n, r));
  read_outcome(root, r);
  return r;
}

}  // namespace fitformer::report
