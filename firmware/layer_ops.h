// Element-wise steps shared by the layer programs (decode_layer, prefill_layer).
#pragma once

#include "pe/pe_engine.h"

namespace wse {

// HF rotary embedding on `len` pairs laid out as [firsts | seconds]: first' = first cos - second
// sin, second' = second cos + first sin, with the angles' cos and sin tables (first `len`
// elements) and 4 x len elements of scratch `t`. Six vector ops.
void rotate_pairs(PeContext& c, const View& first, const View& second, std::uint32_t len,
                  const View& t, const View& cos, const View& sin);

}  // namespace wse
