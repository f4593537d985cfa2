// PEs running programs on the wavelet fabric: exact cycles of tasks, compute and transfers.
#include <gtest/gtest.h>

#include <cmath>

#include "hw/config/scenario.h"
#include "noc/fabric.h"
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

// Routes (0,0) -> (3,0) on colour 0 and back on colour 1, and places the pinging PE at (0,0):
// it sends x, then receives y asynchronously; the completion runs task 11, which records when.
PeEngine& place_ping(World& w, std::int64_t& back_at) {
  w.tables.install(route_p2p_xy({0, 0}, {3, 0}, Color(0)));
  w.tables.install(route_p2p_xy({3, 0}, {0, 0}, Color(1)));
  return w.pes.place({0, 0}, "ping", [&](PeSetup& s) {
    s.buffer("x", DType::F32, 1);
    s.buffer("y", DType::F32, 1);
    s.bind_local(10, [](PeContext& c) {
      c.send(Color(0), c.view("x"));
      c.recv(Color(1), c.view("y"), true, OnDone::activate(11));
    });
    s.bind_local(11, [&back_at](PeContext& c) { back_at = c.now().count(); });
    s.activate(10);
  });
}

TEST(PeEngine, PingPongExactCycles) {
  World w;
  std::int64_t back_at = -1;
  PeEngine& a = place_ping(w, back_at);
  w.pes.place({3, 0}, "pong", [&](PeSetup& s) {
    s.buffer("buf", DType::F32, 1);
    s.bind_local(10,
                 [](PeContext& c) { c.recv(Color(0), c.view("buf"), true, OnDone::activate(11)); });
    s.bind_local(11, [](PeContext& c) { c.send(Color(1), c.view("buf")); });
    s.activate(10);
  });
  a.sram().write(PeContext(a).buffer("x"), 0, 3.5f);
  w.start();
  w.run();
  // A: task at 0 + switch 3, first wavelet 3 + dispatch 7 = 10, at B's CE 10 + 2 + 3 + 2 = 17.
  // B: reply task at 17 + 3 = 20, wavelet at 27, back at A's CE at 34; A's task runs at 34 + 3.
  EXPECT_EQ(back_at, 37);
  // A's only synchronous fabric op is the send: dispatch 7 + 1 wavelet, no waiting.
  EXPECT_EQ(a.counters().busy_cycles, 8u);
  EXPECT_EQ(a.counters().stall_cycles, 0u);
  EXPECT_EQ(a.sram().read(PeContext(a).buffer("y"), 0), 3.5f);
  EXPECT_EQ(a.counters().tasks_run, 2u);
}

TEST(PeEngine, SynchronousReceiveStallsTheMainThread) {
  World w;
  std::int64_t back_at = -1;
  place_ping(w, back_at);
  PeEngine& b = w.pes.place({3, 0}, "echo", [](PeSetup& s) {
    s.buffer("buf", DType::F32, 1);
    s.bind_local(10, [](PeContext& c) {
      c.recv(Color(0), c.view("buf"));  // synchronous: the main thread waits for the wavelet
      c.send(Color(1), c.view("buf"));
    });
    s.activate(10);
  });
  w.start();
  w.run();
  // B's receive is ready at 3 + 7 = 10, the wavelet arrives at 17: 7 stalled cycles. The send
  // starts at 18, its wavelet leaves at 25 and reaches A at 32; A's task runs at 35.
  EXPECT_EQ(b.counters().stall_cycles, 7u);
  EXPECT_EQ(b.counters().busy_cycles, 8u + 8u);
  EXPECT_EQ(back_at, 35);
}

TEST(PeEngine, AsyncOpsWaitForAFreeMicrothread) {
  for (int threads : {2, 8}) {
    World w;
    w.chip.pe.microthreads = threads;
    std::vector<Coord> dests{{5, 0}, {5, 1}, {5, 2}};
    for (int k = 0; k < 3; ++k)
      w.tables.install(
          route_p2p_xy({0, 0}, dests[static_cast<size_t>(k)], Color(static_cast<std::uint8_t>(k))));
    w.pes.place({0, 0}, "fan_out", [](PeSetup& s) {
      s.buffer("x", DType::F32, 1);
      s.bind_local(10, [](PeContext& c) {
        for (int k = 0; k < 3; ++k) c.send(Color(static_cast<std::uint8_t>(k)), c.view("x"), true);
      });
      s.activate(10);
    });
    std::vector<std::int64_t> got(3, -1);
    for (int k = 0; k < 3; ++k) {
      w.pes.place(dests[static_cast<size_t>(k)], "sink", [&got, k](PeSetup& s) {
        s.buffer("y", DType::F32, 1);
        s.bind_local(10, [k](PeContext& c) {
          c.recv(Color(static_cast<std::uint8_t>(k)), c.view("y"), true, OnDone::activate(11));
        });
        s.bind_local(11,
                     [&got, k](PeContext& c) { got[static_cast<size_t>(k)] = c.now().count(); });
        s.activate(10);
      });
    }
    w.start();
    w.run();
    // Launches at 3, 4 (and 5 with 8 threads); first wavelets at 10 and 11. With 2 threads the
    // third send launches when the first completes (10) and sends at 17.
    const std::int64_t third_sent = threads == 2 ? 17 : 12;
    EXPECT_EQ(got[2], third_sent + 2 + (5 + 2) + 2 + 3) << threads;
    EXPECT_EQ(got[0], 10 + 2 + 5 + 2 + 3) << threads;
  }
}

