#include "hw/chip/program_workload.h"

#include "firmware/program.h"
#include "hw/chip/program_run.h"

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
  auto program = kind->create(theirs);
  const std::string name = p.program;
  return std::make_unique<ProgramRun>(s, name, placement_table().to_json(p), std::move(program),
                                      rect, workload_location(s, "program"),
                                      "workload.program");
}

}  // namespace

void register_program_workload(WorkloadRegistry& registry) {
  registry.add(WorkloadKind{
      "program", "a registered firmware program on a rectangle of PEs (see Firmware programs)",
      param_infos(placement_table()), create});
}

}  // namespace wse
