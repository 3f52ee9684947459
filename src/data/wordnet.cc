// Parses WordNet's data.noun (format in wndb(5WN)) into (gloss, supersense) examples.
#include "data/wordnet.h"

#include <charconv>
#include <sstream>

#include "core/error.h"
#include "core/files.h"
#include "data/split.h"
#include "data/text.h"

namespace fitformer::data {
namespace fs = std::filesystem;

const std::vector<std::string>& wordnet_noun_supersenses() {
  static const std::vector<std::string> names = {
      "noun.Tops",     "noun.act",        "noun.animal",        "noun.artifact",   "noun.attribute",
      "noun.body",     "noun.cognition",  "noun.communication", "noun.event",      "noun.feeling",
      "noun.food",     "noun.group",      "noun.location",      "noun.motive",     "noun.object",
      "noun.person",   "noun.phenomenon", "noun.plant",         "noun.possession", "noun.process",
      "noun.quantity", "noun.relation",   "noun.shape",         "noun.state",      "noun.substance",
      "noun.time"};
  return names;
}

namespace {

constexpr int kFirstNounLexFile = 3;  // lexnames(5WN): noun.Tops is file 03

// A synset line: "OFFSET LEXFILE n W_CNT (WORD LEX_ID){W_CNT} P_CNT (PTR){P_CNT} | GLOSS".
// Only the fields up to the gloss marker are checked; the gloss is the text.
Example parse_synset(std::string_view line, const std::string& where) {
  const auto fail = [&](const std::string& field, const std::string& expected) {
    return Error(where, field, expected, "\"" + std::string(line.substr(0, 60)) + "\"");
  };
  const size_t bar = line.find(" | ");
  if (bar == std::string_view::npos) throw fail("gloss", "a ' | ' before the gloss");
  std::istringstream fields{std::string(line.substr(0, bar))};
  std::string offset, lex_file, ss_type;
  if (!(fields >> offset >> lex_file >> ss_type)) throw fail("synset", "offset, lex file, type");
  if (offset.size() != 8 || offset.find_first_not_of("0123456789") != std::string::npos) {
    throw fail("synset_offset", "8 decimal digits");
  }
  int lex = -1;
  const auto [end, ec] = std::from_chars(lex_file.data(), lex_file.data() + lex_file.size(), lex);
  const int num_labels = static_cast<int>(wordnet_noun_supersenses().size());
  if (ec != std::errc() || end != lex_file.data() + lex_file.size() || lex < kFirstNounLexFile ||
      lex >= kFirstNounLexFile + num_labels) {
    throw fail("lex_filenum", "a noun lexicographer file from 03 to 28");
  }
  if (ss_type != "n") throw fail("ss_type", "n (noun)");
  std::string text = collapse_whitespace(to_valid_utf8(line.substr(bar + 3)));
  if (text.empty()) throw fail("gloss", "a non-empty gloss");
  return Example{std::move(text), lex - kFirstNounLexFile, where + " " + offset};
}

}  // namespace

std::vector<Example> read_wordnet_nouns(const fs::path& data_noun) {
  const std::string bytes = read_file(data_noun);
  if (!bytes.empty() && bytes.back() != '\n') {
    throw Error(data_noun.string(), "end of file", "a final newline", "a cut-off last line");
  }
  std::vector<Example> examples;
  size_t line_no = 0;
  for (size_t pos = 0; pos < bytes.size();) {
    size_t eol = bytes.find('\n', pos);
    if (eol == std::string::npos) eol = bytes.size();
    const std::string_view line(bytes.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    // The licence at the top is indented by two spaces; every other line is a synset.
    if (line.empty() || line.starts_with("  ")) continue;
    examples.push_back(parse_synset(line, data_noun.string() + ":" + std::to_string(line_no)));
  }
  if (examples.empty()) {
    throw Error(data_noun.string(), "", "WordNet noun synsets", "none (truncated or empty file)");
  }
  return examples;
}

Dataset load_wordnet(const fs::path& data_noun, Progress* progress) {
  Dataset out;
  out.name = "wordnet-cls";
  out.kind = TaskKind::kClassification;
  out.label_names = wordnet_noun_supersenses();
  std::vector<Example> examples = read_wordnet_nouns(data_noun);
  advance(progress, examples.size());
  split_stratified(std::move(examples), static_cast<int>(out.label_names.size()),
                   SplitFractions{0.1, 0.1, 1}, out);
  return out;
}

}  // namespace fitformer::data
