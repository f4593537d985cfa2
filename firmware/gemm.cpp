// GEMM kernels: MeshGEMM, Cannon and SUMMA (waferllm-algorithms.md 2.1; wafer-fabric.md 6.1).
//
// Coordinates: the program runs on a P x P rectangle; (i, j) is a PE's logical (row, column).
// MeshGEMM numbers each line by its interleaved ring so that data always flows from logical
// j + 1 to j (and i + 1 to i): logical = (P - ring position) mod P. Cannon and SUMMA use the
// physical order.
//
// Data: A block (i, j) starts at logical (i, j) (Mt x Kt, k-major); B is skewed on the host as in
// WaferLLM (block ((i + j) mod P, j) at (i, j), Kt x Nt row-major) for MeshGEMM and Cannon, natural
// for SUMMA; C block (i, j) ends at (i, j) (n-major).
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "firmware/kernels.h"
#include "noc/route_builder.h"

namespace wse {
namespace {

// Local task ids.
constexpr int kAlign = 1, kStep = 2, kXDone = 3, kYDone = 4, kJoin = 5;

std::array<Color, 3> colours3(int first) {
  return {Color(static_cast<std::uint8_t>(first)), Color(static_cast<std::uint8_t>(first + 1)),
          Color(static_cast<std::uint8_t>(first + 2))};
}
Color colour_at(const std::array<Color, 3>& cs, int slot) {
  return cs[static_cast<std::size_t>(slot)];
}

struct PeState {
  int round = 0;  // alignment rounds issued
  int step = 0;   // compute-shift steps issued
  int a = 0;      // which A buffer is current
  int b = 0;      // which B buffer is current
};

class GemmProgram : public Program {
 public:
  explicit GemmProgram(const GemmSpec& s)
      : s_(s),
        p_(s.grid),
        mt_(tile_of(s.m, s.grid)),
        kt_(tile_of(s.k, s.grid)),
        nt_(tile_of(s.n, s.grid)),
        steps_(s.pass_steps > 0 ? std::min(s.grid, s.pass_steps) : s.grid) {
    if (s_.algorithm == GemmAlgorithm::MeshGemm && p_ > 1) {
      pos_.assign(static_cast<std::size_t>(p_), 0);
      const auto order = interleaved_ring_order(p_);
      for (int l = 0; l < p_; ++l)
        pos_[static_cast<std::size_t>(order[static_cast<std::size_t>(l)])] = l;
    }
  }

  nlohmann::ordered_json config_json() const override {
    nlohmann::ordered_json j;
    j["algorithm"] = gemm_algorithm_names()[static_cast<std::size_t>(s_.algorithm)];
    j["tile"] = {mt_, kt_, nt_};
    return j;
  }
  double useful_flops() const override {
    return 2.0 * static_cast<double>(s_.m) * static_cast<double>(s_.k) * static_cast<double>(s_.n);
  }

  void layout(const Rect& r, RouteTables& routes) const override {
    if (p_ < 2) return;
    for (int q = 0; q < p_; ++q) {
      const auto row = row_cells(r.y + q, r.x, r.x + p_ - 1);
      const auto col = column_cells(r.x + q, r.y, r.y + p_ - 1);
      switch (s_.algorithm) {
        case GemmAlgorithm::MeshGemm:
          routes.install(route_interleaved_ring(row, colours3(kX)));
          routes.install(route_interleaved_ring(row, colours3(kXShift)));
          routes.install(route_interleaved_ring(row, colours3(kXShiftRe), true));
          routes.install(route_interleaved_ring(col, colours3(kY)));
          break;
        case GemmAlgorithm::Cannon:
          routes.install(route_wraparound_ring(row, colours3(kX)));
          routes.install(route_wraparound_ring(col, colours3(kY)));
          break;
        case GemmAlgorithm::Summa: {
          // Relay chains in both directions of every row and column, two colours each (the
          // colour alternates with the sender's position).
          auto rev = [](std::vector<Coord> v) {
            std::reverse(v.begin(), v.end());
            return v;
          };
          routes.install(route_reduce_chain(row, Color(kEast), Color(kEast + 1)));
          routes.install(route_reduce_chain(rev(row), Color(kWest), Color(kWest + 1)));
          routes.install(route_reduce_chain(col, Color(kSouth), Color(kSouth + 1)));
          routes.install(route_reduce_chain(rev(col), Color(kNorth), Color(kNorth + 1)));
          break;
        }
      }
    }
  }

