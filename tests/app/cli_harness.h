// Runs the command line in-process and keeps its output; temporary folders and file helpers for
// the CLI-level tests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/cli.h"

namespace wse::app::testing {

struct Result {
  int code;
  std::string out, err;
};

inline Result cli(std::vector<std::string> args) {
  args.insert(args.begin(), "wafersim");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  const int code = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

// A fresh folder under the test temp dir, unique per process.
inline std::string temp_dir(const std::string& name) {
  const std::filesystem::path p = std::filesystem::path(::testing::TempDir()) /
                                  ("wafersim_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace wse::app::testing
