// The malformed-input table of docs/reliability.md, as tests of the real binary: every input
// makes `fitformer` stop with exit 1 and one line "fitformer: error: FILE: FIELD: expected
// ..., found ..." of at most 200 characters after the prefix, never a crash, a sanitizer
// report, a hang (each run is bounded by `timeout`) or a silent success. In the ASan build
// (scripts/test) a sanitizer report would add lines and fail the exact-output checks.
//
// With FITFORMER_RELIABILITY_TABLE=DIR set, each case also writes its table row (the outcome
// as measured) to DIR/NNN.md; docs/reliability.md is those rows concatenated.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/catalog_fixture.h"
#include "common/run_fitformer.h"
#include "common/temp_dir.h"
#include "core/printable.h"

namespace fitformer {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

// ---------------------------------------------------------------- inputs written by hand

// A safetensors file from a header text and data bytes, written here without fitformer's
// writer so that any header, valid or not, can be produced.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

// The smallest causal LM fitformer loads (vocab 8, hidden 4, one layer, 2 heads), as named
// tensors of fp32 values with a config.json; cases edit it before writing.
struct TinyModel {
  struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float> values;
    std::string dtype = "F32";
    std::string raw;  // bytes used instead of values when not empty
  };
  ordered_json config = {{"model_type", "fitformer-causal-lm"},
                         {"vocab_size", 8},
                         {"hidden_size", 4},
                         {"num_hidden_layers", 1},
                         {"num_attention_heads", 2},
                         {"intermediate_size", 8},
                         {"max_position_embeddings", 16}};
  std::vector<Tensor> tensors;
  std::map<std::string, std::string> metadata;

  TinyModel() {
    const std::string p = "transformer_encoder.layers.0.";
    const std::vector<std::pair<std::string, std::vector<int64_t>>> specs = {
        {"encoder.weight", {8, 4}},
        {p + "norm1.weight", {4}},
        {p + "norm1.bias", {4}},
        {p + "norm2.weight", {4}},
        {p + "norm2.bias", {4}},
        {p + "self_attn.in_proj_weight", {12, 4}},
        {p + "self_attn.in_proj_bias", {12}},
        {p + "self_attn.out_proj.weight", {4, 4}},
        {p + "self_attn.out_proj.bias", {4}},
        {p + "linear1.weight", {8, 4}},
        {p + "linear1.bias", {8}},
        {p + "linear2.weight", {4, 8}},
        {p + "linear2.bias", {4}},
        {"decoder.weight", {8, 4}},
        {"decoder.bias", {8}}};
    set_tensors(specs);
  }

  // One fp32 tensor per (name, shape), filled with a fixed pattern of small values.
  void set_tensors(const std::vector<std::pair<std::string, std::vector<int64_t>>>& specs) {
    tensors.clear();
    int k = 0;
    for (const auto& [name, shape] : specs) {
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      std::vector<float> values(static_cast<size_t>(n));
      for (float& v : values) v = static_cast<float>((k++ % 17) - 8) / 16.0f;
      tensors.push_back({name, shape, values, "F32", ""});
    }
  }

  Tensor& tensor(const std::string& name) {
    for (Tensor& t : tensors)
      if (t.name == name) return t;
    throw std::runtime_error("no tensor " + name);
  }

  // The header and data of model.safetensors, tensors laid out in order.
  std::pair<ordered_json, std::string> layout() const {
    ordered_json header = ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::string data;
    for (const Tensor& t : tensors) {
      const std::string bytes = t.raw.empty()
                                    ? std::string(reinterpret_cast<const char*>(t.values.data()),
                                                  t.values.size() * sizeof(float))
                                    : t.raw;
      header[t.name] = {{"dtype", t.dtype},
                        {"shape", t.shape},
                        {"data_offsets", {data.size(), data.size() + bytes.size()}}};
      data += bytes;
    }
    return {header, data};
  }

  void write(const fs::path& dir) const {
    fs::create_directories(dir);
    const auto [header, data] = layout();
    std::ofstream(dir / "model.safetensors", std::ios::binary)
        << safetensors_bytes(header.dump(), data);
    std::ofstream(dir / "config.json") << config.dump(2);
  }
};

// One HPF matrix in place of the dense linear1 weight [8, 4]: block_cols 4 in 2 banks of
// width 2 (1 offset bit), n 1, k1 4, so rows I32 [1, 4], vals F32 [1, 4, 2, 1], offs 1 byte.
void make_linear1_hpf(TinyModel& m) {
  const std::string w = "transformer_encoder.layers.0.linear1.weight";
  std::erase_if(m.tensors, [&](const TinyModel::Tensor& t) { return t.name == w; });
  const std::vector<int32_t> rows = {0, 2, 5, 7};
  m.tensors.push_back({w + ".hpf.rows",
                       {1, 4},
                       {},
                       "I32",
                       std::string(reinterpret_cast<const char*>(rows.data()), rows.size() * 4)});
  m.tensors.push_back(
      {w + ".hpf.vals", {1, 4, 2, 1}, {0.5f, -0.25f, 1, 2, -1, 0.75f, 0.1f, 0.2f}, "F32", ""});
  m.tensors.push_back({w + ".hpf.offs", {1}, {}, "U8", std::string(1, '\x5a')});
  const std::map<std::string, std::string> meta = {
      {"format", "hpf-1"}, {"rows", "8"},         {"cols", "4"},
      {"block_cols", "4"}, {"banks", "2"},        {"n", "1"},
      {"k1", "4"},         {"value_type", "f32"}, {"scale", "per-matrix"}};
  for (const auto& [k, v] : meta) m.metadata[w + ".hpf." + k] = v;
}

