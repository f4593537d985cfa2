#include "hw/chip/kernel_workload.h"

#include <cmath>

#include "firmware/allreduce.h"
#include "firmware/kernels.h"
#include "hw/chip/program_run.h"
#include "hw/core/error.h"
#include "noc/route_table.h"

namespace wse {
namespace {

struct KernelParams {
  std::string algorithm;
  int m = 0, k = 0, n = 0;
  int grid = 0;    // 0 = the largest square that fits the mesh
  int groups = 0;  // GEMV: 0 = the divisor of P nearest sqrt(P)
  std::vector<int> origin;
  KernelValues values = KernelValues::Integers;
  bool sampled = false;  // gemm: compute-shift steps sampled and extrapolated
};

// Declarations shared by both kinds; `gemm` adds k, `gemv` adds groups.
ParamTable<KernelParams> kernel_table(bool gemm) {
  ParamTable<KernelParams> t;
  const auto& names = gemm ? gemm_algorithm_names() : gemv_algorithm_names();
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  t.text(
      "algorithm", names.front(), "kernel algorithm: " + all,
      [](KernelParams & p) -> auto& { return p.algorithm; });
  t.integer(
      "m", UnitKind::None, gemm ? "2048" : "4096", 1, 1 << 20,
      gemm ? "rows of A and C" : "length of x (rows of W)",
      [](KernelParams & p) -> auto& { return p.m; });
  if (gemm)
    t.integer(
        "k", UnitKind::None, "2048", 1, 1 << 20, "columns of A, rows of B",
        [](KernelParams & p) -> auto& { return p.k; });
  t.integer(
      "n", UnitKind::None, gemm ? "2048" : "4096", 1, 1 << 20,
      gemm ? "columns of B and C" : "columns of W (length of y)",
      [](KernelParams & p) -> auto& { return p.n; });
  t.integer(
      "grid", UnitKind::None, "0", 0, 4096,
      "P: the kernel runs on P x P PEs; 0 = the largest square that fits the mesh",
      [](KernelParams & p) -> auto& { return p.grid; });
  if (!gemm)
    t.integer(
        "groups", UnitKind::None, "0", 0, 4096,
        "g of MeshGEMV's two-level tree (must divide P); 0 = the divisor of P nearest sqrt(P)",
        [](KernelParams & p) -> auto& { return p.groups; });
  t.int_list(
      "origin", UnitKind::None, "[0, 0]", 0, 4095, "x, y of the grid's north-west PE",
      [](KernelParams & p) -> auto& { return p.origin; });
  t.choice<KernelValues>(
      "values", {{"integers", KernelValues::Integers}, {"uniform", KernelValues::Uniform}},
      "integers",
      "functional inputs: integers in [-2, 2] (exact in fp16 up to a reduction length of 512) or "
      "uniform [-1, 1); results are checked against the fp16 rounding bound",
      [](KernelParams & p) -> auto& { return p.values; });
  if (gemm)
    t.choice<bool>(
        "steps", {{"all", false}, {"sampled", true}}, "all",
        "all: simulate every step; sampled (timing data): run 8 and 16 of the P steps and "
        "extrapolate to P - MeshGEMM's and Cannon's steps are periodic once the rings are full "
        "(their alignment runs proportionally fewer rounds), SUMMA's sampled steps take broadcast "
        "roots spread evenly over the line",
        [](KernelParams & p) -> auto& { return p.sampled; });
  return t;
}

const ParamTable<KernelParams>& table(bool gemm) {
  static const ParamTable<KernelParams> g = kernel_table(true), v = kernel_table(false);
  return gemm ? g : v;
}

std::string divisors_of(int p) {
  std::string s;
  for (int d = 1; d <= p; ++d)
    if (p % d == 0) s += (s.empty() ? "" : ", ") + std::to_string(d);
  return s;
}

// Resolves what both kinds share: the algorithm index and the rectangle.
int resolve_common(const Scenario& s, KernelParams& p, bool gemm, Rect& rect) {
  const auto& names = gemm ? gemm_algorithm_names() : gemv_algorithm_names();
  int algorithm = -1;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == p.algorithm) algorithm = static_cast<int>(i);
  if (algorithm < 0) {
    const std::string near = closest_match(p.algorithm, names);
    throw ConfigError(workload_location(s, "algorithm"), "workload.algorithm",
                      "unknown algorithm '" + p.algorithm + "'", join(names),
                      near.empty() ? "" : "Did you mean '" + near + "'?");
  }
  const ChipParams& chip = s.chip.params;
  if (p.origin.size() != 2)
    throw ConfigError(workload_location(s, "origin"), "workload.origin", "needs 2 numbers: x, y");
  const int ox = p.origin[0], oy = p.origin[1];
  if (p.grid == 0) p.grid = std::max(0, std::min(chip.mesh.width - ox, chip.mesh.height - oy));
  if (p.grid < 1 || ox + p.grid > chip.mesh.width || oy + p.grid > chip.mesh.height) {
    throw ConfigError(workload_location(s, p.grid == 0 ? "origin" : "grid"), "workload.grid",
                      "a " + std::to_string(p.grid) + "x" + std::to_string(p.grid) + " grid at (" +
                          std::to_string(ox) + ", " + std::to_string(oy) + ") does not fit the " +
                          std::to_string(chip.mesh.width) + "x" + std::to_string(chip.mesh.height) +
                          " mesh",
                      "", "Use a smaller grid or origin, or a larger chip");
  }
  rect = Rect{ox, oy, p.grid, p.grid};
  return algorithm;
}

// A GEMM whose compute-shift steps are sampled: two plain runs (k and 2k steps) extrapolated to
// P. Reports the kernel's time, efficiency and energy; per-PE pictures and fabric counters
// belong to full runs.
class SampledGemmRun : public Workload {
 public:
  SampledGemmRun(const Scenario& s, nlohmann::ordered_json config, GemmSpec spec, Rect rect)
      : chip_(s.chip.params), run_(s.run), config_(std::move(config)), spec_(spec), rect_(rect) {}
  nlohmann::ordered_json config_json() const override { return config_; }
  RunResult run() override {
    PlainRun at[2];
    std::int64_t sram_max = 0;
    std::size_t colours_max = 0;
    for (int i = 0; i < 2; ++i) {
      GemmSpec g = spec_;
      g.pass_steps = kSample << i;
      const auto program = make_gemm_program(g);
      at[i] =
          run_program_plain(chip_, *program, rect_, run_.fidelity, false, false, [&](PeArray& pes) {
            for (int y = rect_.y; y < rect_.y + rect_.height; ++y)
              for (int x = rect_.x; x < rect_.x + rect_.width; ++x)
                sram_max = std::max(sram_max, pes.at({x, y})->sram_bytes_used());
          });
      if (i == 0) {
        RouteTables tables(chip_);
        program->layout(rect_, tables);
        for (int y = rect_.y; y < rect_.y + rect_.height; ++y)
          for (int x = rect_.x; x < rect_.x + rect_.width; ++x)
            colours_max = std::max(colours_max, tables.colours_at(chip_.node({x, y})).size());
      }
    }
    const int p = spec_.grid;
    const double cmax = extrapolate_steps(static_cast<double>(at[0].cycles_max),
                                          static_cast<double>(at[1].cycles_max), kSample, p),
                 cmean = extrapolate_steps(at[0].cycles_mean, at[1].cycles_mean, kSample, p);
    const double f = static_cast<double>(p - kSample) / kSample;
    EnergyCounters events = at[0].energy.scaled(1 - f);
    events += at[1].energy.scaled(f);
    const double pes = static_cast<double>(rect_.width) * rect_.height;
    RunResult out;
    auto& m = out.metrics;
    m["step_coverage"] = "steps simulated for " + std::to_string(kSample) + " and " +
                         std::to_string(2 * kSample) + " of " + std::to_string(p) +
                         ", extrapolated";
    m["kernel_cycles_max"] = std::llround(cmax);
    m["kernel_cycles_mean"] = cmean;
    m["kernel_us_max"] = cmax / chip_.clock_hz * 1e6;
    m["kernel_us_mean"] = cmean / chip_.clock_hz * 1e6;
    const double peak_per_cycle = 2.0 * chip_.pe.lanes.f16_fma * pes;
    m["compute_efficiency"] = 2.0 * spec_.m * static_cast<double>(spec_.k) * spec_.n /
                              (peak_per_cycle * std::max(1.0, cmax));
    m["colours_per_pe_max"] = colours_max;
    m["sram_bytes_per_pe_max"] = sram_max;
    m["pes"] = rect_.width * rect_.height;
    m["functional_check"] = "not checked (timing data mode)";
    energy_of(chip_.energy, events, pes * cmax / chip_.clock_hz).to_metrics(m, "energy_uj_", 1e6);
    return out;
  }

