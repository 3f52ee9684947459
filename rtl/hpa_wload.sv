// Weight loader and stream decoder of the HP accelerator: fetches one column block ("item") at
// a time from the off-chip stream port into a free half of the double-buffered weight buffer
// (or, for resident weights, into its own region), and decodes the block's image on the fly.
//
// Image of an item, sections in this order, each starting on a beat boundary (the host packs
// it, accel/rtl_image.h): [bias: Q*NB rows x BB bytes] [requant: Q*NB rows x 8 bytes] (both on
// the layer's first item only, when the descriptor asks for them) [rows: R*P x 2 bytes]
// [values: R*n*P groups of B*W/8 bytes] [offsets: R*n*P groups of B*OB/8 bytes]. Rows, values
// and offsets are in (round, slot, PE) order; a last round with fewer than P segments is padded
// with dummy segments (row 0xFFFF, zero values). Every beat is decoded the cycle it arrives
// (group assemblers), its groups written one cycle later, one group per PE or bank at most.
// After the rows section the bank-conflict counter runs; an item is complete (wfull) when its
// last group is written and its rounds are counted. One burst is in flight at a time, and the
// next item is requested only once the previous one is complete and its half is free.
//
// INDEXED = 0 is the dense design (accel/dense_stream.h): no rows section, no offsets section
// and no conflict counter; an item is complete when its last group is written.
module hpa_wload #(
    parameter int INDEXED = 1,
    parameter int P = 4,
    parameter int NB = 4,
    parameter int B = 8,
    parameter int W = 8,
    parameter int OB = 3,
    parameter int ACC_W = 32,
    parameter int BEAT = 8,
    parameter int WB_WORDS = 64,
    parameter int ROW_WORDS = 16,
    parameter int RP_WORDS = 16,
    parameter int OBP = (OB > 0) ? OB : 1,
    parameter int WAW = (WB_WORDS > 1) ? $clog2(WB_WORDS) : 1,
    parameter int RAW = (ROW_WORDS > 1) ? $clog2(ROW_WORDS) : 1,
    parameter int RPAW = (RP_WORDS > 1) ? $clog2(RP_WORDS) : 1,
    parameter int MW = $clog2(P + 1),
    parameter int MBW = $clog2(NB + 1),
    parameter int BB = (ACC_W <= 32) ? 4 : 8  // bias bytes in the stream
) (
    input logic clk,
    input logic rst,
    // layer start and the descriptor fields the loader reads
    input logic go,
    input logic mode_stream,  // items alternate between the two halves
    input logic mode_load,  // resident preload: items go to w_base/r_base onwards
    input logic [31:0] n_items,
    input logic [31:0] item_bytes,
    input logic [31:0] first_extra,  // bias + requant bytes of item 0
    // section bytes (the host's arithmetic, so that no multiplier sits in control)
    input logic [31:0] sec_bias,  // 0 without a bias
    input logic [31:0] sec_rq,  // 0 without per-row requantization
    input logic [31:0] sec_rows,
    input logic [31:0] sec_vals,
    input logic [31:0] sec_offs,
    input logic [31:0] rounds,
    input logic [31:0] rn,  // rounds * n: weight words per item
    input logic [31:0] w_base,
    input logic [31:0] r_base,
    input logic [31:0] rp_base,
    // releases from the issue sequencer
    input logic w_rel,
    input logic w_rel_half,
    output logic [1:0] wfull,
    output logic load_done,  // pulse: the last item of a load-only layer is complete
    // off-chip stream
    output logic wreq_valid,
    output logic [31:0] wreq_bytes,
    input logic wb_valid,
    input logic [BEAT*8-1:0] wb_data,
    // weight buffer writes, one port per PE
    output logic [P-1:0] wv_we,
    output logic [P*WAW-1:0] wv_waddr,
    output logic [P*B*W-1:0] wv_wdata,
    output logic [P-1:0] wo_we,
    output logic [P*WAW-1:0] wo_waddr,
    output logic [P*B*OBP-1:0] wo_wdata,
    output logic [P-1:0] row_we,
    output logic [P*RAW-1:0] row_waddr,
    output logic [P*16-1:0] row_wdata,
    // row reads of the conflict counter and its per-round results
    output logic [RAW-1:0] mrow_raddr,
    input logic [P*MBW-1:0] mrow_rdata,
    output logic m_we,
    output logic [RAW-1:0] m_waddr,
    output logic [MW-1:0] m_wdata,
    // row parameters, one port per output bank
    output logic [NB-1:0] bias_we,
    output logic [NB*RPAW-1:0] bias_waddr,
    output logic [NB*ACC_W-1:0] bias_wdata,
    output logic [NB-1:0] rq_we,
    output logic [NB*RPAW-1:0] rq_waddr,
    output logic [NB*40-1:0] rq_wdata,
    output logic [7:0] status  // {state, item[5:0]}, for a testbench's diagnostics
);
  localparam int VG = B * W / 8;  // value group bytes
  localparam int OG = (B * OB) / 8;  // offset group bytes (0: no offsets)
  localparam int NBW = $clog2(BEAT + 1);
  localparam int WB_HALF = WB_WORDS / 2;
  localparam int ROW_HALF = ROW_WORDS / 2;
  // sections
  localparam logic [2:0] S_BIAS = 3'd0, S_RQ = 3'd1, S_ROWS = 3'd2, S_VALS = 3'd3, S_OFFS = 3'd4,
      S_END = 3'd5;

  // ---------------- item sequencing ----------------
  typedef enum logic [1:0] {
    L_IDLE,
    L_REQ,
    L_RECV,
    L_FINISH
  } lstate_t;
  lstate_t st;
  logic [31:0] item, item_left, sec_left;
  logic [2:0] sec;
  logic half;
  logic [31:0] wbase, rbase;  // where the current item goes
  logic last_written, m_started;
  logic conf_busy;
  assign status = {st, item[5:0]};

  // bytes of each section of the current item
  logic first_item;
  assign first_item = item == 0;
  logic [31:0] bytes_bias, bytes_rq, bytes_rows, bytes_vals, bytes_offs;
  assign bytes_bias = first_item ? sec_bias : 32'd0;
  assign bytes_rq = first_item ? sec_rq : 32'd0;
  assign bytes_rows = sec_rows;
  assign bytes_vals = sec_vals;
  assign bytes_offs = sec_offs;
  logic [5*32-1:0] all_bytes;
  assign all_bytes = {bytes_offs, bytes_vals, bytes_rows, bytes_rq, bytes_bias};
  // the first non-empty section of an item, and the one after the current section
  logic [2:0] first_sec, after_sec;
  logic [31:0] first_bytes, after_bytes;
  always_comb begin
    first_sec = S_END;
    after_sec = S_END;
    for (int k = 4; k >= 0; k--) begin
      if (all_bytes[k*32+:32] != 0) begin
        first_sec = 3'(k);
        if (32'(sec) < k) after_sec = 3'(k);
      end
    end
    first_bytes = (first_sec == S_END) ? 32'd0 : all_bytes[32'(first_sec)*32+:32];
    after_bytes = (after_sec == S_END) ? 32'd0 : all_bytes[32'(after_sec)*32+:32];
  end

  logic can_req;
  assign can_req = st == L_REQ && item < n_items && (!mode_stream || !wfull[item[0]]);
  assign wreq_valid = can_req;
  assign wreq_bytes = item_bytes + (first_item ? first_extra : 32'd0);

  logic [NBW-1:0] beat_bytes;
  assign beat_bytes = (item_left < BEAT) ? NBW'(item_left) : NBW'(BEAT);
  logic beat_in;
  assign beat_in = st == L_RECV && wb_valid;
  logic rows_done_now;  // the rows section's last beat arrives this cycle

  always_ff @(posedge clk) begin
    load_done <= 1'b0;
    if (rst) begin
      st <= L_IDLE;
      wfull <= 2'b00;
    end else begin
      if (w_rel) wfull[w_rel_half] <= 1'b0;
      case (st)
        L_IDLE: begin
          if (go) begin
            st <= L_REQ;
            item <= 0;
            half <= 1'b0;
            wfull <= 2'b00;
            wbase <= mode_load ? w_base : 32'd0;
            rbase <= mode_load ? r_base : 32'd0;
          end
        end
        L_REQ: begin
          if (item >= n_items) begin
            st <= L_IDLE;
          end else if (can_req) begin
            st <= L_RECV;
            item_left <= wreq_bytes;
            sec <= first_sec;
            sec_left <= first_bytes;
          end
        end
        L_RECV: begin
          if (beat_in) begin
            item_left <= item_left - 32'(beat_bytes);
            if (sec_left == 32'(beat_bytes)) begin
              sec <= after_sec;
              sec_left <= after_bytes;
            end else begin
              sec_left <= sec_left - 32'(beat_bytes);
            end
            if (item_left == 32'(beat_bytes)) st <= L_FINISH;
          end
        end
        L_FINISH: begin
          // complete once the last groups are written and the rounds are counted
          if (last_written && m_started && !conf_busy) begin
            st <= L_REQ;
            item <= item + 1;
            if (mode_stream) begin
              wfull[half] <= 1'b1;
              half <= ~half;
              wbase <= half ? 32'd0 : 32'(WB_HALF);
              rbase <= half ? 32'd0 : 32'(ROW_HALF);
            end else begin
              wbase <= wbase + rn;
              rbase <= rbase + rounds;
            end
            if (mode_load && item + 1 == n_items) load_done <= 1'b1;
          end
        end
        default: st <= L_IDLE;
      endcase
    end
  end

  // the last beat's groups are written one cycle after the assemblers register them
  logic last_beat_q;
  always_ff @(posedge clk) begin
    if (rst || st == L_REQ) begin
      last_beat_q  <= 1'b0;
      last_written <= 1'b0;
    end else begin
      last_beat_q  <= beat_in && item_left == 32'(beat_bytes);
      if (last_beat_q) last_written <= 1'b1;
    end
  end

  // ---------------- group assemblers, one per section ----------------
  logic clear_asm;
  assign clear_asm = can_req;
  logic [4:0] asm_in;
  for (genvar s = 0; s < 5; s++) begin : g_in
    assign asm_in[s] = beat_in && sec == 3'(s);
  end
  assign rows_done_now = asm_in[S_ROWS] && sec_left == 32'(beat_bytes);

  localparam int KR = (1 + BEAT) / 2;
  localparam int KV = (VG - 1 + BEAT) / VG;
  localparam int KB = (BB - 1 + BEAT) / BB;
  localparam int KQ = (8 - 1 + BEAT) / 8;
  logic rows_v, vals_v, bias_v, rq_v;
  logic [$clog2(KR+1)-1:0] rows_n;
  logic [$clog2(KV+1)-1:0] vals_n;
  logic [$clog2(KB+1)-1:0] bias_n;
  logic [$clog2(KQ+1)-1:0] rq_n;
  logic [KR*16-1:0] rows_g;
  logic [KV*VG*8-1:0] vals_g;
  logic [KB*BB*8-1:0] bias_g;
  logic [KQ*64-1:0] rq_g;
  if (INDEXED != 0) begin : g_asm_rows
    hpa_group_asm #(
        .G(2),
        .BEAT(BEAT)
    ) u_asm_rows (
        .clk(clk),
        .clear(clear_asm),
        .in_valid(asm_in[S_ROWS]),
        .in_bytes(beat_bytes),
        .in_data(wb_data),
        .out_valid(rows_v),
        .out_count(rows_n),
        .out_groups(rows_g)
    );
  end else begin : g_no_asm_rows
    assign rows_v = 1'b0;
    assign rows_n = '0;
    assign rows_g = '0;
  end
  hpa_group_asm #(
      .G(VG),
      .BEAT(BEAT)
  ) u_asm_vals (
      .clk(clk),
      .clear(clear_asm),
      .in_valid(asm_in[S_VALS]),
      .in_bytes(beat_bytes),
      .in_data(wb_data),
      .out_valid(vals_v),
      .out_count(vals_n),
      .out_groups(vals_g)
  );
  hpa_group_asm #(
      .G(BB),
      .BEAT(BEAT)
  ) u_asm_bias (
      .clk(clk),
      .clear(clear_asm),
      .in_valid(asm_in[S_BIAS]),
      .in_bytes(beat_bytes),
      .in_data(wb_data),
      .out_valid(bias_v),
      .out_count(bias_n),
      .out_groups(bias_g)
  );
  hpa_group_asm #(
      .G(8),
      .BEAT(BEAT)
  ) u_asm_rq (
      .clk(clk),
      .clear(clear_asm),
      .in_valid(asm_in[S_RQ]),
      .in_bytes(beat_bytes),
      .in_data(wb_data),
      .out_valid(rq_v),
      .out_count(rq_n),
      .out_groups(rq_g)
  );

  // running (word, unit) of the next group of each section
  function automatic logic [63:0] advance(input logic [31:0] w, input logic [31:0] u,
                                          input logic [31:0] cnt, input logic [31:0] units);
    logic [31:0] nu;
    nu = u + cnt;
    if (nu >= units) advance = {w + 32'd1, nu - units};
    else advance = {w, nu};
  endfunction
  logic [31:0] rows_w, vals_w, offs_w, bias_w, rq_w;
  logic [31:0] rows_u, vals_u, offs_u, bias_u, rq_u;

  // ---------------- writes ----------------
  always_comb begin
    for (int p = 0; p < P; p++) begin
      logic [31:0] d;
      // rows: round rows_w (+1 past the wrap), unit p
      d = (32'(p) >= rows_u) ? 32'(p) - rows_u : 32'(p) + 32'(P) - rows_u;
      row_we[p] = rows_v && d < 32'(rows_n);
      row_waddr[p*RAW+:RAW] = RAW'(rbase + rows_w + ((32'(p) < rows_u) ? 32'd1 : 32'd0));
      row_wdata[p*16+:16] = '0;
      for (int k = 0; k < KR; k++) if (d == 32'(k)) row_wdata[p*16+:16] = rows_g[k*16+:16];
      // values
      d = (32'(p) >= vals_u) ? 32'(p) - vals_u : 32'(p) + 32'(P) - vals_u;
      wv_we[p] = vals_v && d < 32'(vals_n);
      wv_waddr[p*WAW+:WAW] = WAW'(wbase + vals_w + ((32'(p) < vals_u) ? 32'd1 : 32'd0));
      wv_wdata[p*B*W+:B*W] = '0;
      for (int k = 0; k < KV; k++) if (d == 32'(k)) wv_wdata[p*B*W+:B*W] = vals_g[k*B*W+:B*W];
    end
    for (int j = 0; j < NB; j++) begin
      logic [31:0] d;
      d = (32'(j) >= bias_u) ? 32'(j) - bias_u : 32'(j) + 32'(NB) - bias_u;
      bias_we[j] = bias_v && d < 32'(bias_n);
      bias_waddr[j*RPAW+:RPAW] = RPAW'(rp_base + bias_w + ((32'(j) < bias_u) ? 32'd1 : 32'd0));
      bias_wdata[j*ACC_W+:ACC_W] = '0;
      for (int k = 0; k < KB; k++) begin
        if (d == 32'(k)) bias_wdata[j*ACC_W+:ACC_W] = bias_g[k*BB*8+:ACC_W];
      end
      d = (32'(j) >= rq_u) ? 32'(j) - rq_u : 32'(j) + 32'(NB) - rq_u;
      rq_we[j] = rq_v && d < 32'(rq_n);
      rq_waddr[j*RPAW+:RPAW] = RPAW'(rp_base + rq_w + ((32'(j) < rq_u) ? 32'd1 : 32'd0));
      rq_wdata[j*40+:40] = '0;
      for (int k = 0; k < KQ; k++) if (d == 32'(k)) rq_wdata[j*40+:40] = rq_g[k*64+:40];
    end
  end

  // offsets (none when a bank is one column wide)
  if (OG > 0 && INDEXED != 0) begin : g_offs
    localparam int KO = (OG - 1 + BEAT) / OG;
    logic offs_v;
    logic [$clog2(KO+1)-1:0] offs_n;
    logic [KO*OG*8-1:0] offs_g;
    hpa_group_asm #(
        .G(OG),
        .BEAT(BEAT)
    ) u_asm_offs (
        .clk(clk),
        .clear(clear_asm),
        .in_valid(asm_in[S_OFFS]),
        .in_bytes(beat_bytes),
        .in_data(wb_data),
        .out_valid(offs_v),
        .out_count(offs_n),
        .out_groups(offs_g)
    );
    always_comb begin
      for (int p = 0; p < P; p++) begin
        logic [31:0] d;
        d = (32'(p) >= offs_u) ? 32'(p) - offs_u : 32'(p) + 32'(P) - offs_u;
        wo_we[p] = offs_v && d < 32'(offs_n);
        wo_waddr[p*WAW+:WAW] = WAW'(wbase + offs_w + ((32'(p) < offs_u) ? 32'd1 : 32'd0));
        wo_wdata[p*B*OBP+:B*OBP] = '0;
        for (int k = 0; k < KO; k++) begin
          if (d == 32'(k)) wo_wdata[p*B*OBP+:B*OBP] = offs_g[k*OG*8+:B*OBP];
        end
      end
    end
    always_ff @(posedge clk) begin
      if (clear_asm) {offs_w, offs_u} <= 64'd0;
      else if (offs_v) {offs_w, offs_u} <= advance(offs_w, offs_u, 32'(offs_n), 32'(P));
    end
  end else begin : g_no_offs
    assign wo_we = '0;
    assign wo_waddr = '0;
    assign wo_wdata = '0;
    assign offs_w = 32'd0;
    assign offs_u = 32'd0;
    logic unused;
    assign unused = ^{asm_in[S_OFFS], offs_w, offs_u};
  end

  always_ff @(posedge clk) begin
    if (clear_asm) begin
      {rows_w, rows_u} <= 64'd0;
      {vals_w, vals_u} <= 64'd0;
      {bias_w, bias_u} <= 64'd0;
      {rq_w, rq_u} <= 64'd0;
    end else begin
      if (rows_v && INDEXED != 0) begin
        {rows_w, rows_u} <= advance(rows_w, rows_u, 32'(rows_n), 32'(P));
      end
      if (vals_v) {vals_w, vals_u} <= advance(vals_w, vals_u, 32'(vals_n), 32'(P));
      if (bias_v) {bias_w, bias_u} <= advance(bias_w, bias_u, 32'(bias_n), 32'(NB));
      if (rq_v) {rq_w, rq_u} <= advance(rq_w, rq_u, 32'(rq_n), 32'(NB));
    end
  end

  // ---------------- bank-conflict counts of the item's rounds ----------------
  // The rows section's last groups are written in the cycle after its last beat; counting
  // starts the cycle after that.
  if (INDEXED != 0) begin : g_conf
  logic rows_done_q, conf_start;
  always_ff @(posedge clk) begin
    if (rst || st == L_REQ) begin
      rows_done_q <= 1'b0;
      conf_start  <= 1'b0;
      m_started   <= 1'b0;
    end else begin
      rows_done_q <= rows_done_now;
      conf_start  <= rows_done_q;
      if (conf_start) m_started <= 1'b1;
    end
  end
  hpa_round_conflicts #(
      .P(P),
      .NB(NB),
      .ROW_WORDS(ROW_WORDS)
  ) u_conf (
      .clk(clk),
      .rst(rst),
      .start(conf_start),
      .rbase(RAW'(rbase)),
      .rounds(rounds),
      .mrow_raddr(mrow_raddr),
      .mrow_rdata(mrow_rdata),
      .m_we(m_we),
      .m_waddr(m_waddr),
      .m_wdata(m_wdata),
      .busy(conf_busy)
  );
  end else begin : g_no_conf  // dense: nothing to count
    assign m_started = 1'b1;
    assign conf_busy = 1'b0;
    assign mrow_raddr = '0;
    assign m_we = 1'b0;
    assign m_waddr = '0;
    assign m_wdata = '0;
    logic unused_conf;
    assign unused_conf = ^{mrow_rdata, rows_done_now, rows_w, rows_u, rbase, rounds};
  end
endmodule
