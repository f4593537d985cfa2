// Cycle cost of PE work, from the chip parameters: a vector (DSD) operation costs its set-up plus
// elements / SIMD lanes (rounded up); scalar work costs per instruction. Pure functions.
#pragma once

#include <cstdint>

#include "hw/params/chip_params.h"
#include "pe/dtype.h"

namespace wse {

enum class VectorOp : std::uint8_t {
  Fma,        // dst = a + b * s   (multiply-accumulate; 2 flops per element)
  Add,        // dst = a + b       (also sub, mul: same lanes)
  Mul,        // dst = a * b
  Max,        // dst = max(a, b)
  Copy,       // dst = a           (move; send/receive regions)
  Fill,       // dst = scalar
  ReduceAdd,  // scalar += a[i]    (dependent chain: reduce_scalar cycles per element)
  Exp,        // dst = exp(a)      (fast_exp (1 + x/256)^4: one fma and two muls)
  Scale,      // dst = a * s       (s an immediate; the f16 add/mul lanes)
  ReduceMax,  // scalar = max a[i] (dependent chain, like ReduceAdd)
  ExpFull,    // dst = exp(a)      (software routine: math_element cycles per element)
  Recip,      // dst = 1 / a       (software routine)
  Rsqrt,      // dst = 1 / sqrt(a) (software routine)
  Silu,       // dst = a / (1 + exp(-a)) (software routine)
};
// Software math routines run element by element on the scalar core.
inline bool is_math_routine(VectorOp op) {
  return op == VectorOp::ExpFull || op == VectorOp::Recip || op == VectorOp::Rsqrt ||
         op == VectorOp::Silu;
}

const char* vector_op_name(VectorOp op);

struct OpCost {
  Cycles cycles;
  std::uint64_t flops = 0;
};

// Elements per cycle for an operation and element type.
double lanes(const PeParams& pe, VectorOp op, DType t);
OpCost vector_cost(const PeParams& pe, VectorOp op, DType t, std::int64_t elements);
// A map of `iterations` f16 FMA vector ops of `length` elements each (the GEMM/GEMV inner loops):
// every iteration pays the vector set-up, since each re-bases its descriptors.
// `stride`: the element stride of the walked operand (wafer-fabric.md 2.2, strided operands).
OpCost map_fma_cost(const PeParams& pe, std::int64_t iterations, std::int64_t length,
                    std::int64_t stride = 1);
// The two loop orders of a tile product C[mt x nt] += A[mt x kt] B[kt x nt] (C stored n-major):
// Columns - kt * nt ops of length mt (WaferLLM's MeshGEMM loop); Rows - mt * kt ops of length nt
// walking C with stride mt; Fastest - whichever costs less for the tile shape (the loop order a
// firmware author picks at compile time).
enum class MapOrder : std::uint8_t { Columns, Rows, Fastest };
OpCost matmul_cost(const PeParams& pe, std::int64_t mt, std::int64_t kt, std::int64_t nt,
                   MapOrder order);
// The cheaper of the two for a tile shape.
MapOrder best_matmul_order(const PeParams& pe, std::int64_t mt, std::int64_t kt, std::int64_t nt);
// A map of `iterations` f16 copies of `length` elements whose source walks with `stride` (a
// local transpose).
OpCost map_copy_cost(const PeParams& pe, std::int64_t iterations, std::int64_t length,
                     std::int64_t stride);
// Elements per cycle of a DSD walking memory with `stride` (documented for WSE-2): strides 0, 1
// and stride % 8 in {2, 3, 5, 6} run at full width; % 8 in {1, 7} at 2 per cycle; % 8 == 0 at 1;
// % 8 == 4 is documented inconsistently ("two operations per cycle, or a SIMD width of 4"): we
// take 2.
double strided_lanes(double full, std::int64_t stride);
inline Cycles scalar_cost(const PeParams& pe, std::int64_t instructions) {
  return Cycles(pe.scalar_op.count() * instructions);
}

}  // namespace wse