// The smallest DistilBertForSequenceClassification folder (vocab 8, dim 4, one layer, 2 heads,
// 2 labels) with the names modeling_distilbert gives, a config.json without the bookkeeping
// keys (each would add a warning line) and a vocab.txt.
TinyModel tiny_distilbert() {
  TinyModel m;
  m.config = {{"model_type", "distilbert"},
              {"vocab_size", 8},
              {"dim", 4},
              {"n_layers", 1},
              {"n_heads", 2},
              {"hidden_dim", 8},
              {"max_position_embeddings", 16}};
  const std::string p = "distilbert.transformer.layer.0.";
  std::vector<std::pair<std::string, std::vector<int64_t>>> specs = {
      {"distilbert.embeddings.word_embeddings.weight", {8, 4}},
      {"distilbert.embeddings.position_embeddings.weight", {16, 4}},
      {"distilbert.embeddings.LayerNorm.weight", {4}},
      {"distilbert.embeddings.LayerNorm.bias", {4}}};
  for (const char* lin : {"attention.q_lin.", "attention.k_lin.", "attention.v_lin.",
                          "attention.out_lin.", "pre_classifier."}) {
    const std::string prefix = std::string(lin) == "pre_classifier." ? "" : p;
    specs.push_back({prefix + lin + "weight", {4, 4}});
    specs.push_back({prefix + lin + "bias", {4}});
  }
  for (const char* norm : {"sa_layer_norm.", "output_layer_norm."}) {
    specs.push_back({p + norm + "weight", {4}});
    specs.push_back({p + norm + "bias", {4}});
  }
  specs.insert(specs.end(), {{p + "ffn.lin1.weight", {8, 4}},
                             {p + "ffn.lin1.bias", {8}},
                             {p + "ffn.lin2.weight", {4, 8}},
                             {p + "ffn.lin2.bias", {4}},
                             {"classifier.weight", {2, 4}},
                             {"classifier.bias", {2}}});
  m.set_tensors(specs);
  return m;
}

// A DistilBERT folder at dir/m after `edit`, with a WordPiece vocab.txt.
std::function<void(const fs::path&)> distilbert_with(std::function<void(const fs::path&)> edit) {
  return [edit](const fs::path& dir) {
    tiny_distilbert().write(dir / "m");
    std::ofstream(dir / "m" / "vocab.txt") << "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n";
    edit(dir / "m");
  };
}

const char* kRecipeBase = "[data]\ntask = \"sotu-lm\"\n";

const char* const kCatalog = testing::kValidCatalog;

using testing::replace_line;

std::string deep(size_t n) {
  return std::string(n, '[') + std::string(n, ']');
}

// ---------------------------------------------------------------- the table

struct Case {
  std::string format;   // which reader
  std::string input;    // what is wrong with it (markdown)
  std::string command;  // fitformer's arguments; {dir} is the case's folder
  std::function<void(const fs::path& dir)> setup;
  std::vector<std::string> expect;  // parts of the error line; {dir} replaced
};

