// Harness: a user's classification rows. The first byte picks the format (TSV, CSV, JSON
// lines) and whether the fields are the defaults or swapped; the rest is the file.
#include "data/user_data.h"
#include "fuzz_check.h"

using namespace fitformer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kFormats[] = {"tsv", "csv", "jsonl"};
  io::DataSpec spec;
  spec.kind = "classification";
  spec.format = kFormats[data[0] % 3];
  spec.path = "/fuzz/rows." + spec.format;
  if (data[0] & 0x4) std::swap(spec.text_field, spec.label_field);
  try {
    const data::Dataset d =
        data::parse_user_rows(std::string(fuzz::as_text(data + 1, size - 1)), spec);
    const size_t labels = d.label_names.size();
    fuzz::require(labels >= 2, "at least two labels");
    for (const auto* split : {&d.train, &d.valid, &d.test})
      for (const data::Example& e : *split)
        fuzz::require(e.label >= 0 && static_cast<size_t>(e.label) < labels, "label in range");
  } catch (const Error& e) {
    fuzz::check_error(e);
  }
  return 0;
}
