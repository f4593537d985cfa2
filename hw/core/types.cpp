#include "hw/core/types.h"

namespace wse {

std::string to_string(Coord c) {
  return "(" + std::to_string(c.x) + "," + std::to_string(c.y) + ")";
}

const char* dir_name(Dir d) {
  switch (d) {
    case Dir::N:
      return "N";
    case Dir::E:
      return "E";
    case Dir::S:
      return "S";
    case Dir::W:
      return "W";
    case Dir::Ramp:
      return "RAMP";
  }
  return "?";
}

std::string DirSet::to_string() const {
  std::string s = "{";
  bool first = true;
  for (int i = 0; i < kNumDirs; ++i) {
    if (!has(static_cast<Dir>(i))) continue;
    if (!first) s += ",";
    s += dir_name(static_cast<Dir>(i));
    first = false;
  }
  return s + "}";
}

}  // namespace wse