TEST(PeEngine, FirmwareControlWaveletSwitchesARouteAndFiresAControlTask) {
  World w;
  auto add = [&](Coord at, DirSet rx, DirSet tx) {
    RouteSpec s = route_at(at, Color(4), rx, tx);
    if (at == Coord{1, 0}) s.route.positions = {SwitchPosition{{}, DirSet{Dir::S}}};
    w.tables.install(s);
  };
  add({0, 0}, {Dir::Ramp}, {Dir::E});
  add({1, 0}, {Dir::W}, {Dir::E});
  add({2, 0}, {Dir::W}, {Dir::Ramp});
  add({1, 1}, {Dir::N}, {Dir::Ramp});
  w.pes.place({0, 0}, "switcher", [](PeSetup& s) {
    s.buffer("x", DType::F32, 1);
    s.bind_local(10, [](PeContext& c) {
      c.send(Color(4), c.view("x"));
      c.send_control(Color(4), {SwitchCommand::Advance}, 40);
      c.send(Color(4), c.view("x"));
    });
    s.activate(10);
  });
  std::int64_t east_data = -1, east_control = -1, south_data = -1;
  std::uint32_t control_arg = 0;
  w.pes.place({2, 0}, "east", [&](PeSetup& s) {
    s.buffer("y", DType::F32, 1);
    s.bind_local(10,
                 [](PeContext& c) { c.recv(Color(4), c.view("y"), true, OnDone::activate(11)); });
    s.bind_local(11, [&](PeContext& c) { east_data = c.now().count(); });
    s.bind_control(40, [&](PeContext& c) {
      east_control = c.now().count();
      control_arg = c.wavelet();
    });
    s.activate(10);
  });
  w.pes.place({1, 1}, "south", [&](PeSetup& s) {
    s.buffer("y", DType::F32, 1);
    s.bind_local(10,
                 [](PeContext& c) { c.recv(Color(4), c.view("y"), true, OnDone::activate(11)); });
    s.bind_local(11, [&](PeContext& c) { south_data = c.now().count(); });
    s.activate(10);
  });
  w.start();
  w.run();
  // Sends leave (0,0) at 10, 18 (control) and 26. Data 1 reaches (2,0) at 16 (task at 19); the
  // control wavelet passes (1,0) with the old route, reaches (2,0) at 24 (control task at 27) and
  // flips (1,0) south, so data 2 reaches (1,1) at 32 (task at 35).
  EXPECT_EQ(east_data, 19);
  EXPECT_EQ(east_control, 27);
  EXPECT_EQ(control_arg, static_cast<std::uint32_t>(SwitchCommand::Advance));
  EXPECT_EQ(south_data, 35);
}

TEST(PeEngine, FirmwareRewritesItsRouteWithinTheDeclaredDirections) {
  for (bool declared : {true, false}) {
    World w;
    auto routes = route_p2p_xy({0, 0}, {2, 0}, Color(3));
    if (declared) routes[1].route.rewrite_tx = DirSet{Dir::S};  // (1,0) may turn colour 3 south
    w.tables.install(routes);
    if (declared) w.tables.install(route_at({1, 1}, Color(3), DirSet{Dir::N}, DirSet{Dir::Ramp}));
    w.pes.place({0, 0}, "src", [](PeSetup& s) {
      s.buffer("x", DType::F32, 1);
      s.buffer("pad", DType::F16, 64);
      s.bind_local(10, [](PeContext& c) {
        c.send(Color(3), c.view("x"));                          // wavelet at 10
        c.vector(VectorOp::Fill, c.view("pad"), {}, {}, 0.0f);  // 11..43 (16 + 64/4)
        c.send(Color(3), c.view("x"));                          // wavelet at 50
      });
      s.activate(10);
    });
    w.pes.place({1, 0}, "switch", [](PeSetup& s) {
      s.buffer("pad", DType::F16, 64);
      s.bind_local(10, [](PeContext& c) {
        c.vector(VectorOp::Fill, c.view("pad"), {}, {}, 0.0f);  // 3..35
        c.set_route(Color(3), DirSet{Dir::W}, DirSet{Dir::S});  // at 35, effective at 39
      });
      s.activate(10);
    });
    std::map<std::string, std::int64_t> got;
    for (auto [at, name] : {std::pair{Coord{2, 0}, std::string("east")},
                            std::pair{Coord{1, 1}, std::string("south")}}) {
      if (!declared && name == "south") continue;
      w.pes.place(at, name, [&got, name](PeSetup& s) {
        s.buffer("y", DType::F32, 1);
        s.bind_local(
            10, [](PeContext& c) { c.recv(Color(3), c.view("y"), true, OnDone::activate(11)); });
        s.bind_local(11, [&got, name](PeContext& c) { got[name] = c.now().count(); });
        s.activate(10);
      });
    }
    w.start();
    if (!declared) {
      EXPECT_THROW(w.run(), SimulationError);  // south was not declared: no buffers for it
      continue;
    }
    w.run();
    EXPECT_EQ(got["east"], 10 + 2 + 2 + 2 + 3);   // first wavelet, old route
    EXPECT_EQ(got["south"], 50 + 2 + 2 + 2 + 3);  // second wavelet, rewritten route
  }
}

