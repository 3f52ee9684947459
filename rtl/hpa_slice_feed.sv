// Activation memory and input-slice feed of the HP accelerator. The activation memory holds
// the layer's quantized inputs, one word per (token group, column block, in-bank offset o):
// for each of the L tokens of the group and each bank j, x[t][block*BC + j*BW + o] (zero past
// K). For every step (tile, block, token group) in the order the issue sequencer runs them,
// the reader streams the step's BW words into a small FIFO, and the writer broadcasts them to
// every PE's slice banks, into the half (step parity) that the step two earlier has released:
// the next slice loads while the current one computes (DESIGN.md section 4).
module hpa_slice_feed #(
    parameter int B = 8,
    parameter int BW = 8,
    parameter int OB = 3,
    parameter int W = 8,
    parameter int L = 1,
    parameter int ACT_WORDS = 256,
    parameter int AAW = (ACT_WORDS > 1) ? $clog2(ACT_WORDS) : 1,
    parameter int SAW = OB + 1
) (
    input logic clk,
    input logic rst,
    // host writes of the activation memory
    input logic act_we,
    input logic [AAW-1:0] act_waddr,
    input logic [L*B*W-1:0] act_wdata,
    // layer start and descriptor fields
    input logic go,
    input logic [31:0] act_base,
    input logic [31:0] act_stride,  // words per token group: blocks * BW
    input logic [31:0] blocks,
    input logic [31:0] n_tiles,
    input logic [31:0] tile_groups,
    input logic [31:0] last_groups,
    input logic [31:0] steps,  // blocks x token groups of all tiles
    // the issue sequencer releases a half after the last slot of its step
    input logic rel,
    input logic rel_half,
    output logic [1:0] sfull,
    // broadcast to the PEs' slice banks
    output logic slice_we,
    output logic [SAW-1:0] slice_waddr,
    output logic [L*B*W-1:0] slice_wdata
);
  localparam int FD = 4;  // FIFO depth: covers the one-cycle read latency at full rate
  localparam int DW = L * B * W;

  // ---------------- reader ----------------
  logic rd_active;
  logic [31:0] rd_tile, rd_b, rd_g, rd_o;
  logic [31:0] rd_gaddr, rd_tbase, rd_boff;
  logic [31:0] rd_groups;
  assign rd_groups = (rd_tile + 1 == n_tiles) ? last_groups : tile_groups;
  logic [2:0] fifo_count;
  logic inflight;
  logic rd_issue;
  assign rd_issue = rd_active && (32'(fifo_count) + 32'(inflight) < FD);
  logic [DW-1:0] rd_data;
  hpa_sdp_ram #(
      .WIDTH(DW),
      .DEPTH(ACT_WORDS)
  ) u_act (
      .clk  (clk),
      .we   (act_we),
      .waddr(act_waddr),
      .wdata(act_wdata),
      .re   (rd_issue),
      .raddr(AAW'(rd_gaddr + rd_boff + rd_o)),
      .rdata(rd_data)
  );
  always_ff @(posedge clk) begin
    if (rst) begin
      rd_active <= 1'b0;
      inflight  <= 1'b0;
    end else begin
      inflight <= rd_issue;
      if (go) begin
        rd_active <= 1'b1;
        {rd_tile, rd_b, rd_g, rd_o} <= 128'd0;
        rd_gaddr <= act_base;
        rd_tbase <= act_base;
        rd_boff <= 32'd0;
      end else if (rd_issue) begin
        if (rd_o + 1 < BW) begin
          rd_o <= rd_o + 1;
        end else begin
          rd_o <= 32'd0;
          if (rd_g + 1 < rd_groups) begin
            rd_g <= rd_g + 1;
            rd_gaddr <= rd_gaddr + act_stride;
          end else begin
            rd_g <= 32'd0;
            rd_gaddr <= rd_tbase;
            if (rd_b + 1 < blocks) begin
              rd_b <= rd_b + 1;
              rd_boff <= rd_boff + BW;
            end else begin
              rd_b <= 32'd0;
              rd_boff <= 32'd0;
              rd_tbase <= rd_gaddr + act_stride;
              rd_gaddr <= rd_gaddr + act_stride;
              if (rd_tile + 1 < n_tiles) rd_tile <= rd_tile + 1;
              else rd_active <= 1'b0;
            end
          end
        end
      end
    end
  end

  // ---------------- FIFO ----------------
  logic [DW-1:0] fifo[FD];
  logic [1:0] head, tail;
  logic pop;
  always_ff @(posedge clk) begin
    if (rst || go) begin
      head <= '0;
      tail <= '0;
      fifo_count <= '0;
    end else begin
      if (inflight) begin
        fifo[tail] <= rd_data;
        tail <= tail + 1'b1;
      end
      if (pop) head <= head + 1'b1;
      fifo_count <= fifo_count + 3'(inflight) - 3'(pop);
    end
  end

  // ---------------- writer ----------------
  logic wr_active, wr_half;
  logic [31:0] wr_o, wr_steps_left;
  logic half_free;
  assign half_free = !sfull[wr_half] || (rel && rel_half == wr_half);
  assign pop = wr_active && fifo_count != 0 && (wr_o != 0 || half_free);
  assign slice_we = pop;
  if (OB > 0) begin : g_addr
    assign slice_waddr = {wr_half, wr_o[OB-1:0]};
  end else begin : g_addr1
    assign slice_waddr = wr_half;
  end
  assign slice_wdata = fifo[head];
  always_ff @(posedge clk) begin
    if (rst) begin
      wr_active <= 1'b0;
      sfull <= 2'b00;
    end else begin
      if (rel) sfull[rel_half] <= 1'b0;
      if (go) begin
        wr_active <= 1'b1;
        wr_half <= 1'b0;
        wr_o <= 32'd0;
        wr_steps_left <= steps;
        sfull <= 2'b00;
      end else if (pop) begin
        if (wr_o + 1 < BW) begin
          wr_o <= wr_o + 1;
        end else begin
          wr_o <= 32'd0;
          sfull[wr_half] <= 1'b1;
          wr_half <= ~wr_half;
          wr_steps_left <= wr_steps_left - 1;
          if (wr_steps_left == 1) wr_active <= 1'b0;
        end
      end
    end
  end
endmodule
