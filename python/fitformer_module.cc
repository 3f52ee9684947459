// The Python module `fitformer` (issue 14 item 8): a front end beside cli/ over the same
// library calls, returning plain dicts and lists, so a notebook can load a model, predict,
// score, plan an HP split, predict a device's latency and run select. fitformer::Error becomes
// fitformer.Error (a ValueError) with the same one-line message; long calls release the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/locations.h"
#include "devices/predict.h"
#include "explore/select_run.h"
#include "io/catalog.h"
#include "io/model_config.h"
#include "io/recipe.h"
#include "json_to_python.h"
#include "report/result_json.h"
#include "runtime/predict.h"
#include "runtime/score.h"
#include "sparsity/hp_plan.h"

namespace fitformer::python {
namespace {

namespace py = pybind11;
using Path = std::filesystem::path;

// "causal-lm" or "bert-classifier": the family as recipes and `devices predict --family` name it.
const char* family_name(io::ModelFamily family) {
  return family == io::ModelFamily::kCausalLm ? "causal-lm" : "bert-classifier";
}

py::dict config_dict(const io::ModelConfig& c) {
  py::dict d;
  d["family"] = family_name(c.family);
  d["model_type"] = std::string(io::model_type_name(c.family));
  d["vocab_size"] = c.vocab_size;
  d["hidden_size"] = c.hidden_size;
  d["num_hidden_layers"] = c.num_hidden_layers;
  d["num_attention_heads"] = c.num_attention_heads;
  d["intermediate_size"] = c.intermediate_size;
  d["max_position_embeddings"] = c.max_position_embeddings;
  if (c.family == io::ModelFamily::kBertClassifier) {
    d["num_labels"] = c.num_labels;
    d["labels"] = c.label_names;
  }
  return d;
}

py::dict load_model(const Path& dir) {
  runtime::PredictionModel m;
  runtime::SparseModelStats stats;
  {
    py::gil_scoped_release release;
    m = runtime::load_prediction_model(dir, format::Precision::kFp32);
    stats = runtime::sparse_model_stats(m.model);
  }
  py::dict d = config_dict(runtime::model_config(m.model));
  d["path"] = dir.string();
  d["tokenizer_vocab_size"] = m.tokenizer->vocab_size();
  d["hpf"] = stats.hpf_linears > 0;
  d["hpf_linears"] = stats.hpf_linears;
  d["dense_linears"] = stats.dense_linears;
  d["weights"] = stats.weights;
  d["kept_weights"] = stats.kept_weights;
  d["hpf_bytes"] = stats.hpf_bytes;
  d["hpf_dense_bytes"] = stats.hpf_dense_bytes;
  return d;
}

// The fields of `fitformer predict --json`, one dict per text.
py::dict prediction_dict(const std::string& text, const runtime::TextPrediction& p) {
  py::dict d;
  d["text"] = text;
  d["input_tokens"] = p.input_tokens;
  d["truncated"] = p.truncated;
  if (!p.labels.empty()) {
    d["label"] = p.labels.front().label;
    py::list labels;
    for (const auto& l : p.labels)
      labels.append(py::dict(py::arg("id") = l.id, py::arg("label") = l.label,
                             py::arg("probability") = l.probability));
    d["labels"] = labels;
  } else {
    d["continuation"] = p.continuation_text;
    py::list tokens;
    for (const auto& t : p.continuation)
      tokens.append(py::dict(py::arg("id") = t.id, py::arg("piece") = t.piece,
                             py::arg("probability") = t.probability));
    d["tokens"] = tokens;
  }
  return d;
}

py::list predict(const Path& model_dir, const py::object& texts, const std::string& precision,
                 int tokens, int threads) {
  std::vector<std::string> inputs;
  if (py::isinstance<py::str>(texts))
    inputs.push_back(texts.cast<std::string>());
  else
    inputs = texts.cast<std::vector<std::string>>();
  const format::Precision p = format::parse_precision(precision);  // before the model loads
  runtime::PredictOptions options;
  options.max_new_tokens = tokens;
  options.threads = threads;
  std::vector<runtime::TextPrediction> predictions;
  {
    py::gil_scoped_release release;
    const runtime::PredictionModel model = runtime::load_prediction_model(model_dir, p);
    for (const std::string& text : inputs)
      predictions.push_back(runtime::predict_text(model, text, options));
  }
  py::list out;
  for (size_t i = 0; i < inputs.size(); ++i) out.append(prediction_dict(inputs[i], predictions[i]));
  return out;
}

py::dict map_dict(const std::map<std::string, double>& values) {
  py::dict d;
  for (const auto& [key, value] : values) d[py::str(key)] = value;
  return d;
}

// `fitformer eval`'s figures: runtime::score_model on the recipe's (or task's) data.
py::dict score(const Path& model_dir, const std::optional<Path>& recipe,
               const std::optional<std::string>& task, const std::string& precision,
               const std::string& split, int max_length, int batch_size, int threads,
               const Path& data_dir) {
  if (recipe.has_value() == task.has_value())
    throw Error("", "recipe / task", "exactly one of them", recipe ? "both" : "neither");
  runtime::ScoreOptions options;
  options.precision = format::parse_precision(precision);
  options.split = split;
  options.max_length = max_length;
  options.batch_size = batch_size;
  options.threads = threads;
  runtime::ModelScore s;
  int length = 0;
  {
    py::gil_scoped_release release;
    const io::ModelConfig config = io::load_model_config(model_dir / "config.json");
    io::DataSpec spec;
    if (recipe)
      spec = io::load_recipe(*recipe, "").data;
    else
      spec.task = *task;
    s = runtime::score_model(model_dir, spec, data_dir, options);
    length = runtime::score_length(config, options.max_length);
  }
  py::dict d;
  d["model"] = model_dir.string();
  d["task"] = s.task;
  d["split"] = s.split;
  d["precision"] = std::string(format::precision_name(s.precision));
  d["examples"] = s.examples;
  d["predictions"] = s.predictions;
  d["max_length"] = length;
  d["metrics"] = map_dict(s.metrics);
  d["baseline"] = map_dict(s.baseline);
  d["baseline"]["kind"] = s.baseline_kind;
  d["seconds"] = s.seconds;
  d["provenance"] = "measured";
  return d;
}

py::dict hp_plan(int64_t rows, int64_t cols, double sparsity, std::optional<double> rho1,
                 std::optional<double> rho2, int64_t block_cols, int64_t banks) {
  sparsity::HpPlan plan;
  plan.sparsity = sparsity;
  plan.rho1 = rho1;
  plan.rho2 = rho2;
  plan.block_cols = block_cols;
  plan.banks = banks;
  const sparsity::HpSplit s = sparsity::split(plan, rows, cols);
  py::dict d;
  d["plan"] = sparsity::describe(plan);
  d["rows"] = rows;
  d["cols"] = cols;
  d["sparsity"] = sparsity;
  d["block_cols"] = s.params.block_cols;
  d["banks"] = s.params.banks;
  d["rho1"] = s.params.rho1;
  d["rho2"] = s.params.rho2;
  d["k1"] = s.counts.k1;
  d["n"] = s.counts.n;
  d["bank_width"] = s.counts.bank_width;
  d["kept"] = sparsity::hp_kept_count(rows, cols, s.params);
  d["density"] = s.density;
  return d;
}

// One device of `fitformer devices predict --json`: the same call per device, the same fields.
py::dict predict_latency(const std::string& device, const std::optional<Path>& model_dir,
                         const std::optional<Path>& config,
                         const std::optional<std::string>& family, int64_t seq, int64_t batch,
                         const std::string& precision, double sparsity, std::optional<double> rho1,
                         const std::optional<Path>& catalog, bool simulate, bool remeasure,
                         int threads, const Path& cache_dir) {
  if (int(model_dir.has_value()) + int(config.has_value()) + int(family.has_value()) != 1)
    throw Error("", "model_dir / config / family", "exactly one of them", "none or several");
  devices::CandidateModel m;
  m.candidate.plan.sparsity = sparsity;
  m.candidate.plan.rho1 = rho1;
  m.candidate.precision = format::parse_precision(precision);
  m.seq = seq;
  m.batch = batch;
  devices::PredictOptions options;
  options.simulate_fpga = simulate;
  options.remeasure = remeasure;
  options.cache_dir = cache_dir;
  options.host_threads = threads;
  devices::Prediction e;
  {
    py::gil_scoped_release release;
    if (family)
      m.config = devices::task_model_config(*family);
    else
      m.config = io::load_model_config(config ? *config : *model_dir / "config.json");
    const Path catalog_file = catalog ? *catalog : io::default_catalog_path();
    const std::vector<io::DeviceSpec> all = io::load_catalog(catalog_file);
    e = devices::predict_latency(io::find_device(all, device, catalog_file.string(), "device"), m,
                                 options);
  }
  py::dict d(json_to_python(report::prediction_json(e)));
  d["model_type"] = std::string(io::model_type_name(m.config.family));
  d["sparsity"] = sparsity;
  d["precision"] = precision;
  d["seq"] = seq;
  d["batch"] = batch;
  return d;
}

// `fitformer select`, writing result.json and report.html to the out folder as it does.
py::object select(const Path& recipe, const std::string& lc, const std::string& ac,
                  const std::string& ac_drop, const std::vector<std::string>& devices,
                  const std::vector<std::string>& exclude_devices, bool include_host,
                  const std::string& objective, const std::string& profile,
                  const std::optional<Path>& model, const std::optional<Path>& catalog,
                  const std::optional<Path>& out, int64_t batch, int64_t seq, int threads,
                  const std::vector<int64_t>& banks, const Path& data_dir, const Path& cache_dir,
                  bool log) {
  explore::SelectRequest r;
  r.recipe_file = recipe;
  r.profile = profile;
  r.model_dir = model.value_or(Path());
  r.lc = lc;
  r.ac = ac;
  r.ac_drop = ac_drop;
  r.objective = objective;
  r.devices = devices;
  r.exclude_devices = exclude_devices;
  r.include_host = include_host;
  r.catalog = catalog.value_or(Path());
  r.out_dir = out.value_or(Path());
  r.batch = batch;
  r.seq = seq;
  r.threads = threads;
  r.banks = banks;  // checked as the command's --banks (explore/select_run.cc)
  r.command = "fitformer.select(recipe=\"" + recipe.string() + "\", lc=\"" + lc + "\"" +
              (ac.empty() ? "" : ", ac=\"" + ac + "\"") +
              (ac_drop.empty() ? "" : ", ac_drop=\"" + ac_drop + "\"") + ")";
  r.workspace.data_dir = data_dir;  // the work folder stays the default's
  r.workspace.cache_dir = cache_dir;
  r.log = log;
  nlohmann::json result;
  {
    py::gil_scoped_release release;
    result = report::write_select_files(explore::run_select(r)).result;
  }
  return json_to_python(result);
}

}  // namespace
}  // namespace fitformer::python

