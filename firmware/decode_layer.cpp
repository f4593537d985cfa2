#include "firmware/decode_layer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "firmware/allreduce.h"
#include "firmware/kernel_data.h"
#include "firmware/kernels.h"
#include "firmware/layer_ops.h"
#include "noc/route_builder.h"
#include "pe/dtype.h"

namespace wse {
namespace {

constexpr int kMain = 1;
constexpr int kYColours = 1, kXColours = 11, kShiftEven = 21, kShiftOdd = 22;
constexpr float kMinF16 = -65504.0f;

Color shift_colour(int row) {
  return Color(static_cast<std::uint8_t>(row % 2 == 0 ? kShiftEven : kShiftOdd));
}

View sub(const View& v, std::uint32_t offset, std::uint32_t length) {
  return View{v.buffer, v.offset + offset, length};
}
std::uint32_t u32(int v) {
  return static_cast<std::uint32_t>(v);
}

// What one PE's pieces of the layer need (shared by its pieces; a few hundred bytes).
// Batch: every per-request vector is request-major (request r at r x its length); the KV cache
// is slot-major across requests ([slot][request][k | v]) so a shift moves every request's
// oldest token in one message.
struct PePlan {
  std::vector<ReduceStep> ys, xs;  // its column's and its row's allreduce steps
  int np = 0, nq = 0, nk = 0, n = 0, dy = 0, f = 0, hg = 1, slot = 0, j = 0, heads = 1, b = 1;
  bool proxy = false, bias = false, append = false, sends = false, receives = false;
  float inv_hidden = 1, scale = 1;
  Color from_below, to_above;
  std::uint32_t z() const { return u32(nq + 2 * nk); }  // q | k | v of one request
  std::uint32_t token_stride() const { return u32(b * slot); }
};

// The layer as a chain of pieces, each ending with an allreduce: the main task issues one piece
// at a time (PeContext::then), so a PE holds a few dozen ops, not the whole layer.
void rms_norm(PeContext& c, const PePlan& p, const char* weight) {
  const View x = c.view("x"), xn = c.view("xn"), ss = c.view("ss"), sq = c.view("sq");
  const auto dy = u32(p.dy);
  for (int r = 0; r < p.b; ++r) {
    c.vector(VectorOp::Mul, sq, sub(x, u32(r) * dy, dy), sub(x, u32(r) * dy, dy));
    c.vector(VectorOp::ReduceAdd, sub(ss, u32(r), 1), sq);
  }
  run_allreduce(c, p.ys, ss);
  for (int r = 0; r < p.b; ++r)  // mean + eps
    c.vector(VectorOp::Fma, sub(ss, u32(r), 1), c.view("eps"), sub(ss, u32(r), 1), p.inv_hidden);
  c.vector(VectorOp::Rsqrt, ss, ss);
  for (int r = 0; r < p.b; ++r) {
    const View xr = sub(x, u32(r) * dy, dy), xnr = sub(xn, u32(r) * dy, dy);
    c.vector(VectorOp::Mul, xnr, xr, sub(ss, u32(r), 1));
    c.vector(VectorOp::Mul, xnr, xnr, c.view(weight));
  }
}

// 1. RMSNorm; 2. Q, K, V GEMVs with one fused allreduce down the column.
void norm_qkv(PeContext& c, const PePlan& p) {
  rms_norm(c, p, "norm1");
  if (p.np == 0) return;
  const View qkv = c.view("qkv"), xn = c.view("xn");
  c.vector(VectorOp::Fill, qkv, {}, {}, 0.0f);
  for (int r = 0; r < p.b; ++r) {
    const View q = sub(qkv, u32(r) * p.z(), p.z()), x = sub(xn, u32(r * p.dy), u32(p.dy));
    c.gemv_acc(sub(q, 0, u32(p.nq)), x, c.view("wq"), p.dy, p.nq);
    c.gemv_acc(sub(q, u32(p.nq), u32(p.nk)), x, c.view("wk"), p.dy, p.nk);
    c.gemv_acc(sub(q, u32(p.nq + p.nk), u32(p.nk)), x, c.view("wv"), p.dy, p.nk);
  }
  run_allreduce(c, p.ys, qkv);
}

// 3. RoPE on [firsts | seconds] of q (all heads at once) and of k; the new token's k, v join the
// bottom row's cache; 4. partial scores of this column's heads, summed along the row (zeros from
// columns without a head).
void rope_scores(PeContext& c, const PePlan& p) {
  const int np = p.np, hg = p.hg, n = p.n;
  const std::uint32_t per_req = u32(p.heads * n);
  if (np > 0) {
    const View qkv_all = c.view("qkv"), kv = c.view("kv"), t = c.view("t"), cs = c.view("cos"),
               sn = c.view("sin");
    const View scores = n > 0 ? c.view("scores") : View{};
    if (n > 0) c.vector(VectorOp::Fill, scores, {}, {}, 0.0f);
    for (int r = 0; r < p.b; ++r) {
      const View qkv = sub(qkv_all, u32(r) * p.z(), p.z());
      const View q = sub(qkv, 0, u32(p.nq)), k = sub(qkv, u32(p.nq), u32(p.nk));
      if (p.bias) c.vector(VectorOp::Add, qkv, qkv, c.view("bqkv"));
      rotate_pairs(c, sub(q, 0, u32(hg * np)), sub(q, u32(hg * np), u32(hg * np)), u32(hg * np), t,
                   cs, sn);
      rotate_pairs(c, sub(k, 0, u32(np)), sub(k, u32(np), u32(np)), u32(np), t, cs, sn);
      // This request's slots: token t at (t * b + r) * slot.
      const View mine = sub(kv, u32(r * p.slot), kv.length - u32(r * p.slot));
      if (p.append)
        c.vector(VectorOp::Copy, sub(mine, u32(n - 1) * p.token_stride(), u32(p.slot)),
                 sub(qkv, u32(p.nq), u32(p.slot)));
      if (n > 0) {
        for (int hh = 0; hh < hg; ++hh) {
          const View y = sub(scores, u32(r) * per_req + u32((p.j * hg + hh) * n), u32(n));
          c.gemv_acc(y, sub(q, u32(hh * np), u32(np)), mine, np, n, 1,
                     static_cast<int>(p.token_stride()));
          c.gemv_acc(y, sub(q, u32(hg * np + hh * np), u32(np)),
                     sub(mine, u32(np), mine.length - u32(np)), np, n, 1,
                     static_cast<int>(p.token_stride()));
        }
      }
    }
  } else if (n > 0) {
    c.vector(VectorOp::Fill, c.view("scores"), {}, {}, 0.0f);
  }
  if (n > 0) run_allreduce(c, p.xs, c.view("scores"));
}

// Request r's scores of this column's heads (hg x n).
View own_scores(PeContext& c, const PePlan& p, int r) {
  return p.n > 0 ? sub(c.view("scores"), u32(r * p.heads * p.n + p.j * p.hg * p.n), u32(p.hg * p.n))
                 : View{};
}

// 5a. Softmax: scale, the maximum per head down the column.
void softmax_max(PeContext& c, const PePlan& p) {
  if (p.np == 0) return;
  const View mx = c.view("mx");
  if (p.n > 0) {
    for (int r = 0; r < p.b; ++r) {
      const View own = own_scores(c, p, r);
      c.vector(VectorOp::Scale, own, own, {}, p.scale);
      for (int hh = 0; hh < p.hg; ++hh)
        c.vector(VectorOp::ReduceMax, sub(mx, u32(r * p.hg + hh), 1),
                 sub(own, u32(hh * p.n), u32(p.n)));
    }
  } else {
    c.vector(VectorOp::Fill, mx, {}, {}, kMinF16);
  }
  run_allreduce(c, p.ys, mx, Combine::Max);
}

// 5b. exp(s - max) and the sum per head down the column.
void softmax_sum(PeContext& c, const PePlan& p) {
  if (p.np == 0) return;
  const View mx = c.view("mx"), sm = c.view("sm");
  if (p.n > 0) {
    for (int r = 0; r < p.b; ++r) {
      const View own = own_scores(c, p, r);
      for (int hh = 0; hh < p.hg; ++hh) {
        const View s = sub(own, u32(hh * p.n), u32(p.n));
        c.vector(VectorOp::Fma, s, s, sub(mx, u32(r * p.hg + hh), 1), -1.0f);
      }
      c.vector(p.proxy ? VectorOp::Exp : VectorOp::ExpFull, own, own);
      for (int hh = 0; hh < p.hg; ++hh)
        c.vector(VectorOp::ReduceAdd, sub(sm, u32(r * p.hg + hh), 1),
                 sub(own, u32(hh * p.n), u32(p.n)));
    }
  } else {
    c.vector(VectorOp::Fill, sm, {}, {}, 0.0f);
  }
  run_allreduce(c, p.ys, sm);
}

// 6. p.V summed down the column; then the KV shift: the oldest token of every request goes one
// hop north, every shifting row at once.
void attention_out(PeContext& c, const PePlan& p) {
  if (p.np == 0) return;
  const int np = p.np, nk = p.nk, hg = p.hg, n = p.n;
  const View kv = c.view("kv"), sm = c.view("sm"), att = c.view("att");
  c.vector(VectorOp::Fill, att, {}, {}, 0.0f);
  if (n > 0) {
    c.vector(VectorOp::Recip, sm, sm);
    for (int r = 0; r < p.b; ++r) {
      const View own = own_scores(c, p, r),
                 mine = sub(kv, u32(r * p.slot), kv.length - u32(r * p.slot));
      const View out = sub(att, u32(r * p.nq), u32(p.nq));
      for (int hh = 0; hh < hg; ++hh) {
        const View pr = sub(own, u32(hh * n), u32(n));
        c.vector(VectorOp::Mul, pr, pr, sub(sm, u32(r * hg + hh), 1));
        c.gemv_acc(sub(out, u32(hh * np), u32(np)), pr, sub(mine, u32(nk), mine.length - u32(nk)),
                   n, np, static_cast<int>(p.token_stride()), 1);
        c.gemv_acc(sub(out, u32(hg * np + hh * np), u32(np)), pr,
                   sub(mine, u32(nk + np), mine.length - u32(nk + np)), n, np,
                   static_cast<int>(p.token_stride()), 1);
      }
    }
  }
  run_allreduce(c, p.ys, att);
  if (p.sends) c.send(p.to_above, sub(kv, 0, p.token_stride()), true);
  if (p.receives) c.recv(p.from_below, sub(kv, u32(n) * p.token_stride(), p.token_stride()));
}

// 7. O projection summed along the row; 8. residual.
void o_proj(PeContext& c, const PePlan& p) {
  const View x = c.view("x"), h = c.view("h");
  c.vector(VectorOp::Fill, h, {}, {}, 0.0f);
  if (p.np > 0)
    for (int r = 0; r < p.b; ++r)
      c.gemv_acc(sub(h, u32(r * p.dy), u32(p.dy)), sub(c.view("att"), u32(r * p.nq), u32(p.nq)),
                 c.view("wo"), p.nq, p.dy);
  run_allreduce(c, p.xs, h);
  c.vector(VectorOp::Add, x, x, h);
}

// 9. RMSNorm; 10. up and gate with one fused allreduce down the column.
void norm_up_gate(PeContext& c, const PePlan& p) {
  rms_norm(c, p, "norm2");
  const View ug = c.view("ug"), xn = c.view("xn");
  c.vector(VectorOp::Fill, ug, {}, {}, 0.0f);
  for (int r = 0; r < p.b; ++r) {
    const View u = sub(ug, u32(r * 2 * p.f), u32(2 * p.f)), x = sub(xn, u32(r * p.dy), u32(p.dy));
    c.gemv_acc(sub(u, 0, u32(p.f)), x, c.view("wup"), p.dy, p.f);
    c.gemv_acc(sub(u, u32(p.f), u32(p.f)), x, c.view("wgate"), p.dy, p.f);
  }
  run_allreduce(c, p.ys, ug);
}

// 11. SiLU(gate) * up; 12. down projection summed along the row; 13. residual.
void down(PeContext& c, const PePlan& p) {
  const View ug = c.view("ug"), x = c.view("x"), h = c.view("h");
  c.vector(VectorOp::Fill, h, {}, {}, 0.0f);
  for (int r = 0; r < p.b; ++r) {
    const View u = sub(ug, u32(r * 2 * p.f), u32(2 * p.f));
    const View up = sub(u, 0, u32(p.f)), gate = sub(u, u32(p.f), u32(p.f));
    c.vector(VectorOp::Silu, gate, gate);
    c.vector(VectorOp::Mul, up, up, gate);
    c.gemv_acc(sub(h, u32(r * p.dy), u32(p.dy)), up, c.view("wdown"), p.f, p.dy);
  }
  run_allreduce(c, p.xs, h);
  c.vector(VectorOp::Add, x, x, h);
}

using Piece = void (*)(PeContext&, const PePlan&);
constexpr Piece kPieces[] = {&norm_qkv,      &rope_scores, &softmax_max,  &softmax_sum,
                             &attention_out, &o_proj,      &norm_up_gate, &down};
constexpr std::size_t kPieceCount = sizeof(kPieces) / sizeof(kPieces[0]);

// `plan` lives as long as the PE (the task body owns it); the continuation captures 12 bytes, so
// std::function keeps it without an allocation.
void run_piece(PeContext& c, const PePlan* plan, std::uint32_t i) {
  kPieces[i](c, *plan);
  c.mark(static_cast<int>(i));
  if (i + 1 < kPieceCount) c.then([plan, i](PeContext& next) { run_piece(next, plan, i + 1); });
}

class DecodeLayerProgram : public Program {
 public:
  explicit DecodeLayerProgram(const DecodeLayerSpec& spec)
      : s_(spec), sh_(spec.proxy ? spec.shape.proxy() : spec.shape), p_(spec.grid) {
    const LayerShape& m = sh_;
    check_layer_shape(m, p_);
    hg_ = m.heads / m.kv_heads;
    cpg_ = p_ / m.kv_heads;
    half_ = m.head_dim / 2;
    d2_ = (half_ + cpg_ - 1) / cpg_;
    dy_ = tile_of(m.hidden, p_);
    f_ = tile_of(m.ffn, p_);
    g_ = spec.groups > 0 ? spec.groups : nearest_divisor_to_sqrt(p_);
    if (p_ % g_ != 0)
      throw std::invalid_argument(std::to_string(g_) + " groups do not divide the grid's " +
                                  std::to_string(p_) + " rows and columns");
    rows_.resize(static_cast<std::size_t>(p_));
    if (spec.proxy) {
      // WaferLLM's proxy: a static cache of ceil(context / P) tokens in every row.
      const int n = (spec.context() + p_ - 1) / p_;
      if (!spec.inputs.empty() && n * p_ != spec.context())
        throw std::invalid_argument("functional proxy runs need a context that is a multiple of P");
      for (int r = 0; r < p_; ++r)
        rows_[static_cast<std::size_t>(r)] = Row{r * n, n, n, false, false};
    } else {
      kv_ = kv_step(spec.kv, p_, spec.prompt, spec.generated);
      int start = 0;
      for (int r = 0; r < p_; ++r) {
        Row& row = rows_[static_cast<std::size_t>(r)];
        row.first = start;
        row.cached = kv_.count[static_cast<std::size_t>(r)];
        row.tokens = row.cached + (r == p_ - 1 ? 1 : 0);  // the bottom row takes the new token
        row.sends = kv_.shift_top >= 0 && r > kv_.shift_top;
        row.receives = kv_.shift_top >= 0 && r >= kv_.shift_top && r < p_ - 1;
        start += row.cached;
      }
    }
    b_ = std::max<int>(std::max(1, spec.batch), static_cast<int>(spec.inputs.size()));
    if (functional()) {
      if (static_cast<int>(spec.inputs.size()) != b_)
        throw std::invalid_argument("functional runs need one input per request of the batch");
      for (const auto& in : spec.inputs)
        references_.push_back(
            reference_decode_layer(sh_, *spec.weights, *in, spec.proxy, spec.proxy));
    }
  }