void write(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

// A model folder where one tensor of the tiny model is replaced.
std::function<void(const fs::path&)> model_with(std::function<void(TinyModel&)> edit) {
  return [edit](const fs::path& dir) {
    TinyModel m;
    edit(m);
    m.write(dir / "m");
  };
}

// A model folder whose model.safetensors is `bytes` (config.json valid).
std::function<void(const fs::path&)> weights_file(std::string bytes) {
  return [bytes](const fs::path& dir) {
    TinyModel().write(dir / "m");
    write(dir / "m" / "model.safetensors", bytes);
  };
}

// A model folder whose config.json is `text` (weights valid).
std::function<void(const fs::path&)> config_file(std::string text) {
  return [text](const fs::path& dir) {
    TinyModel().write(dir / "m");
    write(dir / "m" / "config.json", text);
  };
}

std::function<void(const fs::path&)> file_at(std::string name, std::string bytes) {
  return [name, bytes](const fs::path& dir) { write(dir / name, bytes); };
}

std::function<void(const fs::path&)> fifo_at(std::string name,
                                             std::function<void(const fs::path&)> before = {}) {
  return [name, before](const fs::path& dir) {
    if (before) before(dir);
    fs::create_directories((dir / name).parent_path());
    fs::remove(dir / name);
    ASSERT_EQ(::mkfifo((dir / name).c_str(), 0600), 0);
  };
}

// A user-data recipe (rows.EXT beside it) for `data stats --vocab-size 0`.
std::function<void(const fs::path&)> rows(std::string ext, std::string bytes,
                                          std::string extra = "") {
  return [ext, bytes, extra](const fs::path& dir) {
    write(dir / ("rows." + ext), bytes);
    write(dir / "r.toml",
          "[data]\nkind = \"classification\"\npath = \"rows." + ext + "\"\n" + extra);
  };
}

std::string twenty_rows_tsv() {
  std::string out = "text\tlabel\n";
  for (int i = 0; i < 20; ++i)
    out += "row " + std::to_string(i) + "\t" + (i % 2 ? "a" : "b") + "\n";
  return out;
}

const std::string kEval = "eval --model {dir}/m --task sotu-lm";
const std::string kStats = "data stats --vocab-size 0 --recipe {dir}/r.toml";
const std::string kCatalogCmd = "devices list --catalog {dir}/devices.toml";
const std::string kPredict = "devices predict --config {dir}/config.json";
// `select` parses the recipe as `train` does (io::load_recipe) and runs in builds without
// libtorch, such as the ASan one.
const std::string kSelect = "select --recipe {dir}/r.toml --lc 1ms --ac-drop 1%";
const std::string kSpam = "--data-dir {dir} data stats --task spam-cls --vocab-size 0";
const std::string kPredictText = "predict --model {dir}/m --text hello";

std::vector<Case> cases() {
  const std::string w1 = "transformer_encoder.layers.0.linear1.weight";
  const std::string enc = "encoder.weight";
  std::vector<Case> c;
  // ---- safetensors (dense weights), through `eval`, which loads the model first.
  const auto hdr = [](const std::string& h, size_t data_bytes = 0) {
    return safetensors_bytes(h, std::string(data_bytes, '\0'));
  };
  c.push_back({"safetensors",
               "file of 5 bytes",
               kEval,
               weights_file("abcde"),
               {"m/model.safetensors: header length: expected at least 8 bytes"}});
  c.push_back({"safetensors",
               "header length 2^40, beyond the file",
               kEval,
               weights_file(std::string("\0\0\0\0\0\x01\0\0{}", 10)),
               {"m/model.safetensors: header length: expected at most 2"}});
  c.push_back({"safetensors",
               "header is not JSON",
               kEval,
               weights_file(hdr("{\"a\":")),
               {"m/model.safetensors: header: expected valid JSON"}});
  c.push_back({"safetensors",
               "header is a JSON array",
               kEval,
               weights_file(hdr("[1,2]")),
               {"m/model.safetensors: header: expected a JSON object, found an array of 2"}});
  c.push_back({"safetensors",
               "tensor entry nested 70,000 deep (140 KB)",
               kEval,
               weights_file(hdr("{\"t\":" + deep(70000) + "}")),
               {"m/model.safetensors: header: expected JSON nested at most 64 deep"}});
  c.push_back({"safetensors",
               "shape element nested 70,000 deep",
               kEval,
               weights_file(hdr("{\"t\":{\"dtype\":\"F32\",\"shape\":[" + deep(70000) +
                                "],\"data_offsets\":[0,0]}}")),
               {"m/model.safetensors: header: expected JSON nested at most 64 deep"}});
  c.push_back({"safetensors",
               "`__metadata__` value nested 70,000 deep",
               kEval,
               weights_file(hdr("{\"__metadata__\":{\"k\":" + deep(70000) + "}}")),
               {"m/model.safetensors: header: expected JSON nested at most 64 deep"}});
  c.push_back({"safetensors",
               "bytes after a NUL in the header",
               kEval,
               weights_file(hdr(std::string("{}\0{\"x\":1}", 10))),
               {"m/model.safetensors: header: expected valid JSON, found a NUL byte at offset 2"}});
  c.push_back({"safetensors",
               "tensor name repeated",
               kEval,
               weights_file(hdr(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                R"("t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                8)),
               {"m/model.safetensors: header, t: expected each key once, found it repeated"}});
  c.push_back({"safetensors",
               "dtype F64 (unknown)",
               kEval,
               weights_file(hdr(R"({"t":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", 8)),
               {"m/model.safetensors: t.dtype: expected one of F32, F16"}});
  c.push_back({"safetensors",
               "negative size in a shape",
               kEval,
               weights_file(hdr(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8)),
               {"m/model.safetensors: t.shape: expected a non-negative integer, found -2"}});
  c.push_back({"safetensors",
               "shape [2^62, 2^62, 0]: empty, but its count overflows",
               kEval,
               weights_file(hdr(R"({"t":{"dtype":"F32","shape":[4611686018427387904,)"
                                R"(4611686018427387904,0],"data_offsets":[0,0]}})")),
               {"m/model.safetensors: t.shape: expected sizes whose product fits in 64 bits"}});
  c.push_back({"safetensors",
               "data_offsets past the end of the file",
               kEval,
               weights_file(hdr(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8)),
               {"m/model.safetensors: t.data_offsets: expected begin <= end <= 8"}});
  c.push_back({"safetensors",
               "two tensors overlap",
               kEval,
               weights_file(hdr(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                12)),
               {"m/model.safetensors: b.data_offsets: expected no overlap"}});
  c.push_back({"safetensors",
               "gap between tensors",
               kEval,
               weights_file(hdr(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                12)),
               {"m/model.safetensors: b.data_offsets: expected to start where the previous"}});
  c.push_back({"safetensors",
               "trailing bytes no tensor owns",
               kEval,
               weights_file(hdr(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8)),
               {"m/model.safetensors: a.data_offsets: expected tensors covering all 8"}});
  c.push_back({"safetensors",
               "byte count does not match the shape",
               kEval,
               weights_file(hdr(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)),
               {"m/model.safetensors: a: expected a byte count of numel([3]) * 4"}});
  c.push_back(
      {"safetensors",
       "unknown field in a tensor entry",
       kEval,
       weights_file(hdr(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", 4)),
       {"m/model.safetensors: a.x: expected only the fields dtype, shape, data_offsets"}});
  c.push_back({"safetensors",
               "`__metadata__` value not a string",
               kEval,
               weights_file(hdr(R"({"__metadata__":{"k":[1]}})")),
               {"m/model.safetensors: __metadata__.k: expected a string, found an array of 1"}});
  c.push_back({"safetensors",
               "empty tensor name",
               kEval,
               weights_file(hdr(R"({"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4)),
               {"m/model.safetensors: header: expected tensor names that are not empty"}});
  c.push_back(
      {"safetensors",
       "a NaN weight (was: perplexity -nan, exit 0)",
       kEval,
       model_with([=](TinyModel& m) { m.tensor(enc).values[5] = std::nanf(""); }),
       {"m/model.safetensors: encoder.weight: expected finite values, found nan at index 5"}});
  c.push_back(
      {"safetensors",
       "an infinite weight",
       kEval,
       model_with([=](TinyModel& m) {
         m.tensor("decoder.bias").values[7] = -std::numeric_limits<float>::infinity();
       }),
       {"m/model.safetensors: decoder.bias: expected finite values, found -inf at index 7"}});
  c.push_back(
      {"safetensors",
       "F16 weights holding +inf (0x7c00)",
       kEval,
       model_with([=](TinyModel& m) {
         TinyModel::Tensor& t = m.tensor(enc);
         t.dtype = "F16";
         t.raw = std::string(64, '\0');
         t.raw[2] = '\0';
         t.raw[3] = '\x7c';
       }),
       {"m/model.safetensors: encoder.weight: expected finite values, found inf at index 1"}});
  c.push_back(
      {"safetensors",
       "model.safetensors is a FIFO (was: a hang)",
       kEval,
       fifo_at("m/model.safetensors", [](const fs::path& d) { TinyModel().write(d / "m"); }),
       {"m/model.safetensors: expected a regular file, found a FIFO"}});
  c.push_back({"safetensors",
               "model.safetensors is a folder",
               kEval,
               [](const fs::path& d) {
                 TinyModel().write(d / "m");
                 fs::remove(d / "m" / "model.safetensors");
                 fs::create_directories(d / "m" / "model.safetensors");
               },
               {"m/model.safetensors: expected a regular file, found a folder"}});
  c.push_back({"safetensors",
               "model.safetensors missing",
               kEval,
               [](const fs::path& d) {
                 TinyModel().write(d / "m");
                 fs::remove(d / "m" / "model.safetensors");
               },
               {"m/model.safetensors: expected a readable file, found it is missing"}});
  c.push_back({"safetensors",
               "a tensor the config needs is absent",
               kEval,
               model_with([](TinyModel& m) {
                 std::erase_if(m.tensors, [](const auto& t) { return t.name == "decoder.bias"; });
               }),
               {"m/model.safetensors: decoder.bias: expected a tensor named decoder.bias"}});
  c.push_back({"safetensors",
               "a tensor of the wrong shape",
               kEval,
               model_with([=](TinyModel& m) {
                 m.tensor(enc).shape = {4, 8};
               }),
               {"m/model.safetensors: encoder.weight: expected shape [8, 4], found [4, 8]"}});
  // ---- HPF matrices inside safetensors (a pruned model), through `eval`.
  const auto hpf_with = [](std::function<void(TinyModel&)> edit) {
    return model_with([edit](TinyModel& m) {
      make_linear1_hpf(m);
      edit(m);
    });
  };
  c.push_back({"HPF",
               "unknown format tag `hpf-9`",
               kEval,
               hpf_with([=](TinyModel& m) { m.metadata[w1 + ".hpf.format"] = "hpf-9"; }),
               {"m/model.safetensors: " + w1 + ".hpf.format: expected \"hpf-1\""}});
  c.push_back({"HPF",
               "k1 = 9 > rows = 8",
               kEval,
               hpf_with([=](TinyModel& m) { m.metadata[w1 + ".hpf.k1"] = "9"; }),
               {"m/model.safetensors: " + w1 + ".hpf.k1: expected an integer in [1, 8], found 9"}});
  c.push_back({"HPF",
               "`rows` field not a number",
               kEval,
               hpf_with([=](TinyModel& m) { m.metadata[w1 + ".hpf.rows"] = "8x"; }),
               {"m/model.safetensors: " + w1 + ".hpf.rows: expected a non-negative decimal"}});
  c.push_back(
      {"HPF",
       "kept-row index 99 beyond the matrix",
       kEval,
       hpf_with([=](TinyModel& m) {
         const int32_t bad[] = {0, 2, 5, 99};
         m.tensor(w1 + ".hpf.rows").raw.assign(reinterpret_cast<const char*>(bad), 16);
       }),
       {"m/model.safetensors: " + w1 + ".hpf.rows: expected row indices in [0, 8), found 99"}});
  c.push_back({"HPF",
               "banks = 3 does not divide block_cols = 4",
               kEval,
               hpf_with([=](TinyModel& m) { m.metadata[w1 + ".hpf.banks"] = "3"; }),
               {"m/model.safetensors: " + w1 + ".hpf.banks: expected a divisor of block_cols 4"}});
  c.push_back(
      {"HPF",
       "NaN among the kept values",
       kEval,
       hpf_with([=](TinyModel& m) { m.tensor(w1 + ".hpf.vals").values[3] = std::nanf(""); }),
       {"m/model.safetensors", w1}});
  // ---- config.json
  c.push_back({"config.json",
               "not JSON",
               kEval,
               config_file("{\"model_type\": "),
               {"m/config.json: expected valid JSON"}});
  c.push_back({"config.json",
               "`model_type` nested 70,000 deep (was: stack overflow)",
               kEval,
               config_file("{\"model_type\": " + deep(70000) + "}"),
               {"m/config.json: expected JSON nested at most 64 deep"}});
  c.push_back({"config.json",
               "a key repeated (was: last one wins)",
               kEval,
               config_file(R"({"model_type": "fitformer-causal-lm", "vocab_size": 8,
                  "hidden_size": 4, "hidden_size": 8})"),
               {"m/config.json: hidden_size: expected each key once, found it repeated"}});
  c.push_back({"config.json",
               "bytes after a NUL",
               kEval,
               config_file(std::string("{\"model_type\": \"bert\"}\0junk", 27)),
               {"m/config.json: expected valid JSON, found a NUL byte at offset 22"}});
  c.push_back(
      {"config.json",
       "`num_hidden_layers` = 2147483647 (was: bad_alloc, exit 3)",
       kPredict,
       file_at("config.json", R"({"model_type": "bert", "num_hidden_layers": 2147483647})"),
       {"config.json: num_hidden_layers: expected an integer in [1, 1024], found 2147483647"}});
  c.push_back({"config.json",
               "`hidden_size` = 1,000,000,000",
               kPredict,
               file_at("config.json", R"({"model_type": "bert", "hidden_size": 1000000000})"),
               {"config.json: hidden_size: expected an integer in [1, 32768], found 1000000000"}});
  c.push_back({"config.json",
               "sizes within limits, 2^31+ parameters together",
               kPredict,
               file_at("config.json", R"({"model_type": "bert", "hidden_size": 16384,
                  "num_attention_heads": 16, "intermediate_size": 131072, "num_hidden_layers": 64})"),
               {"config.json: hidden_size: expected sizes giving at most 2147483648 parameters"}});
  c.push_back(
      {"config.json",
       "`vocab_size` = 2^64 - 1",
       kPredict,
       file_at("config.json", R"({"model_type": "bert", "vocab_size": 18446744073709551615})"),
       {"config.json: vocab_size: expected an integer in [1, 2097152]"}});
  c.push_back(
      {"config.json",
       "a misspelt key",
       kEval,
       config_file(R"({"model_type": "fitformer-causal-lm", "vocab_size": 8, "hiden_size": 4})"),
       {"m/config.json: hiden_size: expected a known key, e.g. hidden_size"}});
  c.push_back({"config.json",
               "hidden_size not divisible by the heads",
               kEval,
               config_file(R"({"model_type": "fitformer-causal-lm", "vocab_size": 8,
                  "hidden_size": 4, "num_attention_heads": 3})"),
               {"m/config.json: num_attention_heads: expected a divisor of hidden_size 4"}});
  c.push_back(
      {"config.json",
       "`id2label` with a gap",
       kPredict,
       file_at("config.json", R"({"model_type": "bert", "id2label": {"0": "a", "2": "b"}})"),
       {"config.json: id2label: expected ids 0..1, each once, found \"2\""}});
  c.push_back({"config.json",
               "`label2id` not the inverse of id2label",
               kPredict,
               file_at("config.json", R"({"model_type": "bert", "id2label": {"0": "a", "1": "b"},
                  "label2id": {"a": 1, "b": 0}})"),
               {"config.json: label2id: expected the inverse of id2label"}});
  c.push_back({"config.json",
               "config.json is a FIFO",
               kEval,
               fifo_at("m/config.json", [](const fs::path& d) { TinyModel().write(d / "m"); }),
               {"m/config.json: expected a regular file, found a FIFO"}});
  // ---- recipe TOML
  const auto recipe = [](std::string text) { return file_at("r.toml", text); };
  c.push_back({"recipe",
               "`name = \"/abs/path\"` (was: train wrote outside runs/)",
               kSelect,
               recipe("name = \"/tmp/x\"\n" + std::string(kRecipeBase)),
               {"r.toml: name: expected a name of letters, digits", "found \"/tmp/x\""}});
  c.push_back({"recipe",
               "`name = \"../../x\"`, select's default output folder",
               kSelect,
               recipe("name = \"../../x\"\n" + std::string(kRecipeBase)),
               {"r.toml: name: expected a name of letters, digits", "found \"../../x\""}});
  c.push_back({"recipe",
               "profile named `../up`",
               kSelect + " --profile ../up",
               recipe(std::string(kRecipeBase) + "[profiles.\"../up\".train]\nepochs = 1\n"),
               {"r.toml: profile: expected a name of letters", "found \"../up\""}});
  c.push_back({"recipe",
               "`learning_rate = nan` (was: a NaN model, exit 0)",
               kSelect,
               recipe(std::string(kRecipeBase) + "[train]\nlearning_rate = nan\n"),
               {"r.toml: train.learning_rate: expected a finite number, found nan"}});
  c.push_back({"recipe",
               "`clip_norm = inf`",
               kSelect,
               recipe(std::string(kRecipeBase) + "[train]\nclip_norm = inf\n"),
               {"r.toml: train.clip_norm: expected a finite number, found inf"}});
  c.push_back({"recipe",
               "`weight_decay = -nan`",
               kSelect,
               recipe(std::string(kRecipeBase) + "[train]\nweight_decay = -nan\n"),
               {"r.toml: train.weight_decay: expected a finite number"}});
  c.push_back(
      {"recipe",
       "`hidden_size = 2147483647`",
       kSelect,
       recipe(std::string(kRecipeBase) + "[model]\nhidden_size = 2147483647\nnum_heads = 1\n"),
       {"r.toml: model.hidden_size: expected an integer in [1, 32768], found 2147483647"}});
  c.push_back({"recipe",
               "`text_field` = `label_field`",
               kStats,
               rows("tsv", twenty_rows_tsv(), "text_field = \"text\"\nlabel_field = \"text\"\n"),
               {"r.toml: data.label_field: expected a column name other than data.text_field"}});
  c.push_back({"recipe",
               "TOML syntax error",
               kStats,
               recipe("[data]\ntask = \n"),
               {"r.toml: line 2: expected valid TOML"}});
  c.push_back({"recipe",
               "a table where a string belongs (was: three lines)",
               kStats,
               recipe("[data]\ntask = { a = 1, b = [1, 2] }\n"),
               {"r.toml: data.task: expected a string, found a table of 2 keys"}});
  c.push_back({"recipe",
               "unknown key",
               kStats,
               recipe("[data]\ntask = \"sotu-lm\"\ntaks = 1\n"),
               {"r.toml: data.taks: expected one of: format, kind, label_field"}});
  c.push_back({"recipe",
               "non-ASCII bare key (toml++ issue 295)",
               kStats,
               recipe("[data]\ntask = \"sotu-lm\"\n\xc3\xa9t\xc3\xa9 = 1\n"),
               {"r.toml: line 3"}});
  c.push_back({"recipe",
               "arrays nested 1,000 deep",
               kStats,
               recipe("[data]\ntask = " + deep(1000) + "\n"),
               {"r.toml: line 2: expected valid TOML"}});
  c.push_back(
      {"recipe",
       "a 100 KB string value",
       kStats,
       recipe("[data]\ntask = \"" + std::string(100000, 'q') + "\"\n"),
       {"r.toml: data.task: expected one of: sotu-lm, wordnet-cls, spam-cls, found \"qqqq"}});
  c.push_back({"recipe",
               "the recipe is a FIFO",
               kStats,
               fifo_at("r.toml"),
               {"r.toml: expected a regular file, found a FIFO"}});
  // ---- device catalog
  const auto catalog = [](std::string key, std::string line) {
    return file_at("devices.toml", replace_line(kCatalog, key, line));
  };
  c.push_back(
      {"catalog",
       "`clock_mhz = nan` (was: named no file)",
       kCatalogCmd,
       catalog("clock_mhz", "clock_mhz = nan"),
       {"devices.toml: device[board].fpga.clock_mhz: expected a finite number, found nan"}});
  c.push_back(
      {"catalog",
       "`clock_mhz = inf`",
       kCatalogCmd,
       catalog("clock_mhz", "clock_mhz = inf"),
       {"devices.toml: device[board].fpga.clock_mhz: expected a finite number, found inf"}});
  c.push_back({"catalog",
               "`clock_mhz = 1e-300` (was: a modeled 1e297 ms)",
               kCatalogCmd,
               catalog("clock_mhz", "clock_mhz = 1e-300"),
               {"devices.toml: device[board].fpga.clock_mhz: expected a number in [1, 2000], "
                "found 1e-300"}});
  c.push_back({"catalog",
               "`price_usd = 1e300`",
               kCatalogCmd,
               catalog("price_usd", "price_usd = 1e300"),
               {"devices.toml: device[board].price_usd: expected a number in [1, 1e+07]"}});
  c.push_back({"catalog",
               "`memory_bandwidth_gbs = 1e-300`",
               kCatalogCmd,
               catalog("memory_bandwidth_gbs", "memory_bandwidth_gbs = 1e-300"),
               {"devices.toml: device[board].memory_bandwidth_gbs: expected a number in [0.01"}});
  c.push_back({"catalog",
               "id with a newline (was: printed raw)",
               kCatalogCmd,
               catalog("id", "id = \"bo\\nard\""),
               {"devices.toml: device[bo\\nard].id: expected a name of letters"}});
  c.push_back({"catalog",
               "id with an ANSI escape",
               kCatalogCmd,
               catalog("id", "id = \"\\u001b[2Jx\""),
               {"devices.toml: device[\\x1b[2Jx].id: expected a name of letters"}});
  c.push_back({"catalog",
               "name with an ANSI escape",
               kCatalogCmd,
               catalog("name", "name = \"A \\u001b[31mred\\u001b[0m board\""),
               {"devices.toml: device[board].name: expected a name of at most 200 characters"}});
  c.push_back({"catalog",
               "the same id twice",
               kCatalogCmd,
               file_at("devices.toml", std::string(kCatalog) + kCatalog),
               {"devices.toml: device[board].id: expected a unique id, found a duplicate"}});
  c.push_back(
      {"catalog",
       "a figure without a source",
       kCatalogCmd,
       file_at("devices.toml", replace_line(kCatalog, "\"fpga.lut\"", "")),
       {"devices.toml: device[board].sources: expected a source for fpga.lut, found none"}});
  c.push_back({"catalog",
               "`tier = 7`",
               kCatalogCmd,
               catalog("tier", "tier = 7"),
               {"devices.toml: device[board].tier: expected a number in [1, 4], found 7"}});
  c.push_back({"catalog",
               "the catalog is a FIFO",
               kCatalogCmd,
               fifo_at("devices.toml"),
               {"devices.toml: expected a regular file, found a FIFO"}});
  // ---- a user's rows and documents, through `data stats`
  c.push_back({"JSON lines",
               "text nested 70,000 deep (was: stack overflow)",
               kStats,
               rows("jsonl", "{\"text\": " + deep(70000) + ", \"label\": 1}\n"),
               {"rows.jsonl: line 1: expected JSON nested at most 64 deep"}});
  c.push_back({"JSON lines",
               "label nested 70,000 deep",
               kStats,
               rows("jsonl", "{\"text\": \"a\", \"label\": " + deep(70000) + "}\n"),
               {"rows.jsonl: line 1: expected JSON nested at most 64 deep"}});
  c.push_back({"JSON lines",
               "a key repeated in a row",
               kStats,
               rows("jsonl", "{\"text\": \"a\", \"label\": 1, \"label\": 2}\n"),
               {"rows.jsonl: line 1, label: expected each key once, found it repeated"}});
  c.push_back({"JSON lines",
               "bytes after a NUL in a row",
               kStats,
               rows("jsonl", std::string("{\"text\": \"a\", \"label\": 1}\0{}\n", 29)),
               {"rows.jsonl: line 1: expected valid JSON, found a NUL byte at offset 25"}});
  c.push_back({"JSON lines",
               "a text that is an object",
               kStats,
               rows("jsonl", "{\"text\": {\"k\": [1, 2]}, \"label\": 1}\n"),
               {"rows.jsonl: line 1, key \"text\": expected a string, found an object of 1 keys"}});
  c.push_back({"CSV",
               "a quote never closed",
               kStats,
               rows("csv", "text,label\n\"open,a\n"),
               {"rows.csv: line 2: expected a closing quote, found the end of the file"}});
  c.push_back({"CSV",
               "text after a closing quote",
               kStats,
               rows("csv", "text,label\n\"a\"b,x\n"),
               {"rows.csv: line 2, column 1: expected a comma or line end after a closing quote"}});
  c.push_back({"TSV",
               "a row with too few columns",
               kStats,
               rows("tsv", "text\tlabel\nonly one\n"),
               {"rows.tsv: line 2: expected 2 columns, found 1"}});
  c.push_back({"TSV",
               "a 400 KB header line (was: a 400 KB error line)",
               kStats,
               rows("tsv", std::string(400000, 'h') + "\tlabel\na\tb\n"),
               {"rows.tsv: line 1: expected a column named \"text\", found columns \"hhhh"}});
  c.push_back({"TSV",
               "a label holding an ANSI escape",
               kStats,
               rows("tsv", "text\tlabel\na\tgood\nb\tbad\x1b[2J\n"),
               {"rows.tsv: line 3, label: expected a label without control characters"}});
  c.push_back({"TSV",
               "one label only",
               kStats,
               rows("tsv", "text\tlabel\na\tx\nb\tx\n"),
               {"rows.tsv: label: expected at least two distinct labels, found only \"x\""}});
  c.push_back({"TSV",
               "the rows file is a FIFO",
               kStats,
               fifo_at("rows.tsv", rows("tsv", "")),
               {"rows.tsv: expected a regular file, found a FIFO"}});
  c.push_back({".txt folder",
               "a link to a file outside the folder (was: followed)",
               kStats,
               [](const fs::path& d) {
                 for (int i = 0; i < 4; ++i)
                   write(d / "docs" / ("d" + std::to_string(i) + ".txt"), "w");
                 write(d / "secret", "not a document");
                 fs::create_symlink(d / "secret", d / "docs" / "z.txt");
                 write(d / "r.toml", "[data]\nkind = \"language-model\"\npath = \"docs\"\n");
               },
               {"docs/z.txt: expected a file inside", "found a link that leads out of it"}});
  // ---- WordPiece vocab.txt, through `eval` of a model folder that holds it.
  const auto vocab = [](std::string text) {
    return [text](const fs::path& d) {
      TinyModel().write(d / "m");
      write(d / "m" / "vocab.txt", text);
    };
  };
  c.push_back({"vocab.txt",
               "an empty line",
               kEval,
               vocab("[PAD]\n[UNK]\n\nword\n"),
               {"m/vocab.txt: line 3: expected a token, found an empty line"}});
  c.push_back({"vocab.txt",
               "a token twice",
               kEval,
               vocab("[PAD]\n[UNK]\nword\nword\n"),
               {"m/vocab.txt: line 4: expected a token not seen before"}});
  c.push_back({"vocab.txt",
               "no [UNK]",
               kEval,
               vocab("[PAD]\nword\n"),
               {"m/vocab.txt: expected a [UNK] token, found none"}});
  c.push_back({"vocab.txt",
               "invalid UTF-8",
               kEval,
               vocab("[UNK]\n\xff\xfe\n"),
               {"m/vocab.txt: line 2: expected UTF-8 text, found invalid bytes"}});
  c.push_back({"vocab.txt",
               "no end-of-sequence token for a language model (was: named no file)",
               "eval --model {dir}/m --recipe {dir}/r.toml",
               [](const fs::path& d) {
                 TinyModel().write(d / "m");
                 write(d / "m" / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nw\n");
                 for (int i = 0; i < 4; ++i)
                   write(d / "docs" / ("d" + std::to_string(i) + ".txt"), "w w w");
                 write(d / "r.toml", "[data]\nkind = \"language-model\"\npath = \"docs\"\n");
               },
               {"m/vocab.txt: expected a vocabulary with an end-of-sequence token, found none"}});
  // ---- the spam corpus's file list, through `data stats --task spam-cls`.
  c.push_back({"spam file_list.json",
               "nested 70,000 deep (was: stack overflow)",
               kSpam,
               file_at("spam-assassin/data/file_list.json", deep(70000)),
               {"spam-assassin/data/file_list.json: expected JSON nested at most 64 deep"}});
  c.push_back({"spam file_list.json",
               "an entry that is an object",
               kSpam,
               file_at("spam-assassin/data/file_list.json", "[{\"a\": [1, 2, 3]}]"),
               {"file_list.json[0]: expected a path string, found an object of 1 keys"}});
  c.push_back({"spam file_list.json",
               "a path that climbs out (`../`)",
               kSpam,
               file_at("spam-assassin/data/file_list.json", "[\"spam-1/../../../etc/passwd\"]"),
               {"file_list.json[0]: expected GROUP/FILE.txt"}});
  // ---- a Hugging Face folder (issue 14), imported by `predict --model`.
  const auto hf_config = [](std::string key, ordered_json value) {
    return distilbert_with([key, value](const fs::path& m) {
      TinyModel t = tiny_distilbert();
      t.config[key] = value;
      std::ofstream(m / "config.json") << t.config.dump(2);
    });
  };
  c.push_back({"HF folder",
               "DistilBERT `n_heads` that does not divide `dim`",
               kPredictText,
               hf_config("n_heads", 3),
               {"m/config.json: n_heads: expected a divisor of hidden_size 4, found 3"}});
  c.push_back({"HF folder",
               "`is_decoder: true`",
               kPredictText,
               hf_config("is_decoder", true),
               {"m/config.json: is_decoder: expected false (a plain encoder), found true"}});
  c.push_back({"HF folder",
               "`model_type` gpt2",
               kPredictText,
               hf_config("model_type", "gpt2"),
               {"m/config.json: model_type: expected bert, distilbert or roberta"}});
  c.push_back({"HF folder",
               "activation `gelu_new` (tanh approximation)",
               kPredictText,
               hf_config("activation", "gelu_new"),
               {"m/config.json: activation: expected one of gelu, relu, found \"gelu_new\""}});
  c.push_back({"HF folder",
               "a DistilBERT tensor missing",
               kPredictText,
               distilbert_with([](const fs::path& m) {
                 TinyModel t = tiny_distilbert();
                 std::erase_if(t.tensors, [](const TinyModel::Tensor& x) {
                   return x.name == "distilbert.transformer.layer.0.ffn.lin2.weight";
                 });
                 t.write(m);
               }),
               {"m/model.safetensors: distilbert.transformer.layer.0.ffn.lin2.weight: expected a "
                "tensor named"}});
  c.push_back({"HF folder",
               "only pytorch_model.bin",
               kPredictText,
               distilbert_with([](const fs::path& m) {
                 fs::rename(m / "model.safetensors", m / "pytorch_model.bin");
               }),
               {"m/model.safetensors: expected model.safetensors (convert pytorch_model.bin"}});
  c.push_back({"HF folder",
               "RoBERTa's BPE tokenizer (vocab.json, merges.txt)",
               kPredictText,
               distilbert_with([](const fs::path& m) {
                 fs::remove(m / "vocab.txt");
                 write(m / "vocab.json", "{}");
                 write(m / "merges.txt", "#version: 0.2\n");
               }),
               {"m/vocab.json: tokenizer: expected a WordPiece vocab.txt or tokenizer.json"}});
  c.push_back({"HF folder",
               "tokenizer_config.json `tokenizer_class` RobertaTokenizer",
               kPredictText,
               distilbert_with([](const fs::path& m) {
                 write(m / "tokenizer_config.json", R"({"tokenizer_class": "RobertaTokenizer"})");
               }),
               {"m/tokenizer_config.json: tokenizer_class: expected a WordPiece tokenizer"}});
  c.push_back({"HF folder",
               "tokenizer.json of a BPE model, no vocab.txt",
               kPredictText,
               distilbert_with([](const fs::path& m) {
                 fs::remove(m / "vocab.txt");
                 write(m / "tokenizer.json", R"({"model": {"type": "BPE", "vocab": {}}})");
               }),
               {"m/tokenizer.json: model.type: expected \"WordPiece\""}});
  c.push_back({"HF folder",
               "tokenizer_config.json cased, config.json's `do_lower_case` true",
               kPredictText,
               distilbert_with([](const fs::path& m) {
                 TinyModel t = tiny_distilbert();
                 t.config["do_lower_case"] = true;
                 std::ofstream(m / "config.json") << t.config.dump(2);
                 write(m / "tokenizer_config.json", R"({"do_lower_case": false})");
               }),
               {"m/tokenizer_config.json: do_lower_case: expected true as config.json's"}});
  return c;
}

