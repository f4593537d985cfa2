// Input data and reference results of the distributed kernels (functional mode only): seeded fp16
// test matrices, tiles cut from them with zero padding, and the rounding bound a computed fp16
// result must stay within.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wse {

// What the functional inputs hold: integers in [-2, 2] (every product and partial sum is exact in
// fp16 while sums stay within 2048, i.e. K <= 512, so any placement or ordering bug shows as a
// non-zero error) or uniform values in [-1, 1)
// rounded to fp16 (realistic rounding, checked against the bound below).
enum class KernelValues : std::uint8_t { Integers, Uniform };

class TestMatrix {
 public:
  TestMatrix(int rows, int cols, std::uint64_t seed, std::uint64_t id, KernelValues values);
  // Given values (row-major, rows x cols), e.g. a model's weights.
  TestMatrix(int rows, int cols, std::vector<float> values);
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  // Element (r, c); 0 outside the matrix (the padding of tiles that overhang it).
  float at(int r, int c) const {
    return r < rows_ && c < cols_
               ? v_[static_cast<std::size_t>(r) * static_cast<std::size_t>(cols_) +
                    static_cast<std::size_t>(c)]
               : 0.0f;
  }

 private:
  int rows_, cols_;
  std::vector<float> v_;  // each value exactly representable in fp16
};

// Compares computed values with exact (double) references, each with its own bound.
class ErrorCheck {
 public:
  // Bound for a sum of products accumulated in fp16 with at most `roundings` roundings on any
  // path: gamma_n * sum |a||b| (n = roundings, u = 2^-11) while n u <= 0.1, beyond that the
  // probabilistic 6 sqrt(n) u sum |a||b|; plus n half-ulps of the smallest subnormal.
  static double bound(int roundings, double sum_abs_products);
  // Records one comparison; keeps the first failure's description.
  void compare(double got, double want, double bound, const std::string& where);
  const std::string& failure() const { return failure_; }
  double max_abs_error() const { return max_error_; }
  double max_bound() const { return max_bound_; }
  std::uint64_t compared() const { return compared_; }

 private:
  std::string failure_;
  double max_error_ = 0, max_bound_ = 0;
  std::uint64_t compared_ = 0;
};

}  // namespace wse