TEST(PeEngine, InputQueueDepthBoundsWhatWaitsForABusyCe) {
  for (auto [colour, queue, capacity] :
       {std::tuple{0, -1, 6 + 3}, std::tuple{0, 2, 4 + 3}, std::tuple{5, -1, 2 + 3}}) {
    World w;  // WSE-2 input queues [6, 6, 4, 4, 2, 2, 2, 2]; ramp 2 + credit 1 in flight
    const Color c(static_cast<std::uint8_t>(colour));
    w.tables.install(route_p2p_xy({0, 0}, {1, 0}, c));
    w.pes.place({0, 0}, "src", [c](PeSetup& s) {
      s.buffer("x", DType::F32, 20);
      s.bind_local(10, [c](PeContext& ctx) { ctx.send(c, ctx.view("x")); });
      s.activate(10);
    });
    PeEngine& dst = w.pes.place({1, 0}, "busy", [c, q = queue](PeSetup& s) {
      s.buffer("y", DType::F32, 20);
      s.buffer("pad", DType::F16, 736);
      if (q >= 0) s.bind_input_queue(c, q);
      s.bind_local(10, [c](PeContext& ctx) {
        ctx.vector(VectorOp::Fill, ctx.view("pad"), {}, {}, 0.0f);  // busy 3..203
        ctx.recv(c, ctx.view("y"));
      });
      s.activate(10);
    });
    w.start();
    w.run();
    EXPECT_EQ(dst.counters().max_queued, static_cast<std::uint64_t>(capacity))
        << colour << " " << queue;
    EXPECT_EQ(dst.counters().wavelets_received, 20u);
  }
}

TEST(PeEngine, OutputQueueDepthBoundsWhatASenderCanPushAhead) {
  for (auto [out_queue, stall] : {std::pair{-1, 185}, std::pair{2, 0}}) {
    World w;  // WSE-2 output queues [2, 2, 6, 6, 2, 2]
    w.tables.install(route_p2p_xy({0, 0}, {1, 0}, Color(0)));
    PeEngine& src = w.pes.place({0, 0}, "src", [q = out_queue](PeSetup& s) {
      s.buffer("x", DType::F32, 20);
      if (q >= 0) s.bind_output_queue(Color(0), q);
      s.bind_local(10, [](PeContext& ctx) { ctx.send(Color(0), ctx.view("x")); });
      s.activate(10);
    });
    w.pes.place({1, 0}, "busy", [](PeSetup& s) {
      s.buffer("y", DType::F32, 20);
      s.buffer("pad", DType::F16, 736);
      s.bind_local(10, [](PeContext& ctx) {
        ctx.vector(VectorOp::Fill, ctx.view("pad"), {}, {}, 0.0f);  // busy 3..203
        ctx.recv(Color(0), ctx.view("y"));                          // first wavelet taken at 210
      });
      s.activate(10);
    });
    w.start();
    w.run();
    // In flight before the receiver starts: output queue (2 + 3 ramp pipeline) + the colour buffer
    // at (1,0) (4) + input queue (6 + 3) = 18 wavelets, sent at 10..27. The 19th waits for the
    // slot freed at 210 to travel back (211 router, 212 upstream router, 213 CE): sent at 213, the
    // 20th at 214; the send ends at 215 after 212 cycles, 27 of them busy (7 dispatch + 20).
    // With output queue 2 (depth 6), 22 fit and the sender never waits.
    EXPECT_EQ(src.counters().stall_cycles, static_cast<std::uint64_t>(stall)) << out_queue;
    EXPECT_EQ(src.counters().busy_cycles, 27u);
  }
}

TEST(PeEngine, ScalarWorkCostsPerInstruction) {
  World w;
  std::int64_t next_at = -1;
  w.pes.place({0, 0}, "scalar", [&](PeSetup& s) {
    s.bind_local(10, [](PeContext& c) {
      c.scalar(5);
      c.activate(11);
    });
    s.bind_local(11, [&](PeContext& c) { next_at = c.now().count(); });
    s.activate(10);
    EXPECT_THROW(s.bind_input_queue(Color(1), 8), ConfigError);
  });
  w.start();
  w.run();
  EXPECT_EQ(next_at, 3 + 5 + 1 + 3);
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
  // colour 3, colour 2, ... : colour 3's last (4th) wavelet leaves at 20 (CE at 22, unblock),
  // colour 2's last (8th) at 25 (CE at 27, activate). The task runs at 27 + 3.
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
  for (std::uint32_t i = 0; i < 64; ++i)
    EXPECT_EQ(pe.sram().read(ctx.buffer("y"), i), 1.0f + 0.5f * static_cast<float>(i));
  EXPECT_EQ(pe.counters().flops, 128u);
}

