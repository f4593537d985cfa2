#include "firmware/prefill_layer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "firmware/allreduce.h"
#include "firmware/kernel_data.h"
#include "firmware/kernels.h"
#include "firmware/layer_ops.h"
#include "noc/route_builder.h"

namespace wse {
namespace {

// Local task ids.
constexpr int kMain = 1, kAlign = 2, kStep = 3, kXDone = 4, kYDone = 5, kJoin = 6, kYJoin = 7;
// Colours.
constexpr int kX = 1, kXShift = 4, kXShiftRe = 7, kY = 10, kSegment = 13, kRow = 17;
constexpr float kMasked = -65504.0f;  // the most negative f16: exp of it minus the max is 0

enum Stage : int {
  kNorm1,
  kGemmQ,
  kGemmK,
  kGemmV,
  kRope,
  kScores,
  kSoftmax,
  kAttend,
  kGemmO,
  kNorm2,
  kGemmUp,
  kGemmGate,
  kSiluMul,
  kGemmDown,
  kResidual,
  kStages
};

std::uint32_t u32(int v) {
  return static_cast<std::uint32_t>(v);
}
View sub(const View& v, std::uint32_t offset, std::uint32_t length) {
  return View{v.buffer, v.offset + offset, length};
}
std::array<Color, 3> colours3(int first) {
  return {Color(static_cast<std::uint8_t>(first)), Color(static_cast<std::uint8_t>(first + 1)),
          Color(static_cast<std::uint8_t>(first + 2))};
}

// The A operands that shift along the rows, double-buffered: the normalised input (Q, K, V, up,
// gate), the attention output (O projection), SiLU(gate) * up (down projection).
enum Pair : int { kXn, kO, kZ };
const char* const kPairNames[3][2] = {{"xa0", "xa1"}, {"o0", "o1"}, {"up", "gate"}};

struct GemmStage {
  Pair a;
  bool align;
  const char* weight;
  const char* out;
  int kt, nt;
};

// Per-PE constants and state (a few hundred bytes, owned by the task bodies).
struct PePlan {
  int steps = 2;  // steps per pass: P, or fewer when sampling (timing only)
  int p = 2, s = 1, dx = 1, f = 1, d2 = 1, nk = 2, nq = 2, hg = 1, w = 1, seg_pos = 0;
  int row = 0;            // logical row i
  int nb = 0;             // score slots (steps whose block this PE roots)
  std::vector<int> mine;  // the slots that hold an unmasked block
  bool real = true;       // the row holds prompt tokens
  bool bias = false;
  float inv_hidden = 1, scale = 1;
  std::array<GemmStage, kStages> gemm{};
  std::vector<ReduceStep> row_reduce, row_bcast;  // row chain allreduce (root in the middle)
  std::vector<ReduceStep> seg_reduce, seg_bcast;  // segment chain allreduce (root in the middle)
  ChainLine segment;
  int seg_x = 0;  // this PE's absolute x
  // Alignment of A (MeshGEMM): the direction and rounds of this row.
  int rounds = 0, keep = 0;
  Color x_out, x_in, y_out, y_in, s_out, s_in;
  // State.
  int stage = 0, step = 0, round = 0, b = 0, kc = 0, vc = 0;
  std::array<int, 3> pair{};  // current buffer of each A pair
  bool valid(int t) const { return real && (row + t) % p <= row; }
};

void advance(PeContext& c, PePlan& pl);

void rms_norm(PeContext& c, PePlan& pl, const char* weight) {
  const int dx = pl.dx, s = pl.s;
  const View x = c.view("x"), sq = c.view("sq"), ss = c.view("ss");
  const View xn = c.view(kPairNames[kXn][pl.pair[kXn]]);
  c.vector(VectorOp::Mul, sq, x, x);
  c.vector(VectorOp::Fill, ss, {}, {}, 0.0f);
  c.gemv_acc(ss, c.view("ones"), sq, dx, s);  // per token: the sum over this column's dims
  run_allreduce(c, pl.row_reduce, ss);
  run_allreduce(c, pl.row_bcast, ss);
  c.vector(VectorOp::Fma, ss, c.view("eps"), ss, pl.inv_hidden);
  c.vector(VectorOp::Rsqrt, ss, ss);
  const View wv = c.view(weight);
  for (int d = 0; d < dx; ++d) {
    const View xd = sub(x, u32(d * s), u32(s)), xnd = sub(xn, u32(d * s), u32(s));
    c.vector(VectorOp::Mul, xnd, xd, ss);
    c.vector(VectorOp::Mul, xnd, xnd, sub(wv, u32(d), 1));
  }
}

// 5. Biases (Qwen2), RoPE on [firsts | seconds] of q (every head at once) and of k, the score
// scale folded into q, v made token-major for P.V.
void rope(PeContext& c, PePlan& pl) {
  const int s = pl.s, hg = pl.hg, d2 = pl.d2, nk = pl.nk, nq = pl.nq;
  const View q = c.view("q"), k = c.view(pl.kc ? "k1" : "k0"), vd = c.view("vd"), t = c.view("t"),
             cs = c.view("cos"), sn = c.view("sin");
  if (pl.bias) {
    const View b = c.view("bqkv");
    for (int d = 0; d < nq; ++d)
      c.vector(VectorOp::Add, sub(q, u32(d * s), u32(s)), sub(q, u32(d * s), u32(s)),
               sub(b, u32(d), 1));
    for (int d = 0; d < nk; ++d) {
      c.vector(VectorOp::Add, sub(k, u32(d * s), u32(s)), sub(k, u32(d * s), u32(s)),
               sub(b, u32(nq + d), 1));
      c.vector(VectorOp::Add, sub(vd, u32(d * s), u32(s)), sub(vd, u32(d * s), u32(s)),
               sub(b, u32(nq + nk + d), 1));
    }
  }
  const std::uint32_t hq = u32(hg * d2 * s), hk = u32(d2 * s);
  rotate_pairs(c, sub(q, 0, hq), sub(q, hq, hq), hq, t, cs, sn);
  rotate_pairs(c, sub(k, 0, hk), sub(k, hk, hk), hk, t, cs, sn);
  c.vector(VectorOp::Scale, q, q, {}, pl.scale);
  c.transpose(c.view(pl.vc ? "v1" : "v0"), vd, nk, s);
}

// 7. Softmax over the keys of each (head, query), along the segment; leaves 1/sum in `sm`. Issued
// one score slot at a time (then()): a PE may hold dozens of slots, and a piece's ops wait in its
// queue until they run (memory on large grids).
enum SoftmaxPhase : std::uint32_t { kMax, kExp, kSum };
void softmax_from(PeContext& c, PePlan& pl, std::uint32_t phase, std::uint32_t i) {
  const int s = pl.s, hg = pl.hg;
  const View sc = c.view("S"), mx = c.view("mx"), sm = c.view("sm");
  const std::uint32_t block = u32(s * s), slot = u32(hg * s * s);
  if (i < pl.mine.size()) {
    const std::uint32_t b = u32(pl.mine[i]);
    for (int hh = 0; hh < hg; ++hh)
      for (int kk = 0; kk < s; ++kk) {  // each key row of each head
        const View r = sub(sc, b * slot + u32(hh) * block + u32(kk * s), u32(s));
        const View m = sub(phase == kSum ? sm : mx, u32(hh * s), u32(s));
        if (phase == kMax) c.vector(VectorOp::Max, m, m, r);
        if (phase == kExp) c.vector(VectorOp::Fma, r, r, m, -1.0f);
        if (phase == kSum) c.vector(VectorOp::Add, m, m, r);
      }
    if (phase == kExp)
      c.vector(VectorOp::ExpFull, sub(sc, b * slot, slot), sub(sc, b * slot, slot));
    PePlan* p = &pl;
    const std::uint32_t next = phase << 24 | (i + 1);
    c.then([p, next](PeContext& n) { softmax_from(n, *p, next >> 24, next & 0xFFFFFFu); });
    return;
  }
  PePlan* p = &pl;
  switch (phase) {
    case kMax:
      run_allreduce(c, pl.seg_reduce, mx, Combine::Max);
      run_allreduce(c, pl.seg_bcast, mx);
      softmax_from(c, pl, kExp, 0);
      return;
    case kExp:
      c.vector(VectorOp::Fill, sm, {}, {}, 0.0f);
      softmax_from(c, pl, kSum, 0);
      return;
    default:
      run_allreduce(c, pl.seg_reduce, sm);
      run_allreduce(c, pl.seg_bcast, sm);
      c.vector(VectorOp::Recip, sm, sm);
      c.then([p](PeContext& n) { advance(n, *p); });
  }
}

void softmax(PeContext& c, PePlan& pl) {
  if (!pl.real) {
    PePlan* p = &pl;
    c.then([p](PeContext& n) { advance(n, *p); });
    return;
  }
  c.vector(VectorOp::Fill, c.view("mx"), {}, {}, kMasked);
  softmax_from(c, pl, kMax, 0);
}

void residual(PeContext& c, PePlan&) {
  c.vector(VectorOp::Add, c.view("x"), c.view("x"), c.view("h"));
}

void silu_mul(PeContext& c, PePlan& pl) {
  const View up = c.view("up"), gate = c.view("gate");
  c.vector(VectorOp::Silu, gate, gate);
  c.vector(VectorOp::Mul, up, up, gate);
  pl.pair[kZ] = 0;  // SiLU(gate) * up sits in `up`
}

// One step of a MeshGEMM stage: shift A along the row ring and B along the column ring while
// multiplying the current tiles (waferllm-algorithms.md 2.1).
void gemm_step(PeContext& c, PePlan& pl, const GemmStage& g) {
  const int p = pl.p;
  const View w = c.view(g.weight);
  const std::uint32_t kn = u32(g.kt * g.nt);
  auto b_view = [&](int i) { return i == 0 ? w : sub(c.view("bs"), 0, kn); };
  if (pl.step == pl.steps) {
    if (p % 2 == 1) c.vector(VectorOp::Copy, w, b_view(1));  // odd P: the tile came back in bs
    pl.b = 0;
    advance(c, pl);
    return;
  }
  int& ai = pl.pair[g.a];
  const View a = c.view(kPairNames[g.a][ai]), a_next = c.view(kPairNames[g.a][ai ^ 1]);
  const View b = b_view(pl.b);
  if (p > 1) {
    c.block(kStep);
    c.send(pl.x_out, a, true, OnDone::unblock(kXDone));
    c.recv(pl.x_in, a_next, true, OnDone::activate(kXDone));
    c.send(pl.y_out, b, true, OnDone::unblock(kYDone));
    c.recv(pl.y_in, b_view(pl.b ^ 1), true, OnDone::activate(kYDone));
  }
  c.matmul_acc(c.view(g.out), a, b, pl.s, g.kt, g.nt, MapOrder::Fastest);
  ++pl.step;
  ai ^= 1;
  pl.b ^= 1;
  c.activate(kStep);
}

// Shifts the K or V tile one step along the column ring (asynchronous; kYJoin unblocks kStep).
void shift_y(PeContext& c, PePlan& pl, const char* const names[2], int& cur) {
  if (pl.p < 2) return;
  c.block(kStep);
  c.send(pl.y_out, c.view(names[cur]), true, OnDone::unblock(kYJoin));
  c.recv(pl.y_in, c.view(names[cur ^ 1]), true, OnDone::activate(kYJoin));
}

// 6. dist-GEMM-T step t: this row's queries against the keys of logical row i + t.
void scores_step(PeContext& c, PePlan& pl) {
  static const char* const names[2] = {"k0", "k1"};
  const int t = pl.step, s = pl.s, hg = pl.hg, d2 = pl.d2;
  if (t == pl.steps) {
    if (pl.p % 2 == 1) c.vector(VectorOp::Copy, c.view("k0"), c.view("k1"));
    pl.kc = 0;
    advance(c, pl);
    return;
  }
  const View k = c.view(names[pl.kc]);
  shift_y(c, pl, names, pl.kc);
  if (pl.valid(t)) {
    const int root = t % pl.w;
    const std::uint32_t slot = u32(hg * s * s), block = u32(s * s);
    const View target =
        root == pl.seg_pos ? sub(c.view("S"), u32(t / pl.w) * slot, slot) : c.view("sp");
    const View q = c.view("q");
    const std::uint32_t hq = u32(hg * d2 * s), hk = u32(d2 * s);
    c.vector(VectorOp::Fill, target, {}, {}, 0.0f);
    for (int hh = 0; hh < hg; ++hh) {
      const View out = sub(target, u32(hh) * block, block);
      c.matmul_acc(out, sub(q, u32(hh) * hk, hk), sub(k, 0, hk), s, d2, s, MapOrder::Fastest);
      c.matmul_acc(out, sub(q, hq + u32(hh) * hk, hk), sub(k, hk, hk), s, d2, s, MapOrder::Fastest);
    }
    run_allreduce(c, chain_reduce_plan(pl.segment, pl.seg_x, pl.segment.lo + root), target);
    if (t == 0 && root == pl.seg_pos)  // the diagonal block: keys after the query are masked
      for (int hh = 0; hh < hg; ++hh) {
        const View out = sub(target, u32(hh) * block, block);
        c.vector(VectorOp::Add, out, out, c.view("mask"));
      }
  }
  pl.kc ^= 1;
  ++pl.step;
  c.activate(kStep);
}

// 8. P.V step t: the block of key row i + t, broadcast from its root along the segment, times
// the values of that row (arriving on the column ring).
void attend_step(PeContext& c, PePlan& pl) {
  static const char* const names[2] = {"v0", "v1"};
  const int t = pl.step, s = pl.s, hg = pl.hg, nk = pl.nk;
  const View o = c.view(kPairNames[kO][pl.pair[kO]]);
  if (t == pl.steps) {
    if (pl.p % 2 == 1) c.vector(VectorOp::Copy, c.view("v0"), c.view("v1"));
    pl.vc = 0;
    if (pl.real)  // the softmax's 1/sum, per head and query
      for (int hh = 0; hh < hg; ++hh)
        for (int d = 0; d < nk; ++d) {
          const View od = sub(o, u32((hh * nk + d) * s), u32(s));
          c.vector(VectorOp::Mul, od, od, sub(c.view("sm"), u32(hh * s), u32(s)));
        }
    advance(c, pl);
    return;
  }
  const View v = c.view(names[pl.vc]);
  shift_y(c, pl, names, pl.vc);
  if (pl.valid(t)) {
    const int root = t % pl.w;
    const std::uint32_t slot = u32(hg * s * s), block = u32(s * s);
    const bool mine = root == pl.seg_pos;
    const View probs = mine ? sub(c.view("S"), u32(t / pl.w) * slot, slot) : c.view("sp");
    const auto plan = chain_broadcast_plan(pl.segment, pl.seg_x, pl.segment.lo + root);
    if (mine && plan.size() == 2) {  // both ways at once: the slot is not written again
      c.send(plan[0].out, probs, true);
      c.send(plan[1].out, probs);
    } else {
      run_allreduce(c, plan, probs);
    }
    for (int hh = 0; hh < hg; ++hh)
      c.matmul_acc(sub(o, u32(hh * nk * s), u32(nk * s)), sub(probs, u32(hh) * block, block), v, s,
                   s, nk, MapOrder::Fastest);
  }
  pl.vc ^= 1;
  ++pl.step;
  c.activate(kStep);
}

void start_gemm(PeContext& c, PePlan& pl, const GemmStage& g) {
  c.vector(VectorOp::Fill, c.view(g.out), {}, {}, 0.0f);
  pl.step = 0;
  pl.round = 0;
  pl.b = 0;
  c.activate(g.align && pl.rounds > 0 ? kAlign : kStep);
}

// Finishes the current stage (its mark) and starts the next.
void advance(PeContext& c, PePlan& pl) {
  c.mark(pl.stage);
  ++pl.stage;
  PePlan* plp = &pl;
  auto then_advance = [plp](PeContext& next) { advance(next, *plp); };
  switch (pl.stage) {
    case kGemmQ:
    case kGemmK:
    case kGemmV:
    case kGemmO:
    case kGemmUp:
    case kGemmGate:
    case kGemmDown:
      start_gemm(c, pl, pl.gemm[static_cast<std::size_t>(pl.stage)]);
      return;
    case kRope:
      rope(c, pl);
      c.then(then_advance);
      return;
    case kScores:
      pl.step = 0;
      c.activate(kStep);
      return;
    case kSoftmax:
      softmax(c, pl);  // continues with advance itself
      return;
    case kAttend:
      c.vector(VectorOp::Fill, c.view(kPairNames[kO][pl.pair[kO]]), {}, {}, 0.0f);
      pl.step = 0;
      c.activate(kStep);
      return;
    case kNorm2:
      residual(c, pl);
      rms_norm(c, pl, "norm2");
      c.then(then_advance);
      return;
    case kSiluMul:
      silu_mul(c, pl);
      c.then(then_advance);
      return;
    case kResidual:
      residual(c, pl);
      c.mark(kResidual);
      return;
    default:
      return;
  }
}

class PrefillLayerProgram : public Program {
 public:
  explicit PrefillLayerProgram(const PrefillLayerSpec& spec)
      : s_(spec), sh_(spec.shape), p_(spec.grid) {
    const LayerShape& m = sh_;
    check_layer_shape(m, p_);
    if (s_.tokens < 1) throw std::invalid_argument("prefill needs at least one prompt token");
    hg_ = m.heads / m.kv_heads;
    cpg_ = p_ / m.kv_heads;
    half_ = m.head_dim / 2;
    d2_ = (half_ + cpg_ - 1) / cpg_;
    nk_ = 2 * d2_;
    nq_ = hg_ * nk_;
    s_tok_ = tile_of(s_.tokens, p_);
    steps_ = s_.pass_steps > 0 ? std::min(p_, s_.pass_steps) : p_;
    if (steps_ < p_ && s_.weights)
      throw std::invalid_argument("sampled pass steps are for timing runs only");
    dx_ = tile_of(m.hidden, p_);
    f_ = tile_of(m.ffn, p_);
    pos_.assign(static_cast<std::size_t>(p_), 0);
    phys_.assign(static_cast<std::size_t>(p_), 0);
    const auto order = interleaved_ring_order(p_);
    for (int l = 0; l < p_; ++l)
      pos_[static_cast<std::size_t>(order[static_cast<std::size_t>(l)])] = l;
    for (int x = 0; x < p_; ++x) phys_[static_cast<std::size_t>(logical(x))] = x;
    if (functional()) {
      if (static_cast<std::int64_t>(s_.input->size()) !=
          static_cast<std::int64_t>(s_.tokens) * m.hidden)
        throw std::invalid_argument("the prefill input must hold tokens x hidden values");
      reference_ = reference_prefill_layer(sh_, *s_.weights, *s_.input);
    }
  }

