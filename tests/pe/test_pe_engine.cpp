// PEs running programs on the wavelet fabric: exact cycles of tasks, compute and transfers.
#include <gtest/gtest.h>

#include "hw/config/scenario.h"
#include "noc/route_builder.h"
#include "pe/pe_engine.h"

namespace wse {
namespace {

struct World {
  ChipParams chip = resolve_preset("test16x16").params;  // WSE-2 timing
  RouteTables tables{chip};
  PeArray pes{chip, true};
  std::unique_ptr<WaveletFabric> fabric;
  void start() {
    FabricOptions opts;
    opts.stall_limit = 0;
    fabric = std::make_unique<WaveletFabric>(chip, opts, &tables, pes);
    pes.attach(*fabric);
  }
  void run() {
    while (!fabric->idle()) fabric->step();
    fabric->check_drained();
  }
};

TEST(PeEngine, PingPongExactCycles) {
  World w;
  w.tables.install(route_p2p_xy({0, 0}, {3, 0}, Color(0)));
  w.tables.install(route_p2p_xy({3, 0}, {0, 0}, Color(1)));
  std::int64_t back_at = -1;
  PeEngine& a = w.pes.place({0, 0}, "ping", [&](PeSetup& s) {
    s.buffer("x", DType::F32, 1);
    s.buffer("y", DType::F32, 1);
    s.bind_local(10, [](PeContext& c) {
      c.send(Color(0), c.view("x"));
      c.recv(Color(1), c.view("y"), true, OnDone::activate(11));
    });
    s.bind_local(11, [&](PeContext& c) { back_at = c.now().count(); });
    s.activate(10);
  });
  w.pes.place({3, 0}, "pong", [&](PeSetup& s) {
    s.buffer("buf", DType::F32, 1);
    s.bind_local(10, [](PeContext& c) { c.recv(Color(0), c.view("buf"), true, OnDone::activate(11)); });
    s.bind_local(11, [](PeContext& c) { c.send(Color(1), c.view("buf")); });
    s.activate(10);
  });
  a.sram().write(PeContext(a).buffer("x"), 0, 3.5f);
  w.start();
  w.run();
  // A: task at 0 + switch 3, first wavelet 3 + dispatch 7 = 10, at B's CE 10 + 2 + 3 + 2 = 17.
  // B: reply task at 17 + 3 = 20, wavelet at 27, back at A's CE at 34; A's task runs at 34 + 3.
  EXPECT_EQ(back_at, 37);
  EXPECT_EQ(a.sram().read(PeContext(a).buffer("y"), 0), 3.5f);
  EXPECT_EQ(a.counters().tasks_run, 2u);
}

TEST(PeEngine, TaskRunsOnlyAfterBothAsyncTransfersComplete) {
  World w;
  w.tables.install(route_p2p_xy({0, 1}, {2, 1}, Color(2)));
  w.tables.install(route_p2p_xy({2, 3}, {2, 1}, Color(3)));
  for (auto [at, colour, n] : {std::tuple{Coord{0, 1}, 2, 8}, std::tuple{Coord{2, 3}, 3, 4}}) {
    const Color c(static_cast<std::uint8_t>(colour));
    const int count = n;
    w.pes.place(at, "sender", [c, count](PeSetup& s) {
      s.buffer("v", DType::F32, count);
      s.bind_local(10, [c](PeContext& ctx) { ctx.send(c, ctx.view("v")); });
      s.activate(10);
    });
  }
  std::int64_t ran_at = -1;
  w.pes.place({2, 1}, "gather", [&](PeSetup& s) {
    s.buffer("a", DType::F32, 8);
    s.buffer("b", DType::F32, 4);
    s.bind_local(10, [](PeContext& c) {
      c.recv(Color(2), c.view("a"), true, OnDone::activate(12));  // receive activates ...
      c.recv(Color(3), c.view("b"), true, OnDone::unblock(12));   // ... the other unblocks
    });
    s.bind_local(12, [&](PeContext& c) { ran_at = c.now().count(); });
    s.block(12);
    s.activate(10);
  });
  w.start();
  w.run();
  // Both streams reach router (2,1) from cycle 14 and share its ramp to the CE, alternating
  // colour 3, colour 2, ... : colour 3's last (4th) wavelet leaves at 20 (CE at 22, unblock), colour
  // 2's last (8th) at 25 (CE at 27, activate). The task runs at 27 + 3.
  EXPECT_EQ(ran_at, 30);
}

TEST(PeEngine, VectorOpCostAndFunctionalResult) {
  World w;
  std::int64_t next_at = -1;
  PeEngine& pe = w.pes.place({5, 5}, "axpy", [&](PeSetup& s) {
    s.buffer("x", DType::F16, 64);
    s.buffer("y", DType::F16, 64);
    s.bind_local(10, [](PeContext& c) {
      c.vector(VectorOp::Fma, c.view("y"), c.view("y"), c.view("x"), 2.0f);
      c.activate(11);
    });
    s.bind_local(11, [&](PeContext& c) { next_at = c.now().count(); });
    s.activate(10);
  });
  PeContext ctx(pe);
  for (std::uint32_t i = 0; i < 64; ++i) {
    pe.sram().write(ctx.buffer("x"), i, 0.25f * static_cast<float>(i));
    pe.sram().write(ctx.buffer("y"), i, 1.0f);
  }
  w.start();
  w.run();
  // Body at 3; fma 16 + 64/4 = 32 cycles (3..35); activate 1 cycle; next task at 36 + 3.
  EXPECT_EQ(next_at, 39);
  for (std::uint32_t i = 0; i < 64; ++i) EXPECT_EQ(pe.sram().read(ctx.buffer("y"), i), 1.0f + 0.5f * static_cast<float>(i));
  EXPECT_EQ(pe.counters().flops, 128u);
}

TEST(PeEngine, ProgramThatDoesNotFitIsRejectedBeforeSimulation) {
  World w;
  try {
    w.pes.place({7, 2}, "too_big", [](PeSetup& s) {
      s.buffer("A", DType::F16, 20000);
      s.buffer("B", DType::F16, 5000);
    });
    FAIL() << "expected an SRAM error";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("program 'too_big': error: PE (7,2) needs 54176 B of SRAM (4176 B reserved + A 20000 x f16 = 40000 B, B 5000 x f16 = 10000 B) but has 49152 B"),
              std::string::npos) << m;
  }
}

}  // namespace
}  // namespace wse