  LayerFootprint footprint(int tokens_per_row) const {
    LayerFootprint fp;
    const std::int64_t dy = dy_, f = f_, h = 2;  // bytes per f16
    for (int px = 0; px < p_; ++px) {
      const std::int64_t np = column(px).np, nq = hg_ * 2 * np, nk = 2 * np;
      const std::int64_t weights = h * (dy * (nq + 2 * nk) + nq * dy + 2 * dy + 3 * dy * f +
                                        (sh_.qkv_bias ? nq + 2 * nk : 0));
      const std::int64_t b = b_;
      const std::int64_t scratch =
          h *
          (b * (3 * dy + 1 + 2 * f + static_cast<std::int64_t>(sh_.heads) * tokens_per_row) + dy +
           1 + (np > 0 ? b * (nq + 2 * nk + 2 * hg_ + nq) + 2 * hg_ * np + 4 * hg_ * np : 0));
      fp.weights = std::max(fp.weights, weights);
      fp.kv_per_token = std::max(fp.kv_per_token, h * 2 * nk * b);
      fp.kv_per_token_by_column.push_back(h * 2 * nk * b);
      fp.scratch = std::max(fp.scratch, scratch);
    }
    return fp;
  }

  // A quick analytic estimate of the layer's cycles, for choosing a grid without simulating:
  // the busiest column's GEMV maps plus ~40 vector set-ups, and per allreduce a streaming chain
  // to the group root (relay ~ ramp in + hop + ramp out per PE), the chain of group roots, the
  // broadcast back, and the vector's serialisation three times.
  double estimate_cycles(const ChipParams& chip) const {
    const PeParams& pe = chip.pe;
    int most = 1;
    for (const Row& r : rows_) most = std::max(most, r.tokens);
    const std::int64_t np = d2_, nq = hg_ * 2 * np, nk = 2 * np, dy = dy_, f = f_, n = most;
    auto map = [&](std::int64_t it, std::int64_t len) {
      return static_cast<double>(map_fma_cost(pe, it, len).cycles.count());
    };
    const double compute =
        b_ * (map(dy, nq) + 2 * map(dy, nk) + 2 * hg_ * (map(np, n) + map(n, np)) + map(nq, dy) +
              2 * map(dy, f) + map(f, dy) + 40.0 * static_cast<double>(pe.vector_setup.count()));
    const double relay = static_cast<double>(2 * chip.noc.ramp_latency.count() +
                                             chip.noc.hop_latency.count()),
                 hop = static_cast<double>(chip.noc.hop_latency.count()),
                 dispatch = static_cast<double>(pe.send_dispatch.count());
    const double per_group = static_cast<double>(p_) / g_;
    auto allreduce = [&](double halfs) {
      const double wavelets = std::ceil(halfs * b_ / 2);
      return relay * per_group / 2 + (g_ / 2.0) * (per_group * hop + relay) + p_ / 2.0 * hop +
             3 * (wavelets + dispatch);
    };
    const double reduces = allreduce(1) * 2 + allreduce(static_cast<double>(nq + 2 * nk)) +
                           allreduce(static_cast<double>(sh_.heads * n)) + allreduce(hg_) * 2 +
                           allreduce(static_cast<double>(nq)) +
                           2 * allreduce(static_cast<double>(dy)) +
                           allreduce(static_cast<double>(2 * f));
    return compute + reduces;
  }