  LayerFootprint footprint() const {
    LayerFootprint fp;
    const std::int64_t h = 2, s = s_tok_, dx = dx_, f = f_, nq = nq_, nk = nk_, hg = hg_;
    fp.weights = h * (dx * nq + 2 * dx * nk + nq * dx + 3 * dx * f + 2 * dx +
                      (sh_.qkv_bias ? nq + 2 * nk : 0));
    fp.kv_per_token = h * 2 * nk;
    std::int64_t nb = 0;
    for (int px = 0; px < p_; ++px) nb = std::max<std::int64_t>(nb, slots(px));
    fp.scratch = h * (4 * dx * s + 2 * s + 2 * dx + std::max(dx * nq, dx * f) + nq * s +
                      3 * nk * s + 5 * hg * d2_ * s * 2 + (nb + 1) * hg * s * s + s * s +
                      2 * hg * s + 2 * nq * s + dx * s + 2 * f * s);
    return fp;
  }

  // Every P-step pass costs P x (its step's slowest part - compute, or the A or B tile on the
  // link - plus the step's fixed fabric and task overheads); alignments P/2 two-hop shifts; the
  // score and P.V passes add a chain over half a segment per step.
  double estimate_cycles(const ChipParams& chip) const {
    const PeParams& pe = chip.pe;
    const double p = p_, s = s_tok_, link = static_cast<double>(chip.link_period().count());
    const double hop = static_cast<double>(chip.noc.hop_latency.count() +
                                           chip.noc.router_latency.count()),
                 ramp = static_cast<double>(chip.noc.ramp_latency.count());
    const double overhead = static_cast<double>(pe.send_dispatch.count()) + 2 * ramp + 2 * hop +
                            3 * static_cast<double>(pe.task_switch.count());
    auto wav = [&](double halfs) { return std::ceil(halfs / 2) * link; };
    auto mm = [&](double m, double k, double n) {
      return static_cast<double>(matmul_cost(pe, static_cast<std::int64_t>(m),
                                             static_cast<std::int64_t>(k),
                                             static_cast<std::int64_t>(n), MapOrder::Fastest)
                                     .cycles.count());
    };
    auto gemm = [&](double kt, double nt) {
      return p * (std::max({mm(s, kt, nt), wav(s * kt), wav(kt * nt)}) + overhead);
    };
    auto align = [&](double kt) { return std::floor(p / 2) * (wav(s * kt) + overhead); };
    const double dx = dx_, f = f_, nq = nq_, nk = nk_, hg = hg_, d2 = d2_, w = cpg_;
    const double chain = w / 2 * (2 * ramp + hop) + wav(hg * s * s);
    const double scores = p * (2 * hg * mm(s, d2, s) + chain + overhead);
    const double attend = p * (hg * mm(s, s, nk) + chain + overhead);
    return gemm(dx, nq) + 2 * gemm(dx, nk) + gemm(nq, dx) + 2 * gemm(dx, f) + gemm(f, dx) +
           2 * align(dx) + align(nq) + align(f) + scores + attend;
  }

