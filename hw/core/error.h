// User-facing errors: bad configuration or input (exit status 2) versus simulator bugs.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace wse {

// Where a value came from: a YAML file position (1-based line and column), or a named origin
// such as "--set chip.mesh.width=4" when there is no file.
struct Location {
  std::string file;
  int line = 0;
  int col = 0;
  std::string origin;  // used when file is empty
  std::string to_string() const;
};

// Everything the user needs to fix an input: where, which key, what is wrong, what would be valid
// and what to do. what() gives the single-line message printed on stderr.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(Location loc, std::string key, std::string problem, std::string valid = {},
              std::string remedy = {});
  const Location& location() const { return loc_; }
  const std::string& key() const { return key_; }
  const std::string& problem() const { return problem_; }

 private:
  static std::string compose(const Location& loc, const std::string& key,
                             const std::string& problem, const std::string& valid,
                             const std::string& remedy);
  Location loc_;
  std::string key_;
  std::string problem_;
};

// A run that was configured correctly but could not complete (deadlock, time limit, ...).
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exit statuses of the wafersim executable.
inline constexpr int kExitOk = 0;
inline constexpr int kExitSimulationFailed = 1;
inline constexpr int kExitBadInput = 2;

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");
// Closest candidate by edit distance, or empty when none is close enough to be a likely typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace wse
