// The energy model: per-event energies from the chip's table, the breakdown, and a kernel run's
// figures against its own counters.
#include <gtest/gtest.h>

#include "firmware/kernels.h"
#include "hw/chip/energy.h"
#include "hw/chip/program_run.h"
#include "hw/config/scenario.h"

namespace wse {
namespace {

TEST(Energy, EventsTimesTheTableEntries) {
  const EnergyParams e = resolve_preset("wse2").params.energy;  // 7 nm table
  EnergyCounters c;
  c.fma_elements = 1000;                            // x 1 pJ
  c.alu_elements = 400;                             // x 0.5 pJ
  c.sram_read_bytes = 8000;                         // 1000 64-bit reads x 2 pJ
  c.sram_write_bytes = 800;                         // 100 writes x 2 pJ
  c.router_traversals = 300;                        // x 0.5 pJ
  c.link_traversals = 200;                          // x 0.4 pJ
  const EnergyBreakdown b = energy_of(e, c, 2e-6);  // 2 PE-microseconds x 10 mW
  EXPECT_DOUBLE_EQ(b.compute, 1000e-12 + 200e-12);
  EXPECT_DOUBLE_EQ(b.sram, 2000e-12 + 200e-12);
  EXPECT_DOUBLE_EQ(b.router, 150e-12);
  EXPECT_DOUBLE_EQ(b.wire, 80e-12);
  EXPECT_DOUBLE_EQ(b.static_energy, 20e-9);
  EXPECT_DOUBLE_EQ(b.total(), b.compute + b.sram + b.router + b.wire + b.static_energy);
  // The 5 nm table scales the datapath, not the wires.
  const EnergyBreakdown b5 = energy_of(resolve_preset("wse3").params.energy, c, 2e-6);
  EXPECT_DOUBLE_EQ(b5.compute, 0.7 * b.compute);
  EXPECT_DOUBLE_EQ(b5.wire, b.wire);
}

TEST(Energy, KernelRunCountsItsMultiplyAccumulatesAndHops) {
  const ChipParams chip = resolve_preset("test8x8").params;
  GemvSpec s;
  s.m = 32;
  s.n = 32;
  s.grid = 4;
  s.groups = 2;
  const auto program = make_gemv_program(s);
  const PlainRun r = run_program_plain(chip, *program, Rect{0, 0, 4, 4}, Fidelity::Wavelet, false);
  // Every PE multiplies its 8 x 8 tile once: 16 PEs x 64 FMA elements.
  EXPECT_DOUBLE_EQ(r.energy.fma_elements, 16.0 * 64);
  // Column allreduces of 8 halfs: every reduce step adds 8 elements at the receiver.
  EXPECT_GT(r.energy.alu_elements, 0);
  EXPECT_GT(r.energy.link_traversals, 0);
  EXPECT_GT(r.energy.router_traversals, r.energy.link_traversals);  // ramp entries too
}

}  // namespace
}  // namespace wse