// With timing data a run of compute ops is stored as one op holding their sums (PeEngine::issue).
// The same ops with a mark between each (marks cost nothing and end a run) and the same ops on
// functional data (never folded, every element access counted) must give the same cycles and
// counted events, SRAM bytes included, and the cycles must be the sum of the ops' costs.
TEST(PeEngine, FoldedComputeRunsKeepEveryCycleAndCount) {
  struct Outcome {
    std::int64_t next_at = -1;
    PeCounters pe;
    SramCounters sram;
  };
  auto run = [](bool functional, bool marks) {
    World w;
    w.pes.~PeArray();
    new (&w.pes) PeArray(w.chip, functional);
    Outcome out;
    PeEngine& pe = w.pes.place({2, 2}, "mix", [&](PeSetup& s) {
      s.buffer("x", DType::F16, 64);
      s.buffer("y", DType::F16, 64);
      s.buffer("w", DType::F16, 8 * 16);
      s.buffer("t", DType::F16, 8 * 16);
      s.buffer("s", DType::F16, 1);
      s.bind_local(10, [marks](PeContext& c) {
        const View x = c.view("x"), y = c.view("y"), wt = c.view("w"), t = c.view("t");
        int id = 0;
        auto cut = [&] {
          if (marks) c.mark(id++);
        };
        c.vector(VectorOp::Fma, y, y, x, 2.0f);
        cut();
        c.vector(VectorOp::Mul, y, y, x);
        cut();
        c.vector(VectorOp::ReduceAdd, c.view("s"), x);
        cut();
        c.vector(VectorOp::Exp, y, y);
        cut();
        c.vector(VectorOp::Rsqrt, y, y);
        cut();
        c.vector(VectorOp::Fill, x, {}, {}, 1.0f);
        cut();
        c.gemv_acc(View{y.buffer, 0, 16}, View{x.buffer, 0, 8}, wt, 8, 16);
        cut();
        c.gemv_acc(View{y.buffer, 0, 8}, View{x.buffer, 0, 8}, wt, 8, 8, 1, 8);  // strided
        cut();
        c.matmul_acc(View{t.buffer, 0, 32}, View{x.buffer, 0, 16}, View{wt.buffer, 0, 8}, 4, 4, 2);
        cut();
        c.transpose(t, wt, 8, 16);
        c.scalar(3);  // scalar work ends a run
        c.vector(VectorOp::Copy, x, y);
        cut();
        c.vector(VectorOp::Max, y, y, x);
        c.activate(11);
      });
      s.bind_local(11, [&out](PeContext& c) { out.next_at = c.now().count(); });
      s.activate(10);
    });
    w.start();
    w.run();
    out.pe = pe.counters();
    out.sram = pe.sram().counters();
    return out;
  };
  const Outcome folded = run(false, false), apart = run(false, true), functional = run(true, false);
  const PeParams& p = World().chip.pe;
  const std::int64_t compute = vector_cost(p, VectorOp::Fma, DType::F16, 64).cycles.count() +
                               vector_cost(p, VectorOp::Mul, DType::F16, 64).cycles.count() +
                               vector_cost(p, VectorOp::ReduceAdd, DType::F16, 64).cycles.count() +
                               vector_cost(p, VectorOp::Exp, DType::F16, 64).cycles.count() +
                               vector_cost(p, VectorOp::Rsqrt, DType::F16, 64).cycles.count() +
                               vector_cost(p, VectorOp::Fill, DType::F16, 64).cycles.count() +
                               map_fma_cost(p, 8, 16).cycles.count() +
                               map_fma_cost(p, 8, 8, 8).cycles.count() +
                               matmul_cost(p, 4, 4, 2, MapOrder::Columns).cycles.count() +
                               map_copy_cost(p, 16, 8, 16).cycles.count() +
                               vector_cost(p, VectorOp::Copy, DType::F16, 64).cycles.count() +
                               vector_cost(p, VectorOp::Max, DType::F16, 64).cycles.count();
  const std::int64_t sw = p.task_switch.count(), scalar = p.scalar_op.count();
  // Body at task_switch; the ops; 3 scalar instructions; the activation (1 scalar op); the next
  // body task_switch later.
  EXPECT_EQ(folded.next_at, sw + compute + 3 * scalar + scalar + sw);
  EXPECT_EQ(folded.pe.compute_cycles, static_cast<std::uint64_t>(compute));
  EXPECT_GT(folded.pe.flops, 0u);
  EXPECT_GT(folded.sram.bytes_written, 0u);
  for (const Outcome* o : {&apart, &functional}) {
    EXPECT_EQ(o->next_at, folded.next_at);
    EXPECT_EQ(o->pe.compute_cycles, folded.pe.compute_cycles);
    EXPECT_EQ(o->pe.busy_cycles, folded.pe.busy_cycles);
    EXPECT_EQ(o->pe.finish_cycle, folded.pe.finish_cycle);
    EXPECT_EQ(o->pe.flops, folded.pe.flops);
    EXPECT_EQ(o->pe.fma_elements, folded.pe.fma_elements);
    EXPECT_EQ(o->pe.alu_elements, folded.pe.alu_elements);
    EXPECT_EQ(o->sram.bytes_read, folded.sram.bytes_read);
    EXPECT_EQ(o->sram.bytes_written, folded.sram.bytes_written);
  }
}

