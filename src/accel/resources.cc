// Resource formulas of the accelerator (documented in resources.h) and the fit check.
#include "accel/resources.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

#include "accel/dense_stream.h"
#include "accel/fixed_point.h"
#include "core/error.h"
#include "core/indexing.h"

namespace fitformer::accel {
namespace {

int64_t lround64(double v) {
  return static_cast<int64_t>(std::llround(v));
}

// URAM288 blocks of one memory: 4096 x 72 only.
int64_t uram_blocks(int64_t depth, int64_t width) {
  return ceil_div(depth, kUramDepth) * ceil_div(width, kUramWidth);
}

// LUTs an asynchronous-read LUTRAM of `depth` words (one read port) takes beyond a 64-word one:
// per bit a 64 x 1 LUT per further 64 words and the read multiplexer over them (derived, not
// synthesized: the synthesized designs have 64 words).
int64_t lutram_extra_luts(int64_t depth, int64_t width) {
  const int64_t k = ceil_div(depth, 64);
  return k > 1 ? width * (k - 1 + ceil_div(k - 1, 3)) : 0;
}

// LUTs of a memory of at most kLutramMaxDepth words: RAM64M8, 7 data bits per 8 LUTs.
int64_t lutram_luts(int64_t depth, int64_t width) {
  return depth > kLutramMaxDepth || width <= 0 ? 0 : 8 * ceil_div(width, 7);
}

// Bits of an unsigned value up to v: clog2(v + 1).
int64_t bit_width(int64_t v) {
  int64_t bits = 0;
  while ((int64_t{1} << bits) <= v) ++bits;
  return bits;
}

}  // namespace

int64_t rtl_psum_bits(const AccelSpec& spec) {
  const int64_t w = 8 * precision_bytes(spec.precision);
  int64_t log_bc = 0;
  while ((int64_t{1} << log_bc) < spec.block_cols) ++log_bc;
  return std::min<int64_t>(48, 2 * w + log_bc);
}

int64_t bram18_units(int64_t depth, int64_t width) {
  if (depth <= kLutramMaxDepth || width <= 0) return 0;
  static constexpr int64_t kShapes[][2] = {{512, 36}, {1024, 18}, {2048, 9},
                                           {4096, 4}, {8192, 2},  {16384, 1}};
  int64_t best = INT64_MAX;
  for (const auto& [d, w] : kShapes) best = std::min(best, ceil_div(depth, d) * ceil_div(width, w));
  return best;
}

ResourceEstimate estimate_engine_resources(const AccelSpec& spec, const RtlDepths& depths) {
  validate_spec(spec);
  const bool dense = spec.design == Design::kDense;
  const int64_t p = spec.pes, b = spec.banks, l = spec.token_lanes, nb = out_banks(spec);
  const int64_t w = 8 * precision_bytes(spec.precision), ob = offset_bits(spec);
  const int64_t a = 8 * accumulator_bytes(spec.precision);
  const int64_t mbw = bit_width(nb), mw = bit_width(p);  // a row's bank (or dummy); a count
  ResourceEstimate e;
  e.dsp =
      p * b * l + nb * (spec.precision == Precision::kInt16 ? kRequantDspInt16 : kRequantDspInt8);

  // The RTL's memories; block RAM when deeper than kLutramMaxDepth, else LUTRAM. With
  // weight_memory URAM the per-PE weight values and offsets are URAM288 instead.
  const int64_t requant_bits = 32 + 8;  // a row's M0 and shift
  // Per PE the row memory (row_words x 16) and the conflict counter's copy of the rows' banks
  // (row_words x mbw) are block RAM with registered reads; at the synthesized 64 words Yosys
  // builds them from LUTRAM, whose LUTs the fitted per-PE constant holds (in_fit).
  struct Buffer {
    int64_t depth, width, copies;
    bool weights, in_fit = false;
  };
  const Buffer buffers[] = {
      {depths.act_words, l * b * w, 1, false}, {depths.out_words, 1 + l * a, nb, false},
      {depths.rp_words, a, nb, false},         {depths.rp_words, requant_bits, nb, false},
      {depths.wb_words, b * w, p, true},       {depths.wb_words, dense ? 0 : b * ob, p, true},
      {depths.row_words, 16, p, false, true},  {depths.row_words, mbw, p, false, true}};
  const bool uram = spec.weight_memory == Memory::kUram;
  int64_t units = 0, memory_luts = 0;
  for (const Buffer& m : buffers) {
    if (uram && m.weights) {
      e.uram += m.width > 0 ? m.copies * uram_blocks(m.depth, m.width) : 0;
    } else {
      units += m.copies * bram18_units(m.depth, m.width);
      if (!m.in_fit) memory_luts += m.copies * lutram_luts(m.depth, m.width);
    }
  }
  e.bram36 = ceil_div(units, 2);

  const double mult_bits = static_cast<double>(p * b * l * w);
  const double pairs = static_cast<double>(p * nb);
  // The sequencer's per-round conflict counts (row_words x mw, asynchronous read) are LUTRAM.
  if (dense) {  // no commit crossbar, no row memories, no conflict counts
    const double beat_bytes = static_cast<double>(p * dense_beat_bytes(spec));
    e.lut = lround64(kDenseEngineLut + p * kDensePeLut + mult_bits * kDenseMultBitLut +
                     beat_bytes * kDenseBeatLut) +
            memory_luts;
    e.ff = lround64(kDenseEngineFf + p * kDensePeFf + mult_bits * kDenseMultBitFf);
    return e;
  }
  e.lut = lround64(kEngineLut + p * kPeLut + mult_bits * kMultBitLut + pairs * kCrossbarLut) +
          lutram_extra_luts(depths.row_words, mw) + memory_luts;
  e.ff = lround64(kEngineFf + p * kPeFf + mult_bits * kMultBitFf);
  return e;
}

ResourceEstimate estimate_resources(const AccelSpec& spec, std::string_view dsp_type) {
  validate_spec(spec);
  if (dsp_type != "DSP48E1" && dsp_type != "DSP48E2") {
    throw Error("", "dsp_type", "DSP48E1 or DSP48E2", std::string(dsp_type));
  }
  ResourceEstimate e = estimate_engine_resources(spec, rtl_depths(spec));
  e.dsp += spec.vector_lanes * kVectorLaneDsp;
  e.lut += spec.vector_lanes * kVectorLaneLut + kShellLut;
  e.ff += spec.vector_lanes * kVectorLaneFf + kShellFf;
  return e;
}

Verdict check_fit(const ResourceEstimate& e, const io::DeviceSpec& device) {
  if (!device.fpga) return {false, fmt::format("{} is not an FPGA", device.id)};
  const io::FpgaSpec& f = *device.fpga;
  auto usable = [&](int total) {
    return static_cast<int64_t>(std::floor(total * f.usable_fraction));
  };
  const struct {
    const char* name;
    int64_t need;
    int total;
  } items[] = {{"dsp", e.dsp, f.dsp},
               {"bram36", e.bram36, f.bram36},
               {"uram", e.uram, f.uram},
               {"lut", e.lut, f.lut},
               {"ff", e.ff, f.ff}};
  for (const auto& it : items) {
    if (it.need > usable(it.total)) {
      return {false, fmt::format("{} {} > usable {} on {}", it.name, it.need, usable(it.total),
                                 device.id)};
    }
  }
  return {};
}

ResourceEstimate estimate_resources(const AccelSpec& spec, const io::DeviceSpec& device) {
  if (!device.fpga) {
    ResourceEstimate e;
    e.fit = {false, fmt::format("{} is not an FPGA", device.id)};
    return e;
  }
  ResourceEstimate e = estimate_resources(spec, device.fpga->dsp_type);
  e.fit = check_fit(e, device);
  return e;
}

}  // namespace fitformer::accel
