// Test entry point: sc_main runs GoogleTest. Any SystemC report of warning severity or worse
// becomes a test failure, so kernel misuse cannot pass silently.
#include <cstdlib>

#include <gtest/gtest.h>
#include <systemc>

namespace {
void report_to_gtest(const sc_core::sc_report& r, const sc_core::sc_actions& actions) {
  if (r.get_severity() >= sc_core::SC_WARNING) {
    ADD_FAILURE() << "SystemC " << (r.get_severity() == sc_core::SC_WARNING ? "warning" : "error")
                  << ": " << r.what();
  }
  sc_core::sc_report_handler::default_handler(r, actions);
}
}  // namespace

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_handler(report_to_gtest);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