TEST(PeEngine, ExpAndReduceWithTheirCosts) {
  World w;
  std::int64_t next_at = -1;
  PeEngine& pe = w.pes.place({1, 1}, "softmax_parts", [&](PeSetup& s) {
    s.buffer("x", DType::F32, 8);
    s.buffer("e", DType::F32, 8);
    s.buffer("sum", DType::F32, 1);
    s.bind_local(10, [](PeContext& c) {
      c.vector(VectorOp::Exp, c.view("e"), c.view("x"));
      c.vector(VectorOp::ReduceAdd, c.view("sum"), c.view("e"));
      c.activate(11);
    });
    s.bind_local(11, [&](PeContext& c) { next_at = c.now().count(); });
    s.activate(10);
  });
  PeContext ctx(pe);
  for (std::uint32_t i = 0; i < 8; ++i)
    pe.sram().write(ctx.buffer("x"), i, static_cast<float>(i) * 16.0f);
  w.start();
  w.run();
  // Exp: 3 ops of set-up 16 + fma 8/0.5 + 2 muls 8/2 = 48 + 16 + 8 = 72; reduce: 16 + 8 x 2 = 32;
  // body at 3, ends 3 + 72 + 32 + 1 (activate) = 108; next task at 111.
  EXPECT_EQ(next_at, 111);
  float want = 0;
  for (int i = 0; i < 8; ++i) {
    const float b = 1.0f + static_cast<float>(i) * 16.0f / 256.0f;
    EXPECT_EQ(pe.sram().read(ctx.buffer("e"), static_cast<std::uint32_t>(i)), b * b * b * b);
    want += b * b * b * b;
  }
  EXPECT_EQ(pe.sram().read(ctx.buffer("sum"), 0), want);
}

TEST(PeEngine, BroadcastOperandAndMathRoutines) {
  World w;
  std::int64_t next_at = -1;
  PeEngine& pe = w.pes.place({2, 2}, "math", [&](PeSetup& s) {
    s.buffer("x", DType::F32, 4);
    s.buffer("k", DType::F32, 1);
    s.buffer("y", DType::F32, 4);
    s.buffer("m", DType::F32, 1);
    s.buffer("e", DType::F32, 4);
    s.bind_local(10, [](PeContext& c) {
      c.vector(VectorOp::Mul, c.view("y"), c.view("x"), c.view("k"));  // k broadcast
      c.vector(VectorOp::ReduceMax, c.view("m"), c.view("y"));
      c.vector(VectorOp::Fma, c.view("e"), c.view("y"), c.view("m"), -1.0f);  // y - max
      c.vector(VectorOp::ExpFull, c.view("e"), c.view("e"));
      c.vector(VectorOp::Silu, c.view("y"), c.view("y"));
      c.activate(11);
    });
    s.bind_local(11, [&](PeContext& c) { next_at = c.now().count(); });
    s.activate(10);
  });
  PeContext ctx(pe);
  for (std::uint32_t i = 0; i < 4; ++i)
    pe.sram().write(ctx.buffer("x"), i, static_cast<float>(i) - 1);
  pe.sram().write(ctx.buffer("k"), 0, 0.5f);
  w.start();
  w.run();
  // f32 lanes: mul 2/cycle: 16 + 2; reduce_max 16 + 4 x 2; fma 0.5/cycle: 16 + 8; exp and silu
  // 16 + 4 x 20 each. Body at 3: 3 + 18 + 24 + 24 + 96 + 96 + 1 (activate) = 262, then + 3.
  EXPECT_EQ(next_at, 265);
  for (std::uint32_t i = 0; i < 4; ++i) {
    const float y = 0.5f * (static_cast<float>(i) - 1);
    EXPECT_FLOAT_EQ(pe.sram().read(ctx.buffer("e"), i), std::exp(y - 1.0f));
    EXPECT_FLOAT_EQ(pe.sram().read(ctx.buffer("y"), i), y / (1.0f + std::exp(-y)));
  }
  EXPECT_EQ(pe.sram().read(ctx.buffer("m"), 0), 1.0f);
}

