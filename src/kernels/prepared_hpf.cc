// prepare_hpf: HPF's packed arrays regrouped into the per-group lanes of prepared_hpf.h.
#include "kernels/prepared_hpf.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/error.h"
#include "format/bit_pack.h"

namespace fitformer::kernels {
namespace {

void require(bool ok, const std::string& expected, const std::string& found) {
  if (!ok) throw Error("", "w", expected, found);
}

// Decodes the in-bank offsets of segment `seg` (count = B * n fields of `bits` bits) into out.
// Reads the little-endian bit stream in 64-bit windows (floor(57 / bits) fields each); the stream's
// last window is copied short so nothing past offs is read.
void segment_offsets(const format::hpf::Matrix& w, int64_t count, int bits, int64_t seg,
                     uint8_t* out) {
  if (bits == 0) {
    std::fill(out, out + count, uint8_t{0});
    return;
  }
  const uint8_t* p = w.offs.data();
  const size_t total = w.offs.size();
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  const int64_t per_window = (64 - 7) / bits;
  int64_t bit = seg * count * bits;
  for (int64_t t = 0; t < count;) {
    const size_t byte = static_cast<size_t>(bit >> 3);
    uint64_t word = 0;
    if (byte + 8 <= total && std::endian::native == std::endian::little) {
      std::memcpy(&word, p + byte, 8);
    } else {  // the stream's tail, or a big-endian host
      uint8_t bytes[8] = {};
      std::memcpy(bytes, p + byte, std::min<size_t>(8, total - byte));
      for (int i = 7; i >= 0; --i) word = (word << 8) | bytes[i];
    }
    word >>= (bit & 7);
    const int64_t take = std::min(per_window, count - t);
    for (int64_t k = 0; k < take; ++k, ++t) {
      out[t] = static_cast<uint8_t>(word & mask);
      word >>= bits;
    }
    bit += take * bits;
  }
}

// Throws unless w is an HPF matrix the prepared kernels can run: f32 or i8 values, a header
// that holds together, arrays of the sizes it implies.
void check_preparable(const format::hpf::Matrix& w) {
  const format::hpf::Header& h = w.header;
  const bool f32 = h.value_type == format::ValueType::kF32;
  require(f32 || h.value_type == format::ValueType::kI8, "value type f32 or i8",
          std::string(format::value_type_name(h.value_type)));
  require(h.rows >= 1 && h.cols >= 1 && h.block_cols >= 1 && h.banks >= 1 &&
              h.block_cols % h.banks == 0 && h.n >= 1 && h.n <= w.bank_width() && h.k1 >= 1 &&
              h.k1 <= h.rows && h.rows <= format::hpf::kMaxRows,
          "a valid HPF header",
          fmt::format("M {} K {} Bc {} B {} n {} k1 {}", h.rows, h.cols, h.block_cols, h.banks, h.n,
                      h.k1));
  const size_t slots = static_cast<size_t>(w.slots());
  require(
      w.rows.size() == static_cast<size_t>(w.blocks() * h.k1) &&
          (f32 ? w.vals_f32.size() : w.vals_i8.size()) == slots &&
          w.offs.size() == static_cast<size_t>(format::packed_bytes(w.slots(), w.offset_bits())) &&
          (f32 || w.scales.size() == 1 || w.scales.size() == static_cast<size_t>(h.rows)),
      "arrays sized as the header says", "other sizes");
}

// The prepared arrays at their final sizes, zero-filled (padding lanes and slots stay zero).
PreparedHpf allocate_prepared(const format::hpf::Matrix& w) {
  const format::hpf::Header& h = w.header;
  constexpr int64_t G = PreparedHpf::kGroupRows;
  PreparedHpf p;
  p.header = h;
  p.blocks = w.blocks();
  p.groups = (h.k1 + G - 1) / G;
  p.quads = (h.block_cols + 3) / 4;
  const int64_t spp = w.slots_per_segment(), bw = w.bank_width(), lanes = p.groups * G;
  p.rows.resize(static_cast<size_t>(p.blocks * lanes));
  p.real_banks.resize(static_cast<size_t>(p.blocks));
  p.slot_cols.resize(static_cast<size_t>(spp));
  for (int64_t s = 0; s < spp; ++s) p.slot_cols[static_cast<size_t>(s)] = (s / h.n) * bw;
  if (h.value_type == format::ValueType::kF32) {
    p.offs.assign(static_cast<size_t>(p.blocks * lanes * spp), 0);
    p.vals_f32.assign(p.offs.size(), 0.0f);
    p.seg_cols.assign(static_cast<size_t>(p.blocks * h.k1 * spp), 0);
    p.seg_vals.assign(p.seg_cols.size(), 0.0f);
    if (16 % bw == 0) p.offs4.assign(static_cast<size_t>(p.blocks * lanes * ((spp + 7) / 8)), 0);
  } else {
    p.quads_i8.assign(static_cast<size_t>(p.blocks * lanes * p.quads), 0);
    p.sums_i8.assign(static_cast<size_t>(p.blocks * lanes), 0);
    p.scales_i8.assign(p.sums_i8.size(), 0.0f);
  }
  return p;
}

// Where one segment's slots go in the f32 layouts: `offs` holds its decoded in-bank offsets,
// `col16` each slot's column mod 16 (for the nibble-packed offs4), `unit` its (block, group)
// and `l` its lane in the group.
void fill_segment_f32(const format::hpf::Matrix& w, const uint8_t* offs, const uint8_t* col16,
                      int64_t seg, int64_t unit, int64_t l, PreparedHpf& p) {
  constexpr int64_t G = PreparedHpf::kGroupRows;
  const int64_t spp = w.slots_per_segment(), chunks = (spp + 7) / 8;
  const float* v = w.vals_f32.data() + seg * spp;
  for (int64_t s = 0; s < spp; ++s) {
    p.seg_cols[static_cast<size_t>(seg * spp + s)] =
        static_cast<uint16_t>(p.slot_cols[static_cast<size_t>(s)] + offs[s]);
    p.seg_vals[static_cast<size_t>(seg * spp + s)] = v[s];
  }
  uint8_t* out_offs = p.offs.data() + unit * spp * G;
  float* out_vals = p.vals_f32.data() + unit * spp * G;
  for (int64_t s = 0; s < spp; ++s) {
    out_offs[s * G + l] = offs[s];
    out_vals[s * G + l] = v[s];
  }
  if (p.offs4.empty()) return;
  uint32_t* out4 = p.offs4.data() + unit * chunks * G;
  for (int64_t c = 0; c < chunks; ++c) {  // 8 nibbles per word, constant shifts
    const uint8_t* o = offs + 8 * c;
    const uint8_t* c16 = col16 + 8 * c;
    uint32_t word = 0;
    for (int k = 0; k < 8; ++k) word |= static_cast<uint32_t>(c16[k] + o[k]) << (4 * k);
    out4[c * G + l] = word;
  }
}

// One segment as a row of int8 quads (four weights per int32) in its lane, with its sum and
// scale. `dense` is the caller's scratch of Bc bytes.
void fill_segment_i8(const format::hpf::Matrix& w, const uint8_t* offs, int64_t seg, int64_t unit,
                     int64_t l, int64_t row, std::vector<uint8_t>& dense, PreparedHpf& p) {
  constexpr int64_t G = PreparedHpf::kGroupRows;
  const int64_t spp = w.slots_per_segment();
  const int8_t* v = w.vals_i8.data() + seg * spp;
  int32_t* out = p.quads_i8.data() + unit * p.quads * G + l;
  // The row segment as Bc bytes first (plain stores), then as quads: OR-ing bytes into the
  // quads in place chained every slot through store-to-load forwarding.
  std::fill(dense.begin(), dense.end(), uint8_t{0});
  int32_t sum = 0;
  for (int64_t s = 0; s < spp; ++s) {
    const int64_t col = p.slot_cols[static_cast<size_t>(s)] + offs[s];
    // Unused slots hold 0 at offset 0, which a kept weight may share: skip them.
    if (v[s] != 0) dense[static_cast<size_t>(col)] = static_cast<uint8_t>(v[s]);
    sum += v[s];
  }
  for (int64_t q = 0; q < p.quads; ++q) {
    const uint8_t* d = dense.data() + 4 * q;
    out[q * G] = static_cast<int32_t>(d[0] | (uint32_t{d[1]} << 8) | (uint32_t{d[2]} << 16) |
                                      (uint32_t{d[3]} << 24));
  }
  p.sums_i8[static_cast<size_t>(unit * G + l)] = sum;
  p.scales_i8[static_cast<size_t>(unit * G + l)] = w.row_scale(row);
}

}  // namespace

int64_t PreparedHpf::bytes() const {
  return static_cast<int64_t>(rows.size() * 2 + real_banks.size() * 4 + slot_cols.size() * 4 +
                              row_segments.size() * 8 + first_block.size() * 4 +
                              block_starts.size() * 4 + offs.size() + offs4.size() * 4 +
                              vals_f32.size() * 4 + seg_cols.size() * 2 + seg_vals.size() * 4 +
                              quads_i8.size() * 4 + sums_i8.size() * 4 + scales_i8.size() * 4);
}

PreparedHpf prepare_hpf(const format::hpf::Matrix& w, int threads) {
  if (threads < 1) throw Error("", "threads", "at least 1", std::to_string(threads));
  check_preparable(w);
  const format::hpf::Header& h = w.header;
  const bool f32 = h.value_type == format::ValueType::kF32;
  constexpr int64_t G = PreparedHpf::kGroupRows;
  PreparedHpf p = allocate_prepared(w);
  const int64_t spp = w.slots_per_segment(), lanes = p.groups * G;
  // Blocks are independent: each thread fills whole blocks. Within a row group, row by row:
  // a row's offsets are decoded into a scratch line, then scattered into its lane (the
  // group's output, under 3 KiB at B * n = 32, stays in L1 across its 16 rows).
  const int bits = w.offset_bits();
  const int64_t chunks = (spp + 7) / 8;
  std::vector<uint8_t> col16(static_cast<size_t>(chunks * 8), 0);  // slot_cols % 16
  for (int64_t s = 0; s < spp; ++s)
    col16[static_cast<size_t>(s)] = static_cast<uint8_t>(p.slot_cols[static_cast<size_t>(s)] % 16);
#pragma omp parallel num_threads(threads)
  {
    // Padded to whole words of 8 nibbles; slots past B * n are never read by the kernels.
    std::vector<uint8_t> offs(static_cast<size_t>(chunks * 8), 0);
    std::vector<uint8_t> dense(static_cast<size_t>(p.quads * 4));  // int8: one row segment
#pragma omp for schedule(static)
    for (int64_t b = 0; b < p.blocks; ++b) {
      p.real_banks[static_cast<size_t>(b)] = static_cast<int32_t>(w.real_banks(b));
      for (int64_t i = 0; i < lanes; ++i) {  // padding lanes repeat the last kept row
        p.rows[static_cast<size_t>(b * lanes + i)] =
            w.rows[static_cast<size_t>(b * h.k1 + std::min(i, h.k1 - 1))];
      }
      for (int64_t g = 0; g < p.groups; ++g) {
        const int64_t real = std::min(G, h.k1 - g * G);  // rows past k1 keep weight 0
        const int64_t seg0 = b * h.k1 + g * G, unit = b * p.groups + g;
        for (int64_t l = 0; l < real; ++l) {
          segment_offsets(w, spp, bits, seg0 + l, offs.data());
          if (f32) {
            fill_segment_f32(w, offs.data(), col16.data(), seg0 + l, unit, l, p);
          } else {
            const int64_t row = p.rows[static_cast<size_t>(b * lanes + g * G + l)];
            fill_segment_i8(w, offs.data(), seg0 + l, unit, l, row, dense, p);
          }
        }
      }
    }
  }
  p.row_segments.assign(static_cast<size_t>(h.rows + 1), 0);
  for (uint16_t r : w.rows) ++p.row_segments[static_cast<size_t>(r) + 1];
  for (int64_t r = 0; r < h.rows; ++r)
    p.row_segments[static_cast<size_t>(r + 1)] += p.row_segments[static_cast<size_t>(r)];
  p.first_block.assign(static_cast<size_t>(h.rows), -1);
  for (int64_t b = p.blocks - 1; b >= 0; --b) {
    for (int64_t i = 0; i < h.k1; ++i)
      p.first_block[w.rows[static_cast<size_t>(b * h.k1 + i)]] = static_cast<int32_t>(b);
  }
  p.block_starts.assign(static_cast<size_t>(p.blocks), 0);
  for (int64_t r = 0; r < h.rows; ++r) {
    if (p.first_block[static_cast<size_t>(r)] >= 0)
      ++p.block_starts[static_cast<size_t>(p.first_block[static_cast<size_t>(r)])];
  }
  return p;
}

}  // namespace fitformer::kernels
