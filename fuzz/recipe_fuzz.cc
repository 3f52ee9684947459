// Harness: any bytes as a recipe TOML, read with no profile and with the "quick" profile.
// toml++ is linked as the product links it (the Debian shared library, TOML_HEADER_ONLY=0).
#include "core/safe_name.h"
#include "fuzz_check.h"
#include "io/recipe.h"

using namespace fitformer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::as_text(data, size));
  for (const char* profile : {"", "quick"}) {
    try {
      const io::Recipe r = io::parse_recipe(text, "/fuzz/recipes/fuzz.toml", profile);
      fuzz::require(is_safe_name(r.name), "an accepted recipe's name is a safe name");
      fuzz::require(r.data.text_field != r.data.label_field, "text and label fields differ");
    } catch (const Error& e) {
      fuzz::check_error(e);
    }
  }
  return 0;
}
