// Top level of the HP accelerator's linear engine (DESIGN.md section 4), parameterized by the
// fields of accelerator.json (accel/sized_json.h): P PEs of B multipliers per token lane, column
// blocks of BC, W-bit weights and activations with ACC_W-bit accumulators, L token lanes, and
// the depths of its buffers. It runs a table of layer descriptors written by the host; each
// layer streams its HPF weights from the off-chip port (one burst per column block, decoded
// into a double-buffered weight buffer) or uses weights preloaded by a load-only layer, and
// emits, per token and group of NB consecutive rows, the accumulators and their requantized
// values.
//
// Descriptor fields (32 bits each; the host computes them, accel/rtl_image.h):
//   0 M rows, 1 Q = ceil(M / NB), 2 column blocks, 3 rounds R = ceil(k1 / P), 4 n,
//   5 token tiles, 6 tokens of a full tile, 7 tokens of the last tile,
//   8 flags (bit 0 bias, 1 per-row requantization, 2 resident weights, 3 load only),
//   9 M0 and 10 shift of a per-layer requantization, 11 activation base word,
//   12 activation words per token group (blocks * BC / B), 13 resident weight base word,
//   14 resident round base, 15 row-parameter base, 16 bytes of one block's image,
//   17 bytes of the bias and requantization sections (first block only), 18 R * n,
//   19 streamed blocks (tiles * blocks), 20 steps (blocks * token groups of all tiles),
//   21-25 bytes of the bias, requantization, rows, values and offsets sections.
//
// INDEXED = 0 builds the dense baseline design instead (accel/dense_stream.h, docs/rtl.md):
// plain dense weights with no row indices and no in-bank offsets, NB = P output banks with PE p
// writing bank p directly (no commit crossbar, no bank-conflict counter): row r * P + p of a
// round r goes to PE p, and the commit stage counts rounds for the word address. The rows and
// offsets sections of its descriptors are 0, R = Q = ceil(M / P) and n = BC / B.
module hpa_top #(
    parameter int INDEXED = 1,
    parameter int P = 4,
    parameter int B = 8,
    parameter int BC = 64,
    parameter int W = 8,
    parameter int ACC_W = 32,
    parameter int L = 1,
    parameter int BEAT = 8,  // bytes per beat of the weight stream
    parameter int WB_WORDS = 256,  // weight words per PE (two halves when streaming)
    parameter int ROW_WORDS = 32,  // rounds (row indices per PE, conflict counts)
    parameter int ACT_WORDS = 1024,
    parameter int OUT_WORDS = 256,  // accumulator words per output bank
    parameter int RP_WORDS = 64,  // row-parameter words per output bank
    parameter int DESC_N = 4,
    // derived
    parameter int BW = BC / B,
    parameter int OB = (BW > 1) ? $clog2(BW) : 0,
    parameter int NB = (INDEXED != 0) ? 1 << ((P > 1) ? $clog2(P) : 0) : P,
    parameter int NF = 26,
    parameter int DAW = (DESC_N > 1) ? $clog2(DESC_N) : 1,
    parameter int AAW = (ACT_WORDS > 1) ? $clog2(ACT_WORDS) : 1
) (
    input logic clk,
    input logic rst,
    // descriptors and control
    input logic desc_we,
    input logic [DAW-1:0] desc_waddr,
    input logic [NF*32-1:0] desc_wdata,
    input logic start,
    input logic [31:0] n_layers,
    output logic busy,
    output logic layer_go,
    output logic layer_done,
    // activation memory
    input logic act_we,
    input logic [AAW-1:0] act_waddr,
    input logic [L*B*W-1:0] act_wdata,
    // weight stream
    output logic wreq_valid,
    output logic [31:0] wreq_bytes,
    input logic wb_valid,
    input logic [BEAT*8-1:0] wb_data,
    // results
    output logic out_valid,
    output logic out_last,
    output logic [31:0] out_token,
    output logic [15:0] out_q,
    output logic [NB*ACC_W-1:0] out_raw,
    output logic [NB*W-1:0] out_val,
    // {sfull, wfull, commit busy, loader {state, item}, sequencer {state, block}}: diagnostics
    output logic [20:0] status
);
  localparam int OBP = (OB > 0) ? OB : 1;
  localparam int WAW = (WB_WORDS > 1) ? $clog2(WB_WORDS) : 1;
  localparam int RAW = (ROW_WORDS > 1) ? $clog2(ROW_WORDS) : 1;
  localparam int OAW = (OUT_WORDS > 1) ? $clog2(OUT_WORDS) : 1;
  localparam int RPAW = (RP_WORDS > 1) ? $clog2(RP_WORDS) : 1;
  localparam int MW = $clog2(P + 1);
  localparam int MBW = $clog2(NB + 1);  // a row's output bank, NB for a dummy row
  localparam int SAW = OB + 1;
  // A segment's partial sum: at most BC products of two W-bit values (n x B <= BC), so
  // 2W + clog2(BC) bits hold it exactly; narrower than 48 bits shrinks the PEs' sums, the commit
  // crossbar and the output banks' adders.
  localparam int PSUM_FULL = 2 * W + $clog2(BC);
  localparam int PSUM_W = (PSUM_FULL < 48) ? PSUM_FULL : 48;

  // ---------------- controller and descriptor ----------------
  logic [NF*32-1:0] desc;
  logic compute_done, load_done;
  hpa_ctrl #(
      .NF(NF),
      .DESC_N(DESC_N)
  ) u_ctrl (
      .clk(clk),
      .rst(rst),
      .desc_we(desc_we),
      .desc_waddr(desc_waddr),
      .desc_wdata(desc_wdata),
      .start(start),
      .n_layers(n_layers),
      .busy(busy),
      .desc(desc),
      .layer_go(layer_go),
      .layer_done(layer_done),
      .compute_done(compute_done),
      .load_done(load_done)
  );
  logic [31:0] m_rows, q_rows, blocks, rounds, n, n_tiles, tile_tokens, last_tokens, flags;
  logic [31:0] rq_m0, rq_shift, act_base, act_stride, w_base, r_base, rp_base, item_bytes;
  logic [31:0] first_extra, rn, items, steps, sec_bias, sec_rq, sec_rows, sec_vals, sec_offs;
  assign m_rows = desc[0*32+:32];
  assign q_rows = desc[1*32+:32];
  assign blocks = desc[2*32+:32];
  assign rounds = desc[3*32+:32];
  assign n = desc[4*32+:32];
  assign n_tiles = desc[5*32+:32];
  assign tile_tokens = desc[6*32+:32];
  assign last_tokens = desc[7*32+:32];
  assign flags = desc[8*32+:32];
  assign rq_m0 = desc[9*32+:32];
  assign rq_shift = desc[10*32+:32];
  assign act_base = desc[11*32+:32];
  assign act_stride = desc[12*32+:32];
  assign w_base = desc[13*32+:32];
  assign r_base = desc[14*32+:32];
  assign rp_base = desc[15*32+:32];
  assign item_bytes = desc[16*32+:32];
  assign first_extra = desc[17*32+:32];
  assign rn = desc[18*32+:32];
  assign items = desc[19*32+:32];
  assign steps = desc[20*32+:32];
  assign sec_bias = desc[21*32+:32];
  assign sec_rq = desc[22*32+:32];
  assign sec_rows = desc[23*32+:32];
  assign sec_vals = desc[24*32+:32];
  assign sec_offs = desc[25*32+:32];
  logic has_bias, per_row, resident, load_only;
  assign has_bias = flags[0];
  assign per_row = flags[1];
  assign resident = flags[2];
  assign load_only = flags[3];
  logic [31:0] tile_groups, last_groups, n_items;
  assign tile_groups = (L == 1) ? tile_tokens : (tile_tokens + 1) >> 1;
  assign last_groups = (L == 1) ? last_tokens : (last_tokens + 1) >> 1;
  assign n_items = load_only ? blocks : (resident ? 32'd0 : items);
  logic go_compute;
  assign go_compute = layer_go && !load_only;
  logic unused_fields;
  assign unused_fields = ^{m_rows, rq_shift[31:8], flags[31:4]};

  // ---------------- weight loader ----------------
  logic [1:0] wfull;
  logic [7:0] load_status, seq_status;
  logic w_rel, w_rel_half;
  logic [P-1:0] wv_we, wo_we, row_we;
  logic [P*WAW-1:0] wv_waddr, wo_waddr;
  logic [P*B*W-1:0] wv_wdata;
  logic [P*B*OBP-1:0] wo_wdata;
  logic [P*RAW-1:0] row_waddr;
  logic [P*16-1:0] row_wdata;
  logic [P*MBW-1:0] mrow_rdata;
  logic [RAW-1:0] mrow_raddr, m_waddr, m_raddr;
  logic m_we;
  logic [MW-1:0] m_wdata, m_rdata;
  logic [NB-1:0] bias_we, rq_we;
  logic [NB*RPAW-1:0] bias_waddr, rq_waddr;
  logic [NB*ACC_W-1:0] bias_wdata;
  logic [NB*40-1:0] rq_wdata;
  hpa_wload #(
      .INDEXED(INDEXED),
      .P(P),
      .NB(NB),
      .B(B),
      .W(W),
      .OB(OB),
      .ACC_W(ACC_W),
      .BEAT(BEAT),
      .WB_WORDS(WB_WORDS),
      .ROW_WORDS(ROW_WORDS),
      .RP_WORDS(RP_WORDS)
  ) u_wload (
      .clk(clk),
      .rst(rst),
      .go(layer_go),
      .mode_stream(!resident && !load_only),
      .mode_load(load_only),
      .n_items(n_items),
      .item_bytes(item_bytes),
      .first_extra(first_extra),
      .sec_bias(sec_bias),
      .sec_rq(sec_rq),
      .sec_rows(sec_rows),
      .sec_vals(sec_vals),
      .sec_offs(sec_offs),
      .rounds(rounds),
      .rn(rn),
      .w_base(w_base),
      .r_base(r_base),
      .rp_base(rp_base),
      .w_rel(w_rel),
      .w_rel_half(w_rel_half),
      .wfull(wfull),
      .load_done(load_done),
      .wreq_valid(wreq_valid),
      .wreq_bytes(wreq_bytes),
      .wb_valid(wb_valid),
      .wb_data(wb_data),
      .wv_we(wv_we),
      .wv_waddr(wv_waddr),
      .wv_wdata(wv_wdata),
      .wo_we(wo_we),
      .wo_waddr(wo_waddr),
      .wo_wdata(wo_wdata),
      .row_we(row_we),
      .row_waddr(row_waddr),
      .row_wdata(row_wdata),
      .mrow_raddr(mrow_raddr),
      .mrow_rdata(mrow_rdata),
      .m_we(m_we),
      .m_waddr(m_waddr),
      .m_wdata(m_wdata),
      .bias_we(bias_we),
      .bias_waddr(bias_waddr),
      .bias_wdata(bias_wdata),
      .rq_we(rq_we),
      .rq_waddr(rq_waddr),
      .rq_wdata(rq_wdata),
      .status(load_status)
  );
  if (INDEXED != 0) begin : g_conflicts
    hpa_lutram #(
        .WIDTH(MW),
        .DEPTH(ROW_WORDS)
    ) u_conflicts (
        .clk(clk),
        .we(m_we),
        .waddr(m_waddr),
        .wdata(m_wdata),
        .raddr(m_raddr),
        .rdata(m_rdata)
    );
  end else begin : g_no_conflicts  // dense: every round's results go to P different banks
    assign m_rdata = '0;
    logic unused_m;
    assign unused_m = ^{m_we, m_waddr, m_wdata, m_raddr};
  end

  // ---------------- input slices ----------------
  logic [1:0] sfull;
  logic s_rel, s_rel_half;
  logic slice_we;
  logic [SAW-1:0] slice_waddr;
  logic [L*B*W-1:0] slice_wdata;
  hpa_slice_feed #(
      .B(B),
      .BW(BW),
      .OB(OB),
      .W(W),
      .L(L),
      .ACT_WORDS(ACT_WORDS)
  ) u_feed (
      .clk(clk),
      .rst(rst),
      .act_we(act_we),
      .act_waddr(act_waddr),
      .act_wdata(act_wdata),
      .go(go_compute),
      .act_base(act_base),
      .act_stride(act_stride),
      .blocks(blocks),
      .n_tiles(n_tiles),
      .tile_groups(tile_groups),
      .last_groups(last_groups),
      .steps(steps),
      .rel(s_rel),
      .rel_half(s_rel_half),
      .sfull(sfull),
      .slice_we(slice_we),
      .slice_waddr(slice_waddr),
      .slice_wdata(slice_wdata)
  );

  // ---------------- issue sequencer ----------------
  logic iss_valid, iss_first, iss_last, iss_half;
  logic [WAW-1:0] iss_waddr;
  logic [RAW-1:0] iss_raddr;
  logic [OAW-1:0] res_gbase;
  logic commit_busy, drain_start, drain_last, drain_reads_done;
  logic [31:0] drain_tokens, drain_token0;
  hpa_seq #(
      .P(P),
      .B(B),
      .WB_WORDS(WB_WORDS),
      .ROW_WORDS(ROW_WORDS),
      .OUT_WORDS(OUT_WORDS)
  ) u_seq (
      .clk(clk),
      .rst(rst),
      .go(go_compute),
      .blocks(blocks),
      .rounds(rounds),
      .n(n),
      .rn(rn),
      .n_tiles(n_tiles),
      .tile_groups(tile_groups),
      .last_groups(last_groups),
      .tile_tokens(tile_tokens),
      .last_tokens(last_tokens),
      .q_rows(q_rows),
      .resident(resident),
      .w_base(w_base),
      .r_base(r_base),
      .sfull(sfull),
      .wfull(wfull),
      .m_raddr(m_raddr),
      .m_rdata(m_rdata),
      .s_rel(s_rel),
      .s_rel_half(s_rel_half),
      .w_rel(w_rel),
      .w_rel_half(w_rel_half),
      .iss_valid(iss_valid),
      .iss_first(iss_first),
      .iss_last(iss_last),
      .iss_half(iss_half),
      .iss_waddr(iss_waddr),
      .iss_raddr(iss_raddr),
      .res_gbase(res_gbase),
      .commit_busy(commit_busy),
      .drain_start(drain_start),
      .drain_tokens(drain_tokens),
      .drain_token0(drain_token0),
      .drain_last(drain_last),
      .drain_reads_done(drain_reads_done),
      .status(seq_status)
  );
  assign status = {sfull, wfull, commit_busy, load_status, seq_status};

  // ---------------- PE array ----------------
  logic [P-1:0] res_valid;
  logic [P*16-1:0] res_row;
  logic [P*L*PSUM_W-1:0] res_psum;
  for (genvar p = 0; p < P; p++) begin : g_pe
    hpa_pe #(
        .INDEXED(INDEXED),
        .B(B),
        .BW(BW),
        .OB(OB),
        .W(W),
        .L(L),
        .WB_WORDS(WB_WORDS),
        .ROW_WORDS(ROW_WORDS),
        .PSUM_W(PSUM_W),
        .NB(NB)
    ) u_pe (
        .clk(clk),
        .wv_we(wv_we[p]),
        .wv_waddr(wv_waddr[p*WAW+:WAW]),
        .wv_wdata(wv_wdata[p*B*W+:B*W]),
        .wo_we(wo_we[p]),
        .wo_waddr(wo_waddr[p*WAW+:WAW]),
        .wo_wdata(wo_wdata[p*B*OBP+:B*OBP]),
        .row_we(row_we[p]),
        .row_waddr(row_waddr[p*RAW+:RAW]),
        .row_wdata(row_wdata[p*16+:16]),
        .mrow_raddr(mrow_raddr),
        .mrow_rdata(mrow_rdata[p*MBW+:MBW]),
        .slice_we(slice_we),
        .slice_waddr(slice_waddr),
        .slice_wdata(slice_wdata),
        .iss_valid(iss_valid),
        .iss_first(iss_first),
        .iss_last(iss_last),
        .iss_half(iss_half),
        .iss_waddr(iss_waddr),
        .iss_raddr(iss_raddr),
        .res_valid(res_valid[p]),
        .res_row(res_row[p*16+:16]),
        .res_psum(res_psum[p*L*PSUM_W+:L*PSUM_W])
    );
  end

  // ---------------- commit, output banks, drain ----------------
  logic [NB-1:0] c_valid;
  logic [NB*OAW-1:0] c_addr;
  logic [NB*RPAW-1:0] c_paddr;
  logic [NB*L*PSUM_W-1:0] c_psum;
  if (INDEXED != 0) begin : g_commit
    hpa_commit #(
        .P(P),
        .NB(NB),
        .L(L),
        .OUT_WORDS(OUT_WORDS),
        .RP_WORDS(RP_WORDS),
        .PSUM_W(PSUM_W)
    ) u_commit (
        .clk(clk),
        .rst(rst),
        .rp_base(rp_base),
        .res_valid(res_valid[0]),
        .res_row(res_row),
        .res_psum(res_psum),
        .res_gbase(res_gbase),
        .c_valid(c_valid),
        .c_addr(c_addr),
        .c_paddr(c_paddr),
        .c_psum(c_psum),
        .busy(commit_busy)
    );
  end else begin : g_direct
    // Dense: a round's P results arrive together, one per bank (NB = P), in round order within
    // every step, so the word is the round counted since layer_go, plus the token group's base.
    logic [31:0] round;
    logic rmw_q;
    always_ff @(posedge clk) begin
      if (rst || layer_go) round <= 32'd0;
      else if (res_valid[0]) round <= (round + 1 == rounds) ? 32'd0 : round + 1;
      rmw_q <= !rst && res_valid[0];
    end
    for (genvar j = 0; j < NB; j++) begin : g_bank_port
      assign c_valid[j] = res_valid[0];
      assign c_addr[j*OAW+:OAW] = res_gbase + OAW'(round);
      assign c_paddr[j*RPAW+:RPAW] = RPAW'(rp_base + round);
      assign c_psum[j*L*PSUM_W+:L*PSUM_W] = res_psum[j*L*PSUM_W+:L*PSUM_W];
    end
    assign commit_busy = res_valid[0] || rmw_q;
    logic unused_rows;
    assign unused_rows = ^res_row;
  end
  logic unused_res;
  assign unused_res = ^res_valid[P-1:0];

  logic d_valid, d_lane, d_clear;
  logic [OAW-1:0] d_addr;
  logic [RPAW-1:0] d_paddr;
  logic tag_valid, tag_last;
  logic [31:0] tag_token;
  logic [15:0] tag_q;
  hpa_drain #(
      .L(L),
      .OUT_WORDS(OUT_WORDS),
      .RP_WORDS(RP_WORDS)
  ) u_drain (
      .clk(clk),
      .rst(rst),
      .start(drain_start),
      .tokens(drain_tokens),
      .token0(drain_token0),
      .last_tile(drain_last),
      .q_rows(q_rows),
      .rp_base(rp_base),
      .d_valid(d_valid),
      .d_addr(d_addr),
      .d_paddr(d_paddr),
      .d_lane(d_lane),
      .d_clear(d_clear),
      .reads_done(drain_reads_done),
      .out_valid(tag_valid),
      .out_token(tag_token),
      .out_q(tag_q),
      .out_last(tag_last)
  );

  logic [NB-1:0] q_valid;
  for (genvar j = 0; j < NB; j++) begin : g_bank
    logic r_valid;
    logic [ACC_W-1:0] r_value;
    logic [39:0] r_rq;
    hpa_out_bank #(
        .L(L),
        .ACC_W(ACC_W),
        .OUT_WORDS(OUT_WORDS),
        .RP_WORDS(RP_WORDS),
        .PSUM_W(PSUM_W)
    ) u_bank (
        .clk(clk),
        .use_bias(has_bias),
        .c_valid(c_valid[j]),
        .c_addr(c_addr[j*OAW+:OAW]),
        .c_paddr(c_paddr[j*RPAW+:RPAW]),
        .c_psum(c_psum[j*L*PSUM_W+:L*PSUM_W]),
        .d_valid(d_valid),
        .d_addr(d_addr),
        .d_paddr(d_paddr),
        .d_lane(d_lane),
        .d_clear(d_clear),
        .r_valid(r_valid),
        .r_value(r_value),
        .r_rq(r_rq),
        .bias_we(bias_we[j]),
        .bias_waddr(bias_waddr[j*RPAW+:RPAW]),
        .bias_wdata(bias_wdata[j*ACC_W+:ACC_W]),
        .rq_we(rq_we[j]),
        .rq_waddr(rq_waddr[j*RPAW+:RPAW]),
        .rq_wdata(rq_wdata[j*40+:40])
    );
    hpa_requant #(
        .ACC_W(ACC_W),
        .W(W)
    ) u_rq (
        .clk(clk),
        .in_valid(r_valid),
        .in_value(r_value),
        .in_m0(per_row ? r_rq[31:0] : rq_m0),
        .in_shift(per_row ? r_rq[39:32] : rq_shift[7:0]),
        .out_valid(q_valid[j]),
        .out_q(out_val[j*W+:W])
    );
    // the accumulator beside its requantized value
    logic [4*ACC_W-1:0] raw_line;
    always_ff @(posedge clk) raw_line <= {raw_line[3*ACC_W-1:0], r_value};
    assign out_raw[j*ACC_W+:ACC_W] = raw_line[3*ACC_W+:ACC_W];
  end
  logic unused_q;
  assign unused_q = ^q_valid;
  assign out_valid = tag_valid;
  assign out_last = tag_last;
  assign out_token = tag_token;
  assign out_q = tag_q;
  assign compute_done = tag_last;
endmodule
