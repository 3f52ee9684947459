// The timing loop and the two sweeps of `fitformer bench`.
#include "runtime/bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <variant>

#include "core/cache_aligned.h"
#include "core/error.h"
#include "core/random.h"
#include "format/hpf.h"
#include "io/model_config.h"
#include "kernels/registry.h"
#include "kernels/sweep.h"
#include "model/bert_classifier.h"
#include "model/causal_lm.h"
#include "runtime/sparse_model.h"
#include "sparsity/hierarchical.h"

namespace fitformer::runtime {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  if (n == 0) return 0;
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Timing summarize(const std::vector<double>& us, const std::vector<double>& cpu_us) {
  Timing t;
  t.reps = static_cast<int>(us.size());
  if (us.empty()) return t;
  t.min_us = *std::min_element(us.begin(), us.end());
  t.median_us = median(us);
  t.cpu_median_us = median(cpu_us);
  return t;
}

std::vector<float> uniform(size_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(count);
  for (float& f : v) f = static_cast<float>(2.0 * rng.uniform() - 1.0);
  return v;
}

const kernels::KernelEntry& dense_entry() {
  for (const kernels::KernelEntry& e : kernels::kernel_registry()) {
    if (e.operand == kernels::Operand::kDense) return e;
  }
  throw std::logic_error("the kernel registry has no dense baseline");
}

// The dense twin of a runtime Linear: its own weights, or an HPF matrix decoded.
model::Linear dense_twin(const Linear& linear) {
  if (const auto* dense = std::get_if<model::Linear>(&linear)) return *dense;
  const auto& hpf = std::get<HpfLinear>(linear);
  return model::Linear{hpf.weight.header.rows, hpf.weight.header.cols,
                       format::hpf_to_dense(hpf.weight), hpf.bias};
}

double density_of(const Linear& linear) {
  const auto* hpf = std::get_if<HpfLinear>(&linear);
  if (hpf == nullptr) return 1.0;
  const format::hpf::Header& h = hpf->weight.header;
  return static_cast<double>(h.k1 * sparsity::kept_along(h.cols, hpf->weight.bank_width(), h.n)) /
         static_cast<double>(h.rows * h.cols);
}

// Each linear of the first layer, dense and runtime interleaved, on `tokens` rows of input.
std::vector<LinearBenchRow> bench_first_layer(const SparseModel& sparse, int64_t tokens,
                                              int threads, const TimingSpec& timing) {
  std::vector<LinearBenchRow> rows;
  if (sparse.layers.empty()) return rows;
  model::ThreadScope scope(model::RunConfig{threads});
  LinearScratch scratch;
  for (const auto& [site, linear] : sparse.layers.front()) {
    const model::Linear twin = dense_twin(linear);
    const std::vector<float> x = uniform(static_cast<size_t>(tokens * twin.in_features), 4);
    std::vector<float> y(static_cast<size_t>(tokens * twin.out_features));
    const std::vector<Timing> t =
        time_interleaved({[&] { model::apply_linear(twin, x, tokens, y); },
                          [&] { apply_linear(linear, x, tokens, y, scratch, threads); }},
                         timing);
    rows.push_back({std::string(model::linear_site_name(site)), twin.out_features, twin.in_features,
                    density_of(linear), t[0], t[1]});
  }
  return rows;
}

// Runs each forward `reps` times, interleaved, each run with its own OpProfile, and returns
// per forward the median of every op.
std::vector<OpBreakdown> profile_interleaved(
    const std::vector<std::function<void(model::OpProfile*)>>& forwards, int reps) {
  std::vector<std::vector<model::OpProfile>> runs(forwards.size());
  for (int rep = 0; rep < reps; ++rep) {
    for (size_t f = 0; f < forwards.size(); ++f) {
      model::OpProfile profile;
      forwards[f](&profile);
      runs[f].push_back(profile);
    }
  }
  std::vector<OpBreakdown> out;
  for (const auto& profiles : runs) {
    OpBreakdown b;
    b.forwards = static_cast<int>(profiles.size());
    std::vector<double> totals, cpu_totals;
    for (const model::OpProfile& p : profiles) {
      double sum = 0, cpu = 0;
      for (size_t op = 0; op < model::kOpCount; ++op) {
        sum += p.us[op];
        cpu += p.cpu_us[op];
      }
      totals.push_back(sum);
      cpu_totals.push_back(cpu);
    }
    b.total_median_us = median(totals);
    b.total_cpu_median_us = median(cpu_totals);
    for (size_t op = 0; op < model::kOpCount; ++op) {
      std::vector<double> us, cpu;
      for (const model::OpProfile& p : profiles) {
        us.push_back(p.us[op]);
        cpu.push_back(p.cpu_us[op]);
      }
      b.median_us[op] = median(std::move(us));
      b.cpu_median_us[op] = median(std::move(cpu));
    }
    out.push_back(b);
  }
  return out;
}

}  // namespace