  nlohmann::ordered_json config_json() const override {
    nlohmann::ordered_json j;
    j["tokens"] = s_.tokens;
    j["tokens_per_row"] = s_tok_;
    j["hidden_per_column"] = dx_;
    j["ffn_per_column"] = f_;
    j["rotary_pairs_per_column"] = d2_;
    j["columns_per_kv_head"] = cpg_;
    int most = 0;
    for (int px = 0; px < p_; ++px) most = std::max(most, slots(px));
    j["score_blocks_per_pe_max"] = most;
    return j;
  }

  double useful_flops() const override {
    const double E = sh_.hidden, Q = sh_.q_dim(), K = sh_.kv_dim(), F = sh_.ffn, L = s_.tokens;
    // Projections, then causal attention: q.k and p.v over L (L + 1) / 2 pairs per head.
    return 2.0 * L * (E * Q + 2 * E * K + Q * E + 3 * E * F) +
           4.0 * sh_.heads * sh_.head_dim * L * (L + 1) / 2;
  }

  void layout(const Rect& r, RouteTables& routes) const override {
    for (int q = 0; q < p_; ++q) {
      const auto row = row_cells(r.y + q, r.x, r.x + p_ - 1);
      const auto col = column_cells(r.x + q, r.y, r.y + p_ - 1);
      routes.install(route_interleaved_ring(row, colours3(kX)));
      routes.install(route_interleaved_ring(row, colours3(kXShift)));
      routes.install(route_interleaved_ring(row, colours3(kXShiftRe), true));
      routes.install(route_interleaved_ring(col, colours3(kY)));
      install_chain_line(ChainLine{Axis::X, r.y + q, r.x, r.x + p_ - 1, kRow}, routes);
      for (int g = 0; g < sh_.kv_heads; ++g) install_chain_line(segment(r, r.y + q, g), routes);
    }
  }