// ---------------------------------------------------------------- running a case

using Outcome = testing::CommandResult;

// FITFORMER_TEST_BINARY runs another build instead (docs/reliability.md's "before" column is
// these cases run against the release binary of the commit this work started from).
Outcome run(const std::string& args) {
  const char* other = std::getenv("FITFORMER_TEST_BINARY");
  return testing::run_command("timeout -k 5 60 " + std::string(other ? other : FITFORMER_BINARY) +
                              " " + args + " </dev/null 2>&1");
}

// The first line of an output, DIR for the case's folder, cut for a table cell; the count of
// further lines is noted.
std::string table_cell(const std::string& output, const std::string& dir) {
  std::string first = output.substr(0, output.find('\n'));
  for (size_t at; (at = first.find(dir)) != std::string::npos;)
    first.replace(at, dir.size(), "DIR");
  first = printable(first, 240);  // a crash report may hold escapes and raw bytes
  size_t lines = 0;
  for (char ch : output) lines += ch == '\n';
  if (!output.empty() && output.back() != '\n') ++lines;
  std::string cell = "`" + first + "`";
  if (lines > 1) cell += " (+" + std::to_string(lines - 1) + " lines)";
  return cell;
}

std::string with_dir(std::string text, const std::string& dir) {
  for (size_t at; (at = text.find("{dir}")) != std::string::npos;) text.replace(at, 5, dir);
  return text;
}