  nlohmann::ordered_json config_json() const override {
    nlohmann::ordered_json j;
    j["mode"] = s_.proxy ? "proxy" : "gqa";
    j["hidden_per_row"] = dy_;
    j["ffn_per_column"] = f_;
    j["rotary_pairs_per_column"] = d2_;
    j["columns_per_kv_head"] = cpg_;
    j["attention_columns"] = attention_columns();
    j["tree_groups"] = g_;
    int most = 0;
    for (const Row& r : rows_) most = std::max(most, r.tokens);
    j["context"] = s_.context();
    j["tokens_per_row_max"] = most;
    if (!s_.proxy) {
      j["kv_policy"] = kv_policy_names()[static_cast<std::size_t>(s_.kv)];
      j["kv_shift_rows"] = kv_.shift_top >= 0 ? p_ - 1 - kv_.shift_top : 0;
    }
    return j;
  }

  double useful_flops() const override {
    const double E = sh_.hidden, Q = sh_.q_dim(), K = sh_.kv_dim(), F = sh_.ffn;
    int tokens = 0;
    for (const Row& r : rows_) tokens += r.tokens;
    return 2.0 * (E * Q + 2 * E * K + Q * E + 3 * E * F) +
           4.0 * sh_.heads * sh_.head_dim * static_cast<double>(tokens);
  }

