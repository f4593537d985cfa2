#include "hw/chip/program_workload.h"

#include "firmware/program.h"
#include "noc/fabric.h"
#include "noc/link_stats.h"

namespace wse {
namespace {

struct PlacementParams {
  std::string program;
  std::vector<int> rect;  // x, y, width, height; empty = the whole mesh
};

const ParamTable<PlacementParams>& placement_table() {
  static const ParamTable<PlacementParams> t = [] {
    ParamTable<PlacementParams> t;
    t.text(
        "program", "row_broadcast", "registered program to run ('wafersim list' shows them)",
        [](PlacementParams & p) -> auto& { return p.program; });
    t.int_list(
        "rect", UnitKind::None, "[]", 0, 4096,
        "x, y, width, height of the PE rectangle; [] = the whole mesh",
        [](PlacementParams & p) -> auto& { return p.rect; });
    return t;
  }();
  return t;
}

class ProgramWorkload : public Workload {
 public:
  ProgramWorkload(const Scenario& s, PlacementParams p, std::unique_ptr<Program> program, Rect rect)
      : chip_(s.chip.params),
        run_(s.run),
        p_(std::move(p)),
        program_(std::move(program)),
        rect_(rect),
        tables_(chip_),
        pes_(chip_, s.run.data == DataMode::Functional) {
    program_->layout(rect_, tables_);
    const auto problems = tables_.validate();  // before simulation, with router coordinates
    if (!problems.empty()) {
      throw ConfigError(
          workload_location(s, "program"), "workload.program",
          "program '" + p_.program + "' on this rectangle: " + problems.front() +
              (problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)"
                                   : ""));
    }
    for (int y = rect_.y; y < rect_.y + rect_.height; ++y)
      for (int x = rect_.x; x < rect_.x + rect_.width; ++x)
        pes_.place({x, y}, p_.program, [&](PeSetup& setup) {
          program_->setup(setup, {x, y}, rect_);
        });
  }

  nlohmann::ordered_json config_json() const override {
    nlohmann::ordered_json j = placement_table().to_json(p_);
    const nlohmann::ordered_json params = program_->config_json();
    for (auto it = params.begin(); it != params.end(); ++it) j[it.key()] = it.value();
    return j;
  }

  RunResult run() override {
    const bool functional = run_.data == DataMode::Functional;
    if (functional) program_->fill(pes_, rect_);
    FabricOptions opts;
    opts.stall_limit = 0;  // long compute legitimately leaves the fabric quiet
    opts.progress = run_.progress;
    Fabric fabric("fabric", chip_, opts, &tables_, pes_, run_.max_cycles);
    pes_.attach(fabric.engine());
    sc_core::sc_start();
    fabric.rethrow_if_failed();
    std::string verdict = "not checked (timing data mode)";
    if (functional) {
      const std::string mismatch = program_->check(pes_, rect_);
      if (!mismatch.empty())
        throw SimulationError("program '" + p_.program + "' computed a wrong result: " + mismatch);
      verdict = "pass";
    }
    std::uint64_t flops = 0, sent = 0, tasks = 0, sram_read = 0, sram_written = 0;
    for (int y = rect_.y; y < rect_.y + rect_.height; ++y)
      for (int x = rect_.x; x < rect_.x + rect_.width; ++x) {
        PeEngine& pe = *pes_.at({x, y});
        flops += pe.counters().flops;
        sent += pe.counters().wavelets_sent;
        tasks += pe.counters().tasks_run;
        sram_read += pe.sram().counters().bytes_read;
        sram_written += pe.sram().counters().bytes_written;
      }
    RunResult out;
    auto& m = out.metrics;
    m["simulated_cycles"] = fabric.last_cycle().count();
    m["simulated_us"] = static_cast<double>(fabric.last_cycle().count()) / chip_.clock_hz * 1e6;
    m["pes"] = rect_.width * rect_.height;
    m["flops"] = flops;
    m["wavelets_sent"] = sent;
    m["wavelet_hops"] = fabric.engine().counters().wavelet_hops;
    m["tasks_run"] = tasks;
    m["sram_bytes_read"] = sram_read;
    m["sram_bytes_written"] = sram_written;
    m["functional_check"] = verdict;
    out.stats["fabric"] = fabric_counters_json(fabric.engine());
    out.stats["fabric"]["activations"] = fabric.activations();
    out.stats["links"] = link_utilisation_json(fabric.engine(), fabric.last_cycle());
    return out;
  }

 private:
  ChipParams chip_;
  RunParams run_;
  PlacementParams p_;
  std::unique_ptr<Program> program_;
  Rect rect_;
  RouteTables tables_;
  PeArray pes_;
};

std::unique_ptr<Workload> create(const Scenario& s) {
  // The placement keys belong to this workload; the others to the chosen program.
  RawSection mine, theirs;
  for (const auto& e : s.workload.entries())
    (placement_table().find(e.key) ? mine : theirs).set(e.key, e.value);
  PlacementParams p = resolve_section(placement_table(), mine, "workload.");
  const ProgramKind* kind = builtin_programs().find(p.program);
  if (!kind) {
    const std::string near = closest_match(p.program, builtin_programs().names());
    throw ConfigError(workload_location(s, "program"), "workload.program",
                      "unknown program '" + p.program + "'", join(builtin_programs().names()),
                      near.empty() ? "" : "Did you mean '" + near + "'?");
  }
  require_wavelet_fidelity(s, "programs run");
  const ChipParams& chip = s.chip.params;
  Rect rect{0, 0, chip.mesh.width, chip.mesh.height};
  if (!p.rect.empty()) {
    if (p.rect.size() != 4)
      throw ConfigError(workload_location(s, "rect"), "workload.rect",
                        "needs 4 numbers: x, y, width, height");
    rect = Rect{p.rect[0], p.rect[1], p.rect[2], p.rect[3]};
    if (rect.width < 1 || rect.height < 1 || rect.x + rect.width > chip.mesh.width ||
        rect.y + rect.height > chip.mesh.height) {
      throw ConfigError(
          workload_location(s, "rect"), "workload.rect",
          "rectangle " + std::to_string(rect.width) + "x" + std::to_string(rect.height) + " at " +
              to_string(Coord{rect.x, rect.y}) + " does not fit the " +
              std::to_string(chip.mesh.width) + "x" + std::to_string(chip.mesh.height) + " mesh");
    }
  }
  return std::make_unique<ProgramWorkload>(s, std::move(p), kind->create(theirs), rect);
}

}  // namespace

void register_program_workload(WorkloadRegistry& registry) {
  registry.add(WorkloadKind{
      "program", "a registered firmware program on a rectangle of PEs (see Firmware programs)",
      param_infos(placement_table()), create});
}

}  // namespace wse
