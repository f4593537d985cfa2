#include "firmware/kernel_data.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "hw/core/random.h"
#include "pe/dtype.h"

namespace wse {

TestMatrix::TestMatrix(int rows, int cols, std::uint64_t seed, std::uint64_t id,
                       KernelValues values)
    : rows_(rows), cols_(cols) {
  SplitMix64 rng = SplitMix64::stream(seed, id);
  v_.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  for (float& x : v_) {
    if (values == KernelValues::Integers)
      x = static_cast<float>(static_cast<int>(rng.below(5)) - 2);
    else
      x = f16_value(f16_bits(static_cast<float>(rng.uniform() * 2.0 - 1.0)));
  }
}

TestMatrix::TestMatrix(int rows, int cols, std::vector<float> values)
    : rows_(rows), cols_(cols), v_(std::move(values)) {
  if (v_.size() != static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols))
    throw std::invalid_argument("TestMatrix: " + std::to_string(v_.size()) + " values for " +
                                std::to_string(rows) + " x " + std::to_string(cols));
}

double ErrorCheck::bound(int roundings, double sum_abs_products) {
  const double u = std::ldexp(1.0, -11), n = roundings;
  const double underflow = n * std::ldexp(1.0, -25);
  if (n * u <= 0.1) return n * u / (1.0 - n * u) * sum_abs_products + underflow;
  // Long sums: the worst-case bound grows useless (infinite at n = 2048), so use the
  // probabilistic one of Higham and Mary (SIAM J. Sci. Comput. 2019): lambda sqrt(n) u sum|ab|,
  // exceeded with probability below 2n exp(-lambda^2 / 2) per element; lambda = 6.
  return 6.0 * std::sqrt(n) * u * sum_abs_products + underflow;
}

void ErrorCheck::compare(double got, double want, double bound, const std::string& where) {
  ++compared_;
  const double err = std::fabs(got - want);
  if (err > max_error_ || std::isnan(err)) max_error_ = std::isnan(err) ? INFINITY : err;
  if (bound > max_bound_) max_bound_ = bound;
  if ((err > bound || std::isnan(err)) && failure_.empty()) {
    std::ostringstream o;
    o << where << ": " << got << " vs reference " << want << " (error " << err << " > bound "
      << bound << ")";
    failure_ = o.str();
  }
}

}  // namespace wse
