// The wafersim executable. Defining main here (instead of SystemC's) lets the CLI silence the
// SystemC banner before the kernel starts; sc_elab_and_sim then calls sc_main.
#include <cstdlib>
#include <iostream>

#include <systemc>

#include "app/cli.h"

int sc_main(int argc, char* argv[]) {
  return wse::app::run_cli(argc, argv, std::cout, std::cerr);
}

int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