  void layout(const Rect& r, RouteTables& routes) const override {
    for (int i = 0; i < p_; ++i) {
      install_allreduce(y_line(r, r.x + i), routes);
      install_allreduce(x_line(r, r.y + i), routes);
    }
    if (s_.proxy) return;
    for (int x = r.x; x < r.x + p_; ++x)
      for (int y = 1; y < p_; ++y)
        routes.install(route_p2p_xy({x, r.y + y}, {x, r.y + y - 1}, shift_colour(y)));
  }

  void setup(PeSetup& pe, Coord at, const Rect& r) const override {
    const int px = at.x - r.x, py = at.y - r.y;
    const Column col = column(px);
    const Row& row = rows_[static_cast<std::size_t>(py)];
    const int np = col.np, nq = hg_ * 2 * np, nk = 2 * np, n = row.tokens, dy = dy_, f = f_,
              hg = hg_, heads_row = sh_.heads, slot = 2 * nk, b = b_;
    const int cap = std::max(1, n + (row.receives ? 1 : 0));
    pe.buffer("x", DType::F16, b * dy);
    pe.buffer("xn", DType::F16, b * dy);
    pe.buffer("sq", DType::F16, dy);
    pe.buffer("norm1", DType::F16, dy);
    pe.buffer("norm2", DType::F16, dy);
    pe.buffer("eps", DType::F16, 1);
    pe.buffer("ss", DType::F16, b);
    pe.buffer("h", DType::F16, b * dy);
    pe.buffer("wup", DType::F16, static_cast<std::int64_t>(dy) * f);
    pe.buffer("wgate", DType::F16, static_cast<std::int64_t>(dy) * f);
    pe.buffer("ug", DType::F16, b * 2 * f);
    pe.buffer("wdown", DType::F16, static_cast<std::int64_t>(f) * dy);
    if (n > 0) pe.buffer("scores", DType::F16, static_cast<std::int64_t>(b) * heads_row * n);
    if (np > 0) {
      pe.buffer("wq", DType::F16, static_cast<std::int64_t>(dy) * nq);
      pe.buffer("wk", DType::F16, static_cast<std::int64_t>(dy) * nk);
      pe.buffer("wv", DType::F16, static_cast<std::int64_t>(dy) * nk);
      if (sh_.qkv_bias) pe.buffer("bqkv", DType::F16, nq + 2 * nk);
      pe.buffer("qkv", DType::F16, b * (nq + 2 * nk));
      pe.buffer("cos", DType::F16, hg * np);
      pe.buffer("sin", DType::F16, hg * np);
      pe.buffer("t", DType::F16, 4 * hg * np);
      pe.buffer("kv", DType::F16, static_cast<std::int64_t>(cap) * b * slot);
      pe.buffer("mx", DType::F16, b * hg);
      pe.buffer("sm", DType::F16, b * hg);
      pe.buffer("att", DType::F16, b * nq);
      pe.buffer("wo", DType::F16, static_cast<std::int64_t>(nq) * dy);
    }
    auto plan = std::make_shared<PePlan>();
    PePlan& pl = *plan;
    pl.ys = allreduce_plan(y_line(r, at.x), at.y);
    pl.xs = allreduce_plan(x_line(r, at.y), at.x);
    pl.np = np;
    pl.nq = nq;
    pl.nk = nk;
    pl.n = n;
    pl.dy = dy;
    pl.f = f;
    pl.hg = hg;
    pl.slot = slot;
    pl.j = col.group;
    pl.heads = heads_row;
    pl.b = b;
    pl.proxy = s_.proxy;
    pl.bias = sh_.qkv_bias;
    pl.append = !s_.proxy && py == p_ - 1;
    pl.sends = row.sends;
    pl.receives = row.receives;
    pl.inv_hidden = 1.0f / static_cast<float>(sh_.hidden);
    pl.scale = 1.0f / std::sqrt(static_cast<float>(sh_.head_dim));
    pl.from_below = shift_colour(py + 1);
    pl.to_above = shift_colour(py);
    pe.bind_local(kMain, [plan](PeContext& c) { run_piece(c, plan.get(), 0); });
    pe.activate(kMain);
  }

