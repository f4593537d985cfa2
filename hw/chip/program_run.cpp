#include "hw/chip/program_run.h"

#include "hw/chip/pe_stats.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "noc/fabric.h"
#include "noc/link_stats.h"

namespace wse {
namespace {

// Lays the program's routes out and validates them on a second thread while `place` sets the
// PEs up: the two touch disjoint state (route tables, PE array) and on a large grid each is a
// good part of the set-up time. A route problem or layout error wins over a placement error,
// as when they ran one after the other.
struct Setup {
  std::vector<std::string> problems;  // from RouteTables::validate()
  std::exception_ptr placing;         // what place() threw, if the routes were fine
};
Setup layout_while_placing(const Program& program, const Rect& rect, RouteTables& tables,
                           const std::function<void()>& place) {
  Setup out;
  std::exception_ptr routing;
  std::thread routes([&] {
    try {
      program.layout(rect, tables);
      out.problems = tables.validate();
    } catch (...) {
      routing = std::current_exception();
    }
  });
  try {
    place();
  } catch (...) {
    out.placing = std::current_exception();
  }
  routes.join();
  if (routing) std::rethrow_exception(routing);
  if (!out.problems.empty()) out.placing = nullptr;
  return out;
}

}  // namespace

PlainRun run_program_plain(const ChipParams& chip, const Program& program, const Rect& rect,
                           Fidelity fidelity, bool functional, bool with_fields,
                           const std::function<void(PeArray&)>& inspect) {
  RouteTables tables(chip);
  PeArray pes(chip, functional);
  const Setup set = layout_while_placing(program, rect, tables, [&] {
    for (int y = rect.y; y < rect.y + rect.height; ++y)
      for (int x = rect.x; x < rect.x + rect.width; ++x)
        pes.place({x, y}, "plain", [&](PeSetup& setup) { program.setup(setup, {x, y}, rect); });
  });
  if (!set.problems.empty()) throw SimulationError(set.problems.front());
  if (set.placing) std::rethrow_exception(set.placing);
  if (functional) program.fill(pes, rect);
  std::unique_ptr<FabricEngine> engine;
  if (fidelity == Fidelity::Stream) {
    auto stream = std::make_unique<StreamFabric>(chip, tables, pes);
    pes.attach(*stream);
    engine = std::move(stream);
  } else {
    FabricOptions opts;
    opts.stall_limit = 0;
    auto wavelet = std::make_unique<WaveletFabric>(chip, opts, &tables, pes);
    pes.attach(*wavelet);
    engine = std::move(wavelet);
  }
  while (!engine->idle()) engine->step();
  engine->check_drained();
  PlainRun r;
  if (functional) {
    const std::string mismatch = program.check(pes, rect);
    if (!mismatch.empty()) throw SimulationError("wrong result: " + mismatch);
    r.check = program.check_report();
  }
  double sum = 0;
  for (int y = rect.y; y < rect.y + rect.height; ++y)
    for (int x = rect.x; x < rect.x + rect.width; ++x) {
      const PeEngine& pe = *pes.at({x, y});
      const std::int64_t f = pe.counters().finish_cycle;
      r.cycles_max = std::max(r.cycles_max, f);
      sum += static_cast<double>(f);
      const auto& marks = pe.marks();
      if (r.marks_max.size() < marks.size()) r.marks_max.resize(marks.size(), -1);
      for (std::size_t i = 0; i < marks.size(); ++i)
        r.marks_max[i] = std::max(r.marks_max[i], marks[i]);
    }
  r.cycles_mean = sum / (static_cast<double>(rect.width) * rect.height);
  r.events = engine->counters().busy_cycles;
  r.messages = engine->counters().messages;
  r.energy = energy_counters(pes, rect, *engine);
  if (inspect) inspect(pes);
  if (with_fields) {
    r.fields["links"] = link_utilisation_json(*engine, Cycles(r.cycles_max));
    r.fields["pes"] = pe_fields_json(pes, rect, r.cycles_max);
  }
  return r;
}

ProgramRun::ProgramRun(const Scenario& s, std::string name, nlohmann::ordered_json config,
                       std::unique_ptr<Program> program, Rect rect, const Location& where,
                       const std::string& key)
    : chip_(s.chip.params),
      run_(s.run),
      name_(std::move(name)),
      config_(std::move(config)),
      program_(std::move(program)),
      rect_(rect),
      tables_(chip_),
      pes_(chip_, s.run.data == DataMode::Functional) {
  const Setup set = layout_while_placing(*program_, rect_, tables_, [&] {
    for (int y = rect_.y; y < rect_.y + rect_.height; ++y)
      for (int x = rect_.x; x < rect_.x + rect_.width; ++x)
        pes_.place({x, y}, name_, [&](PeSetup& setup) { program_->setup(setup, {x, y}, rect_); });
  });
  const auto& problems = set.problems;  // before simulation, with router coordinates
  if (!problems.empty()) {
    throw ConfigError(
        where, key,
        "program '" + name_ + "' on this rectangle: " + problems.front() +
            (problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)" : ""),
        "", "Use a smaller grid or fewer colours, or a chip with more colours");
  }
  try {
    if (set.placing) std::rethrow_exception(set.placing);
  } catch (const ConfigError& e) {  // SRAM overflow: blame the scenario key that sized the tiles
    throw ConfigError(where, key, "program '" + name_ + "': " + e.problem(), "",
                      "Use a larger grid (smaller tiles per PE) or smaller matrices");
  }
}

nlohmann::ordered_json ProgramRun::config_json() const {
  nlohmann::ordered_json j = config_;
  const nlohmann::ordered_json params = program_->config_json();
  for (auto it = params.begin(); it != params.end(); ++it) j[it.key()] = it.value();
  return j;
}

RunResult ProgramRun::run() {
  const bool functional = run_.data == DataMode::Functional;
  if (functional) program_->fill(pes_, rect_);
  // One of the two fidelities, on the same routes and firmware.
  std::unique_ptr<FabricShell> shell;
  if (run_.fidelity == Fidelity::Stream) {
    auto stream = std::make_unique<StreamFabricModule>("fabric", chip_, tables_, pes_,
                                                       run_.progress, run_.max_cycles);
    pes_.attach(stream->engine());
    shell = std::move(stream);
  } else {
    FabricOptions opts;
    opts.stall_limit = 0;  // long compute legitimately leaves the fabric quiet
    opts.progress = run_.progress;
    auto wavelet = std::make_unique<Fabric>("fabric", chip_, opts, &tables_, pes_, run_.max_cycles);
    pes_.attach(wavelet->engine());
    shell = std::move(wavelet);
  }
  FabricShell& fabric = *shell;
  sc_core::sc_start();
  fabric.rethrow_if_failed();
  std::string verdict = "not checked (timing data mode)";
  if (functional) {
    const std::string mismatch = program_->check(pes_, rect_);
    if (!mismatch.empty())
      throw SimulationError("program '" + name_ + "' computed a wrong result: " + mismatch);
    verdict = "pass";
  }
  std::uint64_t flops = 0, sent = 0, tasks = 0, sram_read = 0, sram_written = 0;
  std::int64_t finish_max = 0, sram_max = 0;
  double finish_sum = 0, comm_share_sum = 0, colours_sum = 0;
  std::size_t colours_max = 0;
  std::vector<bool> used(static_cast<std::size_t>(chip_.noc.colours), false);
  for (int y = rect_.y; y < rect_.y + rect_.height; ++y)
    for (int x = rect_.x; x < rect_.x + rect_.width; ++x) {
      PeEngine& pe = *pes_.at({x, y});
      const PeCounters& c = pe.counters();
      flops += c.flops;
      sent += c.wavelets_sent;
      tasks += c.tasks_run;
      sram_read += pe.sram().counters().bytes_read;
      sram_written += pe.sram().counters().bytes_written;
      finish_max = std::max(finish_max, c.finish_cycle);
      finish_sum += static_cast<double>(c.finish_cycle);
      if (c.finish_cycle > 0)
        comm_share_sum +=
            1.0 - static_cast<double>(c.compute_cycles) / static_cast<double>(c.finish_cycle);
      sram_max = std::max(sram_max, pe.sram_bytes_used());
      const std::vector<Color> here = tables_.colours_at(chip_.node({x, y}));
      for (const Color c : here)
        if (c.value() < used.size()) used[c.value()] = true;
      const std::size_t colours = here.size();
      colours_max = std::max(colours_max, colours);
      colours_sum += static_cast<double>(colours);
    }
  const double pes = static_cast<double>(rect_.width) * rect_.height;
  const double peak_per_cycle = 2.0 * chip_.pe.lanes.f16_fma * pes;
  RunResult out;
  auto& m = out.metrics;
  m["kernel_cycles_max"] = finish_max;
  m["kernel_cycles_mean"] = finish_sum / pes;
  m["kernel_us_max"] = static_cast<double>(finish_max) / chip_.clock_hz * 1e6;
  m["kernel_us_mean"] = finish_sum / pes / chip_.clock_hz * 1e6;
  const double useful = program_->useful_flops();
  if (useful > 0 && finish_max > 0)
    m["compute_efficiency"] = useful / (peak_per_cycle * static_cast<double>(finish_max));
  if (finish_max > 0)
    m["executed_flops_efficiency"] =
        static_cast<double>(flops) / (peak_per_cycle * static_cast<double>(finish_max));
  m["communication_share_mean"] = comm_share_sum / pes;
  m["colours_used"] = std::count(used.begin(), used.end(), true);  // distinct ids in the grid
  m["colours_per_pe_max"] = colours_max;
  m["colours_per_pe_mean"] = colours_sum / pes;
  m["sram_bytes_per_pe_max"] = sram_max;
  m["simulated_cycles"] = fabric.last_cycle().count();
  m["simulated_us"] = static_cast<double>(fabric.last_cycle().count()) / chip_.clock_hz * 1e6;
  m["pes"] = rect_.width * rect_.height;
  m["flops"] = flops;
  m["wavelets_sent"] = sent;
  m["wavelet_hops"] = fabric.base_engine().counters().wavelet_hops;
  m["tasks_run"] = tasks;
  m["sram_bytes_read"] = sram_read;
  m["sram_bytes_written"] = sram_written;
  m["functional_check"] = verdict;
  // Energy: the events of the kernel plus static power of its PEs for its duration.
  const EnergyBreakdown energy =
      energy_of(chip_.energy, energy_counters(pes_, rect_, fabric.base_engine()),
                pes * static_cast<double>(finish_max) / chip_.clock_hz);
  energy.to_metrics(m, "energy_uj_", 1e6);
  const nlohmann::ordered_json report = program_->check_report();
  for (auto it = report.begin(); it != report.end(); ++it) m["check_" + it.key()] = it.value();
  out.stats["fabric"] = fabric_counters_json(fabric.base_engine());
  out.stats["fabric"]["activations"] = fabric.activations();
  out.stats["links"] = link_utilisation_json(fabric.base_engine(), fabric.last_cycle());
  out.stats["pes"] = pe_fields_json(pes_, rect_, finish_max);
  return out;
}

}  // namespace wse
