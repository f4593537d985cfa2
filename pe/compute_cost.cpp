#include "pe/compute_cost.h"

#include <algorithm>
#include <cmath>

namespace wse {

const char* vector_op_name(VectorOp op) {
  switch (op) {
    case VectorOp::Fma:
      return "fma";
    case VectorOp::Add:
      return "add";
    case VectorOp::Mul:
      return "mul";
    case VectorOp::Max:
      return "max";
    case VectorOp::Copy:
      return "copy";
    case VectorOp::Fill:
      return "fill";
    case VectorOp::ReduceAdd:
      return "reduce_add";
    case VectorOp::Exp:
      return "exp";
    case VectorOp::Scale:
      return "scale";
    case VectorOp::ReduceMax:
      return "reduce_max";
    case VectorOp::ExpFull:
      return "exp_full";
    case VectorOp::Recip:
      return "recip";
    case VectorOp::Rsqrt:
      return "rsqrt";
    case VectorOp::Silu:
      return "silu";
  }
  return "?";
}

namespace {

// `l` stands in for pe.lanes: the strided map costs pass a narrowed copy of the lane table (a
// copy of the whole PeParams would allocate, once per map op).
double lanes_of(const PeParams& pe, const SimdLanes& l, VectorOp op, DType t) {
  const bool h = t == DType::F16;
  switch (op) {
    case VectorOp::Fma:
      return h ? l.f16_fma : l.f32_fma;
    case VectorOp::Add:
    case VectorOp::Mul:
    case VectorOp::Scale:
      return h ? l.f16_add : l.f32_add;
    case VectorOp::Max:
      return h ? l.f16_max : l.f32_max;
    case VectorOp::Copy:
    case VectorOp::Fill:
      return h ? l.f16_copy : l.f32_copy;
    case VectorOp::ReduceAdd:
    case VectorOp::ReduceMax:
      return 1.0 / static_cast<double>(std::max<std::int64_t>(1, pe.reduce_scalar.count()));
    case VectorOp::Exp:
      return h ? l.f16_fma : l.f32_fma;
    case VectorOp::ExpFull:
    case VectorOp::Recip:
    case VectorOp::Rsqrt:
    case VectorOp::Silu:
      return 1.0 / static_cast<double>(std::max<std::int64_t>(1, pe.math_element.count()));
  }
  return 1;
}

OpCost vector_cost_of(const PeParams& pe, const SimdLanes& l, VectorOp op, DType t,
                      std::int64_t n) {
  OpCost c;
  if (n <= 0) return c;
  const std::int64_t setup = pe.vector_setup.count();
  auto body = [&](VectorOp o) {
    if (o == VectorOp::ReduceAdd || o == VectorOp::ReduceMax) return n * pe.reduce_scalar.count();
    if (is_math_routine(o)) return n * pe.math_element.count();
    return static_cast<std::int64_t>(
        std::ceil(static_cast<double>(n) / lanes_of(pe, l, o, t) - 1e-9));
  };
  switch (op) {
    case VectorOp::Exp:
      // (1 + x/256)^4 as one fma and two squarings: three vector operations.
      c.cycles = Cycles(3 * setup + body(VectorOp::Fma) + 2 * body(VectorOp::Mul));
      c.flops = static_cast<std::uint64_t>(4 * n);
      return c;
    case VectorOp::Fma:
      c.flops = static_cast<std::uint64_t>(2 * n);
      break;
    case VectorOp::Copy:
    case VectorOp::Fill:
      c.flops = 0;
      break;
    default:
      c.flops = static_cast<std::uint64_t>(n);
  }
  c.cycles = Cycles(setup + body(op));
  return c;
}

}  // namespace

double lanes(const PeParams& pe, VectorOp op, DType t) {
  return lanes_of(pe, pe.lanes, op, t);
}

OpCost vector_cost(const PeParams& pe, VectorOp op, DType t, std::int64_t n) {
  return vector_cost_of(pe, pe.lanes, op, t, n);
}

OpCost matmul_cost(const PeParams& pe, std::int64_t mt, std::int64_t kt, std::int64_t nt,
                   MapOrder order) {
  if (order == MapOrder::Fastest) order = best_matmul_order(pe, mt, kt, nt);
  return order == MapOrder::Columns ? map_fma_cost(pe, kt * nt, mt)
                                    : map_fma_cost(pe, mt * kt, nt, mt);
}

MapOrder best_matmul_order(const PeParams& pe, std::int64_t mt, std::int64_t kt, std::int64_t nt) {
  return matmul_cost(pe, mt, kt, nt, MapOrder::Rows).cycles <
                 matmul_cost(pe, mt, kt, nt, MapOrder::Columns).cycles
             ? MapOrder::Rows
             : MapOrder::Columns;
}

OpCost map_copy_cost(const PeParams& pe, std::int64_t iterations, std::int64_t length,
                     std::int64_t stride) {
  SimdLanes strided = pe.lanes;
  strided.f16_copy = strided_lanes(pe.lanes.f16_copy, stride);
  const OpCost one = vector_cost_of(pe, strided, VectorOp::Copy, DType::F16, length);
  return OpCost{Cycles(one.cycles.count() * std::max<std::int64_t>(0, iterations)), 0};
}

double strided_lanes(double full, std::int64_t stride) {
  if (stride == 0 || stride == 1) return full;
  switch (stride % 8) {
    case 2:
    case 3:
    case 5:
    case 6:
      return full;
    case 1:
    case 7:
    case 4:
      return std::min(full, 2.0);
    default:
      return std::min(full, 1.0);
  }
}

OpCost map_fma_cost(const PeParams& pe, std::int64_t iterations, std::int64_t length,
                    std::int64_t stride) {
  SimdLanes strided = pe.lanes;
  strided.f16_fma = strided_lanes(pe.lanes.f16_fma, stride);
  const OpCost one = vector_cost_of(pe, strided, VectorOp::Fma, DType::F16, length);
  OpCost c;
  c.cycles = Cycles(one.cycles.count() * std::max<std::int64_t>(0, iterations));
  c.flops = one.flops * static_cast<std::uint64_t>(std::max<std::int64_t>(0, iterations));
  return c;
}

}  // namespace wse
