// Byte-to-group assembler of the weight-stream decoder: turns one section of the stream
// (beats of up to BEAT bytes) into whole groups of G bytes (one PE's row index, one PE's B
// values or B packed offsets of a slot, one row's bias or requantization word). Bytes of a
// group cut by a beat boundary wait in a carry of at most G-1 bytes. Every beat is taken the
// cycle it arrives; its complete groups are registered for the next cycle.
module hpa_group_asm #(
    parameter int G = 2,  // group bytes
    parameter int BEAT = 8,  // beat bytes
    parameter int KMAX = (G - 1 + BEAT) / G,  // most groups one beat can complete
    parameter int NBW = $clog2(BEAT + 1)
) (
    input logic clk,
    input logic clear,  // a new item: drop the carry
    input logic in_valid,
    input logic [NBW-1:0] in_bytes,  // 1..BEAT
    input logic [BEAT*8-1:0] in_data,
    output logic out_valid,
    output logic [$clog2(KMAX+1)-1:0] out_count,
    output logic [KMAX*G*8-1:0] out_groups
);
  localparam int CB = G - 1 + BEAT;  // bytes of carry + beat
  localparam int CNTW = $clog2(KMAX + 1);
  localparam int TW = $clog2(CB + 1);

  logic [CB*8-1:0] comb;
  logic [CNTW-1:0] count;

  if (G == 1) begin : g_bytes  // every byte is a group: no carry
    assign comb = in_data;
    assign count = CNTW'(in_bytes);
    logic unused;
    assign unused = clear;
  end else begin : g_carry
    localparam int CLW = $clog2(G);
    logic [(G-1)*8-1:0] carry;
    logic [CLW-1:0] carry_len;
    logic [TW-1:0] total;
    // carry + beat: the carry's bytes past carry_len are always zero
    assign comb = (CB * 8)'(carry) | ((CB * 8)'(in_data) << (32'(carry_len) * 8));
    assign total = TW'(carry_len) + TW'(in_bytes);
    assign count = CNTW'(total / TW'(G));
    logic [(G-1)*8-1:0] next_carry;
    // bytes past `total` are zero in a full beat; after a short (last) beat the carry is unused
    assign next_carry = ((G - 1) * 8)'(comb >> (32'(count) * G * 8));
    always_ff @(posedge clk) begin
      if (clear) begin
        carry <= '0;
        carry_len <= '0;
      end
      else if (in_valid) begin
        carry <= next_carry;
        carry_len <= CLW'(total - TW'(32'(count) * G));
      end
    end
  end

  always_ff @(posedge clk) begin
    out_valid <= in_valid;
    out_count <= in_valid ? count : '0;
    out_groups <= comb[KMAX*G*8-1:0];
  end
endmodule
