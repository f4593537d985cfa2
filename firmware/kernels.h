// The distributed kernels of WaferLLM (waferllm-algorithms.md 2.1, 2.2) and the baselines they are
// compared with, as firmware programs on a P x P grid of PEs:
// - GEMM C[M,N] = A[M,K] B[K,N]: MeshGEMM (Cannon on interleaved two-hop rings, on-chip alignment
//   of A, host pre-skewed B), Cannon (wrap-around rings), SUMMA (row and column broadcasts relayed
//   by the PEs).
// - GEMV y[1,N] = x[1,M] W[M,N]: MeshGEMV (two-level tree allreduce along columns, group count g,
//   pass-through colours between group roots, fork-route broadcast) and the pipeline (chain)
//   allreduce baseline.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "firmware/kernel_data.h"
#include "firmware/program.h"

namespace wse {

enum class GemmAlgorithm : std::uint8_t { MeshGemm, Cannon, Summa };
enum class GemvAlgorithm : std::uint8_t { MeshGemv, Pipeline };

const std::vector<std::string>& gemm_algorithm_names();  // meshgemm, cannon, summa
const std::vector<std::string>& gemv_algorithm_names();  // meshgemv, pipeline

struct GemmSpec {
  GemmAlgorithm algorithm = GemmAlgorithm::MeshGemm;
  int m = 0, k = 0, n = 0;
  int grid = 1;  // P: the program runs on P x P PEs
  std::uint64_t seed = 1;
  KernelValues values = KernelValues::Integers;
  // Timing only: when > 0, the loop runs this many of its P steps (MeshGEMM, Cannon: the
  // alignment proportionally fewer rounds; SUMMA: the broadcast roots spread evenly over the
  // line), so that two runs at k and 2k steps extrapolate to P (extrapolate_steps). 0: every step.
  int pass_steps = 0;
};

// Cycles at P steps from runs at k and 2k steps: c_k + (P - k) / k x (c_2k - c_k) (the steps are
// periodic once the rings are full).
double extrapolate_steps(double at_k, double at_2k, int k, int grid);

struct GemvSpec {
  GemvAlgorithm algorithm = GemvAlgorithm::MeshGemv;
  int m = 0, n = 0;  // x is [1, M], W is [M, N]
  int grid = 1;
  int groups = 1;  // g of the two-level tree (MeshGEMV); must divide P
  std::uint64_t seed = 1;
  KernelValues values = KernelValues::Integers;
  // Functional inputs given by the caller (x: 1 x M, w: M x N) instead of seeded test values.
  std::shared_ptr<const TestMatrix> x, w;
};

// y of a functional GEMV run (y[j] from the PEs of column j's chunk), for callers that feed it
// on; `program` must come from make_gemv_program.
std::vector<float> read_gemv_output(const Program& program, PeArray& pes, const Rect& rect);

// Per-PE tile sizes: ceil(size / P) (sizes that do not divide the grid are zero-padded).
inline int tile_of(int size, int grid) {
  return (size + grid - 1) / grid;
}

std::unique_ptr<Program> make_gemm_program(const GemmSpec& spec);
std::unique_ptr<Program> make_gemv_program(const GemvSpec& spec);

// The four-transfer barrier of WaferLLM's meshgemm.csl, bound on a PE: each direction's send
// unblocks and its receive activates a finish task (x_done, y_done); x's activates and y's
// unblocks `join`, which unblocks `step` (activated by the step itself when its compute is done).
struct StepBarrier {
  int step, x_done, y_done, join;
};
void bind_step_barrier(PeSetup& pe, const StepBarrier& ids);

// Colours the kernel installs at its busiest PE (the reference designs: 12 for MeshGEMM, 10 per
// axis for MeshGEMV).
int gemm_colours(GemmAlgorithm a);
int gemv_colours(GemvAlgorithm a);

}  // namespace wse