  void setup(PeSetup& pe, Coord at, const Rect& r) const override {
    const int px = at.x - r.x, py = at.y - r.y;
    const int s = s_tok_, dx = dx_, f = f_, nq = nq_, nk = nk_, hg = hg_;
    auto plan = std::make_shared<PePlan>();
    PePlan& pl = *plan;
    pl.p = p_;
    pl.steps = steps_;
    pl.s = s;
    pl.dx = dx;
    pl.f = f;
    pl.d2 = d2_;
    pl.nk = nk;
    pl.nq = nq;
    pl.hg = hg;
    pl.row = logical(py);
    pl.real = pl.row * s < s_.tokens;
    pl.bias = sh_.qkv_bias;
    pl.inv_hidden = 1.0f / static_cast<float>(sh_.hidden);
    pl.scale = 1.0f / std::sqrt(static_cast<float>(sh_.head_dim));
    const int g = group(px);
    pl.segment = segment(r, at.y, g);
    pl.w = pl.segment.length();
    pl.seg_pos = at.x - pl.segment.lo;
    pl.seg_x = at.x;
    pl.nb = slots(px);
    for (int b = 0; b < pl.nb; ++b)
      if (pl.valid(b * pl.w + pl.seg_pos)) pl.mine.push_back(b);
    const ChainLine row{Axis::X, at.y, r.x, r.x + p_ - 1, kRow};
    const int mid = r.x + p_ / 2, seg_mid = pl.segment.lo + pl.w / 2;
    pl.row_reduce = chain_reduce_plan(row, at.x, mid);
    pl.row_bcast = chain_broadcast_plan(row, at.x, mid);
    pl.seg_reduce = chain_reduce_plan(pl.segment, at.x, seg_mid);
    pl.seg_bcast = chain_broadcast_plan(pl.segment, at.x, seg_mid);
    // MeshGEMM's alignment of A (as in gemm.cpp): row i shifts i places the short way round.
    const int i = pl.row;
    const bool reverse = i > p_ / 2;
    pl.rounds = std::min(p_ / 2, steps_ / 2);
    pl.keep = std::min(pl.rounds, reverse ? p_ - i : i);
    const RingSlots xs = interleaved_ring_slots(p_, px), ys = interleaved_ring_slots(p_, py),
                    as = interleaved_ring_slots(p_, px, reverse);
    const auto xc = colours3(kX), yc = colours3(kY), sc = colours3(reverse ? kXShiftRe : kXShift);
    auto at3 = [](const std::array<Color, 3>& cs, int k) {
      return cs[static_cast<std::size_t>(k)];
    };
    pl.x_out = at3(xc, xs.send);
    pl.x_in = at3(xc, xs.recv);
    pl.y_out = at3(yc, ys.send);
    pl.y_in = at3(yc, ys.recv);
    pl.s_out = at3(sc, as.send);
    pl.s_in = at3(sc, as.recv);
    pl.gemm[kGemmQ] = {kXn, true, "wq", "q", dx, nq};
    pl.gemm[kGemmK] = {kXn, false, "wk", "k0", dx, nk};
    pl.gemm[kGemmV] = {kXn, false, "wv", "vd", dx, nk};
    pl.gemm[kGemmO] = {kO, true, "wo", "h", nq, dx};
    pl.gemm[kGemmUp] = {kXn, true, "wup", "up", dx, f};
    pl.gemm[kGemmGate] = {kXn, false, "wgate", "gate", dx, f};
    pl.gemm[kGemmDown] = {kZ, true, "wdown", "h", f, dx};

    auto buf = [&](const char* name, std::int64_t n) {
      pe.buffer(name, DType::F16, std::max<std::int64_t>(1, n));
    };
    buf("x", dx * s);
    buf("xa0", dx * s);
    buf("xa1", dx * s);
    buf("sq", dx * s);
    buf("ss", s);
    buf("eps", s);
    buf("ones", dx);
    buf("norm1", dx);
    buf("norm2", dx);
    buf("wq", static_cast<std::int64_t>(dx) * nq);
    buf("wk", static_cast<std::int64_t>(dx) * nk);
    buf("wv", static_cast<std::int64_t>(dx) * nk);
    buf("wo", static_cast<std::int64_t>(nq) * dx);
    buf("wup", static_cast<std::int64_t>(dx) * f);
    buf("wgate", static_cast<std::int64_t>(dx) * f);
    buf("wdown", static_cast<std::int64_t>(f) * dx);
    buf("bs", std::max<std::int64_t>(static_cast<std::int64_t>(dx) * nq,
                                     static_cast<std::int64_t>(dx) * f));
    if (sh_.qkv_bias) buf("bqkv", nq + 2 * nk);
    buf("q", nq * s);
    buf("k0", nk * s);
    buf("k1", nk * s);
    buf("vd", nk * s);
    buf("v0", nk * s);
    buf("v1", nk * s);
    buf("cos", hg * d2_ * s);
    buf("sin", hg * d2_ * s);
    buf("t", 4 * hg * d2_ * s);
    buf("S", static_cast<std::int64_t>(pl.nb) * hg * s * s);
    buf("sp", hg * s * s);
    buf("mask", s * s);
    buf("mx", hg * s);
    buf("sm", hg * s);
    buf("o0", nq * s);
    buf("o1", nq * s);
    buf("h", dx * s);
    buf("up", f * s);
    buf("gate", f * s);

    PePlan* p = plan.get();
    pe.bind_local(kMain, [plan](PeContext& c) {
      rms_norm(c, *plan, "norm1");
      PePlan* pp = plan.get();
      c.then([pp](PeContext& next) { advance(next, *pp); });
    });
    pe.bind_local(kAlign, [p](PeContext& c) {
      PePlan& q = *p;
      const GemmStage& g = q.gemm[static_cast<std::size_t>(q.stage)];
      int& ai = q.pair[g.a];
      if (q.round > 0 && q.round <= q.keep) ai ^= 1;  // round - 1 delivered the new tile
      if (q.round == q.rounds) {
        c.activate(kStep);
        return;
      }
      c.block(kAlign);
      c.send(q.s_out, c.view(kPairNames[g.a][ai]), true, OnDone::unblock(kAlign));
      c.recv(q.s_in, c.view(kPairNames[g.a][ai ^ 1]), true, OnDone::activate(kAlign));
      ++q.round;
    });
    pe.bind_local(kStep, [p](PeContext& c) {
      PePlan& q = *p;
      if (q.stage == kScores)
        scores_step(c, q);
      else if (q.stage == kAttend)
        attend_step(c, q);
      else
        gemm_step(c, q, q.gemm[static_cast<std::size_t>(q.stage)]);
    });
    // MeshGEMM's four-transfer barrier and the column-ring-only one.
    bind_step_barrier(pe, StepBarrier{kStep, kXDone, kYDone, kJoin});
    pe.bind_local(kYJoin, [](PeContext& c) {
      c.block(kYJoin);
      c.unblock(kStep);
    });
    pe.block(kYJoin);
    pe.activate(kMain);
  }

