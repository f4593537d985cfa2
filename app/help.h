// Text generated from the parameter declarations: --help-config and `list`.
#pragma once

#include <ostream>

namespace wse::app {

void print_help_config(std::ostream& out);
void print_list(std::ostream& out);

}  // namespace wse::app
