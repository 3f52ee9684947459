#include "explore/loop_steps.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"
#include "core/hash.h"
#include "io/json_reader.h"
#include "model/weights.h"

namespace fitformer::explore {
namespace {

namespace fs = std::filesystem;

std::string score_key(const fs::path& model_dir, const io::DataSpec& data,
                      const runtime::ScoreOptions& o) {
  ContentHash h;
  // v3: scores carry the metrics' intervals; a v2 file lacks them and is scored again.
  h.add(std::string_view("fitformer select score v3"));
  h.add_file((model_dir / model::kConfigFileName).string());
  h.add_file((model_dir / model::kWeightsFileName).string());
  h.add(std::string_view(data.task)).add(std::string_view(data.kind));
  h.add(std::string_view(data.path.string())).add(std::string_view(data.format));
  h.add(std::string_view(data.text_field)).add(std::string_view(data.label_field));
  h.add(data.valid_fraction).add(data.test_fraction).add(static_cast<int64_t>(data.seed));
  h.add(std::string_view(o.split)).add(std::string_view(format::precision_name(o.precision)));
  h.add(static_cast<int64_t>(o.max_length));
  return h.hex();
}

nlohmann::json to_json(const runtime::ModelScore& s) {
  nlohmann::json intervals = nlohmann::json::object();
  for (const auto& [metric, i] : s.intervals)
    intervals[metric] = {
        {"low", i.low}, {"high", i.high}, {"method", i.method}, {"units", i.units}};
  return {{"task", s.task},
          {"split", s.split},
          {"precision", format::precision_name(s.precision)},
          {"examples", s.examples},
          {"predictions", s.predictions},
          {"metrics", s.metrics},
          {"intervals", intervals},
          {"baseline", s.baseline},
          {"baseline_kind", s.baseline_kind},
          {"seconds", s.seconds},
          {"provenance", "measured"}};
}

// A cache file that is not a score as to_json writes it (unreadable, not a regular file,
// malformed, a figure that is not finite, no examples) is a miss: scored again and rewritten,
// never an error and never shown as measured.
std::optional<runtime::ModelScore> read_cached_score(const fs::path& file) {
  nlohmann::json j;
  try {
    if (!fs::exists(file)) return std::nullopt;
    j = io::parse_json(read_file(file), file.string());
  } catch (const Error&) {
    return std::nullopt;
  } catch (const fs::filesystem_error&) {
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("metrics")) return std::nullopt;
  try {
    runtime::ModelScore s;
    s.task = j.at("task").get<std::string>();
    s.split = j.at("split").get<std::string>();
    s.precision = format::parse_precision(j.at("precision").get<std::string>());
    s.examples = j.at("examples").get<int64_t>();
    s.predictions = j.at("predictions").get<int64_t>();
    s.metrics = j.at("metrics").get<std::map<std::string, double>>();
    for (const auto& [metric, i] : j.at("intervals").items()) {
      const ConfidenceInterval interval{i.at("low").get<double>(), i.at("high").get<double>(),
                                        i.at("method").get<std::string>(),
                                        i.at("units").get<int64_t>()};
      if (!std::isfinite(interval.low) || !std::isfinite(interval.high) ||
          !(interval.low <= interval.high) || !s.metrics.contains(metric))
        return std::nullopt;
      s.intervals[metric] = interval;
    }
    s.baseline = j.at("baseline").get<std::map<std::string, double>>();
    s.baseline_kind = j.at("baseline_kind").get<std::string>();
    s.seconds = j.at("seconds").get<double>();
    const auto finite = [](const std::map<std::string, double>& m) {
      return std::all_of(m.begin(), m.end(),
                         [](const auto& kv) { return std::isfinite(kv.second); });
    };
    if (s.examples < 1 || s.predictions < 0 || !finite(s.metrics) || !finite(s.baseline) ||
        s.metrics.empty() || !std::isfinite(s.seconds) || s.seconds < 0)
      return std::nullopt;
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

runtime::ModelScore cached_score(const fs::path& model_dir, const io::DataSpec& data,
                                 const fs::path& data_dir, const fs::path& cache_dir,
                                 const runtime::ScoreOptions& options) {
  const fs::path file = cache_dir / "scores" / (score_key(model_dir, data, options) + ".json");
  if (auto s = read_cached_score(file)) return *s;
  const runtime::ModelScore s = runtime::score_model(model_dir, data, data_dir, options);
  write_file_atomic(file, to_json(s).dump(2) + "\n");
  return s;
}

bool deploys_at(const io::DeviceSpec& device, format::Precision precision) {
  switch (precision) {
    case format::Precision::kInt8:
      return true;
    case format::Precision::kInt16:
      return device.kind == io::DeviceKind::kFpga;
    case format::Precision::kFp32:
      return device.kind != io::DeviceKind::kFpga;
  }
  return false;
}

std::vector<DeviceLatency> DevicePredictor::predict(const devices::Candidate& candidate,
                                                    std::size_t index) {
  devices::CandidateModel m;
  m.config = config;
  m.candidate = candidate;
  m.seq = seq;
  m.batch = batch;
  std::vector<io::DeviceSpec> where;
  for (const io::DeviceSpec& device : devices)
    if (deploys_at(device, candidate.precision)) where.push_back(device);
  std::vector<DeviceLatency> rows;
  for (devices::Prediction& e : devices::predict_catalog(where, m, options)) {
    rows.push_back({e.device_id, index, e.latency_us, e.provenance, e.verdict});
    estimates[{e.device_id, index}] = std::move(e);
  }
  return rows;
}

const devices::Prediction* DevicePredictor::estimate(const std::string& device,
                                                     std::size_t index) const {
  const auto it = estimates.find({device, index});
  return it == estimates.end() ? nullptr : &it->second;
}

}  // namespace fitformer::explore
