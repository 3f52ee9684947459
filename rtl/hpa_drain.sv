// Drain of the HP accelerator: after a token tile's last commit, reads the tile's
// accumulators out of the NB output banks, one token and NB consecutive rows per cycle (token
// t, rows q*NB .. q*NB + NB - 1 for q = 0 .. Q-1), clearing each word after its last live
// lane, and tags the requantized values with their token and row group. The next tile may
// start once the last word is read.
module hpa_drain #(
    parameter int L = 1,
    parameter int OUT_WORDS = 64,
    parameter int RP_WORDS = 16,
    parameter int OAW = (OUT_WORDS > 1) ? $clog2(OUT_WORDS) : 1,
    parameter int RPAW = (RP_WORDS > 1) ? $clog2(RP_WORDS) : 1,
    parameter int LAT = 6  // read (1) + bank select (1) + requantizer (4)
) (
    input logic clk,
    input logic rst,
    input logic start,
    input logic [31:0] tokens,
    input logic [31:0] token0,
    input logic last_tile,
    input logic [31:0] q_rows,
    input logic [31:0] rp_base,
    output logic d_valid,
    output logic [OAW-1:0] d_addr,
    output logic [RPAW-1:0] d_paddr,
    output logic d_lane,
    output logic d_clear,
    output logic reads_done,
    // tags of the values leaving the requantizers this cycle
    output logic out_valid,
    output logic [31:0] out_token,
    output logic [15:0] out_q,
    output logic out_last
);
  logic active, tile_last;
  logic [31:0] t, q, gb, t_count, t0;
  assign d_valid = active;
  assign d_addr = OAW'(gb + q);
  assign d_paddr = RPAW'(rp_base + q);
  if (L == 1) begin : g_one
    assign d_lane = 1'b0;
    assign d_clear = 1'b1;
  end else begin : g_two
    assign d_lane = t[0];
    assign d_clear = t[0] || t + 1 == t_count;
  end
  logic last_read;
  assign last_read = active && q + 1 == q_rows && t + 1 == t_count;

  always_ff @(posedge clk) begin
    reads_done <= 1'b0;
    if (rst) begin
      active <= 1'b0;
    end else if (start) begin
      active <= tokens != 0;
      t <= 32'd0;
      q <= 32'd0;
      gb <= 32'd0;
      t_count <= tokens;
      t0 <= token0;
      tile_last <= last_tile;
    end else if (active) begin
      if (q + 1 < q_rows) begin
        q <= q + 1;
      end else begin
        q <= 32'd0;
        t <= t + 1;
        if (L == 1 || t[0]) gb <= gb + q_rows;
        if (t + 1 == t_count) begin
          active <= 1'b0;
          reads_done <= 1'b1;
        end
      end
    end
  end

  // tags, delayed to the requantizer's output
  logic [LAT-1:0] v_line, l_line;
  logic [LAT*48-1:0] tag_line;
  always_ff @(posedge clk) begin
    v_line <= {v_line[LAT-2:0], d_valid};
    l_line <= {l_line[LAT-2:0], last_read && tile_last};
    tag_line <= {tag_line[(LAT-1)*48-1:0], (t0 + t), q[15:0]};
  end
  assign out_valid = v_line[LAT-1];
  assign out_last = l_line[LAT-1];
  assign out_token = tag_line[(LAT-1)*48+16+:32];
  assign out_q = tag_line[(LAT-1)*48+:16];
endmodule
