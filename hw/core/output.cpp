#include "hw/core/output.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <unistd.h>

namespace wse {

void write_file_atomic(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  const bool flushed = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  std::fclose(f);
  if (!ok || !flushed || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + why);
  }
}

std::string json_text(const nlohmann::ordered_json& j) {
  return j.dump(2) + "\n";
}

BlockGrid block_grid(int width, int height, const std::function<double(int, int)>& value,
                     int digits, int max_cells) {
  std::vector<double> values(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      values[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
             static_cast<std::size_t>(x)] = value(x, y);
  return block_grid(width, height, values, digits, max_cells);
}

BlockGrid block_grid(int width, int height, const std::vector<double>& values, int digits,
                     int max_cells) {
  BlockGrid out;
  out.block = (std::max(width, height) + max_cells - 1) / max_cells;
  const int b = std::max(1, out.block);
  out.block = b;
  const int gw = (width + b - 1) / b, gh = (height + b - 1) / b;
  std::vector<double> sum(static_cast<std::size_t>(gw) * gh, 0.0);
  std::vector<int> n(sum.size(), 0);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const std::size_t cell = static_cast<std::size_t>(y / b) * gw + x / b;
      sum[cell] += values[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                          static_cast<std::size_t>(x)];
      ++n[cell];
    }
  const double scale = std::pow(10.0, digits);
  out.grid = nlohmann::ordered_json::array();
  for (int gy = 0; gy < gh; ++gy) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (int gx = 0; gx < gw; ++gx) {
      const std::size_t cell = static_cast<std::size_t>(gy) * gw + gx;
      row.push_back(std::round(sum[cell] / std::max(1, n[cell]) * scale) / scale);
    }
    out.grid.push_back(std::move(row));
  }
  return out;
}

}  // namespace wse