  void fill(PeArray& pes, const Rect& r) const override {
    if (!functional()) return;
    const LayerWeights& w = *s_.weights;
    const std::vector<float>& in = *s_.input;
    const int E = sh_.hidden, Q = sh_.q_dim(), KV = sh_.kv_dim(), F = sh_.ffn, s = s_tok_;
    auto get = [](const std::vector<float>& v, std::int64_t i) {
      return i >= 0 && static_cast<std::size_t>(i) < v.size() ? v[static_cast<std::size_t>(i)]
                                                              : 0.0f;
    };
    for (int py = 0; py < p_; ++py)
      for (int px = 0; px < p_; ++px) {
        PeEngine& pe = *pes.at({r.x + px, r.y + py});
        PeContext c(pe);
        SramModel& m = pe.sram();
        auto put = [&](const char* name, std::int64_t i, float v) {
          m.write(c.buffer(name), static_cast<std::uint32_t>(i), v);
        };
        const int i = logical(py), j = logical(px), kb = (i + j) % p_;
        const Column col = column(px), kcol = column(phys_[static_cast<std::size_t>(kb)]);
        for (int e = 0; e < s; ++e) {
          put("eps", e, static_cast<float>(sh_.rms_eps));
          for (int d = 0; d < dx_; ++d) {
            const int tok = i * s + e, dim = j * dx_ + d;
            put("x", d * s + e,
                tok < s_.tokens && dim < E ? get(in, static_cast<std::int64_t>(tok) * E + dim)
                                           : 0.0f);
          }
        }
        for (int d = 0; d < dx_; ++d) {
          const int dim = j * dx_ + d;
          put("ones", d, 1.0f);
          put("norm1", d, dim < E ? get(w.attn_norm, dim) : 0.0f);
          put("norm2", d, dim < E ? get(w.ffn_norm, dim) : 0.0f);
        }
        // B tiles (skewed): rows of block kb, columns of this column's block.
        for (int rr = 0; rr < dx_; ++rr) {
          const int e = kb * dx_ + rr;
          const bool ok = e < E;
          for (int cq = 0; cq < nq_; ++cq) {
            const int qi = q_index(col, cq);
            put("wq", rr * nq_ + cq,
                ok && qi >= 0 ? get(w.wq, static_cast<std::int64_t>(e) * Q + qi) : 0.0f);
          }
          for (int ck = 0; ck < nk_; ++ck) {
            const int ki = k_index(col, ck);
            put("wk", rr * nk_ + ck,
                ok && ki >= 0 ? get(w.wk, static_cast<std::int64_t>(e) * KV + ki) : 0.0f);
            put("wv", rr * nk_ + ck,
                ok && ki >= 0 ? get(w.wv, static_cast<std::int64_t>(e) * KV + ki) : 0.0f);
          }
          for (int cf = 0; cf < f_; ++cf) {
            const int fo = j * f_ + cf;
            const bool in_f = ok && fo < F;
            put("wup", rr * f_ + cf,
                in_f ? get(w.wup, static_cast<std::int64_t>(e) * F + fo) : 0.0f);
            put("wgate", rr * f_ + cf,
                in_f ? get(w.wgate, static_cast<std::int64_t>(e) * F + fo) : 0.0f);
          }
        }
        for (int rr = 0; rr < nq_; ++rr) {  // W_O rows: the O dims of logical column kb
          const int oi = o_index(kcol, rr);
          for (int cc = 0; cc < dx_; ++cc) {
            const int e = j * dx_ + cc;
            put("wo", rr * dx_ + cc,
                oi >= 0 && e < E ? get(w.wo, static_cast<std::int64_t>(oi) * E + e) : 0.0f);
          }
        }
        for (int rr = 0; rr < f_; ++rr) {
          const int fo = kb * f_ + rr;
          for (int cc = 0; cc < dx_; ++cc) {
            const int e = j * dx_ + cc;
            put("wdown", rr * dx_ + cc,
                fo < F && e < E ? get(w.wdown, static_cast<std::int64_t>(fo) * E + e) : 0.0f);
          }
        }
        if (sh_.qkv_bias) {
          for (int cq = 0; cq < nq_; ++cq) {
            const int qi = q_index(col, cq);
            put("bqkv", cq, qi >= 0 ? get(w.bq, qi) : 0.0f);
          }
          for (int ck = 0; ck < nk_; ++ck) {
            const int ki = k_index(col, ck);
            put("bqkv", nq_ + ck, ki >= 0 ? get(w.bk, ki) : 0.0f);
            put("bqkv", nq_ + nk_ + ck, ki >= 0 ? get(w.bv, ki) : 0.0f);
          }
        }
        // RoPE tables [head][pair][token] (the same for every head of the column).
        for (int hh = 0; hh < hg_; ++hh)
          for (int pr = 0; pr < d2_; ++pr)
            for (int e = 0; e < s; ++e) {
              const double angle =
                  (i * s + e) * std::pow(sh_.rope_theta, -2.0 * (col.pair0 + pr) / sh_.head_dim);
              const int at = (hh * d2_ + pr) * s + e;
              put("cos", at, static_cast<float>(std::cos(angle)));
              put("sin", at, static_cast<float>(std::sin(angle)));
            }
        for (int kk = 0; kk < s; ++kk)  // [key][query]
          for (int qq = 0; qq < s; ++qq) put("mask", kk * s + qq, kk > qq ? kMasked : 0.0f);
      }
  }

