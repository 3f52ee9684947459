// The int8 HPF kernels on AVX512-VNNI (x86 only), which Highway 1.0.3 does not expose: the
// AVX-512 bodies of spmm_simd.cc call these when the CPU has avx512vnni; every other target
// runs the portable Highway bodies. Compiled with a target attribute, so the file needs no
// special flags and the rest of the library stays baseline x86-64.
//
// vpdpbusd multiplies 4 unsigned by 4 signed bytes per int32 lane and adds the 4 products
// to the lane. Activations become unsigned by x + 128 (XOR 0x80), and the segment's weight
// sum times 128 is subtracted: sum (x + 128) w - 128 sum w = sum x w, exact in int32.
// SpMM: lanes are 16 tokens, the unsigned operand is X in column quads (4 rows of X per
// lane, built per call), the signed one a broadcast weight quad of one kept row; two kept rows
// of a block run together, sharing each X load.
// SpMV: lanes are 16 kept rows, the unsigned operand a broadcast quad of x, the signed one
// the 16 rows' weight quads: the kept row segments are dense over their Bc / 4 quads.
// Quads: an already quantized int8 X into the SpMM's column quads (byte shuffles of AVX-512BW
// only; kept here beside the kernel that reads them, under the same CPU check).
#include "kernels/spmm_internal.h"
#include "kernels/tile_width.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <omp.h>

#include <cstring>

// GCC 12 reports the deliberately undefined pass-through operand of the AVX-512 intrinsics
// (_mm512_undefined_*) as uninitialized once they inline here: noise, not a finding.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define FITFORMER_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

namespace fitformer::kernels::detail {

bool vnni_available() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  return ok;
}

// Everything below runs only where vnni_available() said so: compiled for those instruction
// sets.
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni")

namespace {

constexpr int64_t G = PreparedHpf::kGroupRows;
constexpr int64_t kLanes = 16;  // int32 lanes of a zmm
static_assert(G == kLanes, "SpMV puts one row group in one zmm");

// acc += the 4-byte dot products of x (unsigned) and w (signed) per int32 lane, in place. GCC 12
// ties the intrinsic's accumulator to a fresh register and copies the array of accumulators
// around every vpdpbusd (16 moves per 8 products); the one instruction in inline assembly keeps
// each accumulator in its register.
FITFORMER_VNNI inline void dpbusd(__m512i& acc, __m512i x, __m512i w) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
}

// The V accumulators of a tile are eight named locals a0..a7 and every step over them is
// spelled out (FITFORMER_EACH): held in an array, or in a struct passed to lambdas, GCC 12 keeps
// them on the stack and stores all of them after every quad.
#define FITFORMER_EACH(STEP) STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
#define FITFORMER_INIT(i) __m512i a##i = init;

