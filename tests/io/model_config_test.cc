// config.json: HuggingFace BERT configs parse as is, both families round-trip, and every bad
// field is rejected with an Error naming the file and the key.
#include "io/model_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace fitformer::io {
namespace {

// A fine-tuned BertForSequenceClassification config as transformers 4.x writes it.
constexpr const char* kHfBert = R"({
  "_name_or_path": "huawei-noah/TinyBERT_General_4L_312D",
  "architectures": ["BertForSequenceClassification"],
  "attention_probs_dropout_prob": 0.1,
  "classifier_dropout": null,
  "gradient_checkpointing": false,
  "hidden_act": "gelu",
  "hidden_dropout_prob": 0.1,
  "hidden_size": 312,
  "id2label": {"0": "ham", "1": "spam"},
  "initializer_range": 0.02,
  "intermediate_size": 1200,
  "label2id": {"ham": 0, "spam": 1},
  "layer_norm_eps": 1e-12,
  "max_position_embeddings": 512,
  "model_type": "bert",
  "num_attention_heads": 12,
  "num_hidden_layers": 4,
  "pad_token_id": 0,
  "position_embedding_type": "absolute",
  "problem_type": "single_label_classification",
  "torch_dtype": "float32",
  "transformers_version": "4.30.2",
  "type_vocab_size": 2,
  "use_cache": true,
  "vocab_size": 30522
})";

TEST(ModelConfig, ParsesHuggingFaceBert) {
  const ModelConfig c = parse_model_config(kHfBert, "config.json");
  EXPECT_EQ(c.family, ModelFamily::kBertClassifier);
  EXPECT_EQ(c.vocab_size, 30522);
  EXPECT_EQ(c.hidden_size, 312);
  EXPECT_EQ(c.num_hidden_layers, 4);
  EXPECT_EQ(c.num_attention_heads, 12);
  EXPECT_EQ(c.intermediate_size, 1200);
  EXPECT_EQ(c.num_labels, 2);
  EXPECT_EQ(c.label_names, (std::vector<std::string>{"ham", "spam"}));
  EXPECT_EQ(c.hidden_act, "gelu");
  EXPECT_DOUBLE_EQ(c.layer_norm_eps, 1e-12);
  EXPECT_FALSE(c.classifier_dropout.has_value());
  EXPECT_EQ(c.problem_type, "single_label_classification");
}

TEST(ModelConfig, AppliesFamilyDefaults) {
  const ModelConfig lm =
      parse_model_config(R"({"model_type": "fitformer-causal-lm", "vocab_size": 100})", "c.json");
  EXPECT_EQ(lm.family, ModelFamily::kCausalLm);
  EXPECT_EQ(lm.hidden_act, "relu");
  EXPECT_DOUBLE_EQ(lm.layer_norm_eps, 1e-5);
  const ModelConfig bert = parse_model_config(R"({"model_type": "bert"})", "c.json");
  EXPECT_EQ(bert.hidden_size, 768);  // transformers.BertConfig's defaults
  EXPECT_EQ(bert.num_labels, 2);
  EXPECT_TRUE(bert.label_names.empty());
}

TEST(ModelConfig, RoundTripsBothFamilies) {
  ModelConfig lm = default_model_config(ModelFamily::kCausalLm);
  lm.vocab_size = 8000;
  lm.hidden_size = 256;
  lm.layer_norm_eps = 1e-5;
  lm.hidden_dropout_prob = 0.2;
  lm.pad_token_id = 3;
  EXPECT_EQ(parse_model_config(model_config_json(lm), "lm.json"), lm);

  ModelConfig bert = parse_model_config(kHfBert, "config.json");
  EXPECT_EQ(parse_model_config(model_config_json(bert), "bert.json"), bert);
  bert.label_names = {"a", "b", "c"};
  bert.num_labels = 3;
  bert.classifier_dropout = 0.25;
  bert.problem_type.reset();
  EXPECT_EQ(parse_model_config(model_config_json(bert), "bert.json"), bert);
  bert.label_names.clear();
  bert.num_labels = 5;
  EXPECT_EQ(parse_model_config(model_config_json(bert), "bert.json"), bert);
}

TEST(ModelConfig, WritesHuggingFaceShapeForBert) {
  ModelConfig bert = parse_model_config(kHfBert, "config.json");
  const auto j = nlohmann::json::parse(model_config_json(bert));
  EXPECT_EQ(j["architectures"][0], "BertForSequenceClassification");
  EXPECT_EQ(j["model_type"], "bert");
  EXPECT_EQ(j["id2label"]["1"], "spam");
  EXPECT_EQ(j["label2id"]["ham"], 0);
  EXPECT_EQ(j["position_embedding_type"], "absolute");
  EXPECT_TRUE(j["classifier_dropout"].is_null());
}

// Parses `text` and expects an Error naming the file and `key`.
void expect_rejected(const std::string& text, const std::string& key) {
  try {
    parse_model_config(text, "/models/m/config.json");
    ADD_FAILURE() << "accepted: " << text;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/models/m/config.json"), std::string::npos) << what;
    EXPECT_EQ(e.field(), key) << what;
  }
}

// kHfBert with one key replaced (value "" removes it).
std::string bert_with(const std::string& key, const std::string& value) {
  auto j = nlohmann::json::parse(kHfBert);
  if (value.empty())
    j.erase(key);
  else
    j[key] = nlohmann::json::parse(value);
  return j.dump();
}

