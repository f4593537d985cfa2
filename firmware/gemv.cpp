// GEMV kernels: MeshGEMV and the pipeline-allreduce baseline (waferllm-algorithms.md 2.2;
// wafer-fabric.md 6.1, "two_tree_allreduce_y").
//
// PE (x, y) of the P x P rectangle holds x[y-chunk] (Mt halfs) and W[y-block, x-block] (Mt x Nt,
// row-major), computes its partial y (Nt halfs), and an allreduce along its column leaves
// y[x-chunk] in every PE of column x. All fabric ops are synchronous, as in the reference.
//
// MeshGEMV's allreduce is the two-level tree: rows form g groups of P/g; in phase 1 each group
// reduces into its middle row (a chain from each end, colours alternating with the position);
// in phase 2 the group roots reduce into the middle group's root over pass-through colours (the
// PEs in between are not involved); the global root then broadcasts up and down on fork routes.
// Colours per PE: 4 (phase 1) + 4 (phase 2) + 2 (broadcast) = 10. The pipeline baseline reduces
// down the whole column into the last row and broadcasts back up: 3 colours.
#include <algorithm>
#include <cmath>
#include <memory>

#include "firmware/kernels.h"
#include "noc/route_builder.h"

namespace wse {
namespace {

constexpr int kMain = 1;
// Colour ids: phase 1 down (1, 2) and up (3, 4), phase 2 down (5, 6) and up (7, 8), broadcast
// up (9) and down (10).
constexpr int kD1 = 1, kU1 = 3, kD2 = 5, kU2 = 7, kBUp = 9, kBDown = 10;

Color col(int id) {
  return Color(static_cast<std::uint8_t>(id));
}

class GemvProgram : public Program {
 public:
  explicit GemvProgram(const GemvSpec& s)
      : s_(s),
        p_(s.grid),
        g_(s.algorithm == GemvAlgorithm::MeshGemv ? s.groups : 1),
        n_(p_ / g_),
        mt_(tile_of(s.m, s.grid)),
        nt_(tile_of(s.n, s.grid)) {}

  nlohmann::ordered_json config_json() const override {
    nlohmann::ordered_json j;
    j["algorithm"] = gemv_algorithm_names()[static_cast<std::size_t>(s_.algorithm)];
    j["tile"] = {mt_, nt_};
    if (s_.algorithm == GemvAlgorithm::MeshGemv) j["rows_per_group"] = n_;
    return j;
  }
  double useful_flops() const override {
    return 2.0 * static_cast<double>(s_.m) * static_cast<double>(s_.n);
  }

  void layout(const Rect& r, RouteTables& routes) const override {
    if (p_ < 2) return;
    for (int x = r.x; x < r.x + p_; ++x) {
      if (s_.algorithm == GemvAlgorithm::Pipeline) {
        routes.install(route_reduce_chain(column_cells(x, r.y, r.y + p_ - 1), col(kD1), col(kD1 + 1)));
        routes.install(route_column_broadcast(x, r.y, r.y + p_ - 1, r.y + p_ - 1, col(kBUp)));
        continue;
      }
      for (int grp = 0; grp < g_; ++grp) {  // phase 1
        const int base = r.y + grp * n_, root = base + n_ / 2, end = base + n_ - 1;
        if (root > base) routes.install(route_reduce_chain(column_cells(x, base, root), col(kD1), col(kD1 + 1)));
        if (end > root) {
          auto cells = column_cells(x, root, end);
          std::reverse(cells.begin(), cells.end());
          routes.install(route_reduce_chain(cells, col(kU1), col(kU1 + 1)));
        }
      }
      const int top = root_group();  // phase 2: segments between consecutive group roots
      for (int grp = 0; grp < top; ++grp)
        routes.install(route_p2p_xy({x, r.y + root_row(grp)}, {x, r.y + root_row(grp + 1)},
                                    col(kD2 + grp % 2)));
      for (int grp = g_ - 1; grp > top; --grp)
        routes.install(route_p2p_xy({x, r.y + root_row(grp)}, {x, r.y + root_row(grp - 1)},
                                    col(kU2 + (g_ - 1 - grp) % 2)));
      const int gr = r.y + root_row(top);
      if (gr > r.y) routes.install(route_column_broadcast(x, r.y, gr, gr, col(kBUp)));
      if (gr < r.y + p_ - 1) routes.install(route_column_broadcast(x, gr, r.y + p_ - 1, gr, col(kBDown)));
    }
  }

  void setup(PeSetup& pe, Coord at, const Rect& r) const override {
    pe.buffer("x", DType::F16, mt_);
    pe.buffer("w", DType::F16, static_cast<std::int64_t>(mt_) * nt_);
    pe.buffer("y", DType::F16, nt_);
    const int py = at.y - r.y, mt = mt_, nt = nt_;
    const std::vector<Step> steps = plan(py);
    pe.bind_local(kMain, [=](PeContext& c) {
      const View y = c.view("y");
      c.gemv_acc(y, c.view("x"), c.view("w"), mt, nt);
      for (const Step& s : steps) {
        switch (s.kind) {
          case Step::Send:
            c.send(col(s.out), y);
            break;
          case Step::Relay:
            c.recv_add_send(col(s.in), col(s.out), y);
            break;
          case Step::Accumulate:
            c.recv_add(col(s.in), y);
            break;
          case Step::Receive:
            c.recv(col(s.in), y);
            break;
        }
      }
    });
    pe.activate(kMain);
  }