  void setup(PeSetup& pe, Coord at, const Rect& r) const override {
    const int px = at.x - r.x, py = at.y - r.y;
    const auto mk = static_cast<std::int64_t>(mt_) * kt_, kn = static_cast<std::int64_t>(kt_) * nt_;
    pe.buffer("a0", DType::F16, mk);
    pe.buffer("a1", DType::F16, mk);
    pe.buffer("b0", DType::F16, kn);
    pe.buffer("b1", DType::F16, kn);
    pe.buffer("c", DType::F16, static_cast<std::int64_t>(mt_) * nt_);
    if (s_.algorithm == GemmAlgorithm::Summa)
      setup_summa(pe, px, py);
    else
      setup_shift(pe, px, py);
  }

  void fill(PeArray& pes, const Rect& r) const override {
    const TestMatrix a(s_.m, s_.k, s_.seed, 1, s_.values), b(s_.k, s_.n, s_.seed, 2, s_.values);
    for (int py = 0; py < p_; ++py)
      for (int px = 0; px < p_; ++px) {
        PeEngine& pe = *pes.at({r.x + px, r.y + py});
        const int i = logical(py), j = logical(px);
        const int kb = s_.algorithm == GemmAlgorithm::Summa ? i : (i + j) % p_;
        const Buffer& ab = PeContext(pe).buffer("a0");
        const Buffer& bb = PeContext(pe).buffer("b0");
        for (int k = 0; k < kt_; ++k)
          for (int m = 0; m < mt_; ++m)
            pe.sram().write(ab, static_cast<std::uint32_t>(k * mt_ + m),
                            a.at(i * mt_ + m, j * kt_ + k));
        for (int k = 0; k < kt_; ++k)
          for (int n = 0; n < nt_; ++n)
            pe.sram().write(bb, static_cast<std::uint32_t>(k * nt_ + n),
                            b.at(kb * kt_ + k, j * nt_ + n));
      }
  }

  std::string check(PeArray& pes, const Rect& r) const override {
    const TestMatrix a(s_.m, s_.k, s_.seed, 1, s_.values), b(s_.k, s_.n, s_.seed, 2, s_.values);
    ErrorCheck e;
    // One fp16 rounding per FMA along the padded K dimension.
    const int roundings = kt_ * p_;
    for (int py = 0; py < p_; ++py)
      for (int px = 0; px < p_; ++px) {
        PeEngine& pe = *pes.at({r.x + px, r.y + py});
        const Buffer& cb = PeContext(pe).buffer("c");
        const int i = logical(py), j = logical(px);
        for (int n = 0; n < nt_; ++n)
          for (int m = 0; m < mt_; ++m) {
            const int row = i * mt_ + m, col = j * nt_ + n;
            if (row >= s_.m || col >= s_.n) continue;
            double want = 0, mag = 0;
            for (int k = 0; k < s_.k; ++k) {
              const double t = static_cast<double>(a.at(row, k)) * b.at(k, col);
              want += t;
              mag += std::fabs(t);
            }
            e.compare(pe.sram().read(cb, static_cast<std::uint32_t>(n * mt_ + m)), want,
                      ErrorCheck::bound(roundings, mag),
                      "C[" + std::to_string(row) + "][" + std::to_string(col) + "] at PE " +
                          to_string({r.x + px, r.y + py}));
          }
      }
    report_ = {{"compared", e.compared()},
               {"max_abs_error", e.max_abs_error()},
               {"max_error_bound", e.max_bound()}};
    return e.failure();
  }
  nlohmann::ordered_json check_report() const override { return report_; }

 private:
  // Colour ids: MeshGEMM 1-12 (x, x-shift, x-shift-reverse, y rings), Cannon 1-3 and 10-12,
  // SUMMA 1-8.
  static constexpr int kX = 1, kXShift = 4, kXShiftRe = 7, kY = 10;
  static constexpr int kEast = 1, kWest = 3, kSouth = 5, kNorth = 7;

  int logical(int physical) const {
    if (pos_.empty()) return physical;
    return (p_ - pos_[static_cast<std::size_t>(physical)]) % p_;
  }
  RingSlots slots(int physical, bool reverse = false) const {
    return s_.algorithm == GemmAlgorithm::MeshGemm ? interleaved_ring_slots(p_, physical, reverse)
                                                   : wraparound_ring_slots(p_, physical);
  }