TEST(PeEngine, RowBroadcastThroughForkRoutes) {
  World w;
  w.tables.install(route_row_broadcast(2, 0, 5, 0, Color(6)));
  std::map<int, std::int64_t> done_at;
  std::map<int, PeEngine*> pe;
  pe[0] = &w.pes.place({0, 2}, "root", [](PeSetup& s) {
    s.buffer("v", DType::F32, 4);
    s.bind_local(10, [](PeContext& c) { c.send(Color(6), c.view("v")); });
    s.activate(10);
  });
  for (int x = 1; x <= 5; ++x) {
    pe[x] = &w.pes.place({x, 2}, "leaf", [&done_at, x](PeSetup& s) {
      s.buffer("v", DType::F32, 4);
      s.bind_local(10,
                   [](PeContext& c) { c.recv(Color(6), c.view("v"), true, OnDone::activate(11)); });
      s.bind_local(11, [&done_at, x](PeContext& c) { done_at[x] = c.now().count(); });
      s.activate(10);
    });
  }
  for (std::uint32_t i = 0; i < 4; ++i)
    pe[0]->sram().write(PeContext(*pe[0]).buffer("v"), i, 10.0f + static_cast<float>(i));
  w.start();
  w.run();
  for (int x = 1; x <= 5; ++x) {
    // Wavelets leave at 10..13; the last reaches PE x at 13 + 2 + x + 2; its task runs 3 later.
    EXPECT_EQ(done_at[x], 13 + 2 + x + 2 + 3) << x;
    for (std::uint32_t i = 0; i < 4; ++i)
      EXPECT_EQ(pe[x]->sram().read(PeContext(*pe[x]).buffer("v"), i),
                10.0f + static_cast<float>(i));
  }
}

TEST(PeEngine, StreamingReduceChainAlongAColumn) {
  World w;
  w.tables.install(route_reduce_chain(column_cells(1, 0, 3), Color(4), Color(5)));
  std::int64_t root_done = -1;
  std::vector<PeEngine*> pe;
  for (int y = 0; y < 4; ++y) {
    pe.push_back(&w.pes.place({1, y}, "reduce", [&root_done, y](PeSetup& s) {
      s.buffer("v", DType::F16, 8);
      const Color in(y % 2 == 1 ? 4 : 5), out(y % 2 == 0 ? 4 : 5);
      s.bind_local(10, [=](PeContext& c) {
        if (y == 0) c.send(out, c.view("v"));
        if (y == 1 || y == 2) c.recv_add_send(in, out, c.view("v"));
        if (y == 3) c.recv_add(in, c.view("v"), true, OnDone::activate(11));
      });
      s.bind_local(11, [&root_done](PeContext& c) { root_done = c.now().count(); });
      s.activate(10);
    }));
  }
  for (int y = 0; y < 4; ++y)
    for (std::uint32_t i = 0; i < 8; ++i)
      pe[static_cast<size_t>(y)]->sram().write(PeContext(*pe[static_cast<size_t>(y)]).buffer("v"),
                                               i, static_cast<float>((y + 1) * (i + 1)));
  w.start();
  w.run();
  // 8 f16 = 4 wavelets. PE 0 sends at 10..13; each relay forwards a wavelet the cycle it arrives
  // (5 cycles per hop: ramp 2 + hop 1 + ramp 2): the root receives at 25..28, its task runs at 31.
  EXPECT_EQ(root_done, 31);
  for (std::uint32_t i = 0; i < 8; ++i)
    EXPECT_EQ(pe[3]->sram().read(PeContext(*pe[3]).buffer("v"), i),
              10.0f * static_cast<float>(i + 1));
  EXPECT_EQ(pe[1]->counters().flops, 8u);
}

TEST(PeEngine, DataTaskRunsOncePerWaveletWithItsPayload) {
  World w;
  w.tables.install(route_p2p_xy({0, 0}, {2, 0}, Color(7)));
  std::vector<std::pair<std::int64_t, float>> seen;
  PeEngine& src = w.pes.place({0, 0}, "src", [](PeSetup& s) {
    s.buffer("v", DType::F32, 3);
    s.bind_local(10, [](PeContext& c) { c.send(Color(7), c.view("v")); });
    s.activate(10);
  });
  w.pes.place({2, 0}, "sink", [&](PeSetup& s) {
    s.bind_data(7, Color(7), [&](PeContext& c) {
      float f;
      const std::uint32_t bits = c.wavelet();
      std::memcpy(&f, &bits, 4);
      seen.emplace_back(c.now().count(), f);
    });
  });
  for (std::uint32_t i = 0; i < 3; ++i)
    src.sram().write(PeContext(src).buffer("v"), i, 1.5f * static_cast<float>(i + 1));
  w.start();
  w.run();
  // Wavelets reach the sink's CE at 16, 17, 18; each data task starts task_switch after the
  // previous one ended (a body with no ops ends as it starts): 19, 22, 25.
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], (std::pair<std::int64_t, float>{19, 1.5f}));
  EXPECT_EQ(seen[1], (std::pair<std::int64_t, float>{22, 3.0f}));
  EXPECT_EQ(seen[2], (std::pair<std::int64_t, float>{25, 4.5f}));
}

