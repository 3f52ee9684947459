// Dealing a padded stream's segments to the array's rounds, and the bytes of its image.
#include "accel/padded_rounds.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "accel/rtl_image.h"
#include "core/error.h"
#include "core/indexing.h"

namespace fitformer::accel {
namespace {

struct Round {
  int64_t cycles = 0, conflicts = 0;
};

// Length and commit count of round r of a deal (slots [r * P, (r + 1) * P)).
Round round_of(std::span<const int64_t> deal, std::span<const uint16_t> rows,
               std::span<const int64_t> lengths, int64_t pes, int64_t r) {
  const int64_t nb = rtl_out_banks(pes);
  std::vector<int64_t> per_bank(at(nb), 0);
  Round out;
  for (int64_t p = 0; p < pes; ++p) {
    const int64_t i = deal[at(r * pes + p)];
    if (i < 0) continue;
    out.cycles = std::max(out.cycles, lengths[at(i)]);
    out.conflicts = std::max(out.conflicts, ++per_bank[at(rows[at(i)] % nb)]);
  }
  return out;
}

int64_t deal_cost(std::span<const int64_t> deal, std::span<const uint16_t> rows,
                  std::span<const int64_t> lengths, int64_t pes) {
  int64_t cost = 0;
  for (int64_t r = 0; r < static_cast<int64_t>(deal.size()) / pes; ++r) {
    const Round x = round_of(deal, rows, lengths, pes, r);
    cost += std::max(x.cycles, x.conflicts);
  }
  return cost;
}

// First fit by length, longest first: each segment to the first round with room where its
// output bank holds fewer rows than the round is long (so the commit stage keeps up), else to
// the first with room where its bank holds the fewest.
std::vector<int64_t> first_fit_deal(std::span<const uint16_t> rows,
                                    std::span<const int64_t> lengths, int64_t pes) {
  const int64_t segs = static_cast<int64_t>(rows.size()), nb = rtl_out_banks(pes);
  const int64_t rounds = (segs + pes - 1) / pes;
  std::vector<int64_t> order(at(segs));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return lengths[at(a)] > lengths[at(b)]; });
  std::vector<int64_t> fill(at(rounds), 0), length(at(rounds), 0), count(at(rounds * nb), 0);
  std::vector<int64_t> slots(at(rounds * pes), -1);
  for (int64_t i : order) {
    const int64_t bank = rows[at(i)] % nb;
    int64_t best = -1;
    for (int64_t r = 0; r < rounds; ++r) {
      if (fill[at(r)] == pes) continue;
      const int64_t here = count[at(r * nb + bank)];
      if (here < std::max(length[at(r)], lengths[at(i)])) {
        best = r;
        break;
      }
      if (best < 0 || here < count[at(best * nb + bank)]) best = r;
    }
    slots[at(best * pes + fill[at(best)]++)] = i;
    length[at(best)] = std::max(length[at(best)], lengths[at(i)]);
    ++count[at(best * nb + bank)];
  }
  return slots;
}

std::vector<int64_t> choose_deal(std::span<const uint16_t> rows, std::span<const int64_t> lengths,
                                 int64_t pes) {
  std::vector<int64_t> best = rtl_block_deal(rows, pes);
  if (std::adjacent_find(lengths.begin(), lengths.end(), std::not_equal_to<>()) == lengths.end()) {
    return best;
  }
  int64_t best_cost = deal_cost(best, rows, lengths, pes);
  std::vector<int64_t> by_length(lengths.size());
  std::iota(by_length.begin(), by_length.end(), int64_t{0});
  std::stable_sort(by_length.begin(), by_length.end(),
                   [&](int64_t a, int64_t b) { return lengths[at(a)] > lengths[at(b)]; });
  by_length.resize(best.size(), -1);
  for (auto& other : {by_length, first_fit_deal(rows, lengths, pes)}) {
    const int64_t cost = deal_cost(other, rows, lengths, pes);
    if (cost < best_cost) best = other, best_cost = cost;
  }
  return best;
}

}  // namespace