  // MeshGEMM and Cannon: align A along the rows, then P compute-shift steps. Local
  // synchronisation only: a step starts when this PE's compute and its four transfers are done.
  void setup_shift(PeSetup& pe, int px, int py) const {
    const bool mesh = s_.algorithm == GemmAlgorithm::MeshGemm;
    const int p = p_, mt = mt_, kt = kt_, nt = nt_;
    const int i = logical(py);
    // Row i needs A shifted i places towards lower j. MeshGEMM: every PE runs floor(P/2) rounds
    // in lock-step, shifting the short way round (forward ring i times or reverse ring P - i
    // times) and keeping only its row's first `keep` rounds. Cannon: i rounds on its ring.
    const bool reverse = mesh && i > p / 2;
    // Sampled runs (steps_ < P) align for proportionally fewer rounds.
    const int full_rounds = mesh ? p / 2 : i;
    const int rounds = static_cast<int>(static_cast<std::int64_t>(full_rounds) * steps_ / p);
    const int keep = std::min(rounds, reverse ? p - i : i);
    const int steps = steps_;
    const std::array<Color, 3> xs = colours3(mesh ? (reverse ? kXShiftRe : kXShift) : kX);
    const RingSlots xslot = slots(px), yslot = slots(py), aslot = slots(px, reverse);
    const Color x_out = colour_at(colours3(kX), xslot.send),
                x_in = colour_at(colours3(kX), xslot.recv),
                y_out = colour_at(colours3(kY), yslot.send),
                y_in = colour_at(colours3(kY), yslot.recv), s_out = colour_at(xs, aslot.send),
                s_in = colour_at(xs, aslot.recv);
    auto st = std::make_shared<PeState>();
    static const char* const a_names[2] = {"a0", "a1"};
    static const char* const b_names[2] = {"b0", "b1"};

    pe.bind_local(kAlign, [=](PeContext& c) {
      if (st->round > 0 && st->round <= keep) st->a ^= 1;  // round - 1 delivered the new tile
      if (st->round == rounds) {
        c.activate(kStep);
        return;
      }
      c.block(kAlign);
      c.send(s_out, c.view(a_names[st->a]), true, OnDone::unblock(kAlign));
      c.recv(s_in, c.view(a_names[st->a ^ 1]), true, OnDone::activate(kAlign));
      ++st->round;
    });
    pe.bind_local(kStep, [=](PeContext& c) {
      if (st->step == steps) return;
      const View a = c.view(a_names[st->a]), b = c.view(b_names[st->b]);
      if (p > 1) {
        c.block(kStep);
        c.send(x_out, a, true, OnDone::unblock(kXDone));
        c.recv(x_in, c.view(a_names[st->a ^ 1]), true, OnDone::activate(kXDone));
        c.send(y_out, b, true, OnDone::unblock(kYDone));
        c.recv(y_in, c.view(b_names[st->b ^ 1]), true, OnDone::activate(kYDone));
      }
      c.matmul_acc(c.view("c"), a, b, mt, kt, nt);
      ++st->step;
      st->a ^= 1;
      st->b ^= 1;
      c.activate(kStep);
    });
    bind_join(pe);
    pe.activate(rounds > 0 ? kAlign : kStep);
  }