TEST(PeEngine, RunsUnderTheSystemCShellOnOneCalendar) {
  const ChipParams chip = resolve_preset("test16x16").params;
  RouteTables tables(chip);
  tables.install(route_p2p_xy({0, 0}, {3, 0}, Color(0)));
  PeArray pes(chip, false);  // timing mode: no payload
  sc_core::sc_time task_time;
  pes.place({0, 0}, "a", [](PeSetup& s) {
    s.buffer("x", DType::F32, 16);
    s.bind_local(10, [](PeContext& c) { c.send(Color(0), c.view("x")); });
    s.activate(10);
  });
  pes.place({3, 0}, "b", [&](PeSetup& s) {
    s.buffer("y", DType::F32, 16);
    s.bind_local(10,
                 [](PeContext& c) { c.recv(Color(0), c.view("y"), true, OnDone::activate(11)); });
    s.bind_local(11, [&](PeContext&) { task_time = sc_core::sc_time_stamp(); });
    s.activate(10);
  });
  FabricOptions opts;
  opts.stall_limit = 0;
  Fabric fabric("fabric", chip, opts, &tables, pes, Cycles(1000000));
  pes.attach(fabric.engine());
  sc_core::sc_start();
  fabric.rethrow_if_failed();
  // Last of 16 wavelets leaves A at 25, reaches B's CE at 32; B's task is picked at 32 (the
  // body itself runs 3 cycles later, at PE time 35, within the same activation).
  EXPECT_EQ(task_time, fabric.cycle_time() * 32.0);
  // One activation per busy cycle; the 16-wavelet stream keeps it busy from 0 to 32 at most.
  EXPECT_LE(fabric.activations(), 33u);
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
    EXPECT_NE(m.find("program 'too_big': error: PE (7,2) needs 54176 B of SRAM (4176 B reserved + "
                     "A 20000 x f16 = 40000 B, B 5000 x f16 = 10000 B) but has 49152 B"),
              std::string::npos)
        << m;
  }
}

}  // namespace
}  // namespace wse

namespace wse {
namespace {

// Stream fidelity: the receiver's input queue (here bound explicitly) sets how far ahead of a
// busy CE the sender's message can go, so when the sender's synchronous send completes.
TEST(PeEngine, StreamInputQueueBindingSetsTheSendersBackpressure) {
  std::int64_t done[2] = {-1, -1};
  for (int i = 0; i < 2; ++i) {
    const ChipParams chip = resolve_preset("test16x16").params;  // input queues [6,6,4,4,2,...]
    RouteTables tables(chip);
    PeArray pes(chip, false);
    const Color c(4);  // default queue 4: depth 2
    tables.install(route_p2p_xy({0, 0}, {1, 0}, c));
    std::int64_t& at = done[i];
    pes.place({0, 0}, "src", [&](PeSetup& s) {
      s.buffer("x", DType::F32, 40);
      s.bind_local(10, [c](PeContext& ctx) {
        ctx.send(c, ctx.view("x"));
        ctx.activate(11);
      });
      s.bind_local(11, [&at](PeContext& ctx) { at = ctx.now().count(); });
      s.activate(10);
    });
    pes.place({1, 0}, "busy", [&, i](PeSetup& s) {
      s.buffer("y", DType::F32, 40);
      s.buffer("pad", DType::F16, 736);
      if (i == 1) s.bind_input_queue(c, 0);  // depth 6
      s.bind_local(10, [c](PeContext& ctx) {
        ctx.vector(VectorOp::Fill, ctx.view("pad"), {}, {}, 0.0f);
        ctx.recv(c, ctx.view("y"));
      });
      s.activate(10);
    });
    StreamFabric fabric(chip, tables, pes);
    pes.attach(fabric);
    while (!fabric.idle()) fabric.step();
    fabric.check_drained();
  }
  ASSERT_GT(done[0], 0);
  EXPECT_EQ(done[0] - done[1], 6 - 2);  // the deeper queue takes 4 more wavelets ahead
}

TEST(PeEngine, BufferLookupByNameFindsEachAndRejectsUnknownNames) {
  const ChipParams chip = resolve_preset("test16x16").params;
  PeArray pes(chip, false);
  PeEngine& pe = pes.place({0, 0}, "names", [](PeSetup& s) {
    for (const char* n : {"x", "xn", "x2", "wup", "wgate"}) s.buffer(n, DType::F16, 8);
  });
  PeContext c(pe);
  std::vector<std::uint32_t> offsets;
  for (const char* n : {"x", "xn", "x2", "wup", "wgate"}) offsets.push_back(c.buffer(n).offset);
  for (std::size_t i = 1; i < offsets.size(); ++i) EXPECT_GT(offsets[i], offsets[i - 1]);
  EXPECT_EQ(c.view(std::string("wup")).buffer.offset, offsets[3]);
  EXPECT_THROW(c.buffer("w"), std::invalid_argument);
  EXPECT_THROW(c.buffer("wupx"), std::invalid_argument);
}

}  // namespace
}  // namespace wse

