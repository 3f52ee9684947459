// One processing element of the HP accelerator (DESIGN.md section 4): its slice of the weight
// buffer (values, in-bank offsets and kept-row indices: block RAM, written by the stream decoder), its own
// copy of the current input slice in B banks of depth BC/B (double-buffered LUTRAM, written by
// the broadcast slice feed), B multipliers per token lane, one adder tree per lane and the
// 48-bit partial sum of the current row segment.
//
// Timing (every PE the same, lock-step): a slot presented on iss_* in cycle I reads the weight
// word (registered), reads bank j of the slice at that word's offset j in I+1, multiplies in
// I+2 and I+3 (the DSP's M and P registers), sums in the clog2(B) tree levels, and adds into the
// partial sum in I+4+TL. The last slot of a segment puts the finished partial sums and the
// segment's row on res_* from cycle I+5+TL until the next segment finishes.
//
// INDEXED = 0 is the dense design (accel/dense_stream.h): no offsets and no row memories; slot
// c of a segment (counted from iss_first) reads offset c of every bank, in the same cycles.
module hpa_pe #(
    parameter int INDEXED = 1,
    parameter int B = 8,
    parameter int BW = 8,  // bank width BC / B
    parameter int OB = 3,  // offset bits, clog2(BW)
    parameter int W = 8,  // weight and activation bits
    parameter int L = 1,  // token lanes
    parameter int WB_WORDS = 64,  // weight words (slots) this PE holds
    parameter int ROW_WORDS = 16,  // kept-row entries (rounds) this PE holds
    parameter int PSUM_W = 48,
    parameter int NB = 4,  // output banks (a power of two): the conflict counter's copy of a row
    parameter int MBW = $clog2(NB + 1),  // its bank, or NB for a dummy row
    parameter int OBP = (OB > 0) ? OB : 1,
    parameter int WAW = (WB_WORDS > 1) ? $clog2(WB_WORDS) : 1,
    parameter int RAW = (ROW_WORDS > 1) ? $clog2(ROW_WORDS) : 1,
    parameter int SAW = OB + 1  // slice bank address: {half, offset}
) (
    input logic clk,
    // weight buffer writes from the decoder
    input logic wv_we,
    input logic [WAW-1:0] wv_waddr,
    input logic [B*W-1:0] wv_wdata,
    input logic wo_we,
    input logic [WAW-1:0] wo_waddr,
    input logic [B*OBP-1:0] wo_wdata,
    input logic row_we,
    input logic [RAW-1:0] row_waddr,
    input logic [15:0] row_wdata,
    // second read port of the row indices, for the bank-conflict counter
    input logic [RAW-1:0] mrow_raddr,
    output logic [MBW-1:0] mrow_rdata,  // registered: the word at mrow_raddr of the cycle before
    // broadcast slice writes: one offset of every bank and lane per cycle
    input logic slice_we,
    input logic [SAW-1:0] slice_waddr,
    input logic [L*B*W-1:0] slice_wdata,
    // the slot issued this cycle (the same for every PE)
    input logic iss_valid,
    input logic iss_first,
    input logic iss_last,
    input logic iss_half,
    input logic [WAW-1:0] iss_waddr,
    input logic [RAW-1:0] iss_raddr,
    // finished segment
    output logic res_valid,
    output logic [15:0] res_row,
    output logic [L*PSUM_W-1:0] res_psum
);
  localparam int TL = (B > 1) ? $clog2(B) : 0;
  localparam int PW = 2 * W;  // product bits
  localparam int TW = PW + TL;  // tree sum bits

  // ---- weight buffer, row indices (block RAM, registered reads) ----
  // The row memory holds a row index per round (up to the weight buffer's depth in a sized
  // design: thousands of words), so it is block RAM, not LUTRAM: read at the issued slot's round,
  // its registered output is stage 1's row. The bank-conflict counter reads a second copy that
  // keeps only what it needs, the row's output bank (NB for a dummy row), also registered.
  logic [  B*W-1:0] wv_q;
  logic [B*OBP-1:0] wo_q;
  hpa_sdp_ram #(
      .WIDTH(B * W),
      .DEPTH(WB_WORDS)
  ) u_wv (
      .clk  (clk),
      .we   (wv_we),
      .waddr(wv_waddr),
      .wdata(wv_wdata),
      .re   (iss_valid),
      .raddr(iss_waddr),
      .rdata(wv_q)
  );
  if (OB > 0 && INDEXED != 0) begin : g_offs
    hpa_sdp_ram #(
        .WIDTH(B * OBP),
        .DEPTH(WB_WORDS)
    ) u_wo (
        .clk  (clk),
        .we   (wo_we),
        .waddr(wo_waddr),
        .wdata(wo_wdata),
        .re   (iss_valid),
        .raddr(iss_waddr),
        .rdata(wo_q)
    );
  end else begin : g_no_offs  // bank width 1 (every offset is 0), or the dense design
    assign wo_q = '0;
    logic unused_wo;
    assign unused_wo = ^{wo_we, wo_waddr, wo_wdata, wo_q};
  end
  logic [15:0] s1_row;
  if (INDEXED != 0) begin : g_rows
  hpa_sdp_ram #(
      .WIDTH(16),
      .DEPTH(ROW_WORDS)
  ) u_rows (
      .clk  (clk),
      .we   (row_we),
      .waddr(row_waddr),
      .wdata(row_wdata),
      .re   (1'b1),
      .raddr(iss_raddr),
      .rdata(s1_row)
  );
  logic [MBW-1:0] row_bank;
  assign row_bank = row_wdata == 16'hFFFF ? MBW'(NB) : MBW'(32'(row_wdata) & (NB - 1));
  hpa_sdp_ram #(
      .WIDTH(MBW),
      .DEPTH(ROW_WORDS)
  ) u_row_banks (
      .clk  (clk),
      .we   (row_we),
      .waddr(row_waddr),
      .wdata(row_bank),
      .re   (1'b1),
      .raddr(mrow_raddr),
      .rdata(mrow_rdata)
  );
  end else begin : g_no_rows  // dense: the commit stage counts rounds instead
    assign s1_row = '0;
    assign mrow_rdata = '0;
    logic unused_rows;
    assign unused_rows = ^{row_we, row_waddr, row_wdata, mrow_raddr, iss_raddr};
  end

  // ---- stage 1: control of the issued slot (its row is u_rows' registered read) ----
  logic s1_valid, s1_first, s1_last, s1_half;
  logic [OBP-1:0] s1_slot;  // dense: the slot's index in its segment, its offset in every bank
  always_ff @(posedge clk) begin
    s1_valid <= iss_valid;
    s1_first <= iss_first;
    s1_last  <= iss_last;
    s1_half  <= iss_half;
    if (iss_valid) s1_slot <= iss_first ? '0 : s1_slot + 1'b1;
  end
  logic unused_slot;  // only the dense design with BC / B > 1 reads it
  assign unused_slot = ^s1_slot;

  // ---- stage 2: slice banks read at the word's offsets ----
  logic [L*B*W-1:0] x_rd;
  for (genvar j = 0; j < B; j++) begin : g_bank
    logic [SAW-1:0] raddr;
    if (OB > 0 && INDEXED != 0) begin : g_addr
      assign raddr = {s1_half, wo_q[j*OBP+:OB]};
    end else if (OB > 0) begin : g_addr_dense
      assign raddr = {s1_half, s1_slot[OB-1:0]};
    end else begin : g_addr1
      assign raddr = s1_half;
    end
    logic [L*W-1:0] word;
    hpa_lutram #(
        .WIDTH(L * W),
        .DEPTH(2 * BW)
    ) u_slice (
        .clk(clk),
        .we(slice_we),
        .waddr(slice_waddr),
        .wdata(slice_wdata[j*L*W+:L*W]),
        .raddr(raddr),
        .rdata(word)
    );
    for (genvar l = 0; l < L; l++) begin : g_lane
      assign x_rd[(l*B+j)*W+:W] = word[l*W+:W];
    end
  end
  logic [B*W-1:0] s2_v;
  logic [L*B*W-1:0] s2_x;
  logic s2_valid, s2_first, s2_last;
  logic [15:0] s2_row;
  always_ff @(posedge clk) begin
    s2_v <= wv_q;
    s2_x <= x_rd;
    s2_valid <= s1_valid;
    s2_first <= s1_first;
    s2_last <= s1_last;
    s2_row <= s1_row;
  end

  // ---- stages 3-4: B x L signed multipliers, two registers (DSP M and P) ----
  logic [L*B*PW-1:0] s3_p, s4_p;
  for (genvar l = 0; l < L; l++) begin : g_mul_lane
    for (genvar j = 0; j < B; j++) begin : g_mul
      always_ff @(posedge clk) begin
        s3_p[(l*B+j)*PW+:PW] <= PW'($signed(s2_v[j*W+:W]) * $signed(s2_x[(l*B+j)*W+:W]));
      end
    end
  end
  always_ff @(posedge clk) s4_p <= s3_p;

  // control travels beside the products: 2 multiply stages + TL tree levels
  localparam int CD = 2 + TL;
  logic [CD-1:0] d_valid, d_first, d_last;
  logic [CD*16-1:0] d_row;
  always_ff @(posedge clk) begin
    d_valid <= {d_valid[CD-2:0], s2_valid};
    d_first <= {d_first[CD-2:0], s2_first};
    d_last  <= {d_last[CD-2:0], s2_last};
    d_row   <= {d_row[(CD-1)*16-1:0], s2_row};
  end

  // ---- adder trees and the segment's partial sum ----
  logic [L*PSUM_W-1:0] psum;
  for (genvar l = 0; l < L; l++) begin : g_lane_sum
    logic [TW-1:0] tsum;
    hpa_adder_tree #(
        .N (B),
        .IW(PW)
    ) u_tree (
        .clk(clk),
        .in (s4_p[l*B*PW+:B*PW]),
        .sum(tsum)
    );
    logic [PSUM_W-1:0] next;
    assign next = (d_first[CD-1] ? '0 : psum[l*PSUM_W+:PSUM_W]) + PSUM_W'($signed(tsum));
    always_ff @(posedge clk) begin
      if (d_valid[CD-1]) psum[l*PSUM_W+:PSUM_W] <= next;
      if (d_valid[CD-1] && d_last[CD-1]) res_psum[l*PSUM_W+:PSUM_W] <= next;
    end
  end
  always_ff @(posedge clk) begin
    res_valid <= d_valid[CD-1] && d_last[CD-1];
    if (d_valid[CD-1] && d_last[CD-1]) res_row <= d_row[(CD-1)*16+:16];
  end
endmodule
