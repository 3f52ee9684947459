// Distributed-RAM style memory of the HP accelerator: one write port, one asynchronous read
// port (a read sees a write from the next cycle on), so that synthesis maps it to LUTRAM. Used
// for the PEs' banked input slices (the bank read mux of DESIGN.md section 4) and the per-round
// bank-conflict counts.
module hpa_lutram #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16,
    parameter int AW = (DEPTH > 1) ? $clog2(DEPTH) : 1
) (
    input  logic             clk,
    input  logic             we,
    input  logic [   AW-1:0] waddr,
    input  logic [WIDTH-1:0] wdata,
    input  logic [   AW-1:0] raddr,
    output logic [WIDTH-1:0] rdata
);
  logic [WIDTH-1:0] mem[DEPTH];

  always_ff @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
  end
  assign rdata = mem[raddr];
endmodule
