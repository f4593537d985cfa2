// `wafersim validate PATH...`: runs every scenario under the given files or folders (each in its
// own process, N at a time), checks each one's `expect:` list against its summary, prints a
// pass/fail table with the measured value beside every check, optionally writes JUnit XML, and
// returns 0 only if every check passed. A scenario that fails to load is a failed check.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace wse::app {

struct ValidateOptions {
  std::vector<std::string> paths;
  int jobs = 1;
  std::string junit;  // JUnit XML output file ("" = none)
  std::string exe;    // the wafersim executable to run scenarios with ("" = this one)
};

int cmd_validate(const ValidateOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace wse::app
