// The sized RTL: parameters from accelerator.json, the top level, file list and README.
#include "accel/rtl_emit.h"

#include <fmt/format.h>

#include <algorithm>

#include "accel/rtl_image.h"
#include "accel/rtl_sources.h"
#include "core/error.h"
#include "core/files.h"
#include "io/json_reader.h"

namespace fitformer::accel {
namespace {

template <class T>
T field(const nlohmann::json& j, const std::string& file, const char* name, const char* expected) {
  if (!j.contains(name)) throw Error(file, name, expected, "missing");
  try {
    return j.at(name).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(file, name, expected, io::describe_json(j.at(name)));
  }
}

int address_bits(int64_t depth) {
  int bits = 0;
  while ((int64_t{1} << bits) < depth) ++bits;
  return std::max(bits, 1);
}

}  // namespace

RtlDesign rtl_design(const AccelSpec& spec, const Mapping& mapping) {
  rtl_check_spec(spec);
  RtlDesign d;
  d.spec = spec;
  d.mapping = mapping;
  d.beat = rtl_beat_bytes(spec);
  d.depths = rtl_depths(spec);
  return d;
}

RtlDesign rtl_design_from_json(const nlohmann::json& j, const std::string& file) {
  if (!j.is_object()) throw Error(file, "accelerator", "a JSON object", io::describe_json(j));
  AccelSpec s;
  s.pes = field<int64_t>(j, file, "pes", "an integer >= 1");
  s.banks = field<int64_t>(j, file, "banks", "an integer >= 1");
  s.block_cols = field<int64_t>(j, file, "block_cols", "an integer, a multiple of banks");
  s.token_lanes = field<int64_t>(j, file, "token_lanes", "1 or 2");
  const std::string precision = field<std::string>(j, file, "precision", "int8 or int16");
  if (precision != "int8" && precision != "int16") {
    throw Error(file, "precision", "int8 or int16", precision);
  }
  s.precision = format::parse_precision(precision);
  s.clock_mhz = field<double>(j, file, "clock_mhz", "a clock in MHz");
  s.weight_buffer_bytes = field<int64_t>(j, file, "weight_buffer_bytes", "bytes >= 0");
  const std::string memory = field<std::string>(j, file, "weight_memory", "bram or uram");
  if (memory != "bram" && memory != "uram") {
    throw Error(file, "weight_memory", "bram or uram", memory);
  }
  s.weight_memory = memory == "uram" ? Memory::kUram : Memory::kBram;
  s.act_buffer_bytes = field<int64_t>(j, file, "act_buffer_bytes", "bytes >= 0");
  s.out_buffer_bytes = field<int64_t>(j, file, "out_buffer_bytes", "bytes >= 0");
  s.offchip_gbs = field<double>(j, file, "offchip_gbs", "GB/s > 0");
  s.vector_lanes = field<int64_t>(j, file, "vector_lanes", "an integer >= 1");
  Mapping m;
  m.weights_resident = field<bool>(j, file, "weights_resident", "true or false");
  m.max_token_tile = field<int64_t>(j, file, "max_token_tile", "an integer >= 0");
  try {
    return rtl_design(s, m);
  } catch (const Error& e) {  // rtl_design names the field; the file is ours to add
    throw Error(file, e.field(), e.expected(), e.found());
  }
}

std::string rtl_top_text(const RtlDesign& d, const std::string& source) {
  const AccelSpec& s = d.spec;
  const int64_t w = 8 * precision_bytes(s.precision), acc = accumulator_bytes(s.precision) * 8;
  const int64_t nb = rtl_out_banks(s.pes), lanes = s.token_lanes;
  return fmt::format(
      R"(// The HP accelerator's linear engine sized by `fitformer select` ({source}), written by
// `fitformer rtl emit`: hpa_top (rtl/hpa_top.sv) with this configuration's parameters and
// buffer depths. P {p} PEs x B {b} banks, Bc {bc}, int{w} with {acc}-bit accumulators, {lanes}
// token lane(s), a {beat}-byte weight beat, {clock} MHz (an estimate: Yosys gives no timing).
module hpa_sized_top (
    input logic clk,
    input logic rst,
    input logic desc_we,
    input logic [{daw}-1:0] desc_waddr,
    input logic [{desc_bits}-1:0] desc_wdata,
    input logic start,
    input logic [31:0] n_layers,
    output logic busy,
    output logic layer_go,
    output logic layer_done,
    input logic act_we,
    input logic [{aaw}-1:0] act_waddr,
    input logic [{act_bits}-1:0] act_wdata,
    output logic wreq_valid,
    output logic [31:0] wreq_bytes,
    input logic wb_valid,
    input logic [{beat_bits}-1:0] wb_data,
    output logic out_valid,
    output logic out_last,
    output logic [31:0] out_token,
    output logic [15:0] out_q,
    output logic [{raw_bits}-1:0] out_raw,
    output logic [{val_bits}-1:0] out_val,
    output logic [20:0] status
);
  hpa_top #(
      .P({p}),
      .B({b}),
      .BC({bc}),
      .W({w}),
      .ACC_W({acc}),
      .L({lanes}),
      .BEAT({beat}),
      .WB_WORDS({wb}),
      .ROW_WORDS({rows}),
      .ACT_WORDS({act}),
      .OUT_WORDS({out}),
      .RP_WORDS({rp}),
      .DESC_N({desc})
  ) u_top (
      .clk(clk),
      .rst(rst),
      .desc_we(desc_we),
      .desc_waddr(desc_waddr),
      .desc_wdata(desc_wdata),
      .start(start),
      .n_layers(n_layers),
      .busy(busy),
      .layer_go(layer_go),
      .layer_done(layer_done),
      .act_we(act_we),
      .act_waddr(act_waddr),
      .act_wdata(act_wdata),
      .wreq_valid(wreq_valid),
      .wreq_bytes(wreq_bytes),
      .wb_valid(wb_valid),
      .wb_data(wb_data),
      .out_valid(out_valid),
      .out_last(out_last),
      .out_token(out_token),
      .out_q(out_q),
      .out_raw(out_raw),
      .out_val(out_val),
      .status(status)
  );
endmodule
)",
      fmt::arg("source", source), fmt::arg("p", s.pes), fmt::arg("b", s.banks),
      fmt::arg("bc", s.block_cols), fmt::arg("w", w), fmt::arg("acc", acc),
      fmt::arg("lanes", lanes), fmt::arg("beat", d.beat), fmt::arg("clock", s.clock_mhz),
      fmt::arg("daw", address_bits(d.desc_n)), fmt::arg("desc_bits", 32 * kRtlDescriptorFields),
      fmt::arg("aaw", address_bits(d.depths.act_words)), fmt::arg("act_bits", lanes * s.banks * w),
      fmt::arg("beat_bits", 8 * d.beat), fmt::arg("raw_bits", nb * acc),
      fmt::arg("val_bits", nb * w), fmt::arg("wb", d.depths.wb_words),
      fmt::arg("rows", d.depths.row_words), fmt::arg("act", d.depths.act_words),
      fmt::arg("out", d.depths.out_words), fmt::arg("rp", d.depths.rp_words),
      fmt::arg("desc", d.desc_n));
}

