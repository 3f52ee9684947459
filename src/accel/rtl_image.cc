// The RTL's shared hardware facts, the weight image packer, the activation image and the
// layer descriptor (layouts in rtl_image.h).
#include "accel/rtl_image.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/error.h"
#include "core/indexing.h"

namespace fitformer::accel {
void append_le(std::vector<uint8_t>& out, uint64_t value, int64_t bytes) {
  for (int64_t i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

std::vector<int64_t> rtl_block_deal(std::span<const uint16_t> rows, int64_t pes) {
  const int64_t k1 = static_cast<int64_t>(rows.size()), nb = rtl_out_banks(pes);
  const int64_t rounds = ceil_div(k1, pes);
  std::vector<std::vector<int64_t>> banks(at(nb));  // segments by output bank, ascending
  for (int64_t i = 0; i < k1; ++i) banks[at(rows[at(i)] % nb)].push_back(i);
  std::vector<int64_t> order(at(nb));
  for (int64_t j = 0; j < nb; ++j) order[at(j)] = j;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return banks[at(a)].size() > banks[at(b)].size(); });
  // Largest banks first; each segment to the round with room that holds the fewest of its
  // bank, then where it does not raise the round's count m above 1, then the emptiest, then
  // the first.
  std::vector<int64_t> fill(at(rounds), 0), worst(at(rounds), 0), mine(at(rounds));
  std::vector<std::vector<int64_t>> members(at(rounds));
  for (int64_t j : order) {
    std::fill(mine.begin(), mine.end(), 0);
    for (int64_t i : banks[at(j)]) {
      int64_t best = -1;
      for (int64_t r = 0; r < rounds; ++r) {
        if (fill[at(r)] == pes) continue;
        auto key = [&](int64_t x) {  // raising a round's m only matters from 2 on
          return std::tuple(mine[at(x)], mine[at(x)] + 1 > std::max<int64_t>(worst[at(x)], 1),
                            fill[at(x)]);
        };
        if (best < 0 || key(r) < key(best)) best = r;
      }
      members[at(best)].push_back(i);
      ++fill[at(best)];
      worst[at(best)] = std::max(worst[at(best)], ++mine[at(best)]);
    }
  }
  std::vector<int64_t> slots(at(rounds * pes), -1);
  for (int64_t r = 0; r < rounds; ++r) {
    for (size_t p = 0; p < members[at(r)].size(); ++p) slots[at(r * pes) + p] = members[at(r)][p];
  }
  return slots;
}

RtlDepths rtl_depths(const AccelSpec& spec) {
  RtlDepths d;
  const int64_t w_bits = 8 * precision_bytes(spec.precision), ob = offset_bits(spec);
  const bool dense = spec.design == Design::kDense;  // no offsets, no row memories
  const int64_t word_bits = spec.pes * spec.banks * (w_bits + (dense ? 0 : ob));
  d.wb_words = std::max<int64_t>(2, ceil_div(spec.weight_buffer_bytes * 8, word_bits));
  d.wb_words += d.wb_words % 2;
  d.row_words = dense ? 0 : d.wb_words;
  d.act_words = std::max<int64_t>(1, ceil_div(spec.act_buffer_bytes, rtl_act_word_bytes(spec)));
  const int64_t word_bytes = spec.token_lanes * accumulator_bytes(spec.precision);
  d.out_words =
      std::max<int64_t>(1, ceil_div(ceil_div(spec.out_buffer_bytes, word_bytes), out_banks(spec)));
  d.rp_words = d.out_words;
  return d;
}

int64_t rtl_out_banks(int64_t pes) {
  int64_t nb = 1;
  while (nb < pes) nb *= 2;
  return nb;
}

int64_t rtl_offset_group_bytes(const AccelSpec& spec) {
  return ceil_div(spec.banks * offset_bits(spec), 8);
}

int64_t rtl_bias_bytes(Precision precision) {
  return precision == Precision::kInt8 ? 4 : 8;
}

int64_t rtl_beat_bytes(const AccelSpec& spec) {
  const int64_t p = spec.pes;
  const double per_cycle = offchip_bytes_per_cycle(spec);
  int64_t beat = 1;
  while (beat < 2 * p && static_cast<double>(beat) < per_cycle) beat *= 2;
  beat = std::min(beat, 2 * (p & -p));  // divides 2P: the rows section ends on a beat boundary
  const int64_t value_group = spec.banks * precision_bytes(spec.precision);
  const int64_t offs_group = rtl_offset_group_bytes(spec);
  auto fits = [&](int64_t b) {
    const bool values_aligned = (p * value_group) % b == 0;
    const bool values_per_pe = (value_group - 1 + b) / value_group <= p;
    const bool offsets_per_pe = offs_group == 0 || (offs_group - 1 + b) / offs_group <= p;
    return values_aligned && values_per_pe && offsets_per_pe && (1 + b) / 2 <= p;
  };
  while (beat > 1 && !fits(beat)) beat /= 2;
  return beat;
}

int64_t rtl_beat_arrival(int64_t k, int64_t bytes, int64_t beat, double bytes_per_cycle) {
  auto by_rate = [&](int64_t through) {
    return static_cast<int64_t>(std::ceil(static_cast<double>(through) / bytes_per_cycle));
  };
  // Full beats: max(k, by_rate(k * beat)) grows by at least one per beat.
  if (k * beat <= bytes) return std::max(k, by_rate(k * beat));
  // A short last beat may be due in the same cycle as the one before: one cycle later then.
  return std::max(rtl_beat_arrival(k - 1, bytes, beat, bytes_per_cycle) + 1, by_rate(bytes));
}

void rtl_check_spec(const AccelSpec& spec) {
  validate_spec(spec);
  if ((spec.banks * offset_bits(spec)) % 8 != 0) {
    throw Error(
        "", "banks", "B x offset bits a multiple of 8 (the RTL decodes whole bytes of offsets)",
        fmt::format("B {} x {} bits (Bc {})", spec.banks, offset_bits(spec), spec.block_cols));
  }
}

RtlLayer rtl_layer(const AccelSpec& spec, int64_t rows, int64_t cols, int64_t k1, int64_t n,
                   bool bias, bool per_row_requant) {
  RtlLayer l;
  l.rows = rows;
  l.cols = cols;
  l.k1 = k1;
  l.n = n;
  l.blocks = ceil_div(cols, spec.block_cols);
  l.rounds = ceil_div(k1, spec.pes);
  const int64_t nb = rtl_out_banks(spec.pes);
  l.out_banks = nb;
  l.q_rows = ceil_div(rows, nb);
  l.bias = bias;
  l.per_row_requant = per_row_requant;
  l.rows_bytes = 2 * l.rounds * spec.pes;
  l.block_buffer_bytes = rtl_block_buffer_bytes(spec, k1, n);
  l.block_bytes = l.rows_bytes + l.block_buffer_bytes;
  l.first_extra_bytes = (bias ? l.q_rows * nb * rtl_bias_bytes(spec.precision) : 0) +
                        (per_row_requant ? l.q_rows * nb * 8 : 0);
  return l;
}

int64_t rtl_block_buffer_bytes(const AccelSpec& spec, int64_t k1, int64_t n) {
  const int64_t groups = ceil_div(k1, spec.pes) * n * spec.pes;
  // The dense design's words hold values only (dense_stream.h).
  const int64_t offsets = spec.design == Design::kDense ? 0 : rtl_offset_group_bytes(spec);
  return groups * (spec.banks * precision_bytes(spec.precision) + offsets);
}

std::vector<int64_t> rtl_round_conflicts(const format::hpf::Matrix& w, int64_t pes) {
  const int64_t nb = rtl_out_banks(pes), k1 = w.header.k1, rounds = ceil_div(k1, pes);
  std::vector<int64_t> out;
  out.reserve(at(w.blocks() * rounds));
  std::vector<int64_t> per_bank(at(nb));
  for (int64_t b = 0; b < w.blocks(); ++b) {
    const auto rows = std::span(w.rows).subspan(at(b * k1), at(k1));
    const std::vector<int64_t> slots = rtl_block_deal(rows, pes);
    for (int64_t r = 0; r < rounds; ++r) {
      std::fill(per_bank.begin(), per_bank.end(), 0);
      int64_t worst = 0;
      for (int64_t p = 0; p < pes; ++p) {
        const int64_t i = slots[at(r * pes + p)];
        if (i >= 0) worst = std::max(worst, ++per_bank[at(rows[at(i)] % nb)]);
      }
      out.push_back(worst);
    }
  }
  return out;
}

std::vector<uint8_t> rtl_row_parameters(const AccelSpec& spec, int64_t rows,
                                        std::span<const int64_t> bias,
                                        std::span<const kernels::Requant> requant) {
  if (!bias.empty() && bias.size() != at(rows)) {
    throw Error("", "bias", fmt::format("0 or {} entries", rows), fmt::format("{}", bias.size()));
  }
  if (!requant.empty() && requant.size() != at(rows)) {
    throw Error("", "requant", fmt::format("0 or {} entries", rows),
                fmt::format("{}", requant.size()));
  }
  const int64_t nb = out_banks(spec), padded_rows = ceil_div(rows, nb) * nb;
  std::vector<uint8_t> out;
  for (int64_t r = 0; r < padded_rows && !bias.empty(); ++r) {
    const int64_t v = r < rows ? bias[at(r)] : 0;
    append_le(out, static_cast<uint64_t>(v), rtl_bias_bytes(spec.precision));
  }
  for (int64_t r = 0; r < padded_rows && !requant.empty(); ++r) {
    const kernels::Requant q = r < rows ? requant[at(r)] : kernels::Requant{0, 0};
    append_le(out, static_cast<uint32_t>(q.multiplier), 4);
    append_le(out, static_cast<uint64_t>(q.shift), 4);
  }
  return out;
}

RtlWeightImage rtl_weight_image(const AccelSpec& spec, const format::hpf::Matrix& w,
                                std::span<const int64_t> bias,
                                std::span<const kernels::Requant> requant) {
  rtl_check_spec(spec);
  const auto& h = w.header;
  if (h.block_cols != spec.block_cols || h.banks != spec.banks ||
      h.value_type != precision_value_type(spec.precision)) {
    throw Error(
        "", "weights",
        fmt::format("an HPF with Bc {} B {} and {} values", spec.block_cols, spec.banks,
                    format::value_type_name(precision_value_type(spec.precision))),
        fmt::format("Bc {} B {} {}", h.block_cols, h.banks, format::value_type_name(h.value_type)));
  }
  const RtlLayer layer =
      rtl_layer(spec, h.rows, h.cols, h.k1, h.n, !bias.empty(), !requant.empty());
  const int64_t p = spec.pes, k1 = h.k1, n = h.n, banks = h.banks;
  const int64_t vbytes = precision_bytes(spec.precision), ob = offset_bits(spec);
  const int64_t og = rtl_offset_group_bytes(spec);
  const bool i8 = h.value_type == format::ValueType::kI8;
  RtlWeightImage img;
  img.first_extra = rtl_row_parameters(spec, h.rows, bias, requant);
  for (int64_t b = 0; b < w.blocks(); ++b) {
    std::vector<uint8_t>& out = img.blocks.emplace_back();
    out.reserve(at(layer.block_bytes));
    const auto rows = std::span(w.rows).subspan(at(b * k1), at(k1));
    const std::vector<int64_t> deal = rtl_block_deal(rows, p);  // segment per (round, PE), -1
    auto slot = [&](int64_t i, int64_t j, int64_t c) { return ((b * k1 + i) * banks + j) * n + c; };
    for (int64_t i : deal) append_le(out, i >= 0 ? rows[at(i)] : 0xFFFFu, 2);
    for (int64_t rc = 0; rc < layer.rounds * n; ++rc) {
      const int64_t r = rc / n, c = rc % n;
      for (int64_t pe = 0; pe < p; ++pe) {
        const int64_t i = deal[at(r * p + pe)];
        for (int64_t j = 0; j < banks; ++j) {
          const int64_t v =
              i < 0 ? 0 : (i8 ? w.vals_i8[at(slot(i, j, c))] : w.vals_i16[at(slot(i, j, c))]);
          append_le(out, static_cast<uint64_t>(v), vbytes);
        }
      }
    }
    for (int64_t rc = 0; rc < layer.rounds * n && og > 0; ++rc) {
      const int64_t r = rc / n, c = rc % n;
      for (int64_t pe = 0; pe < p; ++pe) {
        const int64_t i = deal[at(r * p + pe)];
        uint64_t group = 0;
        for (int64_t j = 0; j < banks && i >= 0; ++j) {
          group |= static_cast<uint64_t>(w.offset(slot(i, j, c))) << (j * ob);
        }
        append_le(out, group, og);
      }
    }
  }
  return img;
}

int64_t rtl_act_word_bytes(const AccelSpec& spec) {
  return spec.token_lanes * spec.banks * precision_bytes(spec.precision);
}

std::vector<uint8_t> rtl_act_image(const AccelSpec& spec, std::span<const int16_t> x,
                                   int64_t tokens, int64_t cols, int64_t tile) {
  if (tile < 1 || tokens < 0 || x.size() != at(tokens * cols)) {
    throw Error("", "x", fmt::format("{} x {} activations, tile >= 1", tokens, cols),
                fmt::format("{} values, tile {}", x.size(), tile));
  }
  const int64_t lanes = spec.token_lanes, banks = spec.banks, bc = spec.block_cols;
  const int64_t bw = bank_width(spec), blocks = ceil_div(cols, bc);
  const int64_t vbytes = precision_bytes(spec.precision);
  std::vector<uint8_t> out;
  for (int64_t t0 = 0; t0 < tokens; t0 += tile) {
    const int64_t t1 = std::min(tokens, t0 + tile);
    for (int64_t g0 = t0; g0 < t1; g0 += lanes) {
      for (int64_t b = 0; b < blocks; ++b) {
        for (int64_t o = 0; o < bw; ++o) {
          for (int64_t j = 0; j < banks; ++j) {
            for (int64_t l = 0; l < lanes; ++l) {
              const int64_t t = g0 + l, k = b * bc + j * bw + o;
              const int64_t v = t < t1 && k < cols ? x[at(t * cols + k)] : 0;
              append_le(out, static_cast<uint64_t>(v), vbytes);
            }
          }
        }
      }
    }
  }
  return out;
}

RtlDescriptor rtl_descriptor(const AccelSpec& spec, const RtlLayer& layer, int64_t tokens,
                             int64_t tile, const RtlPlacement& where) {
  if (tokens < 1 || tile < 1) {
    throw Error("", "tokens", "at least one token and a tile >= 1",
                fmt::format("{} tokens, tile {}", tokens, tile));
  }
  const int64_t tiles = ceil_div(tokens, tile), lanes = spec.token_lanes;
  const int64_t last = tokens - (tiles - 1) * tile;
  const int64_t steps_per_block =
      (tiles - 1) * ceil_div(std::min(tile, tokens), lanes) + ceil_div(last, lanes);
  const int64_t nb = layer.out_banks;
  const int64_t bias_bytes = layer.bias ? layer.q_rows * nb * rtl_bias_bytes(spec.precision) : 0;
  const int64_t values_bytes =
      layer.rounds * layer.n * spec.pes * spec.banks * precision_bytes(spec.precision);
  const uint32_t flags = (layer.bias ? 1u : 0u) | (layer.per_row_requant ? 2u : 0u) |
                         (where.resident ? 4u : 0u) | (where.load_only ? 8u : 0u);
  const int64_t values[kRtlDescriptorFields] = {
      layer.rows,
      layer.q_rows,
      layer.blocks,
      layer.rounds,
      layer.n,
      tiles,
      std::min(tile, tokens),
      last,
      flags,
      where.layer_requant.multiplier,
      where.layer_requant.shift,
      where.act_base,
      layer.blocks * bank_width(spec),
      where.w_base,
      where.r_base,
      where.rp_base,
      layer.block_bytes,
      layer.first_extra_bytes,
      layer.rounds * layer.n,
      tiles * layer.blocks,
      layer.blocks * steps_per_block,
      bias_bytes,
      layer.first_extra_bytes - bias_bytes,
      layer.rows_bytes,
      values_bytes,
      layer.block_bytes - layer.rows_bytes - values_bytes};
  RtlDescriptor d;
  for (int i = 0; i < kRtlDescriptorFields; ++i) d.fields[at(i)] = static_cast<uint32_t>(values[i]);
  return d;
}

}  // namespace fitformer::accel
