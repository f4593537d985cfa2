// GEMV kernels: MeshGEMV and the pipeline-allreduce baseline (waferllm-algorithms.md 2.2;
// wafer-fabric.md 6.1, "two_tree_allreduce_y").
//
// PE (x, y) of the P x P rectangle holds x[y-chunk] (Mt halfs) and W[y-block, x-block] (Mt x Nt,
// row-major), computes its partial y (Nt halfs), and an allreduce along its column leaves
// y[x-chunk] in every PE of column x. All fabric ops are synchronous, as in the reference.
//
// MeshGEMV's allreduce is the two-level tree of firmware/allreduce.h with g groups of P/g rows
// (10 colours per PE); the pipeline baseline reduces down the whole column into the last row and
// broadcasts back up (3 colours).
#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "firmware/allreduce.h"
#include "firmware/kernels.h"

namespace wse {
namespace {

constexpr int kMain = 1;  // colours 1-10 (firmware/allreduce.h)

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
    for (int x = r.x; x < r.x + p_; ++x) install_allreduce(line(r, x), routes);
  }

  void setup(PeSetup& pe, Coord at, const Rect& r) const override {
    pe.buffer("x", DType::F16, mt_);
    pe.buffer("w", DType::F16, static_cast<std::int64_t>(mt_) * nt_);
    pe.buffer("y", DType::F16, nt_);
    const int mt = mt_, nt = nt_;
    const std::vector<ReduceStep> steps = allreduce_plan(line(r, at.x), at.y);
    pe.bind_local(kMain, [=](PeContext& c) {
      const View y = c.view("y");
      c.gemv_acc(y, c.view("x"), c.view("w"), mt, nt);
      run_allreduce(c, steps, y);
    });
    pe.activate(kMain);
  }

  void fill(PeArray& pes, const Rect& r) const override {
    const TestMatrix& x = input_x();
    const TestMatrix& w = input_w();
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
    const TestMatrix& x = input_x();
    const TestMatrix& w = input_w();
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
          e.compare(pe.sram().read(PeContext(pe).buffer("y"), static_cast<std::uint32_t>(n)), want,
                    ErrorCheck::bound(roundings, mag),
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
  LineAllreduce line(const Rect& r, int x) const {
    LineAllreduce l;
    l.shape = s_.algorithm == GemvAlgorithm::MeshGemv ? LineAllreduce::Shape::Tree
                                                      : LineAllreduce::Shape::Chain;
    l.axis = Axis::Y;
    l.fixed = x;
    l.lo = r.y;
    l.hi = r.y + p_ - 1;
    l.groups = g_;
    l.colour_base = 1;
    return l;
  }

  const TestMatrix& input_x() const {
    if (!s_.x) s_.x = std::make_shared<TestMatrix>(1, s_.m, s_.seed, 3, s_.values);
    return *s_.x;
  }
  const TestMatrix& input_w() const {
    if (!s_.w) s_.w = std::make_shared<TestMatrix>(s_.m, s_.n, s_.seed, 4, s_.values);
    return *s_.w;
  }

 public:
  std::vector<float> read(PeArray& pes, const Rect& r) const {
    std::vector<float> y(static_cast<std::size_t>(s_.n), 0.0f);
    for (int px = 0; px < p_; ++px) {
      PeEngine& pe = *pes.at({r.x + px, r.y});
      const Buffer& yb = PeContext(pe).buffer("y");
      for (int n = 0; n < nt_; ++n)
        if (px * nt_ + n < s_.n)
          y[static_cast<std::size_t>(px * nt_ + n)] =
              pe.sram().read(yb, static_cast<std::uint32_t>(n));
    }
    return y;
  }

 private:
  mutable GemvSpec s_;
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

std::vector<float> read_gemv_output(const Program& program, PeArray& pes, const Rect& rect) {
  const auto* g = dynamic_cast<const GemvProgram*>(&program);
  if (!g) throw std::invalid_argument("read_gemv_output needs a GEMV program");
  return g->read(pes, rect);
}

std::unique_ptr<Program> make_gemv_program(const GemvSpec& spec) {
  return std::make_unique<GemvProgram>(spec);
}

}  // namespace wse
