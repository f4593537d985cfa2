#include "firmware/program.h"

#include "firmware/collectives.h"

namespace wse {

const ProgramRegistry& builtin_programs() {
  static const ProgramRegistry registry = [] {
    ProgramRegistry r;
    register_collective_programs(r);
    return r;
  }();
  return registry;
}

}  // namespace wse
