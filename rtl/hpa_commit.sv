// Commit stage of the HP accelerator: the P partial sums a round finishes (all in the same
// cycle, lock-step) are added into the accumulators of their rows. Accumulators live in NB
// output banks (row mod NB; NB = P rounded up to a power of two), each taking one
// read-modify-write per cycle; a crossbar gives every bank, each cycle, the lowest-numbered PE
// still waiting for it. A round whose rows fall m to one bank takes m cycles; the sequencer
// spaces rounds so that this never overlaps the next round. Dummy rows (0xFFFF) are dropped.
//
// Cost: what depends on a PE alone (its bank, as a one-hot request, and its row's word index
// row / NB) is computed once per PE; each bank then only isolates its lowest requesting PE
// (a carry chain) and ORs the granted PE's word index and partial sum (an AND-OR multiplexer,
// no address logic per candidate); the bank adds the tile's and the requantization table's
// bases to the one word index it took. The crossbar is still P x NB wide in data, but each
// PE-bank pair costs about (word bits + L x PSUM_W) / 3 LUTs instead of a priority chain with
// two adders per candidate (docs/rtl.md "Synthesis").
module hpa_commit #(
    parameter int P = 4,
    parameter int NB = 4,
    parameter int L = 1,
    parameter int OUT_WORDS = 64,
    parameter int RP_WORDS = 16,
    parameter int PSUM_W = 48,
    parameter int OAW = (OUT_WORDS > 1) ? $clog2(OUT_WORDS) : 1,
    parameter int RPAW = (RP_WORDS > 1) ? $clog2(RP_WORDS) : 1
) (
    input logic clk,
    input logic rst,
    input logic [31:0] rp_base,
    input logic res_valid,
    input logic [P*16-1:0] res_row,
    input logic [P*L*PSUM_W-1:0] res_psum,
    input logic [OAW-1:0] res_gbase,
    output logic [NB-1:0] c_valid,
    output logic [NB*OAW-1:0] c_addr,
    output logic [NB*RPAW-1:0] c_paddr,
    output logic [NB*L*PSUM_W-1:0] c_psum,
    output logic busy
);
  localparam int NBB = (NB > 1) ? $clog2(NB) : 0;
  localparam int XW = (OAW > RPAW) ? OAW : RPAW;  // word-index bits either address needs

  logic [P-1:0] pending_q, pending, granted;
  logic [OAW-1:0] gbase_q, gbase;
  always_comb begin
    for (int p = 0; p < P; p++) pending[p] = res_valid ? res_row[p*16+:16] != 16'hFFFF : pending_q[p];
  end
  assign gbase = res_valid ? res_gbase : gbase_q;

  // once per PE: the bank it waits for (one-hot, [bank][pe]) and its row's word index
  logic [NB*P-1:0] req;
  logic [P*XW-1:0] word;
  always_comb begin
    for (int p = 0; p < P; p++) begin
      logic [15:0] row;
      row = res_row[p*16+:16];
      word[p*XW+:XW] = XW'(32'(row) >> NBB);
      for (int j = 0; j < NB; j++) req[j*P+p] = pending[p] && (32'(row) & (NB - 1)) == j;
    end
  end

  // per bank: the lowest requesting PE, and an AND-OR multiplexer of its word and partial sum
  always_comb begin
    granted = '0;
    c_valid = '0;
    c_addr  = '0;
    c_paddr = '0;
    c_psum  = '0;
    for (int j = 0; j < NB; j++) begin
      logic [P-1:0] r, g;
      logic [XW-1:0] w;
      r = req[j*P+:P];
      g = r & (~r + 1'b1);
      granted = granted | g;
      c_valid[j] = |r;
      w = '0;
      for (int p = 0; p < P; p++) begin
        w = w | (g[p] ? word[p*XW+:XW] : '0);
        c_psum[j*L*PSUM_W+:L*PSUM_W] = c_psum[j*L*PSUM_W+:L*PSUM_W] |
                                       (g[p] ? res_psum[p*L*PSUM_W+:L*PSUM_W] : '0);
      end
      c_addr[j*OAW+:OAW] = gbase + OAW'(w);
      c_paddr[j*RPAW+:RPAW] = RPAW'(rp_base + 32'(w));
    end
  end

  logic rmw_q;
  always_ff @(posedge clk) begin
    if (rst) begin
      pending_q <= '0;
      rmw_q <= 1'b0;
    end else begin
      pending_q <= pending & ~granted;
      rmw_q <= |c_valid;
    end
    if (res_valid) gbase_q <= res_gbase;
  end
  assign busy = res_valid || |pending_q || rmw_q;
endmodule
