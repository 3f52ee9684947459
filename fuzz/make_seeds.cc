// Writes the seed corpora of the harnesses from fitformer's own writers and files: valid
// safetensors and HPF files, config.json of both families, the shipped recipes and catalog
// entries, user rows, mails and WordPiece inputs. Run once (fuzz_make_seeds fuzz/corpus) and
// commit the output; found crashes are added beside the seeds as crash-* files.
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/random.h"
#include "format/hpf.h"
#include "format/hpf_safetensors.h"
#include "io/model_config.h"
#include "io/safetensors.h"
#include "sparsity/hierarchical.h"
#include "sparsity/mask.h"

using namespace fitformer;
namespace fs = std::filesystem;

namespace {

std::vector<float> uniform(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  return v;
}

template <typename T>
io::TensorInfo tensor(std::string name, io::DType dtype, std::vector<int64_t> shape,
                      const std::vector<T>& values) {
  io::TensorInfo t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes = std::as_bytes(std::span(values));
  return t;
}

void write_safetensors_seeds(const fs::path& dir) {
  // A tiny causal LM's dense tensors with metadata, as `fitformer train` writes them.
  const auto emb = uniform(16 * 8, 1), w = uniform(8 * 8, 2), b = uniform(8, 3);
  const io::TensorInfo dense[] = {io::f32_tensor("encoder.weight", {16, 8}, emb),
                                  io::f32_tensor("layers.0.linear1.weight", {8, 8}, w),
                                  io::f32_tensor("layers.0.linear1.bias", {8}, b)};
  io::write_safetensors(dir / "dense.safetensors", dense, {{"format", "pt"}, {"step", "12"}});
  // One tensor of each other dtype, and an empty one.
  const std::vector<uint16_t> halves = {0x3c00, 0xc000, 0x0001, 0x7bff};
  const std::vector<int8_t> i8 = {-128, 0, 127};
  const std::vector<int16_t> i16 = {-32768, 1, 32767};
  const std::vector<int32_t> i32 = {7, -7};
  const std::vector<int64_t> i64 = {1, 2};
  const std::vector<uint8_t> u8 = {0, 255, 9};
  const std::vector<float> none;
  const io::TensorInfo dtypes[] = {
      tensor("h", io::DType::kF16, {2, 2}, halves), tensor("bh", io::DType::kBF16, {4}, halves),
      tensor("c", io::DType::kI8, {3}, i8),         tensor("s", io::DType::kI16, {3, 1}, i16),
      tensor("i", io::DType::kI32, {2}, i32),       tensor("l", io::DType::kI64, {2}, i64),
      tensor("u", io::DType::kU8, {3}, u8),         tensor("empty", io::DType::kF32, {0, 4}, none)};
  io::write_safetensors(dir / "dtypes.safetensors", dtypes);
  io::write_safetensors(dir / "no-tensors.safetensors", {});

  // HPF matrices of every value type and scale mode, ragged shapes, from the real packer.
  struct HpfSeed {
    const char* file;
    int64_t rows, cols;
    sparsity::HpParams params;
    format::ValueType type;
    format::ScaleMode scale;
  };
  const HpfSeed seeds[] = {
      {"hpf-f32.safetensors",
       13,
       70,
       {0.5, 0.5, 16, 4},
       format::ValueType::kF32,
       format::ScaleMode::kPerMatrix},
      {"hpf-i8-per-row.safetensors",
       7,
       13,
       {0.3, 0.75, 12, 3},
       format::ValueType::kI8,
       format::ScaleMode::kPerRow},
      {"hpf-f16.safetensors",
       8,
       16,
       {1.0, 0.25, 8, 8},
       format::ValueType::kF16,
       format::ScaleMode::kPerMatrix},
      {"hpf-i16.safetensors",
       9,
       33,
       {0.25, 1.0, 32, 2},
       format::ValueType::kI16,
       format::ScaleMode::kPerMatrix},
  };
  for (const HpfSeed& s : seeds) {
    const std::vector<float> weights = uniform(static_cast<size_t>(s.rows * s.cols), 9);
    const sparsity::Mask mask =
        sparsity::hp_mask(sparsity::magnitude_scores(weights), s.rows, s.cols, s.params);
    const std::map<std::string, format::hpf::Matrix> matrices = {
        {"layers.0.linear1.weight",
         format::pack_hpf(weights, s.rows, s.cols, mask, s.params, s.type, s.scale)}};
    const std::vector<float> bias = uniform(static_cast<size_t>(s.rows), 4);
    const io::TensorInfo others[] = {io::f32_tensor("layers.0.linear1.bias", {s.rows}, bias)};
    format::write_hpf_safetensors(dir / s.file, matrices, others);
  }
}

void write_config_seeds(const fs::path& dir) {
  io::ModelConfig lm = io::default_model_config(io::ModelFamily::kCausalLm);
  lm.vocab_size = 8000;
  write_file_atomic(dir / "causal-lm.json", io::model_config_json(lm));
  io::ModelConfig bert = io::default_model_config(io::ModelFamily::kBertClassifier);
  bert.num_labels = 3;
  bert.label_names = {"ham", "spam", "eggs"};
  bert.problem_type = "single_label_classification";
  write_file_atomic(dir / "bert-labels.json", io::model_config_json(bert));
  io::ModelConfig small = io::default_model_config(io::ModelFamily::kBertClassifier);
  small.hidden_size = 128;
  small.num_attention_heads = 2;
  small.classifier_dropout = 0.2;
  write_file_atomic(dir / "bert-num-labels.json", io::model_config_json(small));
}

void write_recipe_seeds(const fs::path& dir, const fs::path& source) {
  for (const char* name : {"sotu-lm.toml", "spam-cls.toml", "wordnet-cls.toml"})
    write_file_atomic(dir / name, read_file(source / "recipes" / name));
  write_file_atomic(dir / "user-data.toml",
                    "name = \"my-rows\"\n[data]\nkind = \"classification\"\npath = \"rows.csv\"\n"
                    "format = \"csv\"\ntext_field = \"body\"\nlabel_field = \"tag\"\n"
                    "[tokenizer]\nkind = \"wordpiece\"\nvocab = \"vocab.txt\"\n"
                    "[model]\nfamily = \"bert-classifier\"\n"
                    "[profiles.quick.train]\nmax_steps = 10\nmax_minutes = 0.5\n");
}

// One entry of each kind from the shipped catalog (the whole file is 20 kB, which would slow
// every execution), cut at its [[device]] headers.
void write_catalog_seeds(const fs::path& dir, const fs::path& source) {
  const std::string text = read_file(source / "catalog" / "devices.toml");
  std::vector<std::string> entries;
  // Headers at a line start only: the file's opening comment mentions [[device]] too.
  for (size_t pos = text.find("\n[[device]]"); pos != std::string::npos;) {
    const size_t next = text.find("\n[[device]]", pos + 1);
    entries.push_back(text.substr(pos + 1, next == std::string::npos ? next : next - pos - 1));
    pos = next;
  }
  std::set<std::string> kinds;
  bool host = false;
  const auto value_of = [](const std::string& entry, const std::string& key) {
    const size_t start = entry.find(key + " = \"") + key.size() + 4;
    return entry.substr(start, entry.find('"', start) - start);
  };
  for (const std::string& e : entries) {
    const bool is_host = e.find("host = true") != std::string::npos;
    if (!kinds.insert(value_of(e, "kind")).second && !(is_host && !host)) continue;
    host = host || is_host;
    write_file_atomic(dir / (value_of(e, "id") + ".toml"), e);
  }
}

void write_rows_seeds(const fs::path& dir) {
  // The first byte picks the format (user_rows_fuzz.cc): 0 TSV, 1 CSV, 2 JSON lines.
  write_file_atomic(dir / "rows.tsv", std::string(1, '\0') +
                                          "text\tlabel\nthe cat sat\tyes\nno it did not\tno\n"
                                          "a third\tyes\r\n\nmaybe\tno\n");
  write_file_atomic(dir / "rows.csv",
                    std::string(1, '\1') +
                        "label,text\nyes,\"quoted, with comma\"\nno,\"line\nbreak\"\n"
                        "yes,\"a \"\"quote\"\"\"\r\nno,plain\n");
  write_file_atomic(dir / "rows.jsonl",
                    std::string(1, '\2') +
                        "{\"text\": \"first row\", \"label\": 1}\n"
                        "{\"text\": \"second \\u00e9\", \"label\": 2}\n\n"
                        "{\"label\": \"1\", \"text\": \"x\", \"extra\": [1]}\n");
}

void write_mail_seeds(const fs::path& dir) {
  write_file_atomic(dir / "plain.eml",
                    "From: a@example.com\nSubject: hello\n  folded subject\n\nPlain body.\n");
  write_file_atomic(
      dir / "multipart.eml",
      "Content-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\n"
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
      "caf=C3=A9 soft=\nbreak\n--b1\nContent-Type: text/html\n"
      "Content-Transfer-Encoding: base64\n\nPGI+Ym9sZDwvYj4gJmFtcDsgPGJyPg==\n--b1--\n");
  write_file_atomic(
      dir / "mixed.eml",
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n\r\nnested text\r\n"
      "--inner--\r\n--outer\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--outer--\r\n");
  write_file_atomic(dir / "html.eml",
                    "Content-Type: text/html\n\n<html><body><p>Hi &amp; bye &#233; &#x263A;"
                    "<script>x()</script><style>p{}</style><!-- c --><br>end</p></body></html>\n");
}

void write_wordpiece_seeds(const fs::path& dir) {
  // First byte even: text for the fixed vocabulary; odd: a vocab.txt (wordpiece_fuzz.cc).
  write_file_atomic(dir / "text", std::string(1, '\0') +
                                      "Hello, world! The unwanted h\xc3\xa9llo [CLS] running "
                                      "\xe5\x8d\x9a\xe6\x8e\xa8 $5.\n\ttabs\xe2\x80\x94");
  write_file_atomic(dir / "vocab", std::string(1, '\3') +
                                       "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n,\n"
                                       "!\nun\n##want\n##ed\nh\xc3\xa9llo\r\n\xe5\x8d\x9a\r##s\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds OUTPUT_DIR (e.g. fuzz/corpus)\n");
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path source = FITFORMER_SOURCE_DIR;
  write_safetensors_seeds(out / "safetensors");
  write_config_seeds(out / "model_config");
  write_recipe_seeds(out / "recipe", source);
  write_catalog_seeds(out / "catalog", source);
  write_rows_seeds(out / "user_rows");
  write_mail_seeds(out / "mail");
  write_wordpiece_seeds(out / "wordpiece");
  return 0;
}