TEST(ModelConfig, RejectsBadFields) {
  expect_rejected("{", "");
  expect_rejected("[]", "");
  expect_rejected(bert_with("model_type", ""), "model_type");
  expect_rejected(bert_with("model_type", "\"gpt2\""), "model_type");
  expect_rejected(bert_with("hidden_size", "0"), "hidden_size");
  expect_rejected(bert_with("hidden_size", "312.5"), "hidden_size");
  expect_rejected(bert_with("hidden_size", "\"312\""), "hidden_size");
  expect_rejected(bert_with("num_hidden_layers", "-1"), "num_hidden_layers");
  expect_rejected(bert_with("num_attention_heads", "5"), "num_attention_heads");
  expect_rejected(bert_with("vocab_size", "3000000000"), "vocab_size");
  expect_rejected(bert_with("hidden_act", "\"swish\""), "hidden_act");
  expect_rejected(bert_with("hidden_dropout_prob", "1.5"), "hidden_dropout_prob");
  expect_rejected(bert_with("layer_norm_eps", "0"), "layer_norm_eps");
  expect_rejected(bert_with("pad_token_id", "30522"), "pad_token_id");
  expect_rejected(bert_with("position_embedding_type", "\"relative_key\""),
                  "position_embedding_type");
  expect_rejected(bert_with("problem_type", "\"ranking\""), "problem_type");
  expect_rejected(bert_with("classifier_dropout", "\"x\""), "classifier_dropout");
  expect_rejected(bert_with("id2label", R"({"0": "a", "2": "b"})"), "id2label");
  expect_rejected(bert_with("id2label", R"({"zero": "a"})"), "id2label");
  expect_rejected(bert_with("id2label", R"({"0": 1, "1": "b"})"), "id2label.0");
  expect_rejected(bert_with("label2id", R"({"ham": 1, "spam": 0})"), "label2id");
  expect_rejected(bert_with("num_labels", "3"), "num_labels");
  expect_rejected(bert_with("architectures", "\"Bert\""), "architectures");
  // A causal LM has no BERT-only keys, and needs a vocabulary.
  expect_rejected(
      R"({"model_type": "fitformer-causal-lm", "vocab_size": 10, "type_vocab_size": 2})",
      "type_vocab_size");
  expect_rejected(R"({"model_type": "fitformer-causal-lm"})", "vocab_size");
}

TEST(ModelConfig, UnknownKeyErrorListsAllowedKeys) {
  try {
    parse_model_config(bert_with("hiden_size", "312"), "config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "hiden_size");
    // The printed line is capped (core/error.h), so it leads with the likeliest key; the
    // Error still carries the whole list.
    const std::string what = e.what();
    EXPECT_NE(what.find("hiden_size: expected a known key, e.g. hidden_size (all: model_type"),
              std::string::npos)
        << what;
    for (const char* key : {"hidden_size", "id2label", "layer_norm_eps", "architectures"}) {
      EXPECT_NE(e.expected().find(key), std::string::npos) << key << " missing from the list";
    }
  }
}

// Regressions of issue 12: each input once crashed (stack overflow, bad_alloc) or was
// silently accepted.
TEST(ModelConfig, RejectsDeepNestingRepeatedKeysAndNul) {
  const std::string deep = std::string(70000, '[') + std::string(70000, ']');
  expect_rejected("{\"model_type\": " + deep + "}", "");
  try {
    parse_model_config("{\"model_type\": " + deep + "}", "config.json");
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "config.json: expected JSON nested at most 64 deep, found deeper nesting");
  }
  const std::string repeated =
      std::string(kHfBert).replace(std::string(kHfBert).find("\"hidden_size\": 312"), 18,
                                   "\"hidden_size\": 312, \"hidden_size\": 64");
  expect_rejected(repeated, "hidden_size");
  expect_rejected(std::string(kHfBert) + std::string(1, '\0') + "junk", "");
}

TEST(ModelConfig, BoundsSizesBeforeAnythingIsAllocated) {
  expect_rejected(bert_with("num_hidden_layers", "2147483647"), "num_hidden_layers");
  expect_rejected(bert_with("num_hidden_layers", "1025"), "num_hidden_layers");
  expect_rejected(bert_with("hidden_size", "65536"), "hidden_size");
  expect_rejected(bert_with("intermediate_size", "1000000000"), "intermediate_size");
  expect_rejected(bert_with("max_position_embeddings", "18446744073709551615"),
                  "max_position_embeddings");
  expect_rejected(bert_with("type_vocab_size", "100000"), "type_vocab_size");
  expect_rejected(bert_with("num_labels", "1000000"), "num_labels");
  // Each size within its limit, the whole far beyond 2^31 parameters (8 GiB of fp32).
  const std::string big = R"({"model_type": "fitformer-causal-lm", "vocab_size": 2000000,
      "hidden_size": 32768, "num_attention_heads": 8, "num_hidden_layers": 4})";
  try {
    parse_model_config(big, "config.json");
    ADD_FAILURE() << "a 65G-parameter config was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("config.json: hidden_size: expected sizes giving at most "
                                          "2147483648 parameters, found ",
                                          0),
              0u)
        << e.what();
  }
  // BERT-large's shape stays well inside.
  EXPECT_NO_THROW(parse_model_config(R"({"model_type": "bert", "hidden_size": 1024,
      "num_attention_heads": 16, "num_hidden_layers": 24, "intermediate_size": 4096})",
                                     "config.json"));
}

TEST(ModelConfig, AcceptsBookkeepingKeys) {
  EXPECT_NO_THROW(parse_model_config(bert_with("_commit_hash", "\"abc\""), "config.json"));
  EXPECT_NO_THROW(parse_model_config(bert_with("num_labels", "2"), "config.json"));
}

}  // namespace
}  // namespace fitformer::io
