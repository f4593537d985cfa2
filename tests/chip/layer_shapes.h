// A tiny decoder-layer shape shared by the layer-program tests (hidden 64, FFN 96).
#pragma once

#include "firmware/decode_layer.h"

namespace wse::testing {

inline LayerShape tiny_layer(int heads = 4, int kv_heads = 2) {
  LayerShape s;
  s.hidden = 64;
  s.heads = heads;
  s.kv_heads = kv_heads;
  s.head_dim = 64 / heads;
  s.ffn = 96;
  s.rope_theta = 10000;
  return s;
}

}  // namespace wse::testing