// y[lanes of m] += scale * acc: one accumulator of a tile onto its 16 (m: fewer) tokens of Y.
FITFORMER_VNNI inline void add_to_y(__m512i acc, __m512 scale, float* yv, __mmask16 m) {
  const __m512 y = _mm512_maskz_loadu_ps(m, yv);
  _mm512_mask_storeu_ps(yv, m, _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), scale, y));
}
// The same for a row's first column block (detail::row_start): y = scale * acc + from + bias,
// Y only written.
FITFORMER_VNNI inline void start_y(__m512i acc, __m512 scale, const float* from, float bias,
                                   float* yv, __mmask16 m) {
  const __m512 base = _mm512_add_ps(_mm512_maskz_loadu_ps(m, from), _mm512_set1_ps(bias));
  _mm512_mask_storeu_ps(yv, m, _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), scale, base));
}
// Vector i of a row's tile onto Y: started from `start` (First) or added.
template <bool First>
FITFORMER_VNNI inline void onto_y(__m512i acc, __m512 scale, const RowStart& start, float* yr,
                                  int i, __mmask16 m) {
  if constexpr (First) {
    start_y(acc, scale, start.from + i * kLanes, start.bias, yr + i * kLanes, m);
  } else {
    add_to_y(acc, scale, yr + i * kLanes, m);
  }
}
// What a tile needs of one kept row segment: its weight quads (stepping by G), weight sum and
// scale (times X's), where its Y tile starts, and that tile.
struct KeptSegment {
  const int32_t* quads;
  int32_t sum;
  float scale;
  RowStart start;
  float* y;
};
#define FITFORMER_ALWAYS_INLINE __attribute__((always_inline))
// The lane mask of vector i of a V-vector tile: `tail` on the last.
#define FITFORMER_MASK(i) (i == V - 1 ? tail : __mmask16{0xffff})
#define FITFORMER_ADD_TO_Y(i) \
  if constexpr (V > i) onto_y<First>(a##i, s, start, yr, i, FITFORMER_MASK(i));

// One kept row segment on V token vectors: y[c] += scale * (sum_q <x4[q][c], w_q> - 128 sum),
// or in the row's first block (First) y[c] = start's residual + bias + the same. `quads` steps
// by G (one lane of a row group); `tail` is the lane mask of the last vector.
template <int V, bool First>
FITFORMER_VNNI inline void segment_tile(const int32_t* x4, int64_t Np, const int32_t* quads,
                                        int64_t Q, int32_t sum, float scale, const RowStart& start,
                                        float* yr, __mmask16 tail) {
  const __m512i init = _mm512_set1_epi32(-128 * sum);
  FITFORMER_EACH(FITFORMER_INIT)
  for (int64_t q = 0; q < Q; ++q) {
    const __m512i wq = _mm512_set1_epi32(quads[q * G]);
    const int32_t* xr = x4 + q * Np;
#define FITFORMER_STEP(i) \
  if constexpr (V > i) dpbusd(a##i, _mm512_loadu_si512(xr + i * kLanes), wq);
    FITFORMER_EACH(FITFORMER_STEP)
#undef FITFORMER_STEP
  }
  const __m512 s = _mm512_set1_ps(scale);
  FITFORMER_EACH(FITFORMER_ADD_TO_Y)
}

// Two kept row segments of one block on V token vectors at once, as segment_tile each: their
// quads run over the same X quads (the int8 layout is dense over a segment's Bc / 4 quads), so
// every X vector loaded serves two vpdpbusd. One row at a time the loop issues a 64-byte load
// per vpdpbusd, likely more than the load ports sustain beside them (1.2-1.5x faster this way,
// docs/kernels.md).
#define FITFORMER_INIT2(i) __m512i a##i = init0, b##i = init1;
#define FITFORMER_ADD_TO_Y2(i)                                   \
  if constexpr (V > i) {                                         \
    onto_y<First0>(a##i, s0, start0, yr0, i, FITFORMER_MASK(i)); \
    onto_y<First1>(b##i, s1, start1, yr1, i, FITFORMER_MASK(i)); \
  }
template <int V, bool First0, bool First1>
FITFORMER_VNNI FITFORMER_ALWAYS_INLINE inline void segment_pair_tile(
    const int32_t* x4, int64_t Np, const int32_t* quads0, const int32_t* quads1, int64_t Q,
    int32_t sum0, int32_t sum1, float scale0, float scale1, const RowStart& start0,
    const RowStart& start1, float* yr0, float* yr1, __mmask16 tail) {
  const __m512i init0 = _mm512_set1_epi32(-128 * sum0), init1 = _mm512_set1_epi32(-128 * sum1);
  FITFORMER_EACH(FITFORMER_INIT2)
  for (int64_t q = 0; q < Q; ++q) {
    const __m512i w0 = _mm512_set1_epi32(quads0[q * G]), w1 = _mm512_set1_epi32(quads1[q * G]);
    const int32_t* xr = x4 + q * Np;
#define FITFORMER_STEP(i)                                   \
  if constexpr (V > i) {                                    \
    const __m512i xv = _mm512_loadu_si512(xr + i * kLanes); \
    dpbusd(a##i, xv, w0);                                   \
    dpbusd(b##i, xv, w1);                                   \
  }
    FITFORMER_EACH(FITFORMER_STEP)
#undef FITFORMER_STEP
  }
  const __m512 s0 = _mm512_set1_ps(scale0), s1 = _mm512_set1_ps(scale1);
  FITFORMER_EACH(FITFORMER_ADD_TO_Y2)
}

// The broadcast x quad q of a block (4 shifted bytes) and the weight quads q of 16 rows.
FITFORMER_VNNI inline __m512i x_quad(const uint8_t* xb, int64_t q) {
  int32_t v;
  std::memcpy(&v, xb + 4 * q, 4);
  return _mm512_set1_epi32(v);
}
FITFORMER_VNNI inline __m512i w_quads(const int32_t* quads, int64_t q) {
  return _mm512_loadu_si512(quads + q * G);
}

// The 4 rows' bytes of 64 tokens as 64 column-quad words (row 4q + k in byte k), each byte
// flipped to the unsigned q + 128: byte interleaves pair rows 0/1 and 2/3 and then the pairs,
// which leaves 128-bit block k of word vector j holding tokens 16k + 4j .. 16k + 4j + 3; a 4 x 4
// transpose of the blocks puts the tokens in order. About 7 instructions per 64 output bytes
// against the 21 of widening each row's 16 bytes to int32 lanes (QuadsFromI8Part's portable
// body).
FITFORMER_VNNI inline void quads_of_64_tokens(const int8_t* r0, const int8_t* r1, const int8_t* r2,
                                              const int8_t* r3, int32_t* dst) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i a = _mm512_loadu_si512(r0), b = _mm512_loadu_si512(r1);
  const __m512i c = _mm512_loadu_si512(r2), d = _mm512_loadu_si512(r3);
  const __m512i ab_lo = _mm512_unpacklo_epi8(a, b), ab_hi = _mm512_unpackhi_epi8(a, b);
  const __m512i cd_lo = _mm512_unpacklo_epi8(c, d), cd_hi = _mm512_unpackhi_epi8(c, d);
  const __m512i v0 = _mm512_unpacklo_epi16(ab_lo, cd_lo), v1 = _mm512_unpackhi_epi16(ab_lo, cd_lo);
  const __m512i v2 = _mm512_unpacklo_epi16(ab_hi, cd_hi), v3 = _mm512_unpackhi_epi16(ab_hi, cd_hi);
  const __m512i t0 = _mm512_shuffle_i32x4(v0, v1, 0x44), t1 = _mm512_shuffle_i32x4(v0, v1, 0xee);
  const __m512i t2 = _mm512_shuffle_i32x4(v2, v3, 0x44), t3 = _mm512_shuffle_i32x4(v2, v3, 0xee);
  _mm512_storeu_si512(dst, _mm512_xor_si512(_mm512_shuffle_i32x4(t0, t2, 0x88), flip));
  _mm512_storeu_si512(dst + 16, _mm512_xor_si512(_mm512_shuffle_i32x4(t0, t2, 0xdd), flip));
  _mm512_storeu_si512(dst + 32, _mm512_xor_si512(_mm512_shuffle_i32x4(t1, t3, 0x88), flip));
  _mm512_storeu_si512(dst + 48, _mm512_xor_si512(_mm512_shuffle_i32x4(t1, t3, 0xdd), flip));
}

// The same for 16 tokens, in one 128-bit block (no transpose).
FITFORMER_VNNI inline void quads_of_16_tokens(const int8_t* r0, const int8_t* r1, const int8_t* r2,
                                              const int8_t* r3, int32_t* dst) {
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  const auto load = [](const int8_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  };
  const __m128i a = load(r0), b = load(r1), c = load(r2), d = load(r3);
  const __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
  const __m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
  auto* out = reinterpret_cast<__m128i*>(dst);
  _mm_storeu_si128(out, _mm_xor_si128(_mm_unpacklo_epi16(ab_lo, cd_lo), flip));
  _mm_storeu_si128(out + 1, _mm_xor_si128(_mm_unpackhi_epi16(ab_lo, cd_lo), flip));
  _mm_storeu_si128(out + 2, _mm_xor_si128(_mm_unpacklo_epi16(ab_hi, cd_hi), flip));
  _mm_storeu_si128(out + 3, _mm_xor_si128(_mm_unpackhi_epi16(ab_hi, cd_hi), flip));
}

}  // namespace

FITFORMER_VNNI void quads_from_i8_vnni(const int8_t* x, ActivationQuads& q, int thread,
                                       int threads) {
  const int64_t N = q.n, Np = q.padded_n;
  // Rows past the block or past K read zeros (x = 0); the tokens of a row's last partial 16
  // are copied into a zero-padded buffer, so every load reads within its row.
  const std::vector<int8_t> zeros(static_cast<size_t>(Np), 0);
  alignas(16) int8_t tail[4][16];
  const auto [u0, u1] = split_range(q.blocks * q.quads, thread, threads);
  for (int64_t u = u0; u < u1; ++u) {
    const int8_t* rows[4];
    quad_rows(x, q, u, rows);
    for (const int8_t*& row : rows) row = row == nullptr ? zeros.data() : row;
    int32_t* dst = q.values.data() + u * Np;
    int64_t c = 0;
    for (; c + 64 <= N; c += 64)
      quads_of_64_tokens(rows[0] + c, rows[1] + c, rows[2] + c, rows[3] + c, dst + c);
    for (; c + 16 <= N; c += 16)
      quads_of_16_tokens(rows[0] + c, rows[1] + c, rows[2] + c, rows[3] + c, dst + c);
    if (c < N) {  // N < Np: the last 16 tokens, zero past N
      for (int k = 0; k < 4; ++k) {
        std::memset(tail[k], 0, sizeof tail[k]);
        std::memcpy(tail[k], rows[k] + c, static_cast<size_t>(N - c));
      }
      quads_of_16_tokens(tail[0], tail[1], tail[2], tail[3], dst + c);
    }
  }
}

namespace {

// What the tiles of one column block b share: its X quads (from token c0 on), where its kept
// rows' weights are, and Y.
struct BlockTiles {
  const PreparedHpf* w;
  int64_t b, unit0;  // unit0: the block's first kept-row slot
  const int32_t* xt;
  int64_t Np, N, c0;
  float x_scale;
  float* y;
  const SpmmEpilogue* start;
  __mmask16 tail;
};

// Kept row i of the block, starting its Y tile here or not (`first`, from start_order).
FITFORMER_VNNI FITFORMER_ALWAYS_INLINE inline KeptSegment kept_segment(const BlockTiles& t,
                                                                       int64_t i, bool first) {
  const PreparedHpf& w = *t.w;
  const auto at = static_cast<size_t>(t.unit0 + i);
  const int64_t r = w.rows[at];
  return KeptSegment{w.quads_i8.data() + (t.b * w.groups + i / G) * w.quads * G + i % G,
                     w.sums_i8[at], w.scales_i8[at] * t.x_scale,
                     row_start(t.start, r, t.N, t.c0, first), t.y + r * t.N + t.c0};
}

template <int V, bool First0, bool First1>
FITFORMER_VNNI FITFORMER_ALWAYS_INLINE inline void pair_at(const BlockTiles& t,
                                                           const StartOrder& order, int64_t k) {
  const KeptSegment s0 = kept_segment(t, order.rows[k], First0);
  const KeptSegment s1 = kept_segment(t, order.rows[k + 1], First1);
  segment_pair_tile<V, First0, First1>(t.xt, t.Np, s0.quads, s1.quads, t.w->quads, s0.sum, s1.sum,
                                       s0.scale, s1.scale, s0.start, s1.start, s0.y, s1.y, t.tail);
}

// The n kept rows of one chunk, in start order: pairs of rows that start their tile here, at
// most one pair across the boundary, pairs of rows that don't, and a last single row. Which
// tile runs is decided here, outside the pair loops, and the tiles are inlined into them: as a
// call per pair, the tile saved and restored registers and re-derived its constants every
// time. Inlined, int8 / fp32 rose by 5-9 % at most benchmark points (docs/kernels.md).
template <int V>
FITFORMER_VNNI void chunk_tiles(const BlockTiles& t, const StartOrder& order, int64_t n) {
  const int64_t starting = order.starting;
  int64_t k = 0;
  for (; k + 2 <= starting; k += 2) pair_at<V, true, true>(t, order, k);
  if (k < starting && k + 2 <= n) {
    pair_at<V, true, false>(t, order, k);
    k += 2;
  }
  for (; k + 2 <= n; k += 2) pair_at<V, false, false>(t, order, k);
  if (k < n) {
    const KeptSegment s = kept_segment(t, order.rows[k], k < starting);
    if (s.start.first) {
      segment_tile<V, true>(t.xt, t.Np, s.quads, t.w->quads, s.sum, s.scale, s.start, s.y, t.tail);
    } else {
      segment_tile<V, false>(t.xt, t.Np, s.quads, t.w->quads, s.sum, s.scale, s.start, s.y, t.tail);
    }
  }
}

}  // namespace

FITFORMER_VNNI void spmm_i8_panel_vnni(const PreparedHpf& w, const ActivationQuads& xq, float* y,
                                       int64_t c0, int64_t width, int64_t p0, int64_t p1,
                                       const SpmmEpilogue* start) {
  const int64_t Np = xq.padded_n, Q = w.quads;
  const int vectors = static_cast<int>((width + kLanes - 1) / kLanes);
  const int64_t rest = width - (vectors - 1) * kLanes;
  const __mmask16 tail = static_cast<__mmask16>((1u << rest) - 1u);
  for (int64_t b = 0; b < w.blocks; ++b) {
    const auto [i0, i1] = kept_range(w, b, p0, p1);
    const BlockTiles t{.w = &w,
                       .b = b,
                       .unit0 = b * w.groups * G,
                       .xt = xq.values.data() + b * Q * Np + c0,
                       .Np = Np,
                       .N = xq.n,
                       .c0 = c0,
                       .x_scale = xq.scale,
                       .y = y,
                       .start = start,
                       .tail = tail};
    StartOrder order;
    for (int64_t chunk = i0; chunk < i1; chunk += kStartOrderChunk) {
      const int64_t n = std::min(kStartOrderChunk, i1 - chunk);
      start_order(w, b, chunk, n, start != nullptr, order);
      with_tile_width(vectors, [&](auto v) { chunk_tiles<decltype(v)::value>(t, order, n); });
    }
  }
}

FITFORMER_VNNI void spmv_hpf_i8_vnni(const PlanArgs& a) {
  const PreparedHpf& w = *a.w;
  const int64_t M = w.header.rows, K = w.header.cols, Bc = w.header.block_cols, Q = w.quads;
  const int64_t units = w.blocks * w.groups;
  // x shifted to unsigned per block, 4 * Q bytes each (0x80, i.e. x = 0, past block or K).
  std::vector<uint8_t> xu(static_cast<size_t>(w.blocks * Q * 4), 0x80);
  for (int64_t b = 0; b < w.blocks; ++b) {
    for (int64_t col = 0; col < Bc && b * Bc + col < K; ++col)
      xu[static_cast<size_t>(b * Q * 4 + col)] = static_cast<uint8_t>(a.xq[b * Bc + col]) ^ 0x80u;
  }
  const int threads = static_cast<int>(std::min<int64_t>(a.threads, units));
  std::vector<float> partial(static_cast<size_t>((threads - 1) * M));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    float* yt = thread_output(partial, a.y, M, t);
    alignas(64) float sums[G];
    const __m512 xs = _mm512_set1_ps(a.x_scale);
    const auto [u0, u1] = split_range(units, t, nt);
    for (int64_t u = u0; u < u1; ++u) {
      const uint8_t* xb = xu.data() + (u / w.groups) * Q * 4;
      const int32_t* quads = w.quads_i8.data() + u * Q * G;
      // Four chains hide vpdpbusd's latency.
      __m512i acc0 = _mm512_setzero_si512(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      int64_t q = 0;
      for (; q + 4 <= Q; q += 4) {
        acc0 = _mm512_dpbusd_epi32(acc0, x_quad(xb, q), w_quads(quads, q));
        acc1 = _mm512_dpbusd_epi32(acc1, x_quad(xb, q + 1), w_quads(quads, q + 1));
        acc2 = _mm512_dpbusd_epi32(acc2, x_quad(xb, q + 2), w_quads(quads, q + 2));
        acc3 = _mm512_dpbusd_epi32(acc3, x_quad(xb, q + 3), w_quads(quads, q + 3));
      }
      for (; q < Q; ++q) acc0 = _mm512_dpbusd_epi32(acc0, x_quad(xb, q), w_quads(quads, q));
      const __m512i shift = _mm512_slli_epi32(_mm512_loadu_si512(w.sums_i8.data() + u * G), 7);
      const __m512i acc = _mm512_sub_epi32(
          _mm512_add_epi32(_mm512_add_epi32(acc0, acc1), _mm512_add_epi32(acc2, acc3)), shift);
      const __m512 scale = _mm512_mul_ps(_mm512_loadu_ps(w.scales_i8.data() + u * G), xs);
      _mm512_store_ps(sums, _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale));
      const uint16_t* rows = w.rows.data() + u * G;
      for (int64_t l = 0; l < G; ++l) yt[rows[l]] += sums[l];
    }
#pragma omp barrier
    sum_partials(partial, a.y, M, t, nt);
  }
}

#pragma GCC pop_options

}  // namespace fitformer::kernels::detail
#endif  // __x86_64__
