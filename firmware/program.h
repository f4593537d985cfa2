// Firmware programs: what a program needs from the layout (colour routes over its rectangle) and
// what each PE of the rectangle runs (buffers, tasks). Programs are registered by name with their
// parameter declarations.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/config/raw_config.h"
#include "hw/core/registry.h"
#include "noc/route_table.h"
#include "pe/pe_engine.h"

namespace wse {

struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
  bool contains(Coord c) const {
    return c.x >= x && c.y >= y && c.x < x + width && c.y < y + height;
  }
};

class Program {
 public:
  virtual ~Program() = default;
  virtual nlohmann::ordered_json config_json() const = 0;
  // Installs the program's colour routes for `rect`.
  virtual void layout(const Rect& rect, RouteTables& routes) const = 0;
  // Declares the buffers and tasks of the PE at `at` (inside `rect`).
  virtual void setup(PeSetup& pe, Coord at, const Rect& rect) const = 0;
  // Fills input data before the run (functional mode) and checks results after it; returns a
  // description of the first mismatch, or an empty string.
  virtual void fill(PeArray& pes, const Rect& rect) const = 0;
  virtual std::string check(PeArray& pes, const Rect& rect) const = 0;
  // What the last check() measured (errors, bounds), for the run's metrics.
  virtual nlohmann::ordered_json check_report() const { return nlohmann::ordered_json::object(); }
  // Flops of the problem itself (without padding), for compute efficiency; 0 if not meaningful.
  virtual double useful_flops() const { return 0; }
};

struct ProgramKind {
  std::string name;
  std::string description;
  std::vector<ParamInfo> params;
  // Resolves the program's parameters from raw workload keys (prefix "workload.").
  std::function<std::unique_ptr<Program>(const RawSection&)> create;
};

using ProgramRegistry = Registry<ProgramKind>;

// The programs bundled with wafersim.
const ProgramRegistry& builtin_programs();

}  // namespace wse
