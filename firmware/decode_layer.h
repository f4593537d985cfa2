// One transformer decoder layer of LLM decode as a per-PE program on a P x P grid
// (waferllm-algorithms.md 2.3): 13 steps with 10 allreduces alternating between the column (y)
// and row (x) axes, placed so that no step needs a transpose.
//
// Layouts. The layer input x is split over rows (row py holds hidden dims [py*dy, (py+1)*dy)) and
// replicated along x. Attention is split over columns by KV head: the P columns form kv_heads
// groups of P / kv_heads columns; column k of group j holds `np` rotary pairs (i, i + head_dim/2)
// of KV head j - its keys and values - and the same pairs of each of the group's query heads
// (heads / kv_heads of them), so RoPE and the q.k partial products are local and grouped-query
// attention stores each KV head once. The KV cache is split over rows by token (row py keeps a
// contiguous run of tokens, oldest in row 0), token-major per PE ([slot][k | v]).
// The FFN is split over columns by intermediate dim (f per column).
//
// Steps (allreduce axis): 1 RMSNorm (y, 1 value); 2 Q, K, V GEMVs (y, fused); 3 RoPE; append the
// new token's k, v in the bottom row; 4 scores q.K over the row's tokens (x, every head of the row:
// the row tree carries all heads, zeros where a column holds none - a segment tree per KV group
// would need 10 colours more than the 24 there are); 5 softmax (max: y, sum: y); 6 p.V (y);
// KV shift (shift policy: rows below the least-loaded one pass their oldest token one hop north);
// 7 O projection (x); 8 residual; 9 RMSNorm (y); 10 up and gate GEMVs (y, fused); 11 SiLU(gate) *
// up; 12 down GEMV (x); 13 residual. Fabric ops are synchronous, as in WaferLLM's decode kernel,
// except the KV shift's send (so that every row shifts at once).
//
// Colours: y trees 1-10, x trees 11-20, KV shift 21 and 22 (alternating by row).
//
// `proxy` reproduces WaferLLM's public decode kernel: one head with head_dim = hidden and full
// K/V projections, a static KV cache of ceil(context / P) tokens per row (nothing appended or
// shifted), and its fast exp (1 + x/256)^4.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "firmware/program.h"

namespace wse {

struct LayerShape {
  int hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, ffn = 0;
  double rms_eps = 1e-5;
  double rope_theta = 10000;
  bool qkv_bias = false;  // Qwen2: biases on the q, k and v projections
  int q_dim() const { return heads * head_dim; }
  int kv_dim() const { return kv_heads * head_dim; }
  // The proxy's shape: one head over the whole hidden size, full K/V.
  LayerShape proxy() const;
};

// Throws std::invalid_argument with the reason when a layer of this shape cannot be laid out
// on a grid x grid rectangle (both layer programs: GQA by KV-head columns, rotary pairs).
void check_layer_shape(const LayerShape& shape, int grid);

enum class KvPolicy : std::uint8_t { Shift, Concat };
const std::vector<std::string>& kv_policy_names();  // shift, concat

// Where the cached tokens sit at one decode step.
struct KvStep {
  std::vector<int> count;  // tokens per row before this step's token (row 0 holds the oldest)
  int shift_top = -1;      // shift: rows shift_top + 1 .. P - 1 pass their oldest token north
};
// The placement at decode step `generated` (0 = first decode token) after a prompt of `prompt`
// tokens, which prefill leaves evenly spread over the rows in order. Shift: the new token goes to
// the bottom row; when that row then holds more than the least-loaded row, the rows below the
// least-loaded row nearest the bottom shift one token north (counts stay within one of each
// other). Concat: every new token stays in the bottom row.
KvStep kv_step(KvPolicy policy, int grid, int prompt, int generated);

// Weights of one layer, y = x W layouts: wq [hidden][q_dim], wk and wv [hidden][kv_dim],
// wo [q_dim][hidden], wup and wgate [hidden][ffn], wdown [ffn][hidden]. Values fp16-exact.
struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm;
  std::vector<float> wq, wk, wv, bq, bk, bv, wo, wup, wgate, wdown;
};
// Seeded random weights (uniform, scaled by 1 / sqrt(fan-in), rounded to fp16).
LayerWeights random_layer_weights(const LayerShape& s, std::uint64_t seed);

// The functional inputs of one decode step of one layer.
struct DecodeInputs {
  std::vector<float> x;                 // [hidden], the new token's layer input
  std::vector<float> k_cache, v_cache;  // [context][kv_dim]: cached keys (after RoPE), values
  int position = 0;                     // the new token's position (RoPE)
};
DecodeInputs random_decode_inputs(const LayerShape& s, int context, std::uint64_t seed);

struct DecodeOutputs {
  std::vector<float> x;     // [hidden], the layer output
  std::vector<float> k, v;  // [kv_dim], the new token's key (after RoPE) and value
  std::vector<float> att;   // [q_dim], the attention output before the O projection
};
// Plain reference (double precision): RMSNorm, GQA attention with HF-LLaMA rotary embeddings over
// the cache plus the new token (`static_kv`: the cache only), SwiGLU MLP, residuals.
DecodeOutputs reference_decode_layer(const LayerShape& s, const LayerWeights& w,
                                     const DecodeInputs& in, bool fast_exp, bool static_kv);

struct DecodeLayerSpec {
  LayerShape shape;  // the model's shape (proxy: converted with LayerShape::proxy())
  bool proxy = false;
  int grid = 2;
  int groups = 0;  // tree groups of the allreduces (0: divisor of P nearest sqrt(P))
  KvPolicy kv = KvPolicy::Shift;
  int prompt = 0;     // tokens prefill placed
  int generated = 0;  // decode steps before this one
  int batch = 1;      // requests decoded together (same context length, in lockstep)
  // Functional mode: weights and one input per request (sizes follow `shape`); empty in timing.
  std::shared_ptr<const LayerWeights> weights;
  std::vector<std::shared_ptr<const DecodeInputs>> inputs;
  int context() const { return prompt + generated; }
};

// The program's phases, in order: the ids of the marks each PE leaves when it finishes one
// (each ends with an allreduce).
const std::vector<std::string>& decode_layer_phase_names();

// SRAM one PE needs, for capacity planning (max over the grid's PEs, bytes): the weights of one
// layer (kept for every layer a region holds), the KV cache per cached token and layer, and the
// working buffers shared by all layers (at `tokens_per_row` tokens in a row).
struct LayerFootprint {
  std::int64_t weights = 0;
  std::int64_t kv_per_token = 0;
  std::int64_t scratch = 0;
  std::vector<std::int64_t> kv_per_token_by_column;  // bytes per cached token, per column
};
LayerFootprint decode_layer_footprint(const DecodeLayerSpec& spec, int tokens_per_row);

// An analytic estimate of the layer's cycles (for ranking grids before simulating; the
// simulation is the figure to use).
double decode_layer_estimate(const DecodeLayerSpec& spec, const ChipParams& chip);

// What a functional run of the program left in SRAM, per request: the layer output (from row
// chunks), the new token's key and value (from the bottom row's cache; empty for the proxy) and
// the attention output. `program` must come from make_decode_layer_program.
std::vector<DecodeOutputs> read_decode_outputs(const Program& program, PeArray& pes,
                                               const Rect& rect);

// Throws std::invalid_argument with the reason when the shape cannot be laid out on the grid (the
// workload turns it into a config error at the scenario key).
std::unique_ptr<Program> make_decode_layer_program(const DecodeLayerSpec& spec);
constexpr int kDecodeLayerColours = 22;

}  // namespace wse