namespace wse {
namespace {

// A synchronous receive after long compute: its message arrives while the CE computes (stream
// fidelity takes it ahead of the receive's own cycle) or after (the ordinary path); the reply
// then goes back. Both fidelities give the same cycles for these uncontended transfers, and the
// received values are right.
TEST(PeEngine, ReceiveAfterComputeSameCyclesInBothFidelities) {
  for (const int pad : {736, 16}) {  // message early (during the compute) / late
    std::int64_t back[2] = {-1, -1};
    float got[2] = {0, 0};
    for (int stream = 0; stream < 2; ++stream) {
      const ChipParams chip = resolve_preset("test16x16").params;
      RouteTables tables(chip);
      PeArray pes(chip, true);
      tables.install(route_p2p_xy({0, 0}, {3, 0}, Color(0)));
      tables.install(route_p2p_xy({3, 0}, {0, 0}, Color(1)));
      std::int64_t& at = back[stream];
      PeEngine& a = pes.place({0, 0}, "a", [&](PeSetup& s) {
        s.buffer("x", DType::F32, 4);
        s.buffer("y", DType::F32, 4);
        s.bind_local(10, [](PeContext& c) {
          c.send(Color(0), c.view("x"));
          c.recv(Color(1), c.view("y"));
          c.activate(11);
        });
        s.bind_local(11, [&at](PeContext& c) { at = c.now().count(); });
        s.activate(10);
      });
      pes.place({3, 0}, "b", [pad](PeSetup& s) {
        s.buffer("in", DType::F32, 4);
        s.buffer("pad", DType::F16, pad);
        s.bind_local(10, [](PeContext& c) {
          c.vector(VectorOp::Fill, c.view("pad"), {}, {}, 0.0f);
          c.recv(Color(0), c.view("in"));
          c.vector(VectorOp::Scale, c.view("in"), c.view("in"), {}, 2.0f);
          c.send(Color(1), c.view("in"));
        });
        s.activate(10);
      });
      for (std::uint32_t i = 0; i < 4; ++i) a.sram().write(PeContext(a).buffer("x"), i, 1.5f + i);
      std::unique_ptr<FabricEngine> engine;
      if (stream) {
        auto f = std::make_unique<StreamFabric>(chip, tables, pes);
        pes.attach(*f);
        engine = std::move(f);
      } else {
        FabricOptions opts;
        opts.stall_limit = 0;
        auto f = std::make_unique<WaveletFabric>(chip, opts, &tables, pes);
        pes.attach(*f);
        engine = std::move(f);
      }
      while (!engine->idle()) engine->step();
      engine->check_drained();
      got[stream] = a.sram().read(PeContext(a).buffer("y"), 3);
    }
    EXPECT_GT(back[0], 0) << pad;
    EXPECT_EQ(back[1], back[0]) << pad;
    EXPECT_EQ(got[0], 9.0f) << pad;
    EXPECT_EQ(got[1], 9.0f) << pad;
  }
}

}  // namespace
}  // namespace wse

namespace wse {
namespace {

// The same route rewrite in stream fidelity: the fabric's per-colour hop table follows it (the
// second message turns south).
TEST(PeEngine, StreamFabricFollowsAFirmwareRouteRewrite) {
  const ChipParams chip = resolve_preset("test16x16").params;
  RouteTables tables(chip);
  PeArray pes(chip, false);
  auto routes = route_p2p_xy({0, 0}, {2, 0}, Color(3));
  routes[1].route.rewrite_tx = DirSet{Dir::S};
  tables.install(routes);
  tables.install(route_at({1, 1}, Color(3), DirSet{Dir::N}, DirSet{Dir::Ramp}));
  pes.place({0, 0}, "src", [](PeSetup& s) {
    s.buffer("x", DType::F32, 1);
    s.buffer("pad", DType::F16, 64);
    s.bind_local(10, [](PeContext& c) {
      c.send(Color(3), c.view("x"));
      c.vector(VectorOp::Fill, c.view("pad"), {}, {}, 0.0f);
      c.send(Color(3), c.view("x"));
    });
    s.activate(10);
  });
  pes.place({1, 0}, "switch", [](PeSetup& s) {
    s.buffer("pad", DType::F16, 64);
    s.bind_local(10, [](PeContext& c) {
      c.vector(VectorOp::Fill, c.view("pad"), {}, {}, 0.0f);
      c.set_route(Color(3), DirSet{Dir::W}, DirSet{Dir::S});
    });
    s.activate(10);
  });
  std::map<std::string, std::int64_t> got;
  for (auto [at, name] : {std::pair{Coord{2, 0}, std::string("east")},
                          std::pair{Coord{1, 1}, std::string("south")}}) {
    pes.place(at, name, [&got, name = name](PeSetup& s) {
      s.buffer("y", DType::F32, 1);
      s.bind_local(10,
                   [](PeContext& c) { c.recv(Color(3), c.view("y"), true, OnDone::activate(11)); });
      s.bind_local(11, [&got, name](PeContext& c) { got[name] = c.now().count(); });
      s.activate(10);
    });
  }
  ASSERT_TRUE(tables.validate().empty());
  StreamFabric fabric(chip, tables, pes);
  pes.attach(fabric);
  while (!fabric.idle()) fabric.step();
  fabric.check_drained();
  // One cycle after the wavelet fabric's 19 and 59: in stream fidelity an async receive's
  // completion action fires at its done cycle (the cycle after its last wavelet), in the wavelet
  // fabric at the cycle of its last wavelet (a difference older than this test).
  EXPECT_EQ(got["east"], 10 + 2 + 2 + 2 + 3 + 1);   // first message, old route
  EXPECT_EQ(got["south"], 50 + 2 + 2 + 2 + 3 + 1);  // second message, rewritten route
}

}  // namespace
}  // namespace wse