 private:
  static constexpr int kSample = 8;
  ChipParams chip_;
  RunParams run_;
  nlohmann::ordered_json config_;
  GemmSpec spec_;
  Rect rect_;
};

std::unique_ptr<Workload> create_gemm(const Scenario& s) {
  KernelParams p = resolve_workload_params(table(true), s);
  Rect rect;
  GemmSpec spec;
  spec.algorithm = static_cast<GemmAlgorithm>(resolve_common(s, p, true, rect));
  spec.m = p.m;
  spec.k = p.k;
  spec.n = p.n;
  spec.grid = p.grid;
  spec.seed = static_cast<std::uint64_t>(s.run.seed);
  spec.values = p.values;
  auto config = table(true).to_json(p);
  if (p.sampled) {
    if (s.run.data == DataMode::Functional)
      throw ConfigError(workload_location(s, "steps"), "workload.steps",
                        "sampled steps compute nothing: functional runs need every step",
                        "all, sampled", "Use steps: all, or run.data: timing");
    if (p.grid > 16) {
      const auto program = make_gemm_program(spec);  // the layout's limits, checked now
      RouteTables tables(s.chip.params);
      program->layout(rect, tables);
      const auto problems = tables.validate();
      if (!problems.empty())
        throw ConfigError(workload_location(s, "grid"), "workload.grid", problems.front());
      // Every PE declares the same buffers: placing one checks the SRAM budget before running.
      try {
        PeArray probe(s.chip.params, false);
        probe.place({rect.x, rect.y}, "gemm/" + p.algorithm, [&](PeSetup& setup) {
          program->setup(setup, {rect.x, rect.y}, rect);
        });
      } catch (const ConfigError& e) {
        throw ConfigError(workload_location(s, "grid"), "workload.grid", e.problem(), "",
                          "Use a larger grid (smaller tiles) or smaller matrices");
      }
      return std::make_unique<SampledGemmRun>(s, config, spec, rect);
    }
  }
  return std::make_unique<ProgramRun>(s, "gemm/" + p.algorithm, config, make_gemm_program(spec),
                                      rect, workload_location(s, "grid"), "workload.grid");
}

std::unique_ptr<Workload> create_gemv(const Scenario& s) {
  KernelParams p = resolve_workload_params(table(false), s);
  Rect rect;
  GemvSpec spec;
  spec.algorithm = static_cast<GemvAlgorithm>(resolve_common(s, p, false, rect));
  if (p.groups == 0) p.groups = nearest_divisor_to_sqrt(p.grid);
  if (spec.algorithm == GemvAlgorithm::MeshGemv && p.grid % p.groups != 0) {
    throw ConfigError(workload_location(s, "groups"), "workload.groups",
                      std::to_string(p.groups) + " groups do not divide the grid's " +
                          std::to_string(p.grid) + " rows",
                      divisors_of(p.grid), "Pick a divisor of the grid size, or 0 for automatic");
  }
  spec.m = p.m;
  spec.n = p.n;
  spec.grid = p.grid;
  spec.groups = p.groups;
  spec.seed = static_cast<std::uint64_t>(s.run.seed);
  spec.values = p.values;
  auto config = table(false).to_json(p);
  return std::make_unique<ProgramRun>(s, "gemv/" + p.algorithm, config, make_gemv_program(spec),
                                      rect, workload_location(s, "grid"), "workload.grid");
}

}  // namespace

void register_kernel_workloads(WorkloadRegistry& registry) {
  registry.add(WorkloadKind{"gemm",
                            "distributed GEMM C = A B on a P x P grid: meshgemm, cannon or summa",
                            param_infos(table(true)), create_gemm});
  registry.add(WorkloadKind{
      "gemv", "distributed GEMV y = x W on a P x P grid: meshgemv (two-level tree) or pipeline",
      param_infos(table(false)), create_gemv});
}

}  // namespace wse
