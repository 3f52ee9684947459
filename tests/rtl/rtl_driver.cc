// Runs the pruned layers of a model folder (HPF matrices, and its dense head as HP at density
// 1) through the Verilated RTL of this build, one layer at a time, and prints per layer the
// RTL's and the simulator's cycles and whether every accumulator and requantized output equals
// kernels' reference (docs/rtl.md's table). Weights, biases and scales are the model's;
// activations are random (seeded: cycles do not depend on them), requantization per row with
// M0, S from the row's weight scale (an output scale equal to the input's).
//
// rtl_driver_POINT (--model DIR | --random-bert D,FFN,LAYERS,LABELS,SPARSITY)
//                  --accelerator accelerator.json [--tokens N] [--head-tokens N]
//                  [--streamed | --resident] [--label TEXT]
// --random-bert: the linears of a BERT classifier of that shape (query, key, value, output,
// FFN up and down per layer, dense pooler and classifier) with random weights (seeded), pruned
// by sparsity/ to HP at SPARSITY (rho2 0.5) and packed by format/: for task shapes whose
// trained model is not at hand, labelled as random in docs/rtl.md.
// The build fixes P, B, Bc, precision and lanes; clock, off-chip bandwidth, buffers and the
// mapping come from accelerator.json (accel/sized_json.h), the stream beat must match.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include RTL_HEADER  // the Verilated hpa_top of this build (CMake)
#include "format/hpf_safetensors.h"
#include "io/safetensors.h"
#include "rtl_build.h"
#include "rtl_cases.h"
#include "rtl_harness.h"
#include "sparsity/hierarchical.h"
#include "sparsity/hp_plan.h"
#include "verilated.h"

using Vhpa = RTL_MODEL;