std::vector<Timing> time_interleaved(const std::vector<std::function<void()>>& calls,
                                     const TimingSpec& spec) {
  for (int i = 0; i < spec.warmup; ++i) {
    for (const auto& call : calls) call();
  }
  std::vector<std::vector<double>> us(calls.size()), cpu_us(calls.size());
  const auto start = Clock::now();
  for (int rep = 0; rep < spec.max_reps; ++rep) {
    for (size_t c = 0; c < calls.size(); ++c) {
      const double cpu0 = model::process_cpu_us();
      const auto t0 = Clock::now();
      calls[c]();
      us[c].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      cpu_us[c].push_back(model::process_cpu_us() - cpu0);
    }
    const double spent = std::chrono::duration<double>(Clock::now() - start).count();
    // Each call gets about min_seconds of timing, however many share the rounds.
    if (rep + 1 >= spec.min_reps && spent >= spec.min_seconds * static_cast<double>(calls.size()))
      break;
  }
  std::vector<Timing> out;
  for (size_t c = 0; c < calls.size(); ++c) out.push_back(summarize(us[c], cpu_us[c]));
  return out;
}

KernelBenchSpec default_kernel_bench(bool quick) {
  KernelBenchSpec s;
  for (const kernels::SweepShape& shape : kernels::kSweepShapes)
    if (shape.quick || !quick)
      s.shapes.push_back({std::string(shape.name), shape.rows, shape.cols});
  if (quick) {
    s.tokens.assign(std::begin(kernels::kQuickSweepTokens), std::end(kernels::kQuickSweepTokens));
    s.sparsities.assign(std::begin(kernels::kQuickSweepSparsities),
                        std::end(kernels::kQuickSweepSparsities));
    s.two_splits = false;
  } else {
    s.tokens.assign(std::begin(kernels::kSweepTokens), std::end(kernels::kSweepTokens));
    s.sparsities.assign(std::begin(kernels::kSweepSparsities), std::end(kernels::kSweepSparsities));
  }
  s.timing.min_seconds = 0.05;
  return s;
}

std::vector<double> hp_split_rho2s(double sparsity, bool two_splits) {
  return kernels::sweep_rho2s(sparsity, two_splits);
}

int64_t kernel_bench_points(const KernelBenchSpec& spec) {
  int64_t splits = 0;
  for (double sp : spec.sparsities)
    splits += static_cast<int64_t>(hp_split_rho2s(sp, spec.two_splits).size());
  return static_cast<int64_t>(spec.shapes.size() * spec.tokens.size() * spec.threads.size()) *
         splits;
}

namespace {

// One row per entry: timings t[i + 1] against the dense baseline t[0].
void add_rows(const LayerShape& shape, double sparsity, const sparsity::HpSplit& split,
              const kernels::Problem& p, const std::vector<const kernels::KernelEntry*>& entries,
              int threads, const std::vector<Timing>& t, const std::string& suffix,
              std::vector<KernelBenchRow>& rows) {
  for (size_t i = 0; i < entries.size(); ++i) {
    KernelBenchRow row;
    row.shape = shape.name;
    row.rows = shape.rows;
    row.cols = shape.cols;
    row.tokens = p.n;
    row.sparsity = sparsity;
    row.rho1 = split.params.rho1;
    row.rho2 = split.params.rho2;
    row.density = split.density;
    row.kernel = std::string(entries[i]->name) + suffix;
    row.threads = threads;
    row.time = t[i + 1];
    row.dense = t[0];
    rows.push_back(std::move(row));
  }
}

}  // namespace

