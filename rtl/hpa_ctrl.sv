// Layer controller of the HP accelerator: a table of DESC_N layer descriptors written by the
// host, run in order from entry 0 after `start`. For each layer it fetches the descriptor,
// holds its fields for the units, pulses `layer_go` (the layer's first cycle), and waits for
// the layer's end: the last output beat of a compute layer, or the last block of a load-only
// (resident preload) layer. Descriptor fields, 32 bits each, index: see hpa_top.
module hpa_ctrl #(
    parameter int NF = 26,
    parameter int DESC_N = 4,
    parameter int DAW = (DESC_N > 1) ? $clog2(DESC_N) : 1
) (
    input logic clk,
    input logic rst,
    input logic desc_we,
    input logic [DAW-1:0] desc_waddr,
    input logic [NF*32-1:0] desc_wdata,
    input logic start,
    input logic [31:0] n_layers,
    output logic busy,
    output logic [NF*32-1:0] desc,
    output logic layer_go,
    output logic layer_done,
    input logic compute_done,  // the layer's last output beat
    input logic load_done
);
  localparam int FLAGS = 8;
  typedef enum logic [2:0] {
    C_IDLE,
    C_FETCH,
    C_LATCH,
    C_RUN
  } cstate_t;
  cstate_t st;
  logic [31:0] layer;
  logic [NF*32-1:0] rd;
  hpa_sdp_ram #(
      .WIDTH(NF * 32),
      .DEPTH(DESC_N)
  ) u_desc (
      .clk(clk),
      .we(desc_we),
      .waddr(desc_waddr),
      .wdata(desc_wdata),
      .re(st == C_FETCH),
      .raddr(DAW'(layer)),
      .rdata(rd)
  );
  logic load_only;
  assign load_only = desc[FLAGS*32+3];
  assign busy = st != C_IDLE;

  always_ff @(posedge clk) begin
    layer_go <= 1'b0;
    layer_done <= 1'b0;
    if (rst) begin
      st <= C_IDLE;
    end else begin
      case (st)
        C_IDLE: begin
          if (start && n_layers != 0) begin
            layer <= 32'd0;
            st <= C_FETCH;
          end
        end
        C_FETCH: st <= C_LATCH;
        C_LATCH: begin
          desc <= rd;
          layer_go <= 1'b1;
          st <= C_RUN;
        end
        C_RUN: begin
          if (load_only ? load_done : compute_done) begin
            layer_done <= 1'b1;
            layer <= layer + 1;
            st <= (layer + 1 < n_layers) ? C_FETCH : C_IDLE;
          end
        end
        default: st <= C_IDLE;
      endcase
    end
  end
endmodule