namespace fitformer::rtltest {
namespace {

// The kept-weight mask an HPF stores (its used slots).
sparsity::Mask hpf_mask(const format::hpf::Matrix& w) {
  const auto& h = w.header;
  sparsity::Mask m{h.rows, h.cols, std::vector<uint8_t>(static_cast<size_t>(h.rows * h.cols), 0)};
  const int64_t bw = w.bank_width();
  for (int64_t b = 0; b < w.blocks(); ++b) {
    for (int64_t i = 0; i < h.k1; ++i) {
      const int64_t r = w.rows[static_cast<size_t>(b * h.k1 + i)];
      for (int64_t j = 0; j < w.real_banks(b); ++j) {
        const int64_t real = std::min(bw, h.cols - b * h.block_cols - j * bw);
        for (int64_t s = 0; s < std::min(h.n, real); ++s) {
          const int64_t slot = ((b * h.k1 + i) * h.banks + j) * h.n + s;
          m.keep[static_cast<size_t>(r * h.cols + b * h.block_cols + j * bw + w.offset(slot))] = 1;
        }
      }
    }
  }
  return m;
}

// The matrix at the build's precision, per-row scales: as stored when it already is.
format::hpf::Matrix at_precision(const format::hpf::Matrix& w, format::ValueType type) {
  if (w.header.value_type == type && w.header.scale_mode == format::ScaleMode::kPerRow) return w;
  const auto& h = w.header;
  const sparsity::HpParams hp{static_cast<double>(h.k1) / static_cast<double>(h.rows),
                              static_cast<double>(h.n) / static_cast<double>(w.bank_width()),
                              h.block_cols, h.banks};
  return format::pack_hpf(format::hpf_to_dense(w), h.rows, h.cols, hpf_mask(w), hp, type,
                          format::ScaleMode::kPerRow);
}

struct Layer {
  std::string name;
  format::hpf::Matrix w;
  std::vector<float> bias;  // empty or M
  bool dense = false;
};

std::vector<Layer> model_layers(const std::filesystem::path& dir, const accel::AccelSpec& spec) {
  const auto file = io::SafeTensorsFile::open(dir / "model.safetensors");
  const format::ValueType type = format::precision_value_type(spec.precision);
  std::vector<Layer> out;
  auto bias_of = [&](const std::string& weight, int64_t rows) {
    std::string b = weight.substr(0, weight.size() - 6) + "bias";  // ...weight -> ...bias
    return file.contains(b) ? file.read_f32(b, std::vector<int64_t>{rows}) : std::vector<float>{};
  };
  for (const std::string& name : format::hpf_matrix_names(file)) {
    const format::hpf::Matrix w = at_precision(format::read_hpf(file, name), type);
    out.push_back({name, w, bias_of(name, w.header.rows), false});
  }
  for (const char* head :
       {"decoder.weight", "bert.pooler.dense.weight", "pooler.dense.weight", "classifier.weight"}) {
    if (!file.contains(head)) continue;
    const auto& info = file.tensor(head);
    const int64_t rows = info.shape.at(0), cols = info.shape.at(1);
    const auto values = file.read_f32(head, std::vector<int64_t>{rows, cols});
    // a dense layer is HP at density 1 (k1 = M, n = Bc / B)
    const sparsity::HpParams hp{1.0, 1.0, spec.block_cols, spec.banks};
    const auto all = sparsity::hp_mask(sparsity::magnitude_scores(values), rows, cols, hp);
    out.push_back({head,
                   format::pack_hpf(values, rows, cols, all, hp, type, format::ScaleMode::kPerRow),
                   bias_of(head, rows), true});
  }
  return out;
}

// Random weights in [-1, 1), pruned to HP (sparsity::split of a plan at `sparsity`: rho2 0.5)
// or kept dense.
Layer random_layer(const std::string& name, int64_t rows, int64_t cols, double sparsity,
                   const accel::AccelSpec& spec, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(static_cast<size_t>(rows * cols));
  for (float& v : w) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  std::vector<float> bias(static_cast<size_t>(rows));
  for (float& v : bias) v = static_cast<float>(rng.uniform() - 0.5);
  const bool dense = sparsity == 0;
  sparsity::HpPlan plan;
  plan.sparsity = sparsity;
  plan.block_cols = spec.block_cols;
  plan.banks = spec.banks;
  const sparsity::HpParams hp = dense ? sparsity::HpParams{1.0, 1.0, spec.block_cols, spec.banks}
                                      : sparsity::split(plan, rows, cols).params;
  const auto mask = sparsity::hp_mask(sparsity::magnitude_scores(w), rows, cols, hp);
  return {name,
          format::pack_hpf(w, rows, cols, mask, hp, format::precision_value_type(spec.precision),
                           format::ScaleMode::kPerRow),
          bias, dense};
}

std::vector<Layer> random_bert(const std::string& shape, const accel::AccelSpec& spec) {
  long long d = 0, ffn = 0, layers = 0, labels = 0;
  double sparsity = 0;
  if (std::sscanf(shape.c_str(), "%lld,%lld,%lld,%lld,%lf", &d, &ffn, &layers, &labels,
                  &sparsity) != 5) {
    throw std::runtime_error("--random-bert expects D,FFN,LAYERS,LABELS,SPARSITY");
  }
  std::vector<Layer> out;
  uint64_t seed = 4242;
  for (long long l = 0; l < layers; ++l) {
    const std::string p = fmt::format("layer{}.", l);
    for (const char* site : {"attn.query", "attn.key", "attn.value", "attn.output"}) {
      out.push_back(random_layer(p + site, d, d, sparsity, spec, seed++));
    }
    out.push_back(random_layer(p + "ffn.up", ffn, d, sparsity, spec, seed++));
    out.push_back(random_layer(p + "ffn.down", d, ffn, sparsity, spec, seed++));
  }
  out.push_back(random_layer("pooler", d, d, 0, spec, seed++));
  out.push_back(random_layer("classifier", labels, d, 0, spec, seed++));
  return out;
}

accel::AccelSpec spec_from_json(const std::filesystem::path& path, accel::Mapping& mapping) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  const nlohmann::json j = nlohmann::json::parse(in);
  accel::AccelSpec s = spec_for(kBuild, 1.0);  // P, B, Bc, lanes, precision of the build
  s.clock_mhz = j.at("clock_mhz").get<double>();
  s.offchip_gbs = j.at("offchip_gbs").get<double>();
  s.act_buffer_bytes = j.at("act_buffer_bytes").get<int64_t>();
  s.out_buffer_bytes = j.at("out_buffer_bytes").get<int64_t>();
  s.weight_buffer_bytes = j.at("weight_buffer_bytes").get<int64_t>();
  mapping.weights_resident = j.at("weights_resident").get<bool>();
  mapping.max_token_tile = j.at("max_token_tile").get<int64_t>();
  if (j.at("pes").get<int64_t>() != kBuild.pes || j.at("banks").get<int64_t>() != kBuild.banks ||
      j.at("token_lanes").get<int64_t>() != kBuild.lanes ||
      j.at("precision").get<std::string>() != (kBuild.width == 8 ? "int8" : "int16")) {
    std::printf(
        "note: %s asks P %lld B %lld L %lld %s; this build is P %lld B %lld L %lld int%lld\n",
        path.string().c_str(), (long long)j.at("pes").get<int64_t>(),
        (long long)j.at("banks").get<int64_t>(), (long long)j.at("token_lanes").get<int64_t>(),
        j.at("precision").get<std::string>().c_str(), (long long)kBuild.pes,
        (long long)kBuild.banks, (long long)kBuild.lanes, (long long)kBuild.width);
  }
  return s;
}

}  // namespace
}  // namespace fitformer::rtltest

