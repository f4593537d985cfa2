// Strong types shared by every layer: cycles, coordinates, directions, colours.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace wse {

// Simulated time in clock cycles of the chip clock. A distinct type so that cycles never mix
// silently with counts, wavelets or seconds (after gem5's Cycles).
class Cycles {
 public:
  constexpr Cycles() = default;
  constexpr explicit Cycles(std::int64_t v) : v_(v) {}
  constexpr std::int64_t count() const { return v_; }
  constexpr Cycles operator+(Cycles o) const { return Cycles(v_ + o.v_); }
  constexpr Cycles operator-(Cycles o) const { return Cycles(v_ - o.v_); }
  constexpr Cycles& operator+=(Cycles o) {
    v_ += o.v_;
    return *this;
  }
  constexpr Cycles& operator-=(Cycles o) {
    v_ -= o.v_;
    return *this;
  }
  constexpr bool operator==(Cycles o) const { return v_ == o.v_; }
  constexpr bool operator!=(Cycles o) const { return v_ != o.v_; }
  constexpr bool operator<(Cycles o) const { return v_ < o.v_; }
  constexpr bool operator<=(Cycles o) const { return v_ <= o.v_; }
  constexpr bool operator>(Cycles o) const { return v_ > o.v_; }
  constexpr bool operator>=(Cycles o) const { return v_ >= o.v_; }

 private:
  std::int64_t v_ = 0;
};

// Router/PE coordinates: x grows east, y grows south (as in the Cerebras SDK).
struct Coord {
  std::int32_t x = 0;
  std::int32_t y = 0;
  constexpr bool operator==(const Coord& o) const { return x == o.x && y == o.y; }
  constexpr bool operator!=(const Coord& o) const { return !(*this == o); }
};
std::string to_string(Coord c);

// Dense router / PE index: y * width + x.
class NodeId {
 public:
  constexpr NodeId() = default;
  constexpr explicit NodeId(std::uint32_t v) : v_(v) {}
  constexpr std::uint32_t value() const { return v_; }
  constexpr bool operator==(NodeId o) const { return v_ == o.v_; }
  constexpr bool operator!=(NodeId o) const { return v_ != o.v_; }
  constexpr bool operator<(NodeId o) const { return v_ < o.v_; }

 private:
  std::uint32_t v_ = 0;
};

// The five router ports. Ramp is the link between a router and its own compute element.
enum class Dir : std::uint8_t { N = 0, E = 1, S = 2, W = 3, Ramp = 4 };
inline constexpr int kNumDirs = 5;
const char* dir_name(Dir d);
constexpr Dir opposite(Dir d) {
  switch (d) {
    case Dir::N:
      return Dir::S;
    case Dir::S:
      return Dir::N;
    case Dir::E:
      return Dir::W;
    case Dir::W:
      return Dir::E;
    case Dir::Ramp:
      return Dir::Ramp;
  }
  return Dir::Ramp;
}

// Set of directions as a 5-bit mask (bit i = Dir i).
class DirSet {
 public:
  constexpr DirSet() = default;
  constexpr explicit DirSet(std::uint8_t bits) : bits_(bits) {}
  constexpr DirSet(std::initializer_list<Dir> dirs) {
    for (Dir d : dirs) bits_ |= bit(d);
  }
  constexpr bool has(Dir d) const { return (bits_ & bit(d)) != 0; }
  constexpr void add(Dir d) { bits_ |= bit(d); }
  constexpr void remove(Dir d) { bits_ &= static_cast<std::uint8_t>(~bit(d)); }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr std::uint8_t bits() const { return bits_; }
  int size() const { return __builtin_popcount(bits_); }
  constexpr bool operator==(DirSet o) const { return bits_ == o.bits_; }
  constexpr bool operator!=(DirSet o) const { return bits_ != o.bits_; }
  std::string to_string() const;

 private:
  static constexpr std::uint8_t bit(Dir d) {
    return static_cast<std::uint8_t>(1u << static_cast<int>(d));
  }
  std::uint8_t bits_ = 0;
};

// A routable colour (virtual channel tag, 5 bits on the wire).
class Color {
 public:
  constexpr Color() = default;
  constexpr explicit Color(std::uint8_t v) : v_(v) {}
  constexpr std::uint8_t value() const { return v_; }
  constexpr bool operator==(Color o) const { return v_ == o.v_; }
  constexpr bool operator!=(Color o) const { return v_ != o.v_; }
  constexpr bool operator<(Color o) const { return v_ < o.v_; }

 private:
  std::uint8_t v_ = 0;
};

}  // namespace wse
