// The plain reference of one decode layer, random weights and inputs, and the KV placement.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "firmware/decode_layer.h"
#include "hw/core/random.h"
#include "pe/dtype.h"

namespace wse {

LayerShape LayerShape::proxy() const {
  LayerShape p = *this;
  p.heads = 1;
  p.kv_heads = 1;
  p.head_dim = hidden;
  return p;
}

const std::vector<std::string>& kv_policy_names() {
  static const std::vector<std::string> n{"shift", "concat"};
  return n;
}

KvStep kv_step(KvPolicy policy, int grid, int prompt, int generated) {
  if (grid < 1 || prompt < 0 || generated < 0)
    throw std::invalid_argument("kv_step: bad arguments");
  KvStep s;
  s.count.resize(static_cast<std::size_t>(grid));
  const auto p64 = static_cast<std::int64_t>(prompt);
  for (int r = 0; r < grid; ++r)
    s.count[static_cast<std::size_t>(r)] = static_cast<int>((r + 1) * p64 / grid - r * p64 / grid);
  auto& c = s.count;
  const std::size_t last = c.size() - 1;
  // Replays the earlier decode steps, then plans this one's shift.
  for (int step = 0; step <= generated; ++step) {
    ++c[last];  // the step's token joins the bottom row
    int top = -1;
    if (policy == KvPolicy::Shift && grid > 1) {
      const int low = *std::min_element(c.begin(), c.end());
      if (c[last] > low) {
        for (int r = grid - 1; r >= 0; --r)
          if (c[static_cast<std::size_t>(r)] == low) {
            top = r;
            break;
          }
      }
    }
    if (step == generated) {
      --c[last];  // report the counts before this step's token
      s.shift_top = top;
      break;
    }
    if (top >= 0) {
      ++c[static_cast<std::size_t>(top)];
      --c[last];
    }
  }
  return s;
}

namespace {

std::vector<float> random_vector(SplitMix64& rng, std::size_t n, double scale, double offset = 0) {
  std::vector<float> v(n);
  for (float& x : v)
    x = f16_value(f16_bits(static_cast<float>(offset + (rng.uniform() * 2.0 - 1.0) * scale)));
  return v;
}

double silu(double v) {
  return v / (1.0 + std::exp(-v));
}

// y[o] = sum_i x[i] w[i][o] (+ b[o]).
std::vector<double> matvec(const std::vector<double>& x, const std::vector<float>& w, int out,
                           const std::vector<float>& b = {}) {
  std::vector<double> y(static_cast<std::size_t>(out), 0.0);
  for (std::size_t i = 0; i < x.size(); ++i)
    for (int o = 0; o < out; ++o)
      y[static_cast<std::size_t>(o)] +=
          x[i] * w[i * static_cast<std::size_t>(out) + static_cast<std::size_t>(o)];
  if (!b.empty())
    for (int o = 0; o < out; ++o) y[static_cast<std::size_t>(o)] += b[static_cast<std::size_t>(o)];
  return y;
}

std::vector<double> rms_norm(const std::vector<double>& x, const std::vector<float>& w,
                             double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double r = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] * r * w[i];
  return y;
}

// HF LLaMA rotary embedding on each head of v: pairs (i, i + head_dim / 2).
void rope(std::vector<double>& v, int heads, int head_dim, int position, double theta) {
  const int half = head_dim / 2;
  for (int h = 0; h < heads; ++h)
    for (int i = 0; i < half; ++i) {
      const double f = std::pow(theta, -2.0 * i / head_dim) * position;
      const std::size_t a = static_cast<std::size_t>(h * head_dim + i),
                        b = a + static_cast<std::size_t>(half);
      const double x1 = v[a], x2 = v[b];
      v[a] = x1 * std::cos(f) - x2 * std::sin(f);
      v[b] = x2 * std::cos(f) + x1 * std::sin(f);
    }
}

}  // namespace

LayerWeights random_layer_weights(const LayerShape& s, std::uint64_t seed) {
  SplitMix64 rng = SplitMix64::stream(seed, 101);
  const auto E = static_cast<std::size_t>(s.hidden), Q = static_cast<std::size_t>(s.q_dim()),
             K = static_cast<std::size_t>(s.kv_dim()), F = static_cast<std::size_t>(s.ffn);
  const double in_e = 1.0 / std::sqrt(static_cast<double>(E));
  LayerWeights w;
  w.attn_norm = random_vector(rng, E, 0.25, 1.0);
  w.ffn_norm = random_vector(rng, E, 0.25, 1.0);
  w.wq = random_vector(rng, E * Q, in_e);
  w.wk = random_vector(rng, E * K, in_e);
  w.wv = random_vector(rng, E * K, in_e);
  if (s.qkv_bias) {
    w.bq = random_vector(rng, Q, 0.1);
    w.bk = random_vector(rng, K, 0.1);
    w.bv = random_vector(rng, K, 0.1);
  }
  w.wo = random_vector(rng, Q * E, 1.0 / std::sqrt(static_cast<double>(Q)));
  w.wup = random_vector(rng, E * F, in_e);
  w.wgate = random_vector(rng, E * F, in_e);
  w.wdown = random_vector(rng, F * E, 1.0 / std::sqrt(static_cast<double>(F)));
  return w;
}

