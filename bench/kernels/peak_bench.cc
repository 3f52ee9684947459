// The core's own ceiling for the kernels' inner instructions: 512-bit FMAs (fp32 SpMM and
// attention) and vpdpbusd (int8 SpMM), 12 independent chains each, so that the loop runs at
// the instruction's throughput rather than its latency. docs/kernels.md compares kernels
// against these rates (counter `per_s`, instructions per second on one thread). x86 with
// AVX-512 (and VNNI for the second) only; elsewhere the benchmarks say they were skipped.
#include <benchmark/benchmark.h>

#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>

namespace {

constexpr int64_t kChains = 12;
constexpr int64_t kSteps = 1 << 16;  // per benchmark iteration

#define FITFORMER_PEAK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// The 12 chains are named locals, each stepped by OP and then passed through an empty asm
// statement: held in an array, GCC stores them all to the stack after every step, and without
// the asm it would find the chains' common subexpressions.
#define FITFORMER_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define FITFORMER_PEAK_LOOP(INIT, OP)                                                      \
  FITFORMER_CHAINS(INIT)                                                                   \
  for (auto _ : state) {                                                                   \
    for (int64_t i = 0; i < kSteps; ++i) {                                                 \
      FITFORMER_CHAINS(OP)                                                                 \
      asm volatile(""                                                                      \
                   : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), \
                     "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));                  \
    }                                                                                      \
  }                                                                                        \
  state.counters["per_s"] = benchmark::Counter(                                            \
      static_cast<double>(state.iterations() * kSteps * kChains), benchmark::Counter::kIsRate);

FITFORMER_PEAK_TARGET void run_fma(benchmark::State& state) {
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-7f);
#define INIT(n) __m512 c##n = _mm512_set1_ps(1.0f + n);
#define OP(n) c##n = _mm512_fmadd_ps(c##n, a, b);
  FITFORMER_PEAK_LOOP(INIT, OP)
#undef INIT
#undef OP
}

FITFORMER_PEAK_TARGET void run_vpdpbusd(benchmark::State& state) {
  const __m512i x = _mm512_set1_epi32(0x01010101), w = _mm512_set1_epi32(0x02020202);
#define INIT(n) __m512i c##n = _mm512_set1_epi32(n);
#define OP(n) c##n = _mm512_dpbusd_epi32(c##n, x, w);
  FITFORMER_PEAK_LOOP(INIT, OP)
#undef INIT
#undef OP
}

void peak_fma512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) return state.SkipWithError("no AVX-512 on this CPU");
  run_fma(state);
}

void peak_vpdpbusd512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512vnni")) return state.SkipWithError("no AVX512-VNNI");
  run_vpdpbusd(state);
}

BENCHMARK(peak_fma512);
BENCHMARK(peak_vpdpbusd512);

}  // namespace
#endif  // __x86_64__
