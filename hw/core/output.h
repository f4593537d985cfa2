// Output files are written whole or not at all: content goes to a temporary file in the target
// directory, which is then renamed over the final name (rename is atomic on POSIX file systems).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wse {

// Writes `content` to `path` atomically, creating parent directories. Throws std::runtime_error.
void write_file_atomic(const std::string& path, const std::string& content);

// Pretty JSON text with a trailing newline (stable key order: ordered_json keeps insertion order).
std::string json_text(const nlohmann::ordered_json& j);

// A width x height field as rows of numbers, grid[y][x]; fields wider or taller than `max_cells`
// are averaged over square blocks (the returned `block` side), so a full wafer stays small.
// Values are rounded to `digits` decimals.
struct BlockGrid {
  int block = 1;
  nlohmann::ordered_json grid;
};
BlockGrid block_grid(int width, int height, const std::function<double(int, int)>& value,
                     int digits = 4, int max_cells = 256);
// The same over values[y * width + x] (no call per cell: a full wafer has 745,500).
BlockGrid block_grid(int width, int height, const std::vector<double>& values, int digits = 4,
                     int max_cells = 256);

}  // namespace wse