std::vector<KernelBenchRow> bench_kernels(const KernelBenchSpec& spec, Progress* progress) {
  const kernels::KernelEntry& dense = dense_entry();
  std::vector<KernelBenchRow> rows;
  for (const LayerShape& shape : spec.shapes) {
    const std::vector<float> w = uniform(static_cast<size_t>(shape.rows * shape.cols), 1);
    const std::vector<float> scores = sparsity::magnitude_scores(w);
    for (const int64_t n : spec.tokens) {
      for (const double sp : spec.sparsities) {
        for (const double rho2 : hp_split_rho2s(sp, spec.two_splits)) {
          const sparsity::HpSplit split =
              sparsity::hp_split_for_rho2(sp, rho2, shape.rows, shape.cols);
          const sparsity::Mask mask =
              sparsity::hp_mask(scores, shape.rows, shape.cols, split.params);
          const kernels::Problem p =
              kernels::make_problem(w, shape.rows, shape.cols, mask, split.params,
                                    uniform(static_cast<size_t>(shape.cols * n), 2), n);
          std::vector<const kernels::KernelEntry*> entries;
          for (const kernels::KernelEntry& e : kernels::kernel_registry()) {
            if (e.operand != kernels::Operand::kDense && kernels::runs_on(e, p))
              entries.push_back(&e);
          }
          for (const int threads : spec.threads) {
            CacheAlignedVector<float> y(static_cast<size_t>(p.rows * p.n));  // as the runtime's
            std::vector<std::function<void()>> calls = {[&] { dense.run(p, y, threads); }};
            for (const kernels::KernelEntry* e : entries) {
              calls.push_back([&, e] { e->run(p, y, threads); });
            }
            const std::vector<Timing> t = time_interleaved(calls, spec.timing);
            add_rows(shape, sp, split, p, entries, threads, t, "", rows);
            if (n == 1) {
              // Cold: rotating through copies that together exceed the LLC twice, so each call
              // reads its weights from DRAM, as a layer of a model larger than the LLC does.
              const std::vector<kernels::Problem> copies(
                  static_cast<size_t>(kernels::cold_copies(p)), p);
              std::vector<const kernels::KernelEntry*> spmv;
              for (const kernels::KernelEntry* e : entries)
                if (e->spmv_only) spmv.push_back(e);
              size_t next = 0;
              auto rotate = [&] { return &copies[next++ % copies.size()]; };
              std::vector<std::function<void()>> cold = {[&] { dense.run(*rotate(), y, threads); }};
              for (const kernels::KernelEntry* e : spmv)
                cold.push_back([&, e] { e->run(*rotate(), y, threads); });
              add_rows(shape, sp, split, p, spmv, threads, time_interleaved(cold, spec.timing),
                       " (cold)", rows);
            }
            advance(progress);
          }
        }
      }
    }
  }
  return rows;
}

std::string breakdown_table(const ModelBenchRow& r) {
  const OpBreakdown &d = r.dense_ops, &s = r.sparse_ops;
  std::string out = fmt::format(
      "    per op, {} thread(s), median over {} forwards of each, ms (measured; cpu = the "
      "process's CPU time, all threads):\n      {:<17} {:>8} {:>8} {:>6} {:>8} {:>8} {:>6}\n",
      r.threads, s.forwards, "op", "dense", "cpu", "share", "sparse", "cpu", "share");
  for (size_t op = 0; op < model::kOpCount; ++op) {
    out += fmt::format("      {:<17} {:>8.3f} {:>8.3f} {:>5.1f}% {:>8.3f} {:>8.3f} {:>5.1f}%\n",
                       model::kOpNames[op], d.median_us[op] / 1e3, d.cpu_median_us[op] / 1e3,
                       100 * d.median_us[op] / d.total_median_us, s.median_us[op] / 1e3,
                       s.cpu_median_us[op] / 1e3, 100 * s.median_us[op] / s.total_median_us);
  }
  out += fmt::format("      {:<17} {:>8.3f} {:>8.3f} {:>6} {:>8.3f} {:>8.3f}\n", "sum",
                     d.total_median_us / 1e3, d.total_cpu_median_us / 1e3, "",
                     s.total_median_us / 1e3, s.total_cpu_median_us / 1e3);
  out += fmt::format(
      "      end to end (timed apart): dense {:.3f} ms wall, {:.3f} ms cpu; sparse {:.3f} ms wall, "
      "{:.3f} ms cpu; speed-up {:.2f}x wall, {:.2f}x cpu\n",
      r.dense.median_us / 1e3, r.dense.cpu_median_us / 1e3, r.sparse.median_us / 1e3,
      r.sparse.cpu_median_us / 1e3, r.speedup(), r.dense.cpu_median_us / r.sparse.cpu_median_us);
  return out;
}