  std::string check(PeArray& pes, const Rect& r) const override {
    if (!functional()) return "";
    const PrefillOutputs got = read_all(pes, r);
    const PrefillOutputs& want = reference_;
    ErrorCheck e;
    auto rms_of = [](const std::vector<float>& v) {
      double sum = 0;
      for (float x : v) sum += static_cast<double>(x) * x;
      return std::sqrt(sum / static_cast<double>(std::max<std::size_t>(1, v.size())));
    };
    const double xb = tolerance() * rms_of(want.x), kb = tolerance() * rms_of(want.k),
                 vb = tolerance() * rms_of(want.v);
    const int E = sh_.hidden, KV = sh_.kv_dim();
    for (std::size_t n = 0; n < want.x.size(); ++n)
      e.compare(got.x[n], want.x[n], xb,
                "x_out[token " + std::to_string(n / static_cast<std::size_t>(E)) + "][" +
                    std::to_string(n % static_cast<std::size_t>(E)) + "]");
    for (std::size_t n = 0; n < want.k.size(); ++n) {
      const std::string at = "[token " + std::to_string(n / static_cast<std::size_t>(KV)) + "][" +
                             std::to_string(n % static_cast<std::size_t>(KV)) + "]";
      e.compare(got.k[n], want.k[n], kb, "k" + at);
      e.compare(got.v[n], want.v[n], vb, "v" + at);
    }
    report_ = {{"compared", e.compared()},
               {"max_abs_error", e.max_abs_error()},
               {"error_bound", xb},
               {"output_rms", rms_of(want.x)}};
    return e.failure();
  }
  nlohmann::ordered_json check_report() const override { return report_; }