std::string markdown_cell(std::string text) {
  for (size_t at = 0; (at = text.find('|', at)) != std::string::npos; at += 2)
    text.replace(at, 1, "\\|");
  return text;
}

class MalformedInput : public ::testing::TestWithParam<size_t> {};

TEST_P(MalformedInput, OneLineErrorExitOne) {
  const Case c = cases()[GetParam()];
  testing::TempDir dir;
  c.setup(dir.path());
  // Each run gets its own cache so no case sees another's results.
  const std::string args = "--cache-dir " + (dir.path() / "cache").string() + " " +
                           with_dir(c.command, dir.path().string());
  const Outcome out = run(args);
  SCOPED_TRACE(c.format + ": " + c.input + "\n  fitformer " + args);
  if (const char* table = std::getenv("FITFORMER_RELIABILITY_TABLE")) {
    char name[16];
    std::snprintf(name, sizeof name, "%03zu.md", GetParam() + 1);
    std::ofstream(fs::path(table) / name)
        << "| " << GetParam() + 1 << " | " << c.format << " | " << markdown_cell(c.input) << " | `"
        << markdown_cell(with_dir(c.command, "DIR")) << "` | " << out.exit_code << " | "
        << markdown_cell(table_cell(out.output, dir.path().string())) << " |\n";
  }
  EXPECT_EQ(out.exit_code, 1) << out.output.substr(0, 2000);
  const std::string prefix = "fitformer: error: ";
  ASSERT_FALSE(out.output.empty());
  EXPECT_EQ(out.output.rfind(prefix, 0), 0u) << out.output.substr(0, 2000);
  EXPECT_EQ(out.output.find('\n'), out.output.size() - 1) << "not one line:\n"
                                                          << out.output.substr(0, 2000);
  const std::string line = out.output.substr(0, out.output.size() - 1);
  EXPECT_LE(line.size(), prefix.size() + 200) << line;
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  for (const std::string& part : c.expect) {
    const std::string want = with_dir(part, dir.path().string());
    EXPECT_NE(line.find(want), std::string::npos) << "missing '" << want << "' in:\n" << line;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedInput, ::testing::Range<size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           char name[8];
                           std::snprintf(name, sizeof name, "n%03zu", info.param + 1);
                           return std::string(name);
                         });

