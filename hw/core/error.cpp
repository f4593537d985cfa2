#include "hw/core/error.h"

#include <algorithm>

namespace wse {

std::string Location::to_string() const {
  if (file.empty()) return origin;
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

ConfigError::ConfigError(Location loc, std::string key, std::string problem, std::string valid,
                         std::string remedy)
    : std::runtime_error(compose(loc, key, problem, valid, remedy)),
      loc_(std::move(loc)),
      key_(std::move(key)),
      problem_(std::move(problem)) {}

std::string ConfigError::compose(const Location& loc, const std::string& key,
                                 const std::string& problem, const std::string& valid,
                                 const std::string& remedy) {
  std::string s;
  const std::string where = loc.to_string();
  if (!where.empty()) s += where + ": ";
  s += "error: ";
  if (!key.empty()) s += key + ": ";
  s += problem;
  if (!valid.empty()) s += "; valid: " + valid;
  if (!remedy.empty()) s += ". " + remedy;
  return s;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace wse