  void fill(PeArray& pes, const Rect& r) const override {
    const TestMatrix x(1, s_.m, s_.seed, 3, s_.values), w(s_.m, s_.n, s_.seed, 4, s_.values);
    for (int py = 0; py < p_; ++py)
      for (int px = 0; px < p_; ++px) {
        PeEngine& pe = *pes.at({r.x + px, r.y + py});
        const Buffer& xb = PeContext(pe).buffer("x");
        const Buffer& wb = PeContext(pe).buffer("w");
        for (int m = 0; m < mt_; ++m) {
          pe.sram().write(xb, static_cast<std::uint32_t>(m), x.at(0, py * mt_ + m));
          for (int n = 0; n < nt_; ++n)
            pe.sram().write(wb, static_cast<std::uint32_t>(m * nt_ + n),
                            w.at(py * mt_ + m, px * nt_ + n));
        }
      }
  }

  std::string check(PeArray& pes, const Rect& r) const override {
    const TestMatrix x(1, s_.m, s_.seed, 3, s_.values), w(s_.m, s_.n, s_.seed, 4, s_.values);
    ErrorCheck e;
    // Roundings on any path: Mt FMAs, then one add per PE the partial sums pass through.
    const int roundings = mt_ + p_ + 1;
    for (int px = 0; px < p_; ++px)
      for (int n = 0; n < nt_; ++n) {
        const int j = px * nt_ + n;
        if (j >= s_.n) continue;
        double want = 0, mag = 0;
        for (int m = 0; m < s_.m; ++m) {
          const double t = static_cast<double>(x.at(0, m)) * w.at(m, j);
          want += t;
          mag += std::fabs(t);
        }
        for (int py = 0; py < p_; ++py) {
          PeEngine& pe = *pes.at({r.x + px, r.y + py});
          e.compare(pe.sram().read(PeContext(pe).buffer("y"), static_cast<std::uint32_t>(n)),
                    want, ErrorCheck::bound(roundings, mag),
                    "y[" + std::to_string(j) + "] at PE " + to_string({r.x + px, r.y + py}));
        }
      }
    report_ = {{"compared", e.compared()},
               {"max_abs_error", e.max_abs_error()},
               {"max_error_bound", e.max_bound()}};
    return e.failure();
  }
  nlohmann::ordered_json check_report() const override { return report_; }

 private:
  struct Step {
    enum Kind : std::uint8_t { Send, Relay, Accumulate, Receive } kind;
    int in = 0, out = 0;
  };
  int root_row(int grp) const { return grp * n_ + n_ / 2; }
  int root_group() const {
    return s_.algorithm == GemvAlgorithm::Pipeline ? 0 : g_ / 2;
  }

  // The allreduce steps of the PE in row py (relative to the rectangle).
  std::vector<Step> plan(int py) const {
    std::vector<Step> out;
    if (p_ < 2) return out;
    const int last = p_ - 1;
    if (s_.algorithm == GemvAlgorithm::Pipeline) {
      // Chain position k = py sends on colour kD1 + k % 2 and receives on the other.
      if (py == 0)
        out.push_back({Step::Send, 0, kD1});
      else if (py < last)
        out.push_back({Step::Relay, kD1 + (py - 1) % 2, kD1 + py % 2});
      else
        out.push_back({Step::Accumulate, kD1 + (py - 1) % 2, 0});
      if (py == last)
        out.push_back({Step::Send, 0, kBUp});
      else
        out.push_back({Step::Receive, kBUp, 0});
      return out;
    }
    // Phase 1.
    const int grp = py / n_, base = grp * n_, root = root_row(grp), end = base + n_ - 1;
    auto chain = [&](int k, int first_colour, bool is_end) {
      if (k == 0)
        out.push_back({Step::Send, 0, first_colour});
      else if (!is_end)
        out.push_back({Step::Relay, first_colour + (k - 1) % 2, first_colour + k % 2});
      else
        out.push_back({Step::Accumulate, first_colour + (k - 1) % 2, 0});
    };
    if (py < root) chain(py - base, kD1, false);
    if (py > root) chain(end - py, kU1, false);
    if (py == root) {
      if (root > base) chain(root - base, kD1, true);
      if (end > root) chain(end - root, kU1, true);
      // Phase 2 among the roots.
      const int top = root_group();
      if (grp < top) chain(grp, kD2, false);
      if (grp > top) chain(g_ - 1 - grp, kU2, false);
      if (grp == top) {
        if (top > 0) chain(top, kD2, true);
        if (g_ - 1 > top) chain(g_ - 1 - top, kU2, true);
      }
    }
    // Broadcast from the global root.
    const int gr = root_row(root_group());
    if (py == gr) {
      if (gr > 0) out.push_back({Step::Send, 0, kBUp});
      if (gr < last) out.push_back({Step::Send, 0, kBDown});
    } else {
      out.push_back({Step::Receive, py < gr ? kBUp : kBDown, 0});
    }
    return out;
  }

  GemvSpec s_;
  int p_, g_, n_, mt_, nt_;
  mutable nlohmann::ordered_json report_ = nlohmann::ordered_json::object();
};

}  // namespace

const std::vector<std::string>& gemv_algorithm_names() {
  static const std::vector<std::string> n{"meshgemv", "pipeline"};
  return n;
}

int gemv_colours(GemvAlgorithm a) {
  return a == GemvAlgorithm::MeshGemv ? 10 : 3;
}

std::unique_ptr<Program> make_gemv_program(const GemvSpec& spec) {
  return std::make_unique<GemvProgram>(spec);
}

}  // namespace wse