  void fill(PeArray& pes, const Rect& r) const override {
    if (!functional()) return;
    const LayerWeights& w = *s_.weights;
    const DecodeInputs& in = *s_.inputs.front();  // position and shapes: the same for all
    const int E = sh_.hidden, Q = sh_.q_dim(), KV = sh_.kv_dim(), F = sh_.ffn;
    for (int py = 0; py < p_; ++py)
      for (int px = 0; px < p_; ++px) {
        PeEngine& pe = *pes.at({r.x + px, r.y + py});
        PeContext c(pe);
        SramModel& m = pe.sram();
        auto put = [&](const char* name, std::size_t i, float v) {
          m.write(c.buffer(name), static_cast<std::uint32_t>(i), v);
        };
        auto get = [](const std::vector<float>& v, std::int64_t i) {
          return i >= 0 && static_cast<std::size_t>(i) < v.size() ? v[static_cast<std::size_t>(i)]
                                                                  : 0.0f;
        };
        const Column col = column(px);
        const Row& row = rows_[static_cast<std::size_t>(py)];
        const int np = col.np, nq = hg_ * 2 * np, nk = 2 * np;
        put("eps", 0, static_cast<float>(sh_.rms_eps));
        for (int i = 0; i < dy_; ++i) {
          const int e = py * dy_ + i;
          const bool in_range = e < E;
          for (int q = 0; q < b_; ++q)
            put("x", static_cast<std::size_t>(q * dy_ + i),
                in_range ? get(s_.inputs[static_cast<std::size_t>(q)]->x, e) : 0.0f);
          put("norm1", static_cast<std::size_t>(i), in_range ? get(w.attn_norm, e) : 0.0f);
          put("norm2", static_cast<std::size_t>(i), in_range ? get(w.ffn_norm, e) : 0.0f);
          for (int o = 0; o < f_; ++o) {
            const int fo = px * f_ + o;
            const bool ok = in_range && fo < F;
            const std::size_t at = static_cast<std::size_t>(i * f_ + o);
            put("wup", at, ok ? get(w.wup, static_cast<std::int64_t>(e) * F + fo) : 0.0f);
            put("wgate", at, ok ? get(w.wgate, static_cast<std::int64_t>(e) * F + fo) : 0.0f);
            put("wdown", static_cast<std::size_t>(o * dy_ + i),
                ok ? get(w.wdown, static_cast<std::int64_t>(fo) * E + e) : 0.0f);
          }
          for (int cq = 0; cq < nq; ++cq) {
            const int qi = q_index(col, cq);
            put("wq", static_cast<std::size_t>(i * nq + cq),
                in_range ? get(w.wq, static_cast<std::int64_t>(e) * Q + qi) : 0.0f);
            put("wo", static_cast<std::size_t>(cq * dy_ + i),
                in_range ? get(w.wo, static_cast<std::int64_t>(qi) * E + e) : 0.0f);
          }
          for (int ck = 0; ck < nk; ++ck) {
            const int ki = k_index(col, ck);
            put("wk", static_cast<std::size_t>(i * nk + ck),
                in_range ? get(w.wk, static_cast<std::int64_t>(e) * KV + ki) : 0.0f);
            put("wv", static_cast<std::size_t>(i * nk + ck),
                in_range ? get(w.wv, static_cast<std::int64_t>(e) * KV + ki) : 0.0f);
          }
        }
        if (np == 0) continue;
        if (sh_.qkv_bias) {
          for (int cq = 0; cq < nq; ++cq)
            put("bqkv", static_cast<std::size_t>(cq), get(w.bq, q_index(col, cq)));
          for (int ck = 0; ck < nk; ++ck) {
            put("bqkv", static_cast<std::size_t>(nq + ck), get(w.bk, k_index(col, ck)));
            put("bqkv", static_cast<std::size_t>(nq + nk + ck), get(w.bv, k_index(col, ck)));
          }
        }
        for (int hh = 0; hh < hg_; ++hh)
          for (int i = 0; i < np; ++i) {
            const double angle =
                in.position * std::pow(sh_.rope_theta, -2.0 * (col.pair0 + i) / sh_.head_dim);
            put("cos", static_cast<std::size_t>(hh * np + i), static_cast<float>(std::cos(angle)));
            put("sin", static_cast<std::size_t>(hh * np + i), static_cast<float>(std::sin(angle)));
          }
        for (int t = 0; t < row.cached; ++t) {  // cached tokens in slots 0 .. cached - 1
          const std::int64_t token = row.first + t;
          for (int q = 0; q < b_; ++q) {
            const DecodeInputs& rq = *s_.inputs[static_cast<std::size_t>(q)];
            const std::size_t base = static_cast<std::size_t>((t * b_ + q) * 2 * nk);
            for (int ck = 0; ck < nk; ++ck) {
              const std::int64_t at = token * KV + k_index(col, ck);
              put("kv", base + static_cast<std::size_t>(ck), get(rq.k_cache, at));
              put("kv", base + static_cast<std::size_t>(nk + ck), get(rq.v_cache, at));
            }
          }
        }
      }
  }

