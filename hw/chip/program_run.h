// One firmware program on a rectangle of PEs, as a run: routes laid out and validated before
// simulation (colour budget, conflicts, with router coordinates), PEs placed (SRAM checked),
// simulated, checked against the reference in functional mode, and measured: kernel cycles (max
// and mean over PEs, as WaferLLM's launchers report), compute efficiency, communication share,
// colours and SRAM per PE. Shared by the `program`, `gemm` and `gemv` workload kinds.
#pragma once

#include <memory>
#include <string>

#include "firmware/program.h"
#include "hw/config/workload.h"

namespace wse {

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
