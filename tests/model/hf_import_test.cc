// Hugging Face folders built here from a random fitformer BERT's weights, in BERT, DistilBERT
// and RoBERTa layout with the names and config keys transformers writes (the name tables
// below are written from modeling_bert/distilbert/roberta, not from the importer), must
// import to a model whose logits equal the naive reference of the original weights; and every
// way a folder can be wrong gives one error naming the file and the field or tensor.
#include "model/hf_import.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/error_of.h"
#include "common/temp_dir.h"
#include "core/files.h"
#include "engine_cases.h"
#include "io/safetensors.h"
#include "model/bert_classifier.h"
#include "naive_reference.h"

namespace fitformer::model {
namespace {

namespace fs = std::filesystem;
using fitformer::testing::TempDir;
using testing::expect_close;
using testing::nan_filled;
using testing::random_batch;
using testing::row_ids;

constexpr const char* kVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nHello\nhello\nworld\n";

io::ModelConfig small_config() {
  io::ModelConfig c = io::default_model_config(io::ModelFamily::kBertClassifier);
  c.vocab_size = 61;
  c.hidden_size = 24;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 3;
  c.intermediate_size = 40;
  c.max_position_embeddings = 40;
  c.num_labels = 3;
  c.label_names = {"neg", "neu", "pos"};
  return c;
}

const char* kLabels = R"("id2label": {"0": "neg", "1": "neu", "2": "pos"},
  "label2id": {"neg": 0, "neu": 1, "pos": 2})";

void write_tensors(const fs::path& file, const NamedTensors& tensors) {
  std::vector<io::TensorInfo> infos;
  for (const auto& [name, t] : tensors) infos.push_back(io::f32_tensor(name, t.shape, t.data));
  io::write_safetensors(file, infos, {{"format", "pt"}});
}

// The checkpoint's tensors renamed by `rename` (old fitformer name -> new name; "" drops it).
template <class Rename>
NamedTensors renamed(const NamedTensors& weights, Rename rename) {
  NamedTensors out;
  for (const auto& [name, t] : weights) {
    const std::string to = rename(name);
    if (!to.empty()) out[to] = t;
  }
  return out;
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  return at == std::string::npos ? s : s.replace(at, from.size(), to);
}

// BertForSequenceClassification as transformers saves it, with its bookkeeping keys.
void write_bert_folder(const fs::path& dir, const NamedTensors& w) {
  fs::create_directories(dir);
  write_tensors(dir / "model.safetensors", w);
  write_file_atomic(dir / "config.json", std::string(R"({
  "_name_or_path": "my-bert", "architectures": ["BertForSequenceClassification"],
  "attention_probs_dropout_prob": 0.1, "classifier_dropout": null, "finetuning_task": "sst2",
  "gradient_checkpointing": false, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
  "hidden_size": 24, )") + kLabels + R"(, "initializer_range": 0.02, "intermediate_size": 40,
  "layer_norm_eps": 1e-12, "max_position_embeddings": 40, "model_type": "bert",
  "num_attention_heads": 3, "num_hidden_layers": 2, "pad_token_id": 0,
  "position_embedding_type": "absolute", "problem_type": "single_label_classification",
  "torch_dtype": "float32", "transformers_version": "4.35.2", "type_vocab_size": 2,
  "use_cache": true, "vocab_size": 61, "output_past": true})");
  write_file_atomic(dir / "vocab.txt", kVocab);
  write_file_atomic(dir / "tokenizer_config.json",
                    R"({"do_lower_case": false, "tokenizer_class": "BertTokenizer",
                        "model_max_length": 512, "unk_token": "[UNK]"})");
}