PYBIND11_MODULE(fitformer, m) {
  namespace py = pybind11;
  namespace ff = fitformer::python;
  using py::arg;
  m.doc() =
      "fitformer from Python: the library calls behind the command line, returning plain dicts.";

  // fitformer.Error: a ValueError whose message is the CLI's one line; file, field, expected
  // and found as attributes. The type lives as long as the interpreter (the module keeps it).
  static PyObject* error_type = nullptr;
  error_type = py::exception<fitformer::Error>(m, "Error", PyExc_ValueError).ptr();
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const fitformer::Error& e) {
      py::object instance = py::handle(error_type)(e.what());
      instance.attr("file") = e.file();
      instance.attr("field") = e.field();
      instance.attr("expected") = e.expected();
      instance.attr("found") = e.found();
      PyErr_SetObject(error_type, instance.ptr());
    }
  });

  // The same defaults as the command's (core/locations.h).
  const fitformer::Locations locations = fitformer::default_locations();
  const std::string data_dir = locations.data.string();
  const std::string cache_dir = locations.cache.string();
  m.attr("DEFAULT_DATA_DIR") = data_dir;
  m.attr("DEFAULT_CACHE_DIR") = cache_dir;

  m.def("load_model", &ff::load_model, arg("path"),
        "A model folder's shape, labels, tokenizer size and whether its linears are HPF.");
  m.def("predict", &ff::predict, arg("model_dir"), arg("texts"), arg("precision") = "fp32",
        arg("tokens") = 20, arg("threads") = 1,
        "`fitformer predict --json` as a list of dicts, one per text (texts: str or list).");
  m.def("score", &ff::score, arg("model_dir"), arg("recipe") = py::none(), arg("task") = py::none(),
        arg("precision") = "fp32", arg("split") = "test", arg("max_length") = 0,
        arg("batch_size") = 32, arg("threads") = 0, arg("data_dir") = data_dir,
        "`fitformer eval`: the model's metrics on the recipe's (or task's) split, and the "
        "trivial baseline's.");
  m.def("hp_plan", &ff::hp_plan, arg("rows"), arg("cols"), arg("sparsity"),
        arg("rho1") = py::none(), arg("rho2") = py::none(), arg("block_cols") = 64,
        arg("banks") = 8,
        "The HP split (k1, n, densities, kept weights) of one rows x cols matrix.");
  m.def("predict_latency", &ff::predict_latency, arg("device"), arg("model_dir") = py::none(),
        arg("config") = py::none(), arg("family") = py::none(), arg("seq") = 128, arg("batch") = 1,
        arg("precision") = "int8", arg("sparsity") = 0.9, arg("rho1") = py::none(),
        arg("catalog") = py::none(), arg("simulate") = false, arg("remeasure") = false,
        arg("threads") = 1, arg("cache_dir") = cache_dir,
        "One device of `fitformer devices predict --json`: latency_ms and its provenance.");
  m.def("select", &ff::select, arg("recipe"), arg("lc"), arg("ac") = "", arg("ac_drop") = "",
        arg("devices") = std::vector<std::string>{},
        arg("exclude_devices") = std::vector<std::string>{}, arg("include_host") = false,
        arg("objective") = "price", arg("profile") = "", arg("model") = py::none(),
        arg("catalog") = py::none(), arg("out") = py::none(), arg("batch") = 1, arg("seq") = 0,
        arg("threads") = 1, arg("banks") = std::vector<int64_t>{}, arg("data_dir") = data_dir,
        arg("cache_dir") = cache_dir, arg("log") = true,
        "`fitformer select`: the result.json content (also written with report.html to out).");
}
