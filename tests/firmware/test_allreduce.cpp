// Line allreduces (firmware/allreduce.h) along rows and columns: every PE ends with the sum or
// the maximum of the line, for trees of several group counts and the chain.
#include <gtest/gtest.h>

#include <algorithm>

#include "firmware/allreduce.h"
#include "hw/config/scenario.h"
#include "noc/wavelet_fabric.h"

namespace wse {
namespace {

struct Case {
  Axis axis;
  LineAllreduce::Shape shape;
  int length, groups;
  Combine combine;
};

// Runs one allreduce per line on a `length` x 3 (or 3 x `length`) block: lines at fixed = 0..2,
// vector of 5 f16 values per PE, value (pos + 1) * (i + 1) + fixed.
void check(const Case& k) {
  ChipParams chip = resolve_preset("test16x16").params;
  RouteTables tables(chip);
  PeArray pes(chip, true);
  std::vector<LineAllreduce> lines;
  for (int fixed = 0; fixed < 3; ++fixed) {
    LineAllreduce l;
    l.shape = k.shape;
    l.axis = k.axis;
    l.fixed = fixed + 1;
    l.lo = 2;
    l.hi = 2 + k.length - 1;
    l.groups = k.groups;
    l.colour_base = 3;
    install_allreduce(l, tables);
    lines.push_back(l);
  }
  ASSERT_TRUE(tables.validate().empty());
  for (const LineAllreduce& l : lines)
    for (int pos = l.lo; pos <= l.hi; ++pos) {
      const auto steps = allreduce_plan(l, pos);
      PeEngine& pe = pes.place(l.at(pos), "allreduce", [&](PeSetup& s) {
        s.buffer("v", DType::F16, 5);
        s.bind_local(1,
                     [steps, k](PeContext& c) { run_allreduce(c, steps, c.view("v"), k.combine); });
        s.activate(1);
      });
      for (std::uint32_t i = 0; i < 5; ++i)
        pe.sram().write(PeContext(pe).buffer("v"), i,
                        static_cast<float>((pos - l.lo + 1) * static_cast<int>(i + 1) + l.fixed));
    }
  FabricOptions opts;
  opts.stall_limit = 0;
  WaveletFabric fabric(chip, opts, &tables, pes);
  pes.attach(fabric);
  while (!fabric.idle()) fabric.step();
  fabric.check_drained();
  for (const LineAllreduce& l : lines)
    for (int pos = l.lo; pos <= l.hi; ++pos) {
      PeEngine& pe = *pes.at(l.at(pos));
      for (std::uint32_t i = 0; i < 5; ++i) {
        float want = 0;
        for (int q = 1; q <= k.length; ++q) {
          const float v = static_cast<float>(q * static_cast<int>(i + 1) + l.fixed);
          want = k.combine == Combine::Max ? std::max(want, v) : want + v;
        }
        EXPECT_EQ(pe.sram().read(PeContext(pe).buffer("v"), i), want)
            << "PE " << to_string(l.at(pos)) << " element " << i;
      }
    }
}

TEST(Allreduce, TreeAlongColumnsSums) {
  check({Axis::Y, LineAllreduce::Shape::Tree, 12, 3, Combine::Add});
}
TEST(Allreduce, TreeAlongRowsSums) {
  check({Axis::X, LineAllreduce::Shape::Tree, 12, 4, Combine::Add});
}
TEST(Allreduce, TreeAlongRowsMaximum) {
  check({Axis::X, LineAllreduce::Shape::Tree, 9, 3, Combine::Max});
}
TEST(Allreduce, OneGroupTreeAndShortLines) {
  check({Axis::Y, LineAllreduce::Shape::Tree, 5, 1, Combine::Add});
  check({Axis::X, LineAllreduce::Shape::Tree, 2, 1, Combine::Max});
}
TEST(Allreduce, ChainAlongRowsSumsAndMaximum) {
  check({Axis::X, LineAllreduce::Shape::Chain, 7, 1, Combine::Add});
  check({Axis::Y, LineAllreduce::Shape::Chain, 7, 1, Combine::Max});
}
TEST(Allreduce, GroupCountNearestSquareRoot) {
  EXPECT_EQ(nearest_divisor_to_sqrt(720), 24);
  EXPECT_EQ(nearest_divisor_to_sqrt(512), 16);
  EXPECT_EQ(nearest_divisor_to_sqrt(13), 1);
  EXPECT_EQ(nearest_divisor_to_sqrt(420), 20);
}

}  // namespace
}  // namespace wse
