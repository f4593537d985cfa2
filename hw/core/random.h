// Small deterministic random number generator (SplitMix64): 8 bytes of state, so every node of a
// full wafer can own an independent stream derived from the scenario seed and its id.
#pragma once

#include <cmath>
#include <cstdint>

namespace wse {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed = 0) : s_(seed) {}
  // Stream `stream` of `seed`. The start state is a hash of both, so two streams start at
  // unrelated points of the 2^64 cycle; seeding with seed ^ k * gamma would make neighbouring
  // streams near-shifted copies of each other.
  static SplitMix64 stream(std::uint64_t seed, std::uint64_t stream) {
    return SplitMix64(mix(mix(seed) ^ mix(stream + 0x632BE59BD9B4E019ull)));
  }
  static std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t next() {
    const std::uint64_t z = mix(s_);
    s_ += 0x9E3779B97F4A7C15ull;
    return z;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>(uniform() * static_cast<double>(n));
  }
  // Number of failures before the first success of a Bernoulli(p) trial (p in (0, 1]).
  std::int64_t geometric(double p) {
    if (p >= 1.0) return 0;
    const double u = 1.0 - uniform();  // (0, 1]
    return static_cast<std::int64_t>(std::floor(std::log(u) / std::log1p(-p)));
  }

 private:
  std::uint64_t s_;
};

}  // namespace wse
