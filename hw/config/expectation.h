// Expectations a scenario states about its own outcome (the optional `expect:` list), checked by
// `wafersim validate` against the run's summary:
//   - {metric: NAME, equal: V}             exact (numbers or text)
//   - {metric: NAME, equal: V, rel_tol: R} |measured - V| <= R |V|
//   - {metric: NAME, min: A, max: B}       bounds (either or both)
//   - {metric: NAME, against: FILE, rel_tol: R}  the same metric of another scenario's run
//   - {invariant: completed | functional | budgets | delivered}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/core/error.h"

namespace YAML {
class Node;
}

namespace wse {

struct YamlDoc;

struct Expectation {
  std::string metric;     // set for metric checks
  std::string invariant;  // set for invariant checks
  std::optional<double> equal, min, max;
  std::optional<std::string> equal_text;  // a text metric (e.g. functional_check)
  double rel_tol = 0;
  std::string against;  // another scenario file, resolved against this scenario's folder
  Location loc;
  // One line for tables, e.g. "kernel_cycles_max == 5234 (rel 0.01)".
  std::string describe() const;
};

const std::vector<std::string>& invariant_names();

// Parses the `expect:` sequence; throws ConfigError with the entry's position.
std::vector<Expectation> parse_expectations(const YamlDoc& doc, const YAML::Node& list);

// What a finished (or failed) run left for the checks.
struct RunOutcome {
  int exit_code = 0;       // of `wafersim run`: 0 ok, 1 simulation failed, 2 bad input
  std::string error;       // its last error line, if any
  nlohmann::json summary;  // summary.json (null when none was written)
  double sram_budget = 0;  // bytes per PE a program may use (chip SRAM minus reserved)
  int colour_budget = 0;   // routable colours per router
};

struct CheckResult {
  bool pass = false;
  std::string measured;  // the value the check looked at, as text
  std::string message;   // why it failed
};

// `other` is the outcome of the scenario named by `against` (nullptr when not used).
CheckResult evaluate(const Expectation& e, const RunOutcome& run, const RunOutcome* other);

}  // namespace wse
