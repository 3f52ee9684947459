// Harness: any bytes as a raw mail (spam-cls's reader) and as HTML; neither may throw, and
// the cleaned text must be valid UTF-8 once repaired, as the dataset stores it.
#include "data/mail.h"
#include "data/text.h"
#include "data/unicode.h"
#include "fuzz_check.h"

using namespace fitformer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw = fuzz::as_text(data, size);
  const std::string body = data::mail_body_text(raw);
  const std::string text = data::collapse_whitespace(data::to_valid_utf8(body));
  fuzz::require(data::is_valid_utf8(text), "repaired mail text is valid UTF-8");
  (void)data::html_to_text(raw);
  return 0;
}
