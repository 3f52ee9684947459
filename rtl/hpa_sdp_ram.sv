// Block-RAM style memory of the HP accelerator: one write port and one read port on one clock,
// the read registered (one cycle latency), so that Yosys and Vivado infer BRAM/URAM. A read of
// the address written in the same cycle returns the old word; no caller relies on either.
module hpa_sdp_ram #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16,
    parameter int AW = (DEPTH > 1) ? $clog2(DEPTH) : 1,
    parameter bit INIT_ZERO = 1'b0  // start all-zero (the accumulators' valid bits rely on it)
) (
    input  logic             clk,
    input  logic             we,
    input  logic [   AW-1:0] waddr,
    input  logic [WIDTH-1:0] wdata,
    input  logic             re,
    input  logic [   AW-1:0] raddr,
    output logic [WIDTH-1:0] rdata
);
  logic [WIDTH-1:0] mem[DEPTH];

  if (INIT_ZERO) begin : g_init
    initial begin
      for (int i = 0; i < DEPTH; i++) mem[i] = '0;
    end
  end

  always_ff @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
    if (re) rdata <= mem[raddr];
  end
endmodule