// DistilBertForSequenceClassification (modeling_distilbert): no token types, so the
// original's segment-0 embedding is folded into the positions.
void write_distilbert_folder(const fs::path& dir, const NamedTensors& w) {
  const std::pair<std::string, std::string> modules[] = {
      {"attention.self.query.", "attention.q_lin."},
      {"attention.self.key.", "attention.k_lin."},
      {"attention.self.value.", "attention.v_lin."},
      {"attention.output.dense.", "attention.out_lin."},
      {"attention.output.LayerNorm.", "sa_layer_norm."},
      {"intermediate.dense.", "ffn.lin1."},
      {"output.dense.", "ffn.lin2."},
      {"output.LayerNorm.", "output_layer_norm."}};
  NamedTensors d = renamed(w, [&](const std::string& name) -> std::string {
    if (name.find("token_type") != std::string::npos) return "";
    if (name.starts_with("bert.pooler.dense."))
      return replaced(name, "bert.pooler.dense.", "pre_classifier.");
    if (name.starts_with("bert.embeddings.")) return replaced(name, "bert.", "distilbert.");
    if (name.starts_with("bert.encoder.layer.")) {
      std::string n = replaced(name, "bert.encoder.layer.", "distilbert.transformer.layer.");
      for (const auto& [from, to] : modules) {
        const size_t at = n.find("." + from);
        if (at != std::string::npos) return n.replace(at + 1, from.size(), to);
      }
    }
    return name;
  });
  Tensor& positions = d.at("distilbert.embeddings.position_embeddings.weight");
  const Tensor& types = w.at("bert.embeddings.token_type_embeddings.weight");
  const size_t width = types.shape[1];
  for (size_t i = 0; i < positions.data.size(); ++i) positions.data[i] += types.data[i % width];
  fs::create_directories(dir);
  write_tensors(dir / "model.safetensors", d);
  write_file_atomic(dir / "config.json", std::string(R"({
  "activation": "gelu", "architectures": ["DistilBertForSequenceClassification"],
  "attention_dropout": 0.1, "dim": 24, "dropout": 0.1, "hidden_dim": 40, )") +
                                             kLabels + R"(,
  "initializer_range": 0.02, "max_position_embeddings": 40, "model_type": "distilbert",
  "n_heads": 3, "n_layers": 2, "pad_token_id": 0, "qa_dropout": 0.1,
  "seq_classif_dropout": 0.2, "sinusoidal_pos_embds": false, "tie_weights_": true,
  "transformers_version": "4.35.2", "vocab_size": 61})");
  write_file_atomic(dir / "vocab.txt", kVocab);
}

// RobertaForSequenceClassification: positions from pad_token_id + 1 = 2, so two unused rows
// go before the original's table; the head is classifier.dense / classifier.out_proj.
void write_roberta_folder(const fs::path& dir, const NamedTensors& w) {
  NamedTensors r = renamed(w, [](const std::string& name) -> std::string {
    if (name.starts_with("bert.pooler.dense."))
      return replaced(name, "bert.pooler.dense.", "classifier.dense.");
    if (name.starts_with("classifier."))
      return replaced(name, "classifier.", "classifier.out_proj.");
    return replaced(name, "bert.", "roberta.");
  });
  Tensor& positions = r.at("roberta.embeddings.position_embeddings.weight");
  const int64_t width = positions.shape[1];
  positions.data.insert(positions.data.begin(), static_cast<size_t>(2 * width), 1e3f);
  positions.shape[0] += 2;
  fs::create_directories(dir);
  write_tensors(dir / "model.safetensors", r);
  write_file_atomic(dir / "config.json", std::string(R"({
  "architectures": ["RobertaForSequenceClassification"], "attention_probs_dropout_prob": 0.1,
  "bos_token_id": 0, "eos_token_id": 2, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
  "hidden_size": 24, )") + kLabels + R"(, "intermediate_size": 40, "layer_norm_eps": 1e-12,
  "max_position_embeddings": 42, "model_type": "roberta", "num_attention_heads": 3,
  "num_hidden_layers": 2, "pad_token_id": 1, "type_vocab_size": 2, "vocab_size": 61})");
  write_file_atomic(dir / "vocab.txt", kVocab);
}

struct Original {
  io::ModelConfig config;
  NamedTensors weights;
};

