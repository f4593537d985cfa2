// One firmware program on a rectangle of PEs, as a run: routes laid out and validated before
// simulation (colour budget, conflicts, with router coordinates), PEs placed (SRAM checked),
// simulated, checked against the reference in functional mode, and measured: kernel cycles (max
// and mean over PEs, as WaferLLM's launchers report), compute efficiency, communication share,
// colours and SRAM per PE. Shared by the `program`, `gemm` and `gemv` workload kinds.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "firmware/program.h"
#include "hw/chip/energy.h"
#include "hw/config/workload.h"

namespace wse {

// A program run on the plain engines, without the SystemC kernel: several runs fit in one
// process (tests comparing the two fidelities). Throws SimulationError on a wrong result.
struct PlainRun {
  std::int64_t cycles_max = 0;          // kernel cycles, max over PEs
  double cycles_mean = 0;               // mean over PEs
  std::uint64_t events = 0;             // busy cycles of the fabric calendar
  std::vector<std::int64_t> marks_max;  // per PeContext::mark id: the latest PE to pass it
  std::uint64_t messages = 0;           // fabric messages (stream) or packets sent
  EnergyCounters energy;                // the run's energy events (hw/chip/energy.h)
  nlohmann::ordered_json check = nlohmann::ordered_json::object();
  nlohmann::ordered_json fields;  // with_fields: per-link and per-PE grids for the pictures
};
PlainRun run_program_plain(const ChipParams& chip, const Program& program, const Rect& rect,
                           Fidelity fidelity, bool functional, bool with_fields = false,
                           const std::function<void(PeArray&)>& inspect = {});

class ProgramRun : public Workload {
 public:
  // `where` and `key` locate the scenario key blamed when the layout breaks a chip limit.
  ProgramRun(const Scenario& s, std::string name, nlohmann::ordered_json config,
             std::unique_ptr<Program> program, Rect rect, const Location& where,
             const std::string& key);
  nlohmann::ordered_json config_json() const override;
  RunResult run() override;

 private:
  ChipParams chip_;
  RunParams run_;
  std::string name_;
  nlohmann::ordered_json config_;
  std::unique_ptr<Program> program_;
  Rect rect_;
  RouteTables tables_;
  PeArray pes_;
};

}  // namespace wse
