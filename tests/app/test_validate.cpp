// `wafersim validate`: expectations pass and fail with the measured value shown, comparisons
// against another scenario, a scenario that fails to load, JUnit XML, the exit status.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "app/validate.h"
#include "cli_harness.h"
#include "hw/config/scenario.h"

namespace fs = std::filesystem;

namespace wse::app {
namespace {

using wse::app::testing::slurp;
using wse::app::testing::temp_dir;

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

const char* kGemv =
    "chip: test8x8\n"
    "workload: {kind: gemv, algorithm: meshgemv, grid: 4, m: 16, n: 16, groups: 2}\n"
    "run: {fidelity: %s, data: functional}\n";

std::string gemv(const std::string& fidelity, const std::string& expect) {
  char buf[512];
  std::snprintf(buf, sizeof buf, kGemv, fidelity.c_str());
  return std::string(buf) + "expect:\n" + expect;
}

struct Out {
  int code;
  std::string out, err;
};

Out validate(std::vector<std::string> paths, const std::string& junit = "") {
  ValidateOptions o;
  o.paths = std::move(paths);
  o.jobs = 2;
  o.junit = junit;
  o.exe = WAFERSIM_EXE;
  std::ostringstream out, err;
  const int code = cmd_validate(o, out, err);
  return {code, out.str(), err.str()};
}

TEST(Validate, PassingSuiteExitsZeroAndShowsMeasuredValues) {
  const std::string d = temp_dir("pass");
  write(
      d + "/w.yaml",
      gemv("wavelet",
           "  - {invariant: functional}\n  - {metric: kernel_cycles_max, min: 1, max: 100000}\n"));
  write(d + "/s.yaml", gemv("stream",
                            "  - {metric: kernel_cycles_max, against: w.yaml, rel_tol: 0.01}\n  - "
                            "{metric: colours_used, equal: 3}\n"));
  const Out r = validate({d}, d + "/junit.xml");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 of 4 checks passed in 2 scenarios"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kernel_cycles_max == (w.yaml) (rel 0.01)"), std::string::npos) << r.out;
  const std::string xml = slurp(d + "/junit.xml");
  EXPECT_NE(xml.find("<testsuites name=\"wafersim validate\" tests=\"4\" failures=\"0\">"),
            std::string::npos)
      << xml;
}

TEST(Validate, FailedChecksAndUnloadableScenariosAreReportedNotFatal) {
  const std::string d = temp_dir("fail");
  write(d + "/a.yaml", gemv("wavelet",
                            "  - {metric: kernel_cycles_max, max: 10}\n  - {metric: "
                            "no_such_metric, equal: 1}\n  - {invariant: completed}\n"));
  write(d + "/broken.yaml", "chip: test8x8\nworkload: {kind: gemv, algorithm: fastest}\n");
  write(d + "/syntax.yaml", "chip: [test8x8\n");
  write(d + "/deadlock.yaml",
        "chip: test8x8\nworkload: {kind: gemv, algorithm: meshgemv, grid: 4, m: 16, n: 16, groups: "
        "3}\n"
        "expect:\n  - {invariant: completed}\n");
  const Out r = validate({d}, d + "/junit.xml");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("FAIL: above the maximum 10"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL: the run reports no metric 'no_such_metric'"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("broken.yaml"), std::string::npos);
  EXPECT_NE(r.out.find("workload.algorithm"), std::string::npos) << r.out;  // the load error
  EXPECT_NE(r.out.find("workload.groups"), std::string::npos) << r.out;     // refused by the run
  EXPECT_NE(r.out.find("syntax.yaml"), std::string::npos)
      << r.out;  // fails to load: a failed check
  EXPECT_NE(r.out.find("1 of 6 checks passed in 4 scenarios"), std::string::npos) << r.out;
  const std::string xml = slurp(d + "/junit.xml");
  EXPECT_NE(xml.find("tests=\"6\" failures=\"5\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"above the maximum 10\">"), std::string::npos) << xml;
}

TEST(Validate, ExpectationSyntaxErrorsAreLocated) {
  const std::string d = temp_dir("syntax");
  write(d + "/x.yaml", gemv("wavelet", "  - {metric: kernel_cycles_max, equals: 3}\n"));
  try {
    load_scenario(d + "/x.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("x.yaml:5:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("expect.equals"), std::string::npos) << e.what();
  }
  write(d + "/y.yaml", gemv("wavelet", "  - {invariant: fast}\n"));
  EXPECT_THROW(load_scenario(d + "/y.yaml"), ConfigError);
  write(d + "/z.yaml", gemv("wavelet", "  - {metric: kernel_cycles_max}\n"));
  EXPECT_THROW(load_scenario(d + "/z.yaml"), ConfigError);
}

TEST(Validate, NoPathsOrNoScenariosIsBadInput) {
  EXPECT_EQ(validate({}).code, 2);
  const std::string d = temp_dir("empty");
  EXPECT_EQ(validate({d}).code, 2);
}

}  // namespace
}  // namespace wse::app
