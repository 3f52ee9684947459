// `fitformer predict`: what a model says about a text (issue 14): a classifier's labels with
// their probabilities, a language model's greedy continuation, through the sparse runtime at
// the precision asked (runtime/predict.h). The first thing a user does with a model, and the
// check of a deployed artifact (select's model/ folder).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_folder.h"
#include "core/error.h"
#include "core/files.h"
#include "io/text_inputs.h"
#include "runtime/predict.h"

namespace fitformer::cli {
namespace {

struct PredictCommandOptions {
  std::string model_dir;
  std::string text;
  std::string input;
  std::string precision = "fp32";
  runtime::PredictOptions predict;
  bool json = false;
};

nlohmann::json prediction_json(const std::string& text, const runtime::TextPrediction& p) {
  nlohmann::json j = {{"text", text}, {"input_tokens", p.input_tokens}, {"truncated", p.truncated}};
  if (!p.labels.empty()) {
    j["label"] = p.labels.front().label;
    j["labels"] = nlohmann::json::array();
    for (const auto& l : p.labels)
      j["labels"].push_back({{"id", l.id}, {"label", l.label}, {"probability", l.probability}});
  } else {
    j["continuation"] = p.continuation_text;
    j["tokens"] = nlohmann::json::array();
    for (const auto& t : p.continuation)
      j["tokens"].push_back({{"id", t.id}, {"piece", t.piece}, {"probability", t.probability}});
  }
  return j;
}

// "spam 0.91, ham 0.09" (at most 5 labels), or the text and its continuation.
std::string prediction_text(const std::string& text, const runtime::TextPrediction& p) {
  std::string out;
  if (!p.labels.empty()) {
    for (size_t i = 0; i < p.labels.size() && i < 5; ++i)
      out += fmt::format("{}{} {:.4f}", i ? ", " : "", p.labels[i].label, p.labels[i].probability);
    if (p.labels.size() > 5) out += fmt::format(", ... ({} labels)", p.labels.size());
  } else {
    out = text + " >> " + p.continuation_text;
  }
  return out + (p.truncated ? " (input truncated to the model's window)" : "") + "\n";
}

void run_predict(const PredictCommandOptions& o, const GlobalOptions& global) {
  // Everything checked before the model loads.
  const format::Precision precision = format::parse_precision(o.precision);
  if (o.text.empty() == o.input.empty())
    throw Error("", "--text", "--text \"...\" or --input FILE.jsonl",
                o.text.empty() ? "neither" : "both");
  const std::vector<std::string> texts = o.input.empty()
                                             ? std::vector<std::string>{o.text}
                                             : io::parse_text_jsonl(read_file(o.input), o.input);
  const runtime::PredictionModel model =
      runtime::load_prediction_model(resolve_model_folder(o.model_dir, global), precision);
  for (const std::string& text : texts) {
    const runtime::TextPrediction p = runtime::predict_text(model, text, o.predict);
    if (o.json)
      fmt::print("{}\n", prediction_json(text, p).dump());
    else
      fmt::print("{}", prediction_text(text, p));
  }
}

}  // namespace

void add_predict_command(CLI::App& app, const GlobalOptions& global) {
  auto o = std::make_shared<PredictCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "Run a model on a text: a classifier's labels with probabilities, a language model's "
      "continuation (through the runtime select deploys)");
  cmd->add_option("--model", o->model_dir,
                  "Model folder (config.json, model.safetensors, tokenizer): trained, pruned, "
                  "select's deployed model/, or a Hugging Face BERT, DistilBERT or RoBERTa "
                  "classifier")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--text", o->text, "One text");
  cmd->add_option("--input", o->input, "JSON Lines file, one {\"text\": ...} per line")
      ->check(CLI::ExistingFile);
  cmd->add_option("--precision", o->precision,
                  "fp32, or the accelerator's int16 / int8 in the encoder linears")
      ->capture_default_str();
  cmd->add_option("--tokens", o->predict.max_new_tokens, "Language model: tokens to continue with")
      ->capture_default_str();
  cmd->add_option("--threads", o->predict.threads, "Runtime threads")->capture_default_str();
  cmd->add_flag("--json", o->json, "One JSON object per text");
  cmd->callback([o, &global]() { run_predict(*o, global); });
}

}  // namespace fitformer::cli