// Inputs that once crashed but are valid: read, exit 0.
TEST(MalformedInputAccepted, MailWithABlankContinuationLine) {
  testing::TempDir dir;
  // Two groups, so the stats have both labels; the first mail folds a header into a line of
  // blanks, which threw std::out_of_range (exit 3).
  std::string list = "[";
  for (int i = 0; i < 10; ++i) {
    const std::string group = i % 2 ? "spam-1" : "easy-ham-1";
    const std::string name = group + "/" + std::to_string(i) + ".txt";
    std::ofstream(dir.write("spam-assassin/data/" + name, ""), std::ios::binary)
        << "Subject: hello\n \t \nFrom: x\n\nbody " << i << "\n";
    list += (i ? ", \"" : "\"") + name + "\"";
  }
  dir.write("spam-assassin/data/file_list.json", list + "]");
  const Outcome out = run("--data-dir " + dir.path().string() +
                          " data stats --task spam-cls --vocab-size 0 --json");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  const auto j = nlohmann::json::parse(out.output);
  EXPECT_EQ(j["splits"]["train"]["examples"].get<int>() +
                j["splits"]["valid"]["examples"].get<int>() +
                j["splits"]["test"]["examples"].get<int>(),
            10);
}

// The tiny model of the table loads when nothing is wrong with it, so each case fails for
// its own defect and not for the model's.
TEST(MalformedInputAccepted, TheTinyModelAndItsHpfFormLoad) {
  for (const bool hpf : {false, true}) {
    testing::TempDir dir;
    TinyModel m;
    if (hpf) make_linear1_hpf(m);
    m.write(dir.path() / "m");
    const Outcome out = run("bench model --model " + (dir.path() / "m").string() +
                            " --seq 4 --threads 1 --min-time 0.001 --json");
    EXPECT_EQ(out.exit_code, 0) << (hpf ? "hpf: " : "dense: ") << out.output;
  }
}

