// Reads the State of the Union addresses and splits them by year.
#include "data/sotu.h"

#include <charconv>

#include "core/error.h"
#include "core/files.h"
#include "data/text.h"

namespace fitformer::data {
namespace fs = std::filesystem;

Dataset load_sotu(const fs::path& package_dir, Progress* progress) {
  const fs::path dir = package_dir / "data";
  Dataset out;
  out.name = "sotu-lm";
  out.kind = TaskKind::kLanguageModel;
  for (const fs::path& file : list_files(dir)) {
    if (file.extension() != ".txt") continue;
    // Names are YEAR_FIRST_..._PARTY.txt; two addresses fall in 1953 and in 1961.
    const std::string name = file.filename().string();
    int year = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), year);
    if (ec != std::errc() || end != name.data() + 4 || *end != '_' || year < 1790 || year > 2100) {
      throw Error(file.string(), "file name", "YEAR_NAME_PARTY.txt with a year from 1790", name);
    }
    std::string text = collapse_whitespace(to_valid_utf8(read_file(file)));
    if (text.empty()) throw Error(file.string(), "text", "a non-empty address", "an empty file");
    Example example{std::move(text), -1, name};
    (year <= 1990 ? out.train : year <= 2005 ? out.valid : out.test).push_back(std::move(example));
    advance(progress);
  }
  if (out.train.empty() || out.valid.empty() || out.test.empty()) {
    throw Error(dir.string(), "", "addresses from 1790 to 2021 (run scripts/setup)",
                "an incomplete set");
  }
  return out;
}

}  // namespace fitformer::data