namespace {

std::string readme_text(const RtlDesign& d, const std::string& source) {
  const AccelSpec& s = d.spec;
  return fmt::format(
      R"(# HP accelerator RTL for {source}

Written by `fitformer rtl emit --accelerator {source}`. `hpa_sized_top.sv` instantiates
`rtl/hpa_top.sv` with the parameters below; `files.f` lists every source in compile order
(`verilator --lint-only -Wall -f files.f --top-module hpa_sized_top`, or add the files to a
Vivado or Quartus project: plain SystemVerilog, inferable memories, no vendor IP).

| parameter | value | from accelerator.json |
|---|---:|---|
| P (PEs) | {p} | pes |
| B (banks, multipliers per PE and lane) | {b} | banks |
| BC (column block) | {bc} | block_cols |
| W / ACC_W | {w} / {acc} | precision |
| L (token lanes) | {l} | token_lanes (two multipliers per bank, not the DSP48E2 packing) |
| BEAT (weight-stream bytes per beat) | {beat} | offchip_gbs / clock_mhz = {rate:.2f} B per cycle |
| WB_WORDS (weights per PE) | {wb} | weight_buffer_bytes {wbb} |
| ROW_WORDS (rounds per PE) | {rows} | = WB_WORDS |
| ACT_WORDS | {act} | act_buffer_bytes {ab} |
| OUT_WORDS (per output bank) | {out} | out_buffer_bytes {ob} |
| RP_WORDS (row parameters per bank) | {rp} | = OUT_WORDS |
| DESC_N (layer descriptors) | {desc} | |

Mapping: weights {resident}; token tile {tile}. Clock {clock} MHz is the catalog's estimate
for the part: Yosys cannot time a Xilinx part, so no synthesis here confirms it.

## Running a layer

The host writes one descriptor per layer (26 fields of 32 bits, listed in `rtl/hpa_top.sv`;
`accel/rtl_image.h` computes them), the layer's activations into the activation memory (one
word per token group, column block and in-bank offset), pulses `start`, and serves each
weight request (`wreq_valid`, `wreq_bytes`) with the next column block's image in beats of
{beat} bytes. The image is HPF re-laid for the array (row indices, values, bit-packed
offsets; `accel/rtl_image.h`); `out_*` carries, per token and group of NB consecutive rows,
the accumulators and their requantized values. Resident weights: a load-only descriptor
streams them once, later descriptors use them with the resident flag.

The activation memory holds the whole input of a layer (all its token tiles); the
accumulators one tile. docs/rtl.md in the fitformer repository describes the
micro-architecture, its timing (checked cycle for cycle against fitformer's simulator with
Verilator) and the synthesis results.
)",
      fmt::arg("source", source), fmt::arg("p", s.pes), fmt::arg("b", s.banks),
      fmt::arg("bc", s.block_cols), fmt::arg("w", 8 * precision_bytes(s.precision)),
      fmt::arg("acc", 8 * accumulator_bytes(s.precision)), fmt::arg("l", s.token_lanes),
      fmt::arg("beat", d.beat), fmt::arg("rate", offchip_bytes_per_cycle(s)),
      fmt::arg("wb", d.depths.wb_words), fmt::arg("wbb", s.weight_buffer_bytes),
      fmt::arg("rows", d.depths.row_words), fmt::arg("act", d.depths.act_words),
      fmt::arg("ab", s.act_buffer_bytes), fmt::arg("out", d.depths.out_words),
      fmt::arg("ob", s.out_buffer_bytes), fmt::arg("rp", d.depths.rp_words),
      fmt::arg("desc", d.desc_n),
      fmt::arg("resident", d.mapping.weights_resident ? "resident (preloaded once)"
                                                      : "streamed per column block"),
      fmt::arg("tile", d.mapping.max_token_tile > 0 ? std::to_string(d.mapping.max_token_tile)
                                                    : std::string("as the buffers allow")),
      fmt::arg("clock", s.clock_mhz));
}

}  // namespace

std::vector<std::filesystem::path> emit_rtl(const std::filesystem::path& accelerator_json,
                                            const std::filesystem::path& out) {
  const std::string file = accelerator_json.string();
  const nlohmann::json j = io::parse_json(read_file(accelerator_json), file);
  const RtlDesign d = rtl_design_from_json(j, file);
  const std::string source = accelerator_json.filename().string();
  std::vector<std::filesystem::path> written;
  std::string list;
  for (const RtlSourceFile& f : rtl_sources()) {
    const auto path = out / "rtl" / std::string(f.name);
    write_file_atomic(path, f.text);
    written.push_back(path);
    list += "rtl/" + std::string(f.name) + "\n";
  }
  const auto top = out / "hpa_sized_top.sv";
  write_file_atomic(top, rtl_top_text(d, source));
  written.push_back(top);
  list += "hpa_sized_top.sv\n";
  write_file_atomic(out / "files.f", list);
  written.push_back(out / "files.f");
  write_file_atomic(out / "README.md", readme_text(d, source));
  written.push_back(out / "README.md");
  return written;
}

}  // namespace fitformer::accel
