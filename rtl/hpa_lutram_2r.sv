// Distributed-RAM style memory with two asynchronous read ports (a read sees a write from the
// next cycle on): a PE's kept-row indices, read by the issue pipeline and by the bank-conflict
// counter of the stream decoder.
module hpa_lutram_2r #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16,
    parameter int AW = (DEPTH > 1) ? $clog2(DEPTH) : 1
) (
    input  logic             clk,
    input  logic             we,
    input  logic [   AW-1:0] waddr,
    input  logic [WIDTH-1:0] wdata,
    input  logic [   AW-1:0] raddr_a,
    output logic [WIDTH-1:0] rdata_a,
    input  logic [   AW-1:0] raddr_b,
    output logic [WIDTH-1:0] rdata_b
);
  logic [WIDTH-1:0] mem[DEPTH];

  always_ff @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
  end
  assign rdata_a = mem[raddr_a];
  assign rdata_b = mem[raddr_b];
endmodule