  PrefillOutputs read_all(PeArray& pes, const Rect& r) const {
    const int E = sh_.hidden, KV = sh_.kv_dim(), L = s_.tokens, s = s_tok_;
    PrefillOutputs out;
    out.x.assign(static_cast<std::size_t>(L) * static_cast<std::size_t>(E), 0.0f);
    out.k.assign(static_cast<std::size_t>(L) * static_cast<std::size_t>(KV), 0.0f);
    out.v = out.k;
    for (int py = 0; py < p_; ++py)
      for (int px = 0; px < p_; ++px) {
        PeEngine& pe = *pes.at({r.x + px, r.y + py});
        PeContext c(pe);
        SramModel& m = pe.sram();
        const int i = logical(py), j = logical(px);
        const Column col = column(px);
        for (int e = 0; e < s; ++e) {
          const int tok = i * s + e;
          if (tok >= L) continue;
          for (int d = 0; d < dx_; ++d) {
            const int dim = j * dx_ + d;
            if (dim < E)
              out.x[static_cast<std::size_t>(tok) * static_cast<std::size_t>(E) +
                    static_cast<std::size_t>(dim)] =
                  m.read(c.buffer("x"), static_cast<std::uint32_t>(d * s + e));
          }
          for (int ck = 0; ck < nk_; ++ck) {
            const int ki = k_index(col, ck);
            if (ki < 0) continue;
            const std::size_t at = static_cast<std::size_t>(tok) * static_cast<std::size_t>(KV) +
                                   static_cast<std::size_t>(ki);
            out.k[at] = m.read(c.buffer("k0"), static_cast<std::uint32_t>(ck * s + e));
            out.v[at] = m.read(c.buffer("v0"), static_cast<std::uint32_t>(e * nk_ + ck));
          }
        }
      }
    return out;
  }

