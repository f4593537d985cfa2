// Command-line front end: run, check, list, --help-config.
#pragma once

#include <ostream>

namespace wse::app {

// Returns the process exit status (0 ok, 1 simulation failed, 2 bad input).
int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace wse::app
