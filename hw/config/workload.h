// Workload kinds: each layer that adds a kind (traffic, program, gemm, gemv, llm, ...) registers
// it with its parameter declarations and a factory, by explicit register_*() calls from the
// application.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/config/scenario.h"
#include "hw/core/registry.h"

namespace wse {

// What a finished run hands back to the application, which writes the files.
struct RunResult {
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();  // snake_case keys with units
  nlohmann::ordered_json stats = nlohmann::ordered_json::object();    // the statistics tree
  std::vector<std::pair<std::string, std::string>> files;  // extra outputs: name, content
};

class Workload {
 public:
  virtual ~Workload() = default;
  // The resolved workload parameters (for summary.json).
  virtual nlohmann::ordered_json config_json() const = 0;
  // Builds the models and simulates. Called once per process, from sc_main. Throws
  // SimulationError when the run cannot complete (deadlock, time limit).
  virtual RunResult run() = 0;
};

struct WorkloadKind {
  std::string name;
  std::string description;
  std::vector<ParamInfo> params;
  // Resolves and validates the scenario's workload parameters against the chip; throws ConfigError.
  std::function<std::unique_ptr<Workload>(const Scenario&)> create;
};

class WorkloadRegistry : public Registry<WorkloadKind> {
 public:
  // Finds the scenario's kind (error with valid kinds if unknown) and creates the workload.
  std::unique_ptr<Workload> create(const Scenario& s) const;
};

// Resolves a workload's parameter struct: defaults, then the scenario's values.
template <class T>
T resolve_workload_params(const ParamTable<T>& table, const Scenario& s) {
  return resolve_section(table, s.workload, "workload.");
}

// Where a workload key was written (for errors), or the `kind` line when it was not.
Location workload_location(const Scenario& s, const std::string& key);
// Throws ConfigError at run.fidelity unless the scenario asks for the wavelet fabric.
void require_wavelet_fidelity(const Scenario& s, const std::string& what);

}  // namespace wse