  std::string check(PeArray& pes, const Rect& r) const override {
    if (!functional()) return "";
    ErrorCheck e;
    auto rms_of = [](const std::vector<float>& v) {
      double sum = 0;
      for (float x : v) sum += static_cast<double>(x) * x;
      return std::sqrt(sum / static_cast<double>(std::max<std::size_t>(1, v.size())));
    };
    double rms = 0, bound = 0;
    const std::vector<DecodeOutputs> got = read_all(pes, r);
    for (int q = 0; q < b_; ++q) {
      const DecodeOutputs& want = references_[static_cast<std::size_t>(q)];
      const DecodeOutputs& have = got[static_cast<std::size_t>(q)];
      rms = std::max(rms, rms_of(want.x));
      const double xb = tolerance() * rms_of(want.x), ab = tolerance() * rms_of(want.att);
      bound = std::max(bound, xb);
      const std::string req = b_ > 1 ? "request " + std::to_string(q) + ": " : "";
      // Every PE of a row holds its row's chunk of x (replicated along x).
      for (int py = 0; py < p_; ++py)
        for (int px = 0; px < p_; ++px) {
          PeEngine& pe = *pes.at({r.x + px, r.y + py});
          const Buffer& xbuf = PeContext(pe).buffer("x");
          for (int i = 0; i < dy_; ++i) {
            const int el = py * dy_ + i;
            if (el >= sh_.hidden) continue;
            e.compare(
                pe.sram().read(xbuf, static_cast<std::uint32_t>(q * dy_ + i)),
                want.x[static_cast<std::size_t>(el)], xb,
                req + "x_out[" + std::to_string(el) + "] at PE " + to_string({r.x + px, r.y + py}));
          }
        }
      for (std::size_t i = 0; i < want.att.size(); ++i)
        e.compare(have.att[i], want.att[i], ab, req + "attention[" + std::to_string(i) + "]");
      for (std::size_t i = 0; i < want.k.size() && !s_.proxy; ++i) {
        e.compare(have.k[i], want.k[i], xb, req + "k_new[" + std::to_string(i) + "]");
        e.compare(have.v[i], want.v[i], xb, req + "v_new[" + std::to_string(i) + "]");
      }
    }
    report_ = {{"compared", e.compared()},
               {"max_abs_error", e.max_abs_error()},
               {"error_bound", bound},
               {"output_rms", rms}};
    return e.failure();
  }
  nlohmann::ordered_json check_report() const override { return report_; }

