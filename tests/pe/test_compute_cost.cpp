#include <gtest/gtest.h>

#include "hw/config/scenario.h"
#include "pe/compute_cost.h"

namespace wse {
namespace {

TEST(ComputeCost, SetupPlusElementsOverLanesRoundedUp) {
  const PeParams pe = resolve_preset("wse2").params.pe;  // set-up 16, f16 fma 4 lanes
  EXPECT_EQ(vector_cost(pe, VectorOp::Fma, DType::F16, 64).cycles, Cycles(16 + 16));
  EXPECT_EQ(vector_cost(pe, VectorOp::Fma, DType::F16, 65).cycles, Cycles(16 + 17));  // boundary
  EXPECT_EQ(vector_cost(pe, VectorOp::Fma, DType::F16, 64).flops, 128u);
  EXPECT_EQ(vector_cost(pe, VectorOp::Fma, DType::F32, 64).cycles, Cycles(16 + 128));  // 0.5 lanes
  EXPECT_EQ(vector_cost(pe, VectorOp::Max, DType::F16, 10).cycles, Cycles(16 + 10));   // 1 lane
  EXPECT_EQ(vector_cost(pe, VectorOp::Copy, DType::F32, 10).cycles, Cycles(16 + 5));
  EXPECT_EQ(vector_cost(pe, VectorOp::Copy, DType::F32, 10).flops, 0u);
  EXPECT_EQ(vector_cost(pe, VectorOp::ReduceAdd, DType::F16, 10).cycles, Cycles(16 + 20));
  EXPECT_EQ(vector_cost(pe, VectorOp::Exp, DType::F16, 8).cycles, Cycles(3 * 16 + 2 + 2 * 2));
  EXPECT_EQ(vector_cost(pe, VectorOp::Add, DType::F16, 0).cycles, Cycles(0));
  EXPECT_EQ(scalar_cost(pe, 5), Cycles(5));
}

TEST(ComputeCost, MathRoutinesCostPerElementScaleAndMaxLikeTheirLanes) {
  const PeParams pe = resolve_preset("wse2").params.pe;  // math_element 20, reduce_scalar 2
  for (VectorOp op : {VectorOp::ExpFull, VectorOp::Recip, VectorOp::Rsqrt, VectorOp::Silu}) {
    EXPECT_EQ(vector_cost(pe, op, DType::F16, 7).cycles, Cycles(16 + 7 * 20)) << vector_op_name(op);
    EXPECT_EQ(vector_cost(pe, op, DType::F16, 7).flops, 7u);
  }
  EXPECT_EQ(vector_cost(pe, VectorOp::ReduceMax, DType::F16, 9).cycles, Cycles(16 + 18));
  EXPECT_EQ(vector_cost(pe, VectorOp::Scale, DType::F16, 9).cycles, Cycles(16 + 3));  // 4 lanes
}

TEST(ComputeCost, Wse3CopiesAtEightLanes) {
  const PeParams pe = resolve_preset("wse3").params.pe;
  EXPECT_EQ(vector_cost(pe, VectorOp::Copy, DType::F16, 64).cycles, Cycles(16 + 8));
  EXPECT_EQ(vector_cost(pe, VectorOp::Fma, DType::F16, 64).cycles, Cycles(16 + 16));
}

}  // namespace
}  // namespace wse
