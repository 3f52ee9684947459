// predict_text: one text through the sparse runtime, with the scorer's tokenization and
// windows, so that a prediction and a score of the same model never disagree on the input.
#include "runtime/predict.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data/dataset.h"
#include "model/evaluate.h"
#include "runtime/score.h"

namespace fitformer::runtime {
namespace {

// Softmax in double: the probabilities are reported, and summing floats of a large
// vocabulary would lose the small ones.
std::vector<double> softmax(std::span<const float> logits) {
  const float top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) sum += p[i] = std::exp(double(logits[i]) - top);
  for (double& v : p) v /= sum;
  return p;
}

void predict_labels(const PredictionModel& m, std::string_view text, const PredictOptions& o,
                    TextPrediction& out) {
  const io::ModelConfig& config = model_config(m.model);
  const int window = score_length(config, 0);
  data::Example example;
  example.text = std::string(text);
  const model::EncodedRows rows =
      model::encode_classification(std::span(&example, 1), *m.tokenizer, window);
  model::TokenBatch batch;
  batch.batch_size = 1;
  batch.seq_len = rows.seq_len;
  batch.token_ids = rows.ids;
  batch.lengths = {rows.lengths.at(0)};
  out.input_tokens = rows.lengths[0];
  // [CLS] and [SEP] around the text's own tokens.
  out.truncated = static_cast<int64_t>(m.tokenizer->encode(text).size()) + 2 > rows.seq_len;
  const model::Tensor logits = sparse_forward(m.model, batch, model::RunConfig{o.threads});
  const std::vector<double> p = softmax(logits.data);
  for (int32_t id = 0; id < config.num_labels; ++id) {
    const auto index = static_cast<size_t>(id);
    out.labels.push_back({id,
                          index < config.label_names.size() ? config.label_names[index]
                                                            : "LABEL_" + std::to_string(id),
                          p[index]});
  }
  std::stable_sort(out.labels.begin(), out.labels.end(),
                   [](const auto& a, const auto& b) { return a.probability > b.probability; });
}

void continue_text(const PredictionModel& m, std::string_view text, const PredictOptions& o,
                   TextPrediction& out) {
  const io::ModelConfig& config = model_config(m.model);
  const int window = score_length(config, 0);
  std::vector<int32_t> ids = m.tokenizer->encode(text);
  if (ids.empty()) throw Error("", "text", "some text the tokenizer turns into tokens", "none");
  out.truncated = static_cast<int>(ids.size()) > window;
  const int32_t eos = m.tokenizer->special_tokens().eos;
  std::vector<int32_t> generated;
  for (int step = 0; step < o.max_new_tokens; ++step) {
    // The last `window` tokens: positions beyond the model's table do not exist.
    const size_t start = ids.size() > static_cast<size_t>(window) ? ids.size() - window : 0;
    model::TokenBatch batch;
    batch.batch_size = 1;
    batch.seq_len = static_cast<int64_t>(ids.size() - start);
    batch.token_ids.assign(ids.begin() + static_cast<std::ptrdiff_t>(start), ids.end());
    if (step == 0) out.input_tokens = batch.seq_len;
    const model::Tensor logits = sparse_forward(m.model, batch, model::RunConfig{o.threads});
    const auto vocab = static_cast<size_t>(config.vocab_size);
    const std::span<const float> last(logits.data.data() + (batch.seq_len - 1) * vocab, vocab);
    const std::vector<double> p = softmax(last);
    const auto next = static_cast<int32_t>(std::max_element(p.begin(), p.end()) - p.begin());
    out.continuation.push_back({next, m.tokenizer->piece(next), p[static_cast<size_t>(next)]});
    ids.push_back(next);
    generated.push_back(next);
    if (next == eos) break;
  }
  out.continuation_text = m.tokenizer->decode(generated);
}

}  // namespace

PredictionModel load_prediction_model(const std::filesystem::path& dir,
                                      format::Precision precision) {
  PredictionModel m;
  m.dir = dir;
  m.precision = precision;
  m.model = load_sparse_model(dir);
  if (precision != format::Precision::kFp32)
    convert_to_fixed_point(m.model, format::precision_value_type(precision));
  m.tokenizer = open_model_tokenizer(dir);
  return m;
}

TextPrediction predict_text(const PredictionModel& model, std::string_view text,
                            const PredictOptions& options) {
  if (options.max_new_tokens < 1 || options.max_new_tokens > 4096)
    throw Error("", "--tokens", "a count in [1, 4096]", std::to_string(options.max_new_tokens));
  TextPrediction out;
  if (model_config(model.model).family == io::ModelFamily::kCausalLm)
    continue_text(model, text, options, out);
  else
    predict_labels(model, text, options, out);
  return out;
}

}  // namespace fitformer::runtime
