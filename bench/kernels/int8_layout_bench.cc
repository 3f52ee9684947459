// Would a compact int8 layout make the VNNI SpMM faster? (issue 16, item 3.) The prepared int8
// layout (kernels/prepared_hpf.h) stores a kept row segment dense over its Bc / 4 column quads,
// so with HP's level 2 keeping n of each bank's w columns, a fraction 1 - n / w of the
// vpdpbusd products are zeros. Keeping only the nonzero weights means each lane's 4 bytes of X
// must come from the row's own kept columns: one byte permute (vpermt2b over the bank's two X
// quads) per product instruction saved. This benchmark times the two inner loops on the same
// random segments, data in L1, one block of Bc = 64 (8 banks of 8, n = 4: rho2 = 0.5, the
// kernels' benchmark split), two kept rows per pass, 8 vectors of 16 tokens (N = 128):
//   dense_quads:   per bank and vector, 2 X loads and 4 vpdpbusd (2 rows x 2 quads);
//   compact_perm:  per bank and vector, 2 X loads, 2 vpermt2b and 2 vpdpbusd.
// Both produce the same int32 sums (checked before timing). Counter: seconds per kept row
// segment (time_per_segment).
// x86 with AVX512-VNNI and AVX512-VBMI only; elsewhere the benchmarks report an error.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "core/random.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define FITFORMER_VBMI_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,avx512vbmi")))

namespace fitformer::kernels {
namespace {

constexpr int kBanks = 8, kBankWidth = 8, kKept = 4;  // n of w per bank
constexpr int kQuads = kBanks * kBankWidth / 4;       // 16 column quads per segment
constexpr int kVectors = 8, kLanes = 16, kTokens = kVectors * kLanes;
constexpr int kRows = 64;  // kept row segments per call (32 pairs)

bool supported() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vbmi");
}

struct Data {
  // X quads of the block, unsigned bytes: x[q * kTokens + t] holds rows 4q..4q+3 of token t.
  alignas(64) std::array<int32_t, kQuads * kTokens> x;
  // Dense layout: every row's 16 weight quads, zero bytes where not kept.
  std::vector<int32_t> dense;  // [kRows][kQuads]
  // Compact layout: per row and bank its 4 kept weights as one quad, and the byte permutation
  // that gathers the matching X bytes of each token from the bank's two X quads.
  std::vector<int32_t> compact;               // [kRows][kBanks]
  std::vector<std::array<uint8_t, 64>> perm;  // [kRows][kBanks]
  std::vector<int32_t> out;                   // [kRows][kTokens]
};

Data make_data() {
  Data d;
  Rng rng(7);
  for (int32_t& v : d.x) v = static_cast<int32_t>(rng.next_u64());
  d.dense.assign(kRows * kQuads, 0);
  d.compact.assign(kRows * kBanks, 0);
  d.perm.resize(kRows * kBanks);
  d.out.assign(kRows * kTokens, 0);
  for (int r = 0; r < kRows; ++r) {
    for (int b = 0; b < kBanks; ++b) {
      std::array<int, kBankWidth> cols;
      std::iota(cols.begin(), cols.end(), 0);
      for (int i = 0; i < kKept; ++i) {  // a random kKept-subset, in ascending order below
        const int j = i + static_cast<int>(rng.below(kBankWidth - i));
        std::swap(cols[i], cols[j]);
      }
      std::sort(cols.begin(), cols.begin() + kKept);
      uint8_t* dense_bytes = reinterpret_cast<uint8_t*>(&d.dense[r * kQuads + b * 2]);
      uint8_t* compact_bytes = reinterpret_cast<uint8_t*>(&d.compact[r * kBanks + b]);
      std::array<uint8_t, 64>& p = d.perm[r * kBanks + b];
      for (int i = 0; i < kKept; ++i) {
        const auto w = static_cast<uint8_t>(static_cast<int>(rng.below(255)) - 127);
        const int c = cols[i];  // column within the bank: quad c / 4 of the bank, byte c % 4
        dense_bytes[c] = w;
        compact_bytes[i] = w;
        for (int t = 0; t < kLanes; ++t)
          p[4 * t + i] = static_cast<uint8_t>((c / 4) * 64 + 4 * t + c % 4);
      }
    }
  }
  return d;
}

FITFORMER_VBMI_VNNI inline void dpbusd(__m512i& acc, __m512i x, __m512i w) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
}