nlohmann::json breakdown_json(const ModelBenchRow& r) {
  nlohmann::json j = {{"forwards", r.sparse_ops.forwards},
                      {"dense_sum_ms", r.dense_ops.total_median_us / 1e3},
                      {"sparse_sum_ms", r.sparse_ops.total_median_us / 1e3},
                      {"dense_cpu_ms", r.dense.cpu_median_us / 1e3},
                      {"sparse_cpu_ms", r.sparse.cpu_median_us / 1e3},
                      {"ops", nlohmann::json::array()}};
  for (size_t op = 0; op < model::kOpCount; ++op) {
    j["ops"].push_back({{"op", model::kOpNames[op]},
                        {"dense_ms", r.dense_ops.median_us[op] / 1e3},
                        {"dense_cpu_ms", r.dense_ops.cpu_median_us[op] / 1e3},
                        {"sparse_ms", r.sparse_ops.median_us[op] / 1e3},
                        {"sparse_cpu_ms", r.sparse_ops.cpu_median_us[op] / 1e3}});
  }
  return j;
}

std::vector<ModelBenchRow> bench_model(const std::filesystem::path& dense_dir,
                                       const std::filesystem::path& pruned_dir,
                                       const ModelBenchSpec& spec, Progress* progress) {
  const SparseModel sparse = load_sparse_model(pruned_dir);
  const io::ModelConfig& c = model_config(sparse);
  std::variant<model::CausalLm, model::BertClassifier> dense;
  if (c.family == io::ModelFamily::kCausalLm) {
    dense = model::load_causal_lm(dense_dir);
  } else {
    dense = model::load_bert_classifier(dense_dir);
  }
  const io::ModelConfig& dc =
      std::visit([](const auto& m) -> const io::ModelConfig& { return m.config; }, dense);
  if (!(dc == c)) {
    throw Error(dense_dir.string(), "config.json", "the config of " + pruned_dir.string(),
                "another config");
  }
  model::TokenBatch batch;
  batch.batch_size = spec.batch;
  batch.seq_len = spec.seq;
  Rng rng(3);
  for (int64_t i = 0; i < spec.batch * spec.seq; ++i) {
    batch.token_ids.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(c.vocab_size))));
  }
  std::vector<float> out(static_cast<size_t>(model::shape_numel(output_shape(sparse, batch))));
  std::vector<ModelBenchRow> rows;
  for (const int threads : spec.threads) {
    const auto dense_forward = [&](model::OpProfile* profile) {
      const model::RunConfig run{threads, profile};
      if (const auto* lm = std::get_if<model::CausalLm>(&dense)) {
        model::causal_lm_forward(*lm, batch, run, out);
      } else {
        model::bert_classifier_forward(std::get<model::BertClassifier>(dense), batch, run, out);
      }
    };
    const auto sparse_forward_with = [&](model::OpProfile* profile) {
      sparse_forward(sparse, batch, model::RunConfig{threads, profile}, out);
    };
    const std::vector<Timing> t = time_interleaved(
        {[&] { dense_forward(nullptr); }, [&] { sparse_forward_with(nullptr); }}, spec.timing);
    ModelBenchRow row{threads, spec.batch, spec.seq, t[0], t[1], {}, {}, {}};
    if (spec.first_layer_linears)
      row.linears = bench_first_layer(sparse, spec.batch * spec.seq, threads, spec.timing);
    if (spec.breakdown_reps > 0) {
      const std::vector<OpBreakdown> ops =
          profile_interleaved({dense_forward, sparse_forward_with}, spec.breakdown_reps);
      row.dense_ops = ops[0];
      row.sparse_ops = ops[1];
    }
    rows.push_back(std::move(row));
    advance(progress);
  }
  return rows;
}

}  // namespace fitformer::runtime
