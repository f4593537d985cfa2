// Output files are written whole or not at all: content goes to a temporary file in the target
// directory, which is then renamed over the final name (rename is atomic on POSIX file systems).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace wse {

// Writes `content` to `path` atomically, creating parent directories. Throws std::runtime_error.
void write_file_atomic(const std::string& path, const std::string& content);

// Pretty JSON text with a trailing newline (stable key order: ordered_json keeps insertion order).
std::string json_text(const nlohmann::ordered_json& j);

}  // namespace wse