  // Each request's outputs as the PEs hold them: x from column 0 of every row, the attention
  // output from row 0 of every attention column, the new k and v from the bottom row's cache.
  std::vector<DecodeOutputs> read_all(PeArray& pes, const Rect& r) const {
    std::vector<DecodeOutputs> all(static_cast<std::size_t>(b_));
    for (int q = 0; q < b_; ++q) {
      DecodeOutputs& out = all[static_cast<std::size_t>(q)];
      out.x.assign(static_cast<std::size_t>(sh_.hidden), 0.0f);
      out.att.assign(static_cast<std::size_t>(sh_.q_dim()), 0.0f);
      if (!s_.proxy) {
        out.k.assign(static_cast<std::size_t>(sh_.kv_dim()), 0.0f);
        out.v.assign(static_cast<std::size_t>(sh_.kv_dim()), 0.0f);
      }
      for (int py = 0; py < p_; ++py) {
        PeEngine& pe = *pes.at({r.x, r.y + py});
        const Buffer& xb = PeContext(pe).buffer("x");
        for (int i = 0; i < dy_; ++i)
          if (py * dy_ + i < sh_.hidden)
            out.x[static_cast<std::size_t>(py * dy_ + i)] =
                pe.sram().read(xb, static_cast<std::uint32_t>(q * dy_ + i));
      }
      for (int px = 0; px < p_; ++px) {
        const Column col = column(px);
        if (col.np == 0) continue;
        const int nq = hg_ * 2 * col.np, nk = 2 * col.np;
        PeEngine& top = *pes.at({r.x + px, r.y});
        const Buffer& ab = PeContext(top).buffer("att");
        for (int cq = 0; cq < nq; ++cq)
          out.att[static_cast<std::size_t>(q_index(col, cq))] =
              top.sram().read(ab, static_cast<std::uint32_t>(q * nq + cq));
        if (s_.proxy) continue;
        PeEngine& bottom = *pes.at({r.x + px, r.y + p_ - 1});
        const Buffer& kvb = PeContext(bottom).buffer("kv");
        const int base = ((rows_.back().tokens - 1) * b_ + q) * 2 * nk;
        for (int ck = 0; ck < nk; ++ck) {
          const auto ki = static_cast<std::size_t>(k_index(col, ck));
          out.k[ki] = bottom.sram().read(kvb, static_cast<std::uint32_t>(base + ck));
          out.v[ki] = bottom.sram().read(kvb, static_cast<std::uint32_t>(base + nk + ck));
        }
      }
    }
    return all;
  }

 private:
  struct Column {
    int group = -1;  // KV head
    int pair0 = 0;   // first rotary pair
    int np = 0;      // rotary pairs held (0: no attention work in this column)
  };
  struct Row {
    int first = 0;   // first cached token (logical order)
    int cached = 0;  // cached tokens before this step
    int tokens = 0;  // tokens attended here this step
    bool sends = false, receives = false;
  };