 private:
  struct Column {
    int group = 0;  // KV head
    int pair0 = 0;  // first rotary pair
    int np = 0;     // rotary pairs held (of d2 slots; the rest is padding)
  };
  int logical(int physical) const { return (p_ - pos_[static_cast<std::size_t>(physical)]) % p_; }
  int group(int px) const { return std::min(px / cpg_, sh_.kv_heads - 1); }
  ChainLine segment(const Rect& r, int y, int g) const {
    const int lo = g * cpg_, hi = g == sh_.kv_heads - 1 ? p_ - 1 : lo + cpg_ - 1;
    return ChainLine{Axis::X, y, r.x + lo, r.x + hi, kSegment};
  }
  // Score slots of the PE in column px: the steps t < P with t mod w == its segment position.
  int slots(int px) const {
    const int g = group(px), lo = g * cpg_,
              w = (g == sh_.kv_heads - 1 ? p_ - 1 : lo + cpg_ - 1) - lo + 1, k = px - lo;
    return k < p_ ? (p_ - 1 - k) / w + 1 : 0;
  }
  Column column(int px) const {
    Column c;
    c.group = group(px);
    const int k = px - c.group * cpg_;
    c.pair0 = k * d2_;
    c.np = std::max(0, std::min(d2_, half_ - c.pair0));
    return c;
  }
  // Global q index of local q dim cq ([firsts of each head | seconds of each head], d2 each);
  // -1 for padding.
  int q_index(const Column& c, int cq) const {
    const int block = hg_ * d2_, second = cq >= block ? 1 : 0, rr = cq - second * block;
    const int hh = rr / d2_, pr = rr % d2_;
    if (pr >= c.np) return -1;
    return (c.group * hg_ + hh) * sh_.head_dim + second * half_ + c.pair0 + pr;
  }
  // Local k/v dim ck ([firsts | seconds], d2 each).
  int k_index(const Column& c, int ck) const {
    const int second = ck >= d2_ ? 1 : 0, pr = ck - second * d2_;
    if (pr >= c.np) return -1;
    return c.group * sh_.head_dim + second * half_ + c.pair0 + pr;
  }
  // Local O dim co ([head][firsts | seconds]).
  int o_index(const Column& c, int co) const {
    const int hh = co / nk_, ck = co % nk_, second = ck >= d2_ ? 1 : 0, pr = ck - second * d2_;
    if (pr >= c.np) return -1;
    return (c.group * hg_ + hh) * sh_.head_dim + second * half_ + c.pair0 + pr;
  }
  // As the decode layer's bound (6 sqrt(n) u relative to the output's RMS), with the prompt's
  // tokens in n.
  double tolerance() const {
    const double n = sh_.hidden + sh_.ffn + s_.tokens;
    return 6.0 * std::sqrt(n) * std::ldexp(1.0, -11);
  }
  bool functional() const { return s_.weights && s_.input; }

  PrefillLayerSpec s_;
  LayerShape sh_;
  int p_, steps_ = 2, hg_ = 1, cpg_ = 1, half_ = 1, d2_ = 1, nk_ = 2, nq_ = 2, s_tok_ = 1, dx_ = 1,
          f_ = 1;
  std::vector<int> pos_, phys_;  // ring position of each physical index; physical of logical
  PrefillOutputs reference_;
  mutable nlohmann::ordered_json report_ = nlohmann::ordered_json::object();
};

}  // namespace

std::vector<float> random_prefill_input(const LayerShape& s, int tokens, std::uint64_t seed) {
  std::vector<float> x;
  for (int t = 0; t < tokens; ++t) {
    const DecodeInputs in = random_decode_inputs(s, 0, seed + static_cast<std::uint64_t>(t));
    x.insert(x.end(), in.x.begin(), in.x.end());
  }
  return x;
}

PrefillOutputs reference_prefill_layer(const LayerShape& s, const LayerWeights& w,
                                       const std::vector<float>& input) {
  const auto E = static_cast<std::size_t>(s.hidden);
  const std::size_t L = input.size() / E;
  PrefillOutputs out;
  DecodeInputs in;
  for (std::size_t t = 0; t < L; ++t) {
    in.x.assign(input.begin() + static_cast<std::ptrdiff_t>(t * E),
                input.begin() + static_cast<std::ptrdiff_t>((t + 1) * E));
    in.position = static_cast<int>(t);
    const DecodeOutputs o = reference_decode_layer(s, w, in, false, false);
    out.x.insert(out.x.end(), o.x.begin(), o.x.end());
    in.k_cache.insert(in.k_cache.end(), o.k.begin(), o.k.end());
    in.v_cache.insert(in.v_cache.end(), o.v.begin(), o.v.end());
  }
  out.k = in.k_cache;
  out.v = in.v_cache;
  return out;
}

const std::vector<std::string>& prefill_layer_phase_names() {
  static const std::vector<std::string> n{"rmsnorm",  "gemm_q",           "gemm_k",  "gemm_v",
                                          "rope",     "scores_gemm_t",    "softmax", "attention_pv",
                                          "gemm_o",   "residual_rmsnorm", "gemm_up", "gemm_gate",
                                          "silu_mul", "gemm_down",        "residual"};
  return n;
}

std::vector<std::int64_t> prefill_layer_extrapolate(const std::vector<std::int64_t>& ends_k,
                                                    const std::vector<std::int64_t>& ends_2k, int k,
                                                    int grid) {
  std::vector<std::int64_t> out;
  std::int64_t prev_k = 0, prev_2k = 0, at = 0;
  for (std::size_t i = 0; i < ends_k.size() && i < ends_2k.size(); ++i) {
    at += std::llround(extrapolate_steps(static_cast<double>(ends_k[i] - prev_k),
                                         static_cast<double>(ends_2k[i] - prev_2k), k, grid));
    out.push_back(at);
    prev_k = ends_k[i];
    prev_2k = ends_2k[i];
  }
  return out;
}

LayerFootprint prefill_layer_footprint(const PrefillLayerSpec& spec) {
  return PrefillLayerProgram(spec).footprint();
}

double prefill_layer_estimate(const PrefillLayerSpec& spec, const ChipParams& chip) {
  return PrefillLayerProgram(spec).estimate_cycles(chip);
}

PrefillOutputs read_prefill_outputs(const Program& program, PeArray& pes, const Rect& rect) {
  const auto* p = dynamic_cast<const PrefillLayerProgram*>(&program);
  if (!p) throw std::invalid_argument("read_prefill_outputs needs a prefill layer program");
  return p->read_all(pes, rect);
}

std::unique_ptr<Program> make_prefill_layer_program(const PrefillLayerSpec& spec) {
  return std::make_unique<PrefillLayerProgram>(spec);
}

}  // namespace wse
