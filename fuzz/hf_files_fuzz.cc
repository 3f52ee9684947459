// Harness: a Hugging Face folder's small files on arbitrary bytes. First byte mod 3 picks the
// reader of the rest: 0 config.json (parse_hf_config: an accepted config must be one fitformer
// writes and reads back unchanged, within ModelLimits), 1 tokenizer_config.json, 2
// tokenizer.json (an accepted vocabulary must load as a WordPiece, or be refused as one).
#include "data/folder_tokenizer.h"
#include "fuzz_check.h"
#include "io/hf_config.h"

using namespace fitformer;

namespace {

void config_json(std::string_view text) {
  const io::HfConfig hf = io::parse_hf_config(std::string(text), "fuzz/config.json");
  fuzz::require(io::approx_parameter_count(hf.config) <= io::ModelLimits::kParameters,
                "parameter count within limits");
  fuzz::require(hf.position_offset >= 0, "position offset not negative");
  for (const std::string& w : hf.warnings)
    fuzz::require(w.find('\n') == std::string::npos, "a warning is one line");
  const io::ModelConfig again =
      io::parse_model_config(io::model_config_json(hf.config), "fuzz/config-written.json");
  fuzz::require(again == hf.config, "imported config.json round trip");
}

void tokenizer_json(std::string_view text) {
  const data::WordPieceSource source = data::parse_tokenizer_json(text, "fuzz/tokenizer.json");
  try {
    const auto t = data::parse_wordpiece(source.vocab_text, "fuzz/tokenizer.json",
                                         source.lower_case.value_or(true));
    for (int32_t id : t->encode("Hello, world! h\u00e9llo \u535a [CLS] x"))
      fuzz::require(id >= 0 && id < t->vocab_size(), "id within vocabulary");
  } catch (const Error& e) {
    fuzz::check_error(e);  // e.g. no [UNK]
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        config_json(rest);
        break;
      case 1:
        (void)data::parse_tokenizer_config(rest, "fuzz/tokenizer_config.json");
        break;
      default:
        tokenizer_json(rest);
    }
  } catch (const Error& e) {
    fuzz::check_error(e);
  }
  return 0;
}