int main(int argc, char** argv) {
  using namespace fitformer;
  using namespace fitformer::rtltest;
  Verilated::commandArgs(argc, argv);
  std::string model_dir, json_path, label, random_shape;
  int64_t tokens = 64, head_tokens = 1;
  int resident = -1;  // -1: as accelerator.json says
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") {
      model_dir = value();
    } else if (a == "--random-bert") {
      random_shape = value();
    } else if (a == "--accelerator") {
      json_path = value();
    } else if (a == "--tokens") {
      tokens = std::stoll(value());
    } else if (a == "--head-tokens") {
      head_tokens = std::stoll(value());
    } else if (a == "--resident") {
      resident = 1;
    } else if (a == "--streamed") {
      resident = 0;
    } else if (a == "--label") {
      label = value();
    } else if (!a.starts_with("+")) {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if ((model_dir.empty() == random_shape.empty()) || json_path.empty()) {
    std::fprintf(stderr,
                 "usage: %s (--model DIR | --random-bert D,FFN,LAYERS,LABELS,SPARSITY) "
                 "--accelerator JSON [--tokens N] [--head-tokens N] [--streamed|--resident] "
                 "[--label TEXT]\n",
                 argv[0]);
    return 2;
  }
  try {
    accel::Mapping mapping;
    accel::AccelSpec spec = spec_from_json(json_path, mapping);
    if (resident >= 0) mapping.weights_resident = resident == 1;
    if (accel::rtl_beat_bytes(spec) != kBuild.beat) {
      std::fprintf(stderr, "the spec's stream beat is %lld bytes, this build's %lld\n",
                   (long long)accel::rtl_beat_bytes(spec), (long long)kBuild.beat);
      return 2;
    }
    const auto layers =
        random_shape.empty() ? model_layers(model_dir, spec) : random_bert(random_shape, spec);
    const double rate = accel::offchip_bytes_per_cycle(spec);
    int failures = 0;
    int64_t rtl_total = 0, sim_total = 0;
    Rng rng(2026);
    std::printf(
        "| model | layer | M x K | k1 | n | tokens (tile) | RTL cycles | simulated | difference | "
        "outputs bit-equal |\n");
    std::printf("|---|---|---|---:|---:|---|---:|---:|---:|---|\n");
    for (const Layer& layer : layers) {
      const auto& h = layer.w.header;
      const bool head = layer.dense && layer.name != "decoder.weight";  // pooler, classifier
      const int64_t n_tokens = head ? head_tokens : tokens;
      LayerData d;
      d.w = layer.w;
      d.tokens = n_tokens;
      d.x = random_x(n_tokens, h.cols, format::precision_qmax(spec.precision), rng);
      const float x_scale = 0.05f;  // a nominal activation step: sets the bias's magnitude
      if (!layer.bias.empty())
        d.bias = accel::quantize_bias(layer.bias, d.w.scales, x_scale, spec.precision);
      for (int64_t r = 0; r < h.rows; ++r)
        d.requant.push_back(kernels::make_requant(d.w.row_scale(r)));
      const ExpectedLayer e = expect_layer(spec, mapping, layer.name, d);
      std::vector<LayerJob> jobs;
      std::vector<uint8_t> act;
      int64_t w_base = 0, r_base = 0;
      add_jobs(kBuild, spec, mapping, layer.name, d, e.tile, mapping.weights_resident, w_base,
               r_base, act, jobs);
      Vhpa model;
      Harness<Vhpa> harness(model, kBuild);
      const auto got = harness.run(jobs, act, rate);
      const LayerOutcome& o = got.back();
      bool equal = o.duplicate_writes == 0;
      for (size_t i = 0; i < e.acc.size(); ++i)
        equal = equal && o.acc[i] == e.acc[i] && o.out[i] == e.out[i];
      failures += !equal || o.cycles != e.sim_cycles;
      rtl_total += o.cycles;
      sim_total += e.sim_cycles;
      std::printf(
          "| %s | %s%s | %lld x %lld | %lld | %lld | %lld (%lld) | %lld | %lld | %lld | %s |\n",
          label.c_str(), layer.name.c_str(), layer.dense ? " (dense)" : "", (long long)h.rows,
          (long long)h.cols, (long long)h.k1, (long long)h.n, (long long)n_tokens,
          (long long)e.tile, (long long)o.cycles, (long long)e.sim_cycles,
          (long long)(o.cycles - e.sim_cycles),
          equal ? fmt::format("yes ({} values)", 2 * e.acc.size()).c_str() : "NO");
      std::fflush(stdout);
    }
    std::printf("| %s | all %zu layers | | | | | %lld | %lld | %lld | %s |\n", label.c_str(),
                layers.size(), (long long)rtl_total, (long long)sim_total,
                (long long)(rtl_total - sim_total), failures == 0 ? "yes" : "NO");
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtl driver: %s\n", e.what());
    return 1;
  }
}
