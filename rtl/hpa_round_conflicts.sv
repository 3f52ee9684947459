// Bank-conflict counter of the weight-stream decoder: once a column block's kept-row indices
// are written, it reads their output banks back (each PE keeps a copy for it) one round (the P segments the PEs run together) per cycle
// and stores, per round, m = the largest number of the round's rows that fall into one output
// bank (row mod NB; dummy rows 0xFFFF of a padded round excluded). The issue sequencer spaces
// rounds max(n, m) cycles apart so that the commit stage, which writes one accumulator per
// bank per cycle, has finished a round before the next one arrives.
module hpa_round_conflicts #(
    parameter int P = 4,
    parameter int NB = 4,  // output banks, a power of two >= P
    parameter int ROW_WORDS = 16,
    parameter int RAW = (ROW_WORDS > 1) ? $clog2(ROW_WORDS) : 1,
    parameter int MW = $clog2(P + 1),
    parameter int MBW = $clog2(NB + 1)
) (
    input logic clk,
    input logic rst,
    input logic start,  // the rows of a block are in: count rounds rbase .. rbase + rounds - 1
    input logic [RAW-1:0] rbase,
    input logic [31:0] rounds,
    output logic [RAW-1:0] mrow_raddr,  // to every PE's copy of its rows' banks
    input logic [P*MBW-1:0] mrow_rdata,  // registered read: a row's bank, NB if a dummy
    output logic m_we,
    output logic [RAW-1:0] m_waddr,
    output logic [MW-1:0] m_wdata,
    output logic busy
);
  logic active;
  logic [31:0] left;
  logic [RAW-1:0] addr;
  assign mrow_raddr = addr;
  always_ff @(posedge clk) begin
    if (rst) begin
      active <= 1'b0;
    end else if (start) begin
      active <= rounds != 0;
      left <= rounds;
      addr <= rbase;
    end else if (active) begin
      addr <= addr + 1'b1;
      left <= left - 1;
      if (left == 1) active <= 1'b0;
    end
  end

  // stage 1: the PEs' memories read the round's banks (registered read)
  logic s1_valid;
  logic [RAW-1:0] s1_addr;
  always_ff @(posedge clk) begin
    s1_valid <= active && !rst;
    s1_addr  <= addr;
  end

  // stage 2: rows per bank
  logic s2_valid;
  logic [RAW-1:0] s2_addr;
  logic [NB*MW-1:0] s2_count;
  always_ff @(posedge clk) begin
    s2_valid <= s1_valid;
    s2_addr  <= s1_addr;
    for (int j = 0; j < NB; j++) begin
      logic [P-1:0] match;
      for (int p = 0; p < P; p++) match[p] = mrow_rdata[p*MBW+:MBW] == MBW'(j);
      s2_count[j*MW+:MW] <= MW'($countones(match));
    end
  end

  // stage 3: the largest count, written to the round's entry
  logic [MW-1:0] worst;
  always_comb begin
    worst = '0;
    for (int j = 0; j < NB; j++) begin
      if (s2_count[j*MW+:MW] > worst) worst = s2_count[j*MW+:MW];
    end
  end
  always_ff @(posedge clk) begin
    m_we <= s2_valid;
    m_waddr <= s2_addr;
    m_wdata <= worst;
  end
  assign busy = active || s1_valid || s2_valid || m_we;
endmodule
