// Requantizer of one output bank (kernels::requantize, bit for bit): y = sat(rnd(acc * M0 /
// 2^S)) to [-qmax, qmax] of W bits, rounding half away from zero, the product exact (ACC_W +
// 32 bits). Four register stages: magnitude, product, rounding add, shift and clip.
module hpa_requant #(
    parameter int ACC_W = 32,
    parameter int W = 8
) (
    input logic clk,
    input logic in_valid,
    input logic [ACC_W-1:0] in_value,
    input logic [31:0] in_m0,
    input logic [7:0] in_shift,
    output logic out_valid,
    output logic [W-1:0] out_q
);
  localparam int PW = ACC_W + 32;  // |acc| * M0
  localparam int RW = PW + 1;  // + 2^(S-1)
  localparam logic [RW-1:0] QMAX = RW'((1 << (W - 1)) - 1);

  // 1: sign and magnitude (|-2^(ACC_W-1)| fits ACC_W bits unsigned)
  logic v1, neg1;
  logic [ACC_W-1:0] mag1;
  logic [31:0] m01;
  logic [7:0] s1;
  always_ff @(posedge clk) begin
    v1 <= in_valid;
    neg1 <= in_value[ACC_W-1];
    mag1 <= in_value[ACC_W-1] ? ACC_W'(-in_value) : in_value;
    m01 <= in_m0;
    s1 <= in_shift;
  end
  // 2: exact product
  logic v2, neg2;
  logic [PW-1:0] prod2;
  logic [7:0] s2;
  always_ff @(posedge clk) begin
    v2 <= v1;
    neg2 <= neg1;
    prod2 <= PW'(mag1) * PW'(m01);
    s2 <= s1;
  end
  // 3: add half of the last kept unit
  logic v3, neg3;
  logic [RW-1:0] sum3;
  logic [7:0] s3;
  always_ff @(posedge clk) begin
    v3 <= v2;
    neg3 <= neg2;
    sum3 <= RW'(prod2) + ((s2 == 0 || 32'(s2) > RW) ? RW'(0) : (RW'(1) << (s2 - 8'd1)));
    s3 <= s2;
  end
  // 4: shift, clip to qmax, restore the sign
  logic [RW-1:0] shifted;
  assign shifted = (32'(s3) >= RW) ? '0 : sum3 >> s3;
  logic [W-1:0] mag4;
  assign mag4 = shifted > QMAX ? QMAX[W-1:0] : shifted[W-1:0];
  always_ff @(posedge clk) begin
    out_valid <= v3;
    out_q <= neg3 ? W'(-mag4) : mag4;
  end
endmodule