DecodeInputs random_decode_inputs(const LayerShape& s, int context, std::uint64_t seed) {
  SplitMix64 rng = SplitMix64::stream(seed, 102);
  DecodeInputs in;
  in.x = random_vector(rng, static_cast<std::size_t>(s.hidden), 1.0);
  const auto n = static_cast<std::size_t>(context) * static_cast<std::size_t>(s.kv_dim());
  in.k_cache = random_vector(rng, n, 1.0);
  in.v_cache = random_vector(rng, n, 1.0);
  in.position = context;
  return in;
}

DecodeOutputs reference_decode_layer(const LayerShape& s, const LayerWeights& w,
                                     const DecodeInputs& in, bool fast_exp, bool static_kv) {
  const int E = s.hidden, H = s.heads, KVH = s.kv_heads, hd = s.head_dim;
  std::vector<double> x(in.x.begin(), in.x.end());
  const std::vector<double> xn = rms_norm(x, w.attn_norm, s.rms_eps);
  std::vector<double> q = matvec(xn, w.wq, s.q_dim(), w.bq), k = matvec(xn, w.wk, s.kv_dim(), w.bk),
                      v = matvec(xn, w.wv, s.kv_dim(), w.bv);
  rope(q, H, hd, in.position, s.rope_theta);
  rope(k, KVH, hd, in.position, s.rope_theta);
  const std::size_t kvd = static_cast<std::size_t>(s.kv_dim());
  const std::size_t cached = in.k_cache.size() / std::max<std::size_t>(1, kvd);
  const std::size_t tokens = cached + (static_kv ? 0 : 1);
  auto key = [&](std::size_t t, std::size_t e) {
    return t < cached ? static_cast<double>(in.k_cache[t * kvd + e]) : k[e];
  };
  auto value = [&](std::size_t t, std::size_t e) {
    return t < cached ? static_cast<double>(in.v_cache[t * kvd + e]) : v[e];
  };
  std::vector<double> att(static_cast<std::size_t>(s.q_dim()), 0.0);
  const int group = H / KVH;
  for (int h = 0; h < H; ++h) {
    const std::size_t qo = static_cast<std::size_t>(h * hd),
                      ko = static_cast<std::size_t>((h / group) * hd);
    std::vector<double> score(tokens);
    for (std::size_t t = 0; t < tokens; ++t) {
      double d = 0;
      for (int e = 0; e < hd; ++e)
        d += q[qo + static_cast<std::size_t>(e)] * key(t, ko + static_cast<std::size_t>(e));
      score[t] = d / std::sqrt(static_cast<double>(hd));
    }
    const double mx = *std::max_element(score.begin(), score.end());
    double sum = 0;
    for (double& sc : score) {
      const double z = sc - mx;
      sc = fast_exp ? std::pow(1.0 + z / 256.0, 4) : std::exp(z);
      sum += sc;
    }
    for (std::size_t t = 0; t < tokens; ++t)
      for (int e = 0; e < hd; ++e)
        att[qo + static_cast<std::size_t>(e)] +=
            score[t] / sum * value(t, ko + static_cast<std::size_t>(e));
  }
  const std::vector<double> h1 = matvec(att, w.wo, E);
  for (int i = 0; i < E; ++i) x[static_cast<std::size_t>(i)] += h1[static_cast<std::size_t>(i)];
  const std::vector<double> zn = rms_norm(x, w.ffn_norm, s.rms_eps);
  const std::vector<double> up = matvec(zn, w.wup, s.ffn), gate = matvec(zn, w.wgate, s.ffn);
  std::vector<double> z(up.size());
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = silu(gate[i]) * up[i];
  const std::vector<double> h2 = matvec(z, w.wdown, E);
  DecodeOutputs out;
  out.x.resize(static_cast<std::size_t>(E));
  for (int i = 0; i < E; ++i)
    out.x[static_cast<std::size_t>(i)] =
        static_cast<float>(x[static_cast<std::size_t>(i)] + h2[static_cast<std::size_t>(i)]);
  out.att.assign(att.begin(), att.end());
  out.k.assign(k.begin(), k.end());
  out.v.assign(v.begin(), v.end());
  return out;
}

}  // namespace wse