  // SUMMA: at step k the PEs of column k broadcast their A tiles along the rows and the PEs of
  // row k their B tiles down the columns; the other PEs relay the stream and keep a copy. The
  // broadcast of step k + 1 overlaps the multiply of step k (double buffers).
  void setup_summa(PeSetup& pe, int px, int py) const {
    const int p = p_, mt = mt_, kt = kt_, nt = nt_;
    auto st = std::make_shared<PeState>();
    // The own tiles stay in a0/b0; received tiles alternate between a1/b1 (even steps) and a2/b2
    // (odd steps), so the broadcast of step k + 1 can land while step k multiplies.
    pe.buffer("a2", DType::F16, static_cast<std::int64_t>(mt) * kt);
    pe.buffer("b2", DType::F16, static_cast<std::int64_t>(kt) * nt);
    // Issues the row (x) or column (y) broadcast of step k at position `me` of the line.
    auto comm = [p](PeContext& c, int k, int me, int fwd, int back, int done_task, const View& own,
                    const View& slot) {
      const int last = p - 1;
      if (me == k) {
        const bool f = me<last, b = me> 0;
        const Color fc(static_cast<std::uint8_t>(fwd + me % 2)),
            bc(static_cast<std::uint8_t>(back + (last - me) % 2));
        if (f && b) {
          c.send(fc, own, true, OnDone::unblock(done_task));
          c.send(bc, own, true, OnDone::activate(done_task));
        } else {
          c.unblock(done_task);
          c.send(f ? fc : bc, own, true, OnDone::activate(done_task));
        }
        return;
      }
      c.unblock(done_task);
      if (me > k) {  // the stream comes from lower positions on the forward chain
        const Color in(static_cast<std::uint8_t>(fwd + (me - 1) % 2));
        if (me < last)
          c.recv_send(in, Color(static_cast<std::uint8_t>(fwd + me % 2)), slot, true,
                      OnDone::activate(done_task));
        else
          c.recv(in, slot, true, OnDone::activate(done_task));
      } else {
        const Color in(static_cast<std::uint8_t>(back + (last - me - 1) % 2));
        if (me > 0)
          c.recv_send(in, Color(static_cast<std::uint8_t>(back + (last - me) % 2)), slot, true,
                      OnDone::activate(done_task));
        else
          c.recv(in, slot, true, OnDone::activate(done_task));
      }
    };
    // Sampled runs (steps_ < P) spread their steps' roots evenly over the line.
    const int steps = steps_;
    auto root = [p, steps](int s) {
      return static_cast<int>(static_cast<std::int64_t>(s) * p / steps);
    };
    pe.bind_local(kStep, [=](PeContext& c) {
      const int s = st->step;  // issue the broadcasts of step s, multiply step s - 1
      if (s > steps) return;
      if (p == 1) {
        c.matmul_acc(c.view("c"), c.view("a0"), c.view("b0"), mt, kt, nt);
        st->step = p + 1;
        return;
      }
      auto slot_a = [&](int k) { return c.view(k % 2 == 0 ? "a1" : "a2"); };
      auto slot_b = [&](int k) { return c.view(k % 2 == 0 ? "b1" : "b2"); };
      if (s < steps) {
        c.block(kStep);
        comm(c, root(s), px, kEast, kWest, kXDone, c.view("a0"), slot_a(s));
        comm(c, root(s), py, kSouth, kNorth, kYDone, c.view("b0"), slot_b(s));
      }
      if (s >= 1) {
        const int k = s - 1;
        c.matmul_acc(c.view("c"), px == root(k) ? c.view("a0") : slot_a(k),
                     py == root(k) ? c.view("b0") : slot_b(k), mt, kt, nt);
      }
      ++st->step;
      if (s < steps) c.activate(kStep);
    });
    bind_join(pe);
    pe.activate(kStep);
  }

  static void bind_join(PeSetup& pe) {
    bind_step_barrier(pe, StepBarrier{kStep, kXDone, kYDone, kJoin});
  }

  GemmSpec s_;
  int p_, mt_, kt_, nt_, steps_;
  std::vector<int> pos_;  // MeshGEMM: ring position of each physical index
  mutable nlohmann::ordered_json report_ = nlohmann::ordered_json::object();
};

}  // namespace

const std::vector<std::string>& gemm_algorithm_names() {
  static const std::vector<std::string> n{"meshgemm", "cannon", "summa"};
  return n;
}

int gemm_colours(GemmAlgorithm a) {
  switch (a) {
    case GemmAlgorithm::MeshGemm:
      return 12;
    case GemmAlgorithm::Cannon:
      return 6;
    case GemmAlgorithm::Summa:
      return 8;
  }
  return 0;
}

void bind_step_barrier(PeSetup& pe, const StepBarrier& ids) {
  pe.bind_local(ids.x_done, [ids](PeContext& c) {
    c.block(ids.x_done);
    c.activate(ids.join);
  });
  pe.bind_local(ids.y_done, [ids](PeContext& c) {
    c.block(ids.y_done);
    c.unblock(ids.join);
  });
  pe.bind_local(ids.join, [ids](PeContext& c) {
    c.block(ids.join);
    c.unblock(ids.step);
  });
  pe.block(ids.x_done);
  pe.block(ids.y_done);
  pe.block(ids.join);
}

double extrapolate_steps(double at_k, double at_2k, int k, int grid) {
  return at_k + static_cast<double>(grid - k) / k * (at_2k - at_k);
}

std::unique_ptr<Program> make_gemm_program(const GemmSpec& spec) {
  return std::make_unique<GemmProgram>(spec);
}

}  // namespace wse
