// Issue sequencer of the HP accelerator: runs one layer's schedule (DESIGN.md section 4) and
// presents one slot per cycle to every PE at once. Loop order: token tile > column block >
// token group (a "step", one input slice) > round (every PE runs one kept row segment) > slot
// (one of the n weights of each bank).
//
// A step starts when its slice half is full and, for the first step of a block, the block's
// weight half is full (always, with resident weights). Rounds are spaced max(n, m) cycles
// apart, m being the round's bank-conflict count (hpa_round_conflicts), so the commit stage
// never holds two rounds. The last slot of a step releases its slice half, the last slot of a
// block its weight half. After a tile's last slot the sequencer waits for the PE pipeline and
// the commit stage to empty, starts the drain of the tile's accumulators, and resumes with the
// next tile once the drain has read them all.
module hpa_seq #(
    parameter int P = 4,
    parameter int B = 8,
    parameter int WB_WORDS = 64,
    parameter int ROW_WORDS = 16,
    parameter int OUT_WORDS = 64,
    parameter int WAW = (WB_WORDS > 1) ? $clog2(WB_WORDS) : 1,
    parameter int RAW = (ROW_WORDS > 1) ? $clog2(ROW_WORDS) : 1,
    parameter int OAW = (OUT_WORDS > 1) ? $clog2(OUT_WORDS) : 1,
    parameter int MW = $clog2(P + 1)
) (
    input logic clk,
    input logic rst,
    input logic go,
    // descriptor fields
    input logic [31:0] blocks,
    input logic [31:0] rounds,
    input logic [31:0] n,
    input logic [31:0] rn,
    input logic [31:0] n_tiles,
    input logic [31:0] tile_groups,
    input logic [31:0] last_groups,
    input logic [31:0] tile_tokens,
    input logic [31:0] last_tokens,
    input logic [31:0] q_rows,
    input logic resident,
    input logic [31:0] w_base,
    input logic [31:0] r_base,
    // buffer states
    input logic [1:0] sfull,
    input logic [1:0] wfull,
    output logic [RAW-1:0] m_raddr,
    input logic [MW-1:0] m_rdata,
    output logic s_rel,
    output logic s_rel_half,
    output logic w_rel,
    output logic w_rel_half,
    // slots to the PEs
    output logic iss_valid,
    output logic iss_first,
    output logic iss_last,
    output logic iss_half,
    output logic [WAW-1:0] iss_waddr,
    output logic [RAW-1:0] iss_raddr,
    // the accumulator base (token group x Q) of the results the PEs finish this cycle
    output logic [OAW-1:0] res_gbase,
    // commit and drain
    input logic commit_busy,
    output logic drain_start,
    output logic [31:0] drain_tokens,
    output logic [31:0] drain_token0,
    output logic drain_last,
    input logic drain_reads_done,
    output logic [7:0] status  // {state, block[4:0]}, for a testbench's diagnostics
);
  localparam int TL = (B > 1) ? $clog2(B) : 0;
  localparam int DRES = 5 + TL;  // presentation to res_valid (hpa_pe)
  localparam int WB_HALF = WB_WORDS / 2;
  localparam int ROW_HALF = ROW_WORDS / 2;

  typedef enum logic [2:0] {
    Q_IDLE,
    Q_WAIT,
    Q_ISSUE,
    Q_FLUSH,
    Q_DRAIN
  } qstate_t;
  qstate_t st;
  logic [31:0] tile, b, g, r, c, woff, gbase, gap, token0;
  logic shalf, whalf;
  logic [31:0] wbase, rbase;
  assign status = {st, b[4:0]};
  logic [31:0] groups;
  assign groups = (tile + 1 == n_tiles) ? last_groups : tile_groups;
  logic last_tile;
  assign last_tile = tile + 1 == n_tiles;

  assign m_raddr = RAW'(rbase + r);
  logic [31:0] m;
  assign m = 32'(m_rdata);
  logic [31:0] extra;
  assign extra = (m > n) ? m - n : 32'd0;

  // conditions for presenting the first slot of a step or a delayed round next cycle; a half
  // released last cycle still reads full this cycle (the flag clears at this cycle's end)
  logic [1:0] sok, wok;
  assign sok = sfull & ~({1'b0, s_rel} << s_rel_half);
  assign wok = wfull & ~({1'b0, w_rel} << w_rel_half);
  logic ready_now, ready_next;
  assign ready_now = sok[shalf] && (resident || wok[whalf]);
  // the step after this one: the other slice half; the other weight half if a block ends
  logic block_end;
  assign block_end = g + 1 == groups;
  assign ready_next = sok[~shalf] && (resident || (block_end ? wok[~whalf] : wok[whalf]));

  // delay line: which of the last DRES cycles presented a slot, and their token groups
  logic [OAW-1:0] gbase_q;  // gbase of the slot presented this cycle
  logic [DRES-1:0] vline;
  logic [DRES*OAW-1:0] gline;
  always_ff @(posedge clk) begin
    vline <= {vline[DRES-2:0], iss_valid};
    gline <= {gline[(DRES-1)*OAW-1:0], gbase_q};
  end
  assign res_gbase = gline[(DRES-1)*OAW+:OAW];
  logic pipe_busy;
  assign pipe_busy = iss_valid || |vline;

  // present slot (r, c) of the current step next cycle
  task automatic present(input logic [31:0] rr, input logic [31:0] cc, input logic [31:0] off);
    iss_valid <= 1'b1;
    iss_first <= cc == 0;
    iss_last  <= cc + 1 == n;
    iss_half  <= shalf;
    iss_waddr <= WAW'(wbase + off);
    iss_raddr <= RAW'(rbase + rr);
    gbase_q   <= OAW'(gbase);
  endtask

  // present the first slot of the next step (the other slice half) next cycle
  task automatic present_next(input logic [WAW-1:0] wb, input logic [RAW-1:0] rb,
                              input logic [OAW-1:0] gb);
    iss_valid <= 1'b1;
    iss_first <= 1'b1;
    iss_last  <= n == 1;
    iss_half  <= ~shalf;
    iss_waddr <= wb;
    iss_raddr <= rb;
    gbase_q   <= gb;
  endtask

  always_ff @(posedge clk) begin
    s_rel <= 1'b0;
    w_rel <= 1'b0;
    drain_start <= 1'b0;
    iss_valid <= 1'b0;
    if (rst) begin
      st <= Q_IDLE;
    end else begin
      case (st)
        Q_IDLE: begin
          if (go) begin
            st <= Q_WAIT;
            {tile, b, g, r, c, woff, gbase, gap, token0} <= 288'd0;
            shalf <= 1'b0;
            whalf <= 1'b0;
            wbase <= resident ? w_base : 32'd0;
            rbase <= resident ? r_base : 32'd0;
          end
        end
        Q_WAIT: begin
          if (gap != 0) gap <= gap - 1;
          if (ready_now && gap <= 1) begin
            present(r, 32'd0, woff);
            st <= Q_ISSUE;
          end
        end
        Q_ISSUE: begin
          if (c + 1 < n) begin
            c <= c + 1;
            woff <= woff + 1;
            present(r, c + 1, woff + 1);
          end else if (r + 1 < rounds) begin
            // next round of this step
            r <= r + 1;
            c <= 32'd0;
            woff <= woff + 1;
            if (extra == 0) begin
              present(r + 1, 32'd0, woff + 1);
            end else begin
              gap <= extra;
              st  <= Q_WAIT;
            end
          end else begin
            // end of a step: release its slice half, and its weight half at a block's end
            s_rel <= 1'b1;
            s_rel_half <= shalf;
            shalf <= ~shalf;
            r <= 32'd0;
            c <= 32'd0;
            woff <= 32'd0;
            gap <= extra;
            if (!block_end) begin
              g <= g + 1;
              gbase <= gbase + q_rows;
              st <= Q_WAIT;
              if (extra == 0 && ready_next) begin
                // the next step's first slot follows without a bubble
                present_next(WAW'(wbase), RAW'(rbase), OAW'(gbase + q_rows));
                st <= Q_ISSUE;
              end
            end else begin
              g <= 32'd0;
              gbase <= 32'd0;
              w_rel <= !resident;
              w_rel_half <= whalf;
              whalf <= ~whalf;
              if (b + 1 < blocks) begin
                b <= b + 1;
                wbase <= resident ? wbase + rn : (whalf ? 32'd0 : 32'(WB_HALF));
                rbase <= resident ? rbase + rounds : (whalf ? 32'd0 : 32'(ROW_HALF));
                st <= Q_WAIT;
                if (extra == 0 && ready_next) begin
                  present_next(WAW'(resident ? wbase + rn : (whalf ? 32'd0 : 32'(WB_HALF))),
                               RAW'(resident ? rbase + rounds : (whalf ? 32'd0 : 32'(ROW_HALF))),
                               '0);
                  st <= Q_ISSUE;
                end
              end else begin
                // end of a tile
                b <= 32'd0;
                wbase <= resident ? w_base : (whalf ? 32'd0 : 32'(WB_HALF));
                rbase <= resident ? r_base : (whalf ? 32'd0 : 32'(ROW_HALF));
                st <= Q_FLUSH;
              end
            end
          end
        end
        Q_FLUSH: begin
          if (!pipe_busy && !commit_busy) begin
            drain_start <= 1'b1;
            drain_tokens <= last_tile ? last_tokens : tile_tokens;
            drain_token0 <= token0;
            drain_last <= last_tile;
            st <= Q_DRAIN;
          end
        end
        Q_DRAIN: begin
          if (drain_reads_done) begin
            if (last_tile) begin
              st <= Q_IDLE;
            end else begin
              tile <= tile + 1;
              token0 <= token0 + tile_tokens;
              gap <= 32'd0;
              st <= Q_WAIT;
            end
          end
        end
        default: st <= Q_IDLE;
      endcase
    end
  end
endmodule
