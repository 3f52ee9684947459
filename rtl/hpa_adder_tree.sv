// Pipelined adder tree of one PE lane (DESIGN.md section 4: B products of a slot summed per
// cycle): N signed inputs of IW bits, one register per level, clog2(N) levels, so the sum of
// the inputs presented in cycle t is on `sum` from cycle t + clog2(N). Exact: each level
// widens by one bit.
module hpa_adder_tree #(
    parameter int N  = 8,
    parameter int IW = 16,
    parameter int LEVELS = (N > 1) ? $clog2(N) : 0,
    parameter int OW = IW + LEVELS
) (
    input  logic            clk,
    input  logic [N*IW-1:0] in,
    output logic [  OW-1:0] sum
);
  localparam int NP = 1 << LEVELS;  // inputs padded with zeros to a power of two

  for (genvar l = 0; l <= LEVELS; l++) begin : g_lvl
    localparam int CNT = NP >> l;
    localparam int LW = IW + l;
    logic [CNT*LW-1:0] v;
    if (l == 0) begin : g_in
      if (NP > N) begin : g_pad
        assign v = {{((NP - N) * IW) {1'b0}}, in};
      end else begin : g_nopad
        assign v = in;
      end
    end else begin : g_add
      for (genvar i = 0; i < CNT; i++) begin : g_node
        always_ff @(posedge clk) begin
          v[i*LW+:LW] <= LW'($signed(g_lvl[l-1].v[(2*i)*(LW-1)+:(LW-1)])) +
                         LW'($signed(g_lvl[l-1].v[(2*i+1)*(LW-1)+:(LW-1)]));
        end
      end
    end
  end
  assign sum = g_lvl[LEVELS].v;
endmodule