Original original(const std::string& pooler_act, uint64_t seed) {
  Original o{small_config(), {}};
  o.config.pooler_hidden_act = pooler_act;
  o.weights = random_tensors(bert_classifier_tensor_specs(o.config), seed);
  return o;
}

// The imported folder's logits against the naive reference of the original weights.
void expect_same_logits(const Original& o, const fs::path& hf_dir, int type_vocab,
                        const std::string& where) {
  TempDir out;
  write_imported_folder(read_hf_folder(hf_dir), out.path() / "imported");
  const BertClassifier model = load_bert_classifier(out.path() / "imported");
  const int64_t labels = o.config.num_labels;
  const TokenBatch batch = random_batch(4, 17, o.config.vocab_size, type_vocab, 3);
  std::vector<float> logits = nan_filled(static_cast<size_t>(4 * labels));
  bert_classifier_forward(model, batch, RunConfig{1}, logits);
  for (int64_t b = 0; b < 4; ++b) {
    const auto expected =
        naive::bert_classifier(o.config, o.weights, row_ids(batch.token_ids, batch, b),
                               row_ids(batch.token_type_ids, batch, b));
    expect_close(std::span(logits).subspan(b * labels, labels), expected,
                 where + " row " + std::to_string(b));
  }
}

TEST(HfImport, BertFolderGivesTheSameLogitsAndKeepsItsCasing) {
  const Original o = original("tanh", 31);
  TempDir dir;
  write_bert_folder(dir.path() / "bert", o.weights);
  EXPECT_TRUE(needs_hf_import(dir.path() / "bert"));
  expect_same_logits(o, dir.path() / "bert", 2, "bert");
  const HfFolder folder = read_hf_folder(dir.path() / "bert");
  EXPECT_EQ(folder.hf.config.do_lower_case, std::optional<bool>(false));
  EXPECT_EQ(folder.hf.config.label_names, o.config.label_names);
  std::string warnings;
  for (const std::string& w : folder.hf.warnings) warnings += w + "\n";
  for (const char* key :
       {"finetuning_task", "torch_dtype", "transformers_version", "architectures", "output_past"})
    EXPECT_NE(warnings.find(std::string(": ") + key + " "), std::string::npos) << key;
  EXPECT_EQ(warnings.find("_name_or_path"), std::string::npos) << warnings;
  EXPECT_EQ(folder.hf.warnings.size(), 7u) << warnings;  // + gradient_checkpointing, use_cache
}

TEST(HfImport, DistilBertFolderGivesTheSameLogits) {
  const Original o = original("relu", 32);  // DistilBERT's pre_classifier head
  TempDir dir;
  write_distilbert_folder(dir.path() / "distil", o.weights);
  EXPECT_TRUE(needs_hf_import(dir.path() / "distil"));
  expect_same_logits(o, dir.path() / "distil", 1, "distilbert");
  const io::HfConfig hf = read_hf_config(dir.path() / "distil");
  EXPECT_EQ(hf.layout, io::HfLayout::kDistilBert);
  EXPECT_EQ(hf.config.type_vocab_size, 1);
  EXPECT_EQ(hf.config.pooler_hidden_act, "relu");
  EXPECT_EQ(hf.config.classifier_dropout, std::optional<double>(0.2));
}

TEST(HfImport, RobertaFolderGivesTheSameLogits) {
  const Original o = original("tanh", 33);
  TempDir dir;
  write_roberta_folder(dir.path() / "roberta", o.weights);
  expect_same_logits(o, dir.path() / "roberta", 2, "roberta");
  const io::HfConfig hf = read_hf_config(dir.path() / "roberta");
  EXPECT_EQ(hf.position_offset, 2);
  EXPECT_EQ(hf.config.max_position_embeddings, 40);
}

