// One transformer decoder layer of LLM prefill as a per-PE program on a P x P grid
// (waferllm-algorithms.md 2.4): every projection is a MeshGEMM, Q.K^T a dist-GEMM-T, softmax
// runs along the rows, and nothing is ever transposed across the fabric.
//
// Layouts (logical coordinates of MeshGEMM's interleaved rings: logical row i, column j). The
// prompt is split over rows (logical row i holds tokens [i*s, (i+1)*s), s = ceil(L / P)), the
// hidden size over columns (dx per column): activations are `L_y E_x` tiles stored dim-major
// (for each dim, the row's s tokens), which is both MeshGEMM's A layout and its C layout.
// Weights are B operands, pre-skewed on the host as in MeshGEMM.
//
// Attention by KV head: the physical columns form kv_heads segments of P / kv_heads contiguous
// columns (the last takes the remainder); column k of segment g holds d2 rotary pairs of KV head
// g and the same pairs of each of its query heads, so RoPE is local and each KV head is stored
// once (the Q/K/V column order is chosen on the host, through the weights' column blocks).
//
// Stages (allreduce / collective):
//  1 RMSNorm (row chain allreduce of the sums of squares)   2-4 Q, K, V = MeshGEMM(Xn, W) - A
//  aligned once, K and V reuse it   5 RoPE on q and k, q scaled by 1/sqrt(head_dim), v turned
//  token-major (a local transpose)   6 scores: dist-GEMM-T - Q stays, K moves one step along the
//  column ring per step, the partial q.k of the segment's columns is reduced along the segment
//  into a root that rotates with the step, so the score blocks spread evenly; blocks entirely
//  above the causal diagonal are skipped, the diagonal block is masked   7 softmax along the
//  segment (chain allreduce max, exp, chain allreduce sum)   8 P.V: V moves along the column ring
//  as K did, each score block is broadcast along its segment from the root that holds it, and
//  every column multiplies it into its share of the output; then 1/sum   9 O = MeshGEMM(att, W_O)
//  10 residual, RMSNorm   11-12 up, gate = MeshGEMM(Zn, W) (A aligned once)   13 SiLU(gate) * up
//  14 down = MeshGEMM(z, W_down)   15 residual.
// Why P.V is not MeshGEMM(S, V) as in WaferLLM's single-head code: with heads grouped by column
// segment, the score blocks of a head live on its segment, and broadcasting them back along the
// segment (the reverse of the dist-GEMM-T reduce, same colours) needs no on-chip skew of V.
//
// Colours: MeshGEMM rings 1-12 (x, x alignment forward and reverse, y), segment chains 13-16,
// row chains 17-20.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "firmware/decode_layer.h"

namespace wse {

struct PrefillLayerSpec {
  LayerShape shape;
  int grid = 2;
  int tokens = 1;  // prompt length L
  // Timing only: when > 0, each P-step pass (MeshGEMM, dist-GEMM-T, P.V) runs this many steps and
  // each alignment half as many rounds, so that runs at k and 2k steps extrapolate to P
  // (prefill_layer_extrapolate). 0: every step.
  int pass_steps = 0;
  // Functional mode: the weights and the layer input [tokens][hidden]; empty in timing mode.
  std::shared_ptr<const LayerWeights> weights;
  std::shared_ptr<const std::vector<float>> input;
};

struct PrefillOutputs {
  std::vector<float> x;     // [tokens][hidden], the layer output
  std::vector<float> k, v;  // [tokens][kv_dim]: keys (after RoPE) and values, the KV cache
};
// Plain reference (double precision): causal prefill, token by token with the decode reference.
PrefillOutputs reference_prefill_layer(const LayerShape& s, const LayerWeights& w,
                                       const std::vector<float>& input);
std::vector<float> random_prefill_input(const LayerShape& s, int tokens, std::uint64_t seed);

// The program's stages, in order: the ids of the marks each PE leaves when it finishes one.
const std::vector<std::string>& prefill_layer_phase_names();

// SRAM one PE needs (max over the grid, bytes): weights of one layer (kept for every layer a
// region holds), the working buffers (shared by the layers), and the layer's KV cache as
// prefill leaves it (kv_per_token is per token of a row).
LayerFootprint prefill_layer_footprint(const PrefillLayerSpec& spec);

// An analytic estimate of the layer's cycles (for ranking grids before simulating; the
// simulation is the figure to use).
double prefill_layer_estimate(const PrefillLayerSpec& spec, const ChipParams& chip);

// The layer's stage ends (cycles, in stage order) at P steps per pass, from two runs at k and 2k
// steps (pass_steps): each stage's duration d_k + (P - k) / k x (d_2k - d_k). The passes are
// periodic once the rings are full, so their duration is linear in the step count.
std::vector<std::int64_t> prefill_layer_extrapolate(const std::vector<std::int64_t>& ends_k,
                                                    const std::vector<std::int64_t>& ends_2k, int k,
                                                    int grid);

// What a functional run left in SRAM: the layer output and the KV cache.
PrefillOutputs read_prefill_outputs(const Program& program, PeArray& pes, const Rect& rect);

// Throws std::invalid_argument with the reason when the shape cannot be laid out on the grid.
std::unique_ptr<Program> make_prefill_layer_program(const PrefillLayerSpec& spec);
constexpr int kPrefillLayerColours = 20;

}  // namespace wse
