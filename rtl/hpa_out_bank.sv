// One output bank of the HP accelerator: the accumulators of rows r = q*NB + j of the current
// token tile (word q + group*Q: a valid bit and L accumulators of ACC_W bits, 32 for int8 and
// 48 for int16, kernels/fixed_point.h), and those rows' bias and requantization parameters.
//  - Commit: read-modify-write, one per cycle: the base is the stored accumulator, or the
//    row's bias when the word is not valid yet (the first segment of the row in this tile);
//    the segment's 48-bit partial sum is added with saturation to ACC_W bits. A write one
//    cycle before a read of the same word is forwarded.
//  - Drain: reads one lane of a word per cycle (the bias if the row was never touched),
//    clears the word after its last live lane, and hands value, M0 and shift to the
//    requantizer.
module hpa_out_bank #(
    parameter int L = 1,
    parameter int ACC_W = 32,
    parameter int OUT_WORDS = 64,
    parameter int RP_WORDS = 16,
    parameter int PSUM_W = 48,
    parameter int OAW = (OUT_WORDS > 1) ? $clog2(OUT_WORDS) : 1,
    parameter int RPAW = (RP_WORDS > 1) ? $clog2(RP_WORDS) : 1
) (
    input logic clk,
    input logic use_bias,  // the layer has a bias; otherwise accumulators start at 0
    // commit
    input logic c_valid,
    input logic [OAW-1:0] c_addr,
    input logic [RPAW-1:0] c_paddr,
    input logic [L*PSUM_W-1:0] c_psum,
    // drain
    input logic d_valid,
    input logic [OAW-1:0] d_addr,
    input logic [RPAW-1:0] d_paddr,
    input logic d_lane,
    input logic d_clear,
    output logic r_valid,
    output logic [ACC_W-1:0] r_value,
    output logic [39:0] r_rq,  // {shift, M0}
    // row parameters from the stream decoder
    input logic bias_we,
    input logic [RPAW-1:0] bias_waddr,
    input logic [ACC_W-1:0] bias_wdata,
    input logic rq_we,
    input logic [RPAW-1:0] rq_waddr,
    input logic [39:0] rq_wdata
);
  localparam int AW = 1 + L * ACC_W;  // {valid, lanes}
  localparam int SW = (ACC_W > PSUM_W ? ACC_W : PSUM_W) + 1;  // sum before saturation

  logic we;
  logic [OAW-1:0] waddr;
  logic [AW-1:0] wdata, acc_q;
  logic [ACC_W-1:0] bias_q;
  hpa_sdp_ram #(
      .WIDTH(AW),
      .DEPTH(OUT_WORDS),
      .INIT_ZERO(1'b1)
  ) u_acc (
      .clk(clk),
      .we(we),
      .waddr(waddr),
      .wdata(wdata),
      .re(c_valid || d_valid),
      .raddr(c_valid ? c_addr : d_addr),
      .rdata(acc_q)
  );
  hpa_sdp_ram #(
      .WIDTH(ACC_W),
      .DEPTH(RP_WORDS)
  ) u_bias (
      .clk(clk),
      .we(bias_we),
      .waddr(bias_waddr),
      .wdata(bias_wdata),
      .re(c_valid || d_valid),
      .raddr(c_valid ? c_paddr : d_paddr),
      .rdata(bias_q)
  );
  logic [39:0] rq_q;
  hpa_sdp_ram #(
      .WIDTH(40),
      .DEPTH(RP_WORDS)
  ) u_rq (
      .clk(clk),
      .we(rq_we),
      .waddr(rq_waddr),
      .wdata(rq_wdata),
      .re(d_valid),
      .raddr(d_paddr),
      .rdata(rq_q)
  );

  logic [ACC_W-1:0] bias_or_0;
  assign bias_or_0 = use_bias ? bias_q : '0;

  // the read issued this cycle and the write of this cycle: forward on a match
  logic s_commit, s_drain, s_lane, s_clear, fwd;
  logic [OAW-1:0] s_addr;
  logic [L*PSUM_W-1:0] s_psum;
  logic [AW-1:0] fwd_data;
  always_ff @(posedge clk) begin
    s_commit <= c_valid;
    s_drain <= d_valid;
    s_lane <= d_lane;
    s_clear <= d_valid && d_clear;
    s_addr <= c_valid ? c_addr : d_addr;
    s_psum <= c_psum;
    fwd <= we && c_valid && waddr == c_addr;
    fwd_data <= wdata;
  end
  logic [AW-1:0] word;
  assign word = fwd ? fwd_data : acc_q;

  localparam logic signed [SW-1:0] HI = SW'((64'sd1 <<< (ACC_W - 1)) - 1);
  localparam logic signed [SW-1:0] LO = -SW'(64'sd1 <<< (ACC_W - 1));
  logic [L*ACC_W-1:0] sums;
  for (genvar l = 0; l < L; l++) begin : g_lane
    logic signed [SW-1:0] base, sum;
    assign base = word[AW-1] ? SW'($signed(word[l*ACC_W+:ACC_W])) : SW'($signed(bias_or_0));
    assign sum = base + SW'($signed(s_psum[l*PSUM_W+:PSUM_W]));
    assign sums[l*ACC_W+:ACC_W] = sum > HI ? HI[ACC_W-1:0] : (sum < LO ? LO[ACC_W-1:0] :
                                                                 sum[ACC_W-1:0]);
  end
  assign we = s_commit || s_clear;
  assign waddr = s_addr;
  assign wdata = s_commit ? {1'b1, sums} : '0;

  // drain: the lane's value, or the bias of an untouched row
  logic [ACC_W-1:0] lane_value;
  if (L == 1) begin : g_one
    assign lane_value = word[ACC_W-1:0];
    logic unused;
    assign unused = s_lane;
  end else begin : g_two
    assign lane_value = s_lane ? word[ACC_W+:ACC_W] : word[ACC_W-1:0];
  end
  always_ff @(posedge clk) begin
    r_valid <= s_drain;
    r_value <= word[AW-1] ? lane_value : bias_or_0;
    r_rq <= rq_q;
  end
endmodule