PaddedRounds plan_padded_rounds(const AccelSpec& spec, const StreamMatrix& w, bool bias) {
  if (!w.padded()) {
    throw Error("", "weights.order", "a padded stream", std::string(stream_order_name(w.order)));
  }
  if (w.block_cols != spec.block_cols || w.banks != spec.banks || w.precision != spec.precision) {
    throw Error("", "weights",
                fmt::format("a stream with Bc {} B {} {}", spec.block_cols, spec.banks,
                            precision_name(spec.precision)),
                fmt::format("Bc {} B {} {}", w.block_cols, w.banks, precision_name(w.precision)));
  }
  const int64_t pes = spec.pes;
  PaddedRounds out;
  out.block_rounds.push_back(0);
  std::vector<int64_t> lengths;
  int64_t slots = 0, stream_slots = 0;
  for (int64_t b = 0; b < w.blocks(); ++b) {
    const int64_t s0 = w.block_segments[at(b)], s1 = w.block_segments[at(b + 1)];
    const auto rows = std::span(w.segment_row).subspan(at(s0), at(s1 - s0));
    lengths.clear();
    for (int64_t s = s0; s < s1; ++s) {
      lengths.push_back((w.segment_entries[at(s + 1)] - w.segment_entries[at(s)]) / w.banks);
      stream_slots += lengths.back();
    }
    std::vector<int64_t>& deal = out.deal.emplace_back(choose_deal(rows, lengths, pes));
    if (deal.empty()) deal.assign(at(pes), -1);  // no segment: one round of dummies
    for (int64_t r = 0; r < static_cast<int64_t>(deal.size()) / pes; ++r) {
      const Round x = round_of(deal, rows, lengths, pes, r);
      out.round_cycles.push_back(std::max<int64_t>(x.cycles, 1));
      out.round_conflicts.push_back(std::max<int64_t>(x.conflicts, 1));
      slots += out.round_cycles.back() * pes;
    }
    out.block_rounds.push_back(static_cast<int64_t>(out.round_cycles.size()));
  }
  out.padded_slots = slots - stream_slots;

  const int64_t blocks = w.blocks(), first_rounds = out.block_rounds[1];
  out.uniform = true;
  for (int64_t b = 0; b < blocks; ++b) {
    out.uniform =
        out.uniform && out.block_rounds[at(b + 1)] - out.block_rounds[at(b)] == first_rounds;
  }
  for (int64_t c : out.round_cycles) out.uniform = out.uniform && c == out.round_cycles[0];
  const int64_t group = spec.banks * precision_bytes(spec.precision) + rtl_offset_group_bytes(spec);
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t r0 = out.block_rounds[at(b)], r1 = out.block_rounds[at(b + 1)];
    const int64_t header = out.uniform ? 0 : 2 + 2 * (r1 - r0);
    out.rows_section_bytes.push_back(header + 2 * (r1 - r0) * pes);
    int64_t groups = 0;
    for (int64_t r = r0; r < r1; ++r) groups += out.round_cycles[at(r)] * pes;
    out.block_bytes.push_back(out.rows_section_bytes.back() + groups * group);
  }
  // k1 and n do not enter the row-parameter sections
  out.first_extra_bytes =
      rtl_layer(spec, w.rows, w.cols, 1, 1, bias, w.scale_mode == format::ScaleMode::kPerRow)
          .first_extra_bytes;
  return out;
}

RtlWeightImage padded_weight_image(const AccelSpec& spec, const StreamMatrix& w,
                                   const PaddedRounds& plan, std::span<const int64_t> bias,
                                   std::span<const kernels::Requant> requant) {
  rtl_check_spec(spec);
  if (!plan.uniform || plan.deal.size() != at(w.blocks())) {
    throw Error("", "weights",
                "a padded stream whose rounds have one length and count (the RTL's descriptor "
                "holds one R and one n)",
                "rounds of different lengths or counts");
  }
  const int64_t pes = spec.pes, banks = w.banks, bw = bank_width(spec), ob = offset_bits(spec);
  const int64_t vbytes = precision_bytes(spec.precision), og = rtl_offset_group_bytes(spec);
  auto put = [](std::vector<uint8_t>& out, uint64_t value, int64_t bytes) {
    for (int64_t i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  };
  RtlWeightImage img;
  img.first_extra = rtl_row_parameters(spec, w.rows, bias, requant);
  for (int64_t b = 0; b < w.blocks(); ++b) {
    std::vector<uint8_t>& out = img.blocks.emplace_back();
    const std::vector<int64_t>& deal = plan.deal[at(b)];
    const int64_t s0 = w.block_segments[at(b)];
    const int64_t r0 = plan.block_rounds[at(b)], rounds = plan.block_rounds[at(b + 1)] - r0;
    for (int64_t i : deal) put(out, i >= 0 ? w.segment_row[at(s0 + i)] : 0xFFFFu, 2);
    // Entry (slot c, bank j) of the PE's segment, or -1 past its slots or for a dummy.
    auto entry = [&](int64_t r, int64_t pe, int64_t c, int64_t j) -> int64_t {
      const int64_t i = deal[at(r * pes + pe)];
      if (i < 0) return -1;
      const int64_t e = w.segment_entries[at(s0 + i)] + c * banks + j;
      return e < w.segment_entries[at(s0 + i + 1)] ? e : -1;
    };
    for (int64_t r = 0; r < rounds; ++r) {
      for (int64_t c = 0; c < plan.round_cycles[at(r0 + r)]; ++c) {
        for (int64_t pe = 0; pe < pes; ++pe) {
          for (int64_t j = 0; j < banks; ++j) {
            const int64_t e = entry(r, pe, c, j);
            put(out, static_cast<uint64_t>(e >= 0 ? w.entry_val[at(e)] : 0), vbytes);
          }
        }
      }
    }
    for (int64_t r = 0; r < rounds && og > 0; ++r) {
      for (int64_t c = 0; c < plan.round_cycles[at(r0 + r)]; ++c) {
        for (int64_t pe = 0; pe < pes; ++pe) {
          uint64_t group = 0;
          for (int64_t j = 0; j < banks; ++j) {
            const int64_t e = entry(r, pe, c, j);
            if (e >= 0) group |= static_cast<uint64_t>(w.entry_col[at(e)] % bw) << (j * ob);
          }
          put(out, group, og);
        }
      }
    }
  }
  return img;
}

}  // namespace fitformer::accel