#define FITFORMER_EACH(STEP) STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
#define FITFORMER_ZERO(i) __m512i a##i = _mm512_setzero_si512(), b##i = a##i;
#define FITFORMER_STORE(i)                                   \
  _mm512_storeu_si512(out + r * kTokens + i * kLanes, a##i); \
  _mm512_storeu_si512(out + (r + 1) * kTokens + i * kLanes, b##i);

FITFORMER_VBMI_VNNI void dense_quads(const Data& d, int32_t* out) {
  const int32_t* x = d.x.data();
  for (int r = 0; r < kRows; r += 2) {
    FITFORMER_EACH(FITFORMER_ZERO)
    for (int q = 0; q < kQuads; ++q) {
      const __m512i w0 = _mm512_set1_epi32(d.dense[r * kQuads + q]);
      const __m512i w1 = _mm512_set1_epi32(d.dense[(r + 1) * kQuads + q]);
#define FITFORMER_STEP(i)                                               \
  {                                                                     \
    const __m512i xv = _mm512_load_si512(x + q * kTokens + i * kLanes); \
    dpbusd(a##i, xv, w0);                                               \
    dpbusd(b##i, xv, w1);                                               \
  }
      FITFORMER_EACH(FITFORMER_STEP)
#undef FITFORMER_STEP
    }
    FITFORMER_EACH(FITFORMER_STORE)
  }
}

FITFORMER_VBMI_VNNI void compact_perm(const Data& d, int32_t* out) {
  const int32_t* x = d.x.data();
  for (int r = 0; r < kRows; r += 2) {
    FITFORMER_EACH(FITFORMER_ZERO)
    for (int b = 0; b < kBanks; ++b) {
      const __m512i w0 = _mm512_set1_epi32(d.compact[r * kBanks + b]);
      const __m512i w1 = _mm512_set1_epi32(d.compact[(r + 1) * kBanks + b]);
      const __m512i p0 = _mm512_loadu_si512(d.perm[r * kBanks + b].data());
      const __m512i p1 = _mm512_loadu_si512(d.perm[(r + 1) * kBanks + b].data());
      const int32_t* xb = x + 2 * b * kTokens;
#define FITFORMER_STEP(i)                                            \
  {                                                                  \
    const __m512i lo = _mm512_load_si512(xb + i * kLanes);           \
    const __m512i hi = _mm512_load_si512(xb + kTokens + i * kLanes); \
    dpbusd(a##i, _mm512_permutex2var_epi8(lo, p0, hi), w0);          \
    dpbusd(b##i, _mm512_permutex2var_epi8(lo, p1, hi), w1);          \
  }
      FITFORMER_EACH(FITFORMER_STEP)
#undef FITFORMER_STEP
    }
    FITFORMER_EACH(FITFORMER_STORE)
  }
}

void int8_inner_loop(benchmark::State& state, void (*body)(const Data&, int32_t*)) {
  if (!supported()) {
    state.SkipWithError("needs AVX512-VNNI and AVX512-VBMI");
    return;
  }
  static const Data data = [] {
    Data d = make_data();
    std::vector<int32_t> a(kRows * kTokens, -1), b(kRows * kTokens, -2);
    dense_quads(d, a.data());
    compact_perm(d, b.data());
    if (a != b) std::abort();  // the two layouts must compute the same sums
    return d;
  }();
  std::vector<int32_t> out(kRows * kTokens);
  for (auto _ : state) {
    body(data, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["time_per_segment"] = benchmark::Counter(
      kRows, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

BENCHMARK_CAPTURE(int8_inner_loop, dense_quads, &dense_quads);
BENCHMARK_CAPTURE(int8_inner_loop, compact_perm, &compact_perm);

}  // namespace
}  // namespace fitformer::kernels
#endif  // __x86_64__