// The tiny DistilBERT of the table, with a cased tokenizer_config.json and two bookkeeping
// keys, predicts exactly as its fitformer twin: the same tensors under BERT's names (written
// here, not by the importer), zero token-type embeddings, the relu head, do_lower_case false.
// The twin lower-casing instead predicts otherwise ("Hello" and "hello" are different tokens),
// so the comparison sees the casing.
TEST(MalformedInputAccepted, DistilBertFolderPredictsAsItsFitformerTwin) {
  testing::TempDir dir;
  const std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nHello\nhello\n";
  TinyModel distil = tiny_distilbert();
  distil.config["torch_dtype"] = "float32";
  distil.config["transformers_version"] = "4.35.2";
  distil.write(dir.path() / "hf");
  write(dir.path() / "hf" / "vocab.txt", vocab);
  write(dir.path() / "hf" / "tokenizer_config.json", R"({"do_lower_case": false})");

  const std::pair<std::string, std::string> names[] = {
      {"distilbert.embeddings.", "bert.embeddings."},
      {"distilbert.transformer.layer.0.attention.q_lin.",
       "bert.encoder.layer.0.attention.self.query."},
      {"distilbert.transformer.layer.0.attention.k_lin.",
       "bert.encoder.layer.0.attention.self.key."},
      {"distilbert.transformer.layer.0.attention.v_lin.",
       "bert.encoder.layer.0.attention.self.value."},
      {"distilbert.transformer.layer.0.attention.out_lin.",
       "bert.encoder.layer.0.attention.output.dense."},
      {"distilbert.transformer.layer.0.sa_layer_norm.",
       "bert.encoder.layer.0.attention.output.LayerNorm."},
      {"distilbert.transformer.layer.0.ffn.lin1.", "bert.encoder.layer.0.intermediate.dense."},
      {"distilbert.transformer.layer.0.ffn.lin2.", "bert.encoder.layer.0.output.dense."},
      {"distilbert.transformer.layer.0.output_layer_norm.",
       "bert.encoder.layer.0.output.LayerNorm."},
      {"pre_classifier.", "bert.pooler.dense."}};
  TinyModel twin = tiny_distilbert();
  for (TinyModel::Tensor& t : twin.tensors)
    for (const auto& [from, to] : names)
      if (t.name.starts_with(from)) t.name = to + t.name.substr(from.size());
  twin.tensors.push_back(
      {"bert.embeddings.token_type_embeddings.weight", {1, 4}, {0, 0, 0, 0}, "F32", ""});
  twin.config = {
      {"model_type", "bert"},          {"vocab_size", 8},          {"hidden_size", 4},
      {"num_hidden_layers", 1},        {"num_attention_heads", 2}, {"intermediate_size", 8},
      {"max_position_embeddings", 16}, {"type_vocab_size", 1},     {"layer_norm_eps", 1e-12},
      {"pooler_hidden_act", "relu"},   {"do_lower_case", false}};
  twin.write(dir.path() / "twin");
  write(dir.path() / "twin" / "vocab.txt", vocab);
  twin.config["do_lower_case"] = true;
  twin.write(dir.path() / "lower");
  write(dir.path() / "lower" / "vocab.txt", vocab);

  const auto predict = [&](const std::string& folder, bool merge_stderr) {
    return testing::run_command("timeout 60 " + std::string(FITFORMER_BINARY) + " --cache-dir " +
                                (dir.path() / "cache").string() + " predict --json --model " +
                                (dir.path() / folder).string() + " --text 'Hello hello Hello'" +
                                (merge_stderr ? " 2>&1 >/dev/null" : " 2>/dev/null"));
  };
  const Outcome imported = predict("hf", false), same = predict("twin", false),
                lowered = predict("lower", false);
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  ASSERT_EQ(same.exit_code, 0) << same.output;
  EXPECT_EQ(imported.output, same.output);
  EXPECT_NE(imported.output, lowered.output) << "the casing made no difference";
  // stderr: one warning per bookkeeping key, then the note naming the import.
  const Outcome notes = predict("hf", true);
  EXPECT_NE(
      notes.output.find("fitformer: warning: " + (dir.path() / "hf" / "config.json").string() +
                        ": torch_dtype \"float32\" ignored"),
      std::string::npos)
      << notes.output;
  EXPECT_NE(notes.output.find("transformers_version"), std::string::npos) << notes.output;
  EXPECT_NE(notes.output.find("read as a Hugging Face distilbert classifier"), std::string::npos)
      << notes.output;
  size_t lines = 0;
  for (char ch : notes.output) lines += ch == '\n';
  EXPECT_EQ(lines, 3u) << notes.output;
}

}  // namespace
}  // namespace fitformer
