#include "firmware/layer_ops.h"

namespace wse {

void rotate_pairs(PeContext& c, const View& first, const View& second, std::uint32_t len,
                  const View& t, const View& cos, const View& sin) {
  auto sub = [](const View& v, std::uint32_t offset, std::uint32_t length) {
    return View{v.buffer, v.offset + offset, length};
  };
  const View a = sub(t, 0, len), b = sub(t, len, len), d = sub(t, 2 * len, len),
             e = sub(t, 3 * len, len), cl = sub(cos, 0, len), sl = sub(sin, 0, len);
  c.vector(VectorOp::Mul, a, first, cl);
  c.vector(VectorOp::Mul, b, second, sl);
  c.vector(VectorOp::Mul, d, second, cl);
  c.vector(VectorOp::Mul, e, first, sl);
  c.vector(VectorOp::Fma, first, a, b, -1.0f);
  c.vector(VectorOp::Add, second, d, e);
}

}  // namespace wse