TEST(HfImport, FitformerFoldersAreReadAsTheyAre) {
  const Original o = original("tanh", 34);
  TempDir dir;
  write_model_folder(dir.path() / "ours", o.config, o.weights);
  write_file_atomic(dir.path() / "ours" / "vocab.txt", kVocab);
  EXPECT_FALSE(needs_hf_import(dir.path() / "ours"));
  EXPECT_FALSE(needs_hf_import(dir.path() / "nowhere"));
  // What the import writes is such a folder too, and the cache returns it the second time.
  write_bert_folder(dir.path() / "bert", o.weights);
  const fs::path first = import_hf_folder(dir.path() / "bert", dir.path() / "cache");
  EXPECT_FALSE(needs_hf_import(first));
  EXPECT_EQ(io::load_model_config(first / "config.json").do_lower_case, std::optional<bool>(false));
  fs::remove(first / "vocab.txt");  // a rewrite would bring it back
  EXPECT_EQ(import_hf_folder(dir.path() / "bert", dir.path() / "cache"), first);
  EXPECT_FALSE(fs::exists(first / "vocab.txt"));
}

TEST(HfImport, ErrorsNameTheFileAndWhatIsMissing) {
  const Original o = original("relu", 35);
  TempDir dir;
  struct Case {
    std::string name;
    std::function<void(const fs::path&)> spoil;
    std::string file, field;
  };
  const auto edit_config = [](const std::string& from, const std::string& to) {
    return [=](const fs::path& d) {
      write_file_atomic(d / "config.json", replaced(read_file(d / "config.json"), from, to));
    };
  };
  const std::vector<Case> cases = {
      {"missing tensor",
       [&](const fs::path& d) {
         NamedTensors w = renamed(o.weights, [](const std::string& n) { return n; });
         TempDir t;
         write_distilbert_folder(t.path(), w);
         const io::SafeTensorsFile f = io::SafeTensorsFile::open(t.path() / "model.safetensors");
         std::vector<io::TensorInfo> keep;
         for (const io::TensorInfo& i : f.tensors())
           if (i.name != "distilbert.transformer.layer.1.ffn.lin2.weight") keep.push_back(i);
         io::write_safetensors(d / "model.safetensors", keep);
       },
       "model.safetensors", "distilbert.transformer.layer.1.ffn.lin2.weight"},
      {"heads", edit_config("\"n_heads\": 3", "\"n_heads\": 5"), "config.json", "n_heads"},
      {"activation", edit_config("\"activation\": \"gelu\"", "\"activation\": \"gelu_new\""),
       "config.json", "activation"},
      {"decoder", edit_config("\"dim\": 24", "\"dim\": 24, \"is_decoder\": true"), "config.json",
       "is_decoder"},
      {"unknown key", edit_config("\"dim\": 24", "\"dim\": 24, \"rotary\": 1"), "config.json",
       "rotary"},
      {"model type", edit_config("\"distilbert\"", "\"gpt2\""), "config.json", "model_type"},
      {"bin only",
       [](const fs::path& d) { fs::rename(d / "model.safetensors", d / "pytorch_model.bin"); },
       "model.safetensors", "pytorch_model.bin"},
      {"bpe tokenizer",
       [](const fs::path& d) {
         fs::remove(d / "vocab.txt");
         write_file_atomic(d / "merges.txt", "#version: 0.2\n");
         write_file_atomic(d / "vocab.json", "{}");
       },
       "vocab.json", "byte-level BPE"},
      {"vocab too big",
       [](const fs::path& d) {
         std::string v;
         for (int i = 0; i < 70; ++i) v += "t" + std::to_string(i) + "\n";
         write_file_atomic(d / "vocab.txt", v + "[UNK]\n");
       },
       "vocab.txt", "vocab_size 61"},
  };
  for (const Case& c : cases) {
    const fs::path d = dir.path() / c.name;
    write_distilbert_folder(d, o.weights);
    c.spoil(d);
    const std::string error = fitformer::testing::error_of([&] { read_hf_folder(d); });
    EXPECT_NE(error.find(c.file), std::string::npos) << c.name << ": " << error;
    EXPECT_NE(error.find(c.field), std::string::npos) << c.name << ": " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << c.name << ": " << error;
  }
}

}  // namespace
}  // namespace fitformer::model