  Column column(int px) const {
    Column c;
    const int j = px / cpg_, k = px % cpg_;
    if (j >= sh_.kv_heads || k * d2_ >= half_) return c;
    c.group = j;
    c.pair0 = k * d2_;
    c.np = std::min(d2_, half_ - c.pair0);
    return c;
  }
  int attention_columns() const {
    int n = 0;
    for (int px = 0; px < p_; ++px) n += column(px).np > 0 ? 1 : 0;
    return n;
  }
  // Global q index of local q element cq: [firsts of each head | seconds of each head].
  int q_index(const Column& c, int cq) const {
    const int block = hg_ * c.np, second = cq >= block ? 1 : 0, r = cq - second * block;
    const int head = c.group * hg_ + r / c.np;
    return head * sh_.head_dim + second * half_ + c.pair0 + r % c.np;
  }
  int k_index(const Column& c, int ck) const {
    const int second = ck >= c.np ? 1 : 0;
    return c.group * sh_.head_dim + second * half_ + c.pair0 + ck - second * c.np;
  }
  LineAllreduce y_line(const Rect& r, int x) const {
    return LineAllreduce{LineAllreduce::Shape::Tree, Axis::Y, x, r.y, r.y + p_ - 1, g_, kYColours};
  }
  LineAllreduce x_line(const Rect& r, int y) const {
    return LineAllreduce{LineAllreduce::Shape::Tree, Axis::X, y, r.x, r.x + p_ - 1, g_, kXColours};
  }
  // Error allowed on the layer output, relative to its RMS: fp16 keeps 11 significant bits
  // (u = 2^-11); each of the layer's ~15 chained rounding stages (tile GEMVs, tree sums, norms,
  // softmax, SiLU) adds a relative error of a few u times sqrt of its length in the random-sign
  // regime; 6 sqrt(n) u with n = hidden + ffn + tokens bounds their sum with wide margin.
  double tolerance() const {
    int tokens = 0;
    for (const Row& r : rows_) tokens += r.tokens;
    const double n = sh_.hidden + sh_.ffn + tokens;
    return 6.0 * std::sqrt(n) * std::ldexp(1.0, -11);
  }

  DecodeLayerSpec s_;
  LayerShape sh_;
  int p_, hg_ = 1, cpg_ = 1, half_ = 1, d2_ = 1, dy_ = 1, f_ = 1, g_ = 1;
  KvStep kv_;
  std::vector<Row> rows_;
  std::vector<DecodeOutputs> references_;  // per request (functional mode)
  int b_ = 1;                              // requests decoded together
  bool functional() const { return s_.weights && !s_.inputs.empty(); }
  mutable nlohmann::ordered_json report_ = nlohmann::ordered_json::object();
};

}  // namespace

void check_layer_shape(const LayerShape& m, int grid) {
  if (grid < 2) throw std::invalid_argument("the grid must be at least 2 x 2");
  if (m.hidden < 1 || m.heads < 1 || m.kv_heads < 1 || m.head_dim < 2 || m.ffn < 1)
    throw std::invalid_argument("the model shape has a zero or negative size");
  if (m.head_dim % 2 != 0) throw std::invalid_argument("head_dim must be even (rotary pairs)");
  if (m.heads % m.kv_heads != 0)
    throw std::invalid_argument("heads (" + std::to_string(m.heads) +
                                ") must be a multiple of kv_heads (" + std::to_string(m.kv_heads) +
                                ")");
  if (grid < m.kv_heads)
    throw std::invalid_argument("a " + std::to_string(grid) + "x" + std::to_string(grid) +
                                " grid has fewer columns than the model's " +
                                std::to_string(m.kv_heads) +
                                " KV heads (each needs at least one column)");
}

const std::vector<std::string>& decode_layer_phase_names() {
  static const std::vector<std::string> n{
      "rmsnorm_qkv", "rope_scores",     "softmax_max", "softmax_sum", "attention_out_kv_shift",
      "o_proj",      "rmsnorm_up_gate", "silu_down"};
  return n;
}

LayerFootprint decode_layer_footprint(const DecodeLayerSpec& spec, int tokens_per_row) {
  const DecodeLayerProgram program(spec);
  return program.footprint(tokens_per_row);
}

std::vector<DecodeOutputs> read_decode_outputs(const Program& program, PeArray& pes,
                                               const Rect& rect) {
  const auto* p = dynamic_cast<const DecodeLayerProgram*>(&program);
  if (!p) throw std::invalid_argument("read_decode_outputs needs a decode layer program");
  return p->read_all(pes, rect);
}

double decode_layer_estimate(const DecodeLayerSpec& spec, const ChipParams& chip) {
  return DecodeLayerProgram(spec).estimate_cycles(chip);
}

std::unique_ptr<Program> make_decode_layer_program(const DecodeLayerSpec& spec) {
  return std::make_unique<DecodeLayerProgram>(spec);
}

}  // namespace wse
