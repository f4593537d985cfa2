// The compute element of every PE and the firmware API its programs see (wafer-fabric.md 2.3,
// 2.4, 6.2). Plain C++ driven by the wavelet fabric's calendar: a PE only runs at cycles where it
// has something to do (an op finishing, a wavelet arriving, a ramp slot freeing).
//
// Execution model (each assumption stated where it is made):
// - A task body runs when the picker selects it, task_switch cycles after the main thread became
//   free; the body issues ops, which then execute in order on the main thread (synchronous ops)
//   or on microthreads (asynchronous ops, each with an optional completion action).
// - Vector ops cost vector_setup + elements / lanes (pe/compute_cost.h).
// - Fabric ops (send region, receive region) start send_dispatch cycles after issue and move one
//   wavelet per cycle when the ramp allows: 1 f32 or 2 packed f16 per wavelet.
// - Issuing an asynchronous op costs the main thread one scalar_op cycle.
// - The task ends when its synchronous ops are done; async ops continue.
// - With timing data, a run of compute ops (no completion action) is stored as one op holding
//   their summed cycles and counted events: nothing can observe them one by one, since such ops
//   always run ahead of their cycle. Functional data keeps every op.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hw/core/prefetch.h"
#include "noc/stream_fabric.h"
#include "noc/wavelet_fabric.h"
#include "pe/buffer_table.h"
#include "pe/compute_cost.h"
#include "pe/sram.h"
#include "pe/task_runtime.h"

namespace wse {

// A contiguous run of elements inside a buffer.
struct View {
  Buffer buffer;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
};

// What an async op does when it completes.
struct OnDone {
  enum class Action : std::uint8_t { None, Activate, Unblock, Block } action = Action::None;
  std::int16_t task = -1;  // task ids are below pe.task_ids (at most 256)
  static OnDone activate(int t) { return {Action::Activate, static_cast<std::int16_t>(t)}; }
  static OnDone unblock(int t) { return {Action::Unblock, static_cast<std::int16_t>(t)}; }
};

class PeEngine;

// The fabric a PE array runs on: exactly one of the two fidelities.
struct PeFabric {
  WaveletFabric* wavelet = nullptr;
  StreamFabric* stream = nullptr;
  void wake(NodeId node, Cycles t) const {
    if (wavelet) wavelet->wake_client(node, 0, t);
    if (stream) stream->wake_client(node, 0, t);
  }
};

// The firmware API inside a task body.
class PeContext {
 public:
  explicit PeContext(PeEngine& pe) : pe_(pe) {}
  Coord coord() const;
  Cycles now() const;  // the PE's timestamp counter when the body runs
  // The buffer declared as `name` (std::invalid_argument if none); inline, see BufferTable.
  const Buffer& buffer(std::string_view name) const;
  View view(std::string_view name) const;
  // dst[i] = a[i] + b[i] * scalar (Fma); a + b (Add); a * b (Mul); max(a, b) (Max); a (Copy);
  // scalar (Fill); (1 + a[i]/256)^4 (Exp, the fast exp of WaferLLM's decode kernel);
  // dst[0] = sum of a (ReduceAdd: dst is one element, the cost counts a's elements).
  void vector(VectorOp op, const View& dst, const View& a, const View& b = {}, float scalar = 0);
  void send(Color c, const View& src, bool async = false, OnDone done = {});
  void recv(Color c, const View& dst, bool async = false, OnDone done = {});
  // A control wavelet on colour c: switch commands for the routers it crosses and, when
  // control_task >= 0, the control task the receiving PE runs. One synchronous wavelet.
  void send_control(Color c, std::initializer_list<SwitchCommand> commands, int control_task = -1);
  // Receive-and-accumulate: dst += fabric-in (faddh(mem, fabin, mem)).
  void recv_add(Color c, const View& dst, bool async = false, OnDone done = {});
  // Receive-combine-forward: fabric-out(out) = fabric-in(in) + mem, the streaming reduce step
  // (faddh(fabout, fabin, mem)): each wavelet needs an input and a free ramp in the same cycle.
  void recv_add_send(Color in, Color out, const View& mem, bool async = false, OnDone done = {});
  // The same with max as the combining operation (fmaxh; the softmax allreduce-max).
  void recv_max(Color c, const View& dst, bool async = false, OnDone done = {});
  void recv_max_send(Color in, Color out, const View& mem, bool async = false, OnDone done = {});
  // Receive-store-forward: mem = fabric-in and fabric-out(out) = fabric-in, wavelet by wavelet
  // (a software relay of a broadcast: the CE keeps a copy and passes the stream on).
  void recv_send(Color in, Color out, const View& mem, bool async = false, OnDone done = {});
  // The `map` loops of the kernels (wafer-fabric.md 6.2 item 10): one f16 FMA vector op per
  // iteration, each costing vector_setup + length / lanes.
  // GEMM tile: for k < kt, n < nt: c[n*mt .. +mt] += a[k*mt .. +mt] * b[k*nt + n]
  // (a k-major, b row-major, c n-major).
  // `order` (pe/compute_cost.h): the loop order and so the cost; the result is the same (each
  // element accumulates over k in order either way).
  void matmul_acc(const View& c, const View& a, const View& b, int mt, int kt, int nt,
                  MapOrder order = MapOrder::Columns);
  // GEMV tile: for m < mt: y[0 .. nt] += x[m] * w[m*nt .. +nt] (w row-major).
  void gemv_acc(const View& y, const View& x, const View& w, int mt, int nt);
  // The same with w[m * row_stride + n * col_stride]: col_stride > 1 walks a column of a
  // row-major matrix (y = W x for W stored [n][m]), at the strided-DSD rate.
  void gemv_acc(const View& y, const View& x, const View& w, int mt, int nt, int row_stride,
                int col_stride);
  // Local transpose: dst[c * rows + r] = src[r * cols + c] (src rows x cols row-major), as a map
  // of `cols` copies of `rows` elements whose source walks with stride `cols`.
  void transpose(const View& dst, const View& src, int rows, int cols);
  void activate(int task);
  void block(int task);
  void unblock(int task);
  // Continues the running task with `next` once the main thread reaches this point: the same
  // task, no switch, no cost - the ops of a long task are issued in pieces, so a PE holds only
  // the current piece (memory on large grids). Must be the last call of a body or continuation.
  void then(std::function<void(PeContext&)> next);
  // Notes the cycle the main thread reaches this point as mark `id` (no cost): phase boundaries
  // for per-op time breakdowns.
  void mark(int id);
  // Scalar work: `instructions` scalar instructions on the main thread.
  void scalar(int instructions);
  // Rewrites this PE's router route for colour c (one scalar instruction, in program order;
  // effective route_update_latency later).
  void set_route(Color c, DirSet rx, DirSet tx);
  // In a data task: the wavelet that activated it (its 32-bit payload).
  std::uint32_t wavelet() const { return wavelet_; }

 private:
  friend class PeEngine;
  [[noreturn]] void no_buffer(std::string_view name) const;
  PeEngine& pe_;
  std::uint32_t wavelet_ = 0;
};

using TaskBody = std::function<void(PeContext&)>;

// Layout-time view of one PE: buffers, task bindings, initial activations.
class PeSetup {
 public:
  explicit PeSetup(PeEngine& pe) : pe_(pe) {}
  void buffer(const std::string& name, DType type, std::int64_t elements);
  void bind_local(int task, TaskBody body, TaskPriority p = TaskPriority::Low);
  // A data task: every wavelet arriving on `colour` activates it once and is its argument
  // (WSE-2: the data task id is the colour id).
  void bind_data(int task, Color colour, TaskBody body, TaskPriority p = TaskPriority::Low);
  // A control task: activated by a control wavelet that names it (its 16-bit commands word is
  // the argument, ctx.wavelet()).
  void bind_control(int task, TaskBody body, TaskPriority p = TaskPriority::Low);
  void activate(int task);
  void block(int task);
  // Binds colour c to input queue q (router -> CE) or output queue q (CE -> router); unbound
  // colours use queue c mod count.
  void bind_input_queue(Color c, int q);
  void bind_output_queue(Color c, int q);

 private:
  PeEngine& pe_;
};

struct PeCounters {
  std::uint64_t flops = 0;
  std::uint64_t busy_cycles = 0;   // main thread executing ops (dispatch + one cycle per wavelet)
  std::uint64_t stall_cycles = 0;  // main thread in a synchronous fabric op waiting for the fabric
  std::uint64_t tasks_run = 0;
  std::uint64_t wavelets_sent = 0;
  std::uint64_t wavelets_received = 0;
  std::uint64_t max_queued = 0;      // most wavelets of one colour waiting for the CE at once
  std::uint64_t compute_cycles = 0;  // main thread in vector and map ops (part of busy_cycles)
  std::int64_t finish_cycle = 0;     // cycle after the last op of any thread completed
  std::uint64_t fma_elements = 0;    // energy events: multiply-accumulate elements
  std::uint64_t alu_elements = 0;    // other datapath elements (add, mul, max, reduce, math)
};

class PeEngine {
 public:
  PeEngine(const ChipParams& chip, Coord at, bool functional);
  Coord coord() const { return at_; }
  SramModel& sram() { return sram_; }
  const PeCounters& counters() const { return counters_; }
  // Cycles at which the main thread passed each mark() id (-1: not reached).
  const std::vector<std::int64_t>& marks() const { return marks_; }
  // Bytes of SRAM the program's buffers occupy (after the reserved area).
  std::int64_t sram_bytes_used() const { return buffers_ ? buffers_->bytes_used() : 0; }
  // Lays the declared buffers out in SRAM (or takes the table of a PE that declared the same
  // ones from `tables`); throws ConfigError when they do not fit.
  void finish_setup(const std::string& program, BufferTables& tables);
  // Wavelets of colour c the router may deliver before the CE consumes them: the input queue's
  // depth plus the ramp pipeline (ramp_latency + credit_latency cycles of wavelets in flight,
  // modelled as registers that need no credit - an assumption: without them a depth-2 queue
  // would cap a stream at 2 wavelets per 3 cycles).
  int delivery_capacity(Color c) const;
  // Whether any colour is bound to an input queue explicitly (else the capacity is the chip's
  // default for the colour).
  bool binds_input_queues() const { return !input_queue_of_.empty(); }
  // Wavelets of colour c the CE may have sent and the router not yet taken: the output queue's
  // depth plus the same ramp pipeline.
  int injection_capacity(Color c) const;

  // Driven by PeArray.
  void deliver(const Wavelet& w, std::int64_t t, WaveletFabric& fabric);
  // Stream fidelity: a whole message reached this CE (its first wavelet at d.first).
  void deliver_message(const StreamDelivery& d);
  // Cache hints: the engine's scheduling fields, then the op the main thread looks at next.
  void prefetch_state() const { prefetch_lines(this, kHotBytes); }
  void prefetch_ops() const {
    if (main_head_ < main_.size()) prefetch_lines(&main_[main_head_], sizeof(Op));
    if (!micro_.empty()) prefetch_line(micro_.data());
    if (!inbox_.empty()) prefetch_line(inbox_.data());
  }
  // Runs everything possible at cycle t; returns the next cycle it must be woken (-1: only an
  // outside event can help).
  std::int64_t advance(std::int64_t t, const PeFabric& fabric);

 private:
  friend class PeContext;
  friend class PeSetup;
  static constexpr std::uint32_t kNoMessage = 0xFFFFFFFFu;
  static constexpr std::size_t kHotBytes = 384;  // chip_ through counters_
  // 112 bytes (every PE of a grid holds its current piece of ops at once, so the op's size is
  // most of a large run's memory traffic): the fields of fabric ops and of compute ops share
  // storage.
  struct FabricState {
    std::int64_t next;      // next cycle a wavelet may move
    std::int64_t in_done;   // stream fidelity: when its input was consumed
    std::int64_t done_at;   // stream fidelity: when it completes
    std::uint32_t moved;    // wavelets moved so far
    std::uint32_t message;  // stream fidelity: the message it sent
    std::uint32_t control;  // control Send: the control word; Route: rx bits | tx bits << 8
  };
  struct ComputeArgs {
    View b;
    float scalar;
    int mt, kt, nt;  // MatMul (mt, kt, nt), Gemv (mt, nt), Transpose (rows, cols); Mark id
    int row_stride, col_stride;  // Gemv: w[m * row_stride + n * col_stride]
    int scalar_instructions;     // 0-element ops: scalar work
  };
  // What compute ops with timing data add up to: main-thread cycles (all of them compute) and
  // the counted events. Additive, so a run of such ops is one op holding the sums.
  struct ComputeTotals {
    std::int64_t cycles;
    std::uint64_t flops, fma_elements, alu_elements, bytes_read, bytes_written;
    void add(const ComputeTotals& o) {
      cycles += o.cycles;
      flops += o.flops;
      fma_elements += o.fma_elements;
      alu_elements += o.alu_elements;
      bytes_read += o.bytes_read;
      bytes_written += o.bytes_written;
    }
  };
  struct Op {
    enum class Kind : std::uint8_t {
      Vector,
      Send,
      Recv,
      RecvAdd,
      RecvAddSend,
      RecvSend,
      Route,
      MatMul,
      Gemv,
      Transpose,
      Continue,  // then(): run the continuation, which issues the task's next ops
      Mark,      // mark(): note the cycle the main thread gets here
      Block      // timing data: consecutive compute ops folded into their totals (issue())
    } kind = Kind::Vector;
    // The scheduling state first: advance() reads it on every visit, usually from a cold cache
    // line, so it shares the op's first line with the kind and flags.
    bool async = false;
    bool consumed = false;
    bool is_control = false;
    bool combine_max = false;  // RecvAdd/RecvAddSend combine with max instead of add
    VectorOp vop = VectorOp::Copy;
    Color colour;                        // the fabric colour (input colour for RecvAddSend)
    Color out_colour;                    // RecvAddSend and RecvSend only
    MapOrder order = MapOrder::Columns;  // MatMul loop order
    OnDone done;
    std::int64_t start = -1;  // first cycle it may act
    View dst, a;
    // Fabric ops (Send .. RecvSend, Route) use `fab`, Block `block`, the others `arg`.
    union {
      FabricState fab;
      ComputeArgs arg;
      ComputeTotals block;
    };
    Op() : fab{-1, -1, -1, 0, kNoMessage, 0} {}
    static Op compute(Kind k) {
      Op o;
      o.kind = k;
      o.arg = ComputeArgs{View{}, 0.0f, 0, 0, 0, 0, 1, 1};
      return o;
    }
  };
  void issue(const Op& op);
  void push(const Op& op);
  void pop_main();
  static Op fabric_op(Op::Kind kind, Color c, const View& mem, bool async, OnDone done);
  static Op relay_op(Op::Kind kind, Color in, Color out, const View& mem, bool async, OnDone done,
                     bool max);
  static Op task_op(OnDone change);
  std::uint32_t wavelets_of(const View& v) const;
  const View& fabric_view(const Op& op) const {
    return op.kind == Op::Kind::Send || op.kind == Op::Kind::RecvAddSend ? op.a : op.dst;
  }
  static bool sends(Op::Kind k) {
    return k == Op::Kind::Send || k == Op::Kind::RecvAddSend || k == Op::Kind::RecvSend;
  }
  // Send .. RecvSend: the ops that move wavelets (not Route).
  static bool moves_wavelets(Op::Kind k) {
    return k == Op::Kind::Send || k == Op::Kind::Recv || k == Op::Kind::RecvAdd || sends(k);
  }
  static bool is_map(Op::Kind k) {
    return k == Op::Kind::MatMul || k == Op::Kind::Gemv || k == Op::Kind::Transpose;
  }
  // Cycles and flops of a vector, scalar or map op on the main thread.
  OpCost compute_cost(const Op& op) const;
  // Apply a compute op's effect with functional data (data, energy events, SRAM traffic, each
  // element access counted); `flops` from its cost. Timing data: timing_totals.
  void apply_map(const Op& op, std::uint64_t flops);
  // Steps one fabric op at t; returns true if it moved a wavelet.
  bool step_fabric(Op& op, std::int64_t t, WaveletFabric& fabric);
  // Stream fidelity: moves a whole message; returns true on progress. The op is finished when
  // moved == its wavelets, with next = its completion cycle.
  // `early`: a receive may take its message before op.fab.next (it starts at the later of the
  // two either way).
  bool step_stream(Op& op, std::int64_t t, StreamFabric& fabric, bool early = false);
  // 32-bit fabric word k of a view (two packed f16, or one f32) and its inverse; both count SRAM
  // bytes (and hold nothing in timing mode).
  std::uint32_t mem_word(const View& v, std::uint32_t k);
  void store_word(const View& v, std::uint32_t k, std::uint32_t word);
  void finish_stream(Op& op, StreamFabric& fabric);
  // Datapath events of n elements of a vector op: fma_elements and alu_elements of `into`.
  void energy_events(VectorOp op, std::uint32_t n, ComputeTotals& into) const;
  // A vector (with elements) or map op's cost and counted events with timing data.
  ComputeTotals timing_totals(const Op& op) const;
  void apply_totals(const ComputeTotals& totals);
  static std::uint32_t combine_words(bool half, bool max, std::uint32_t x, std::uint32_t y);
  void apply_vector(const Op& op, std::uint64_t flops);
  static std::uint32_t vector_elements(const Op& op);
  void complete(const Op& op);

  // Hot state first (advance() reads it on every visit, usually from a cold cache line; the
  // fabric prefetches the first kHotBytes a few events ahead), then what setup and task starts
  // use.
  const ChipParams& chip_;
  Coord at_;
  bool running_ = false;
  bool sealed_ = false;  // then() was issued: nothing may follow it
  // A data task is bound (data_task_of_ is not empty): deliveries ask the cold map only then.
  bool data_tasks_ = false;
  std::size_t main_head_ = 0;
  std::int64_t main_free_ = 0;  // cycle the main thread can take its next op or task
  std::int64_t issue_at_ = 0;   // while a body runs: the cycle its next op is issued
  std::vector<Op> main_;        // ops of the running task, from main_head_ on
  std::vector<Op> micro_;       // asynchronous ops in flight
  // Stream fidelity: delivered messages not yet consumed, all colours in arrival order (a PE has
  // a few at a time; a deque per colour would cost a 512-byte chunk each).
  std::vector<StreamDelivery> inbox_;
  TaskRuntime tasks_;
  SramModel sram_;
  PeCounters counters_;
  TaskBody next_;  // the continuation a body handed to then(), until the main thread gets there
  std::vector<std::int64_t> marks_;
  // Compact per-PE state (a 720 x 720 grid holds 518,400 of these): the bound task bodies,
  // searched linearly (a program binds a handful), and a pointer to the shared buffer table.
  std::vector<std::pair<int, TaskBody>> bodies_;
  // The declared buffers, laid out: a table shared with every PE of the array that declares
  // the same ones (null until finish_setup()).
  const BufferTable* buffers_ = nullptr;
  std::vector<BufferRequest> requests_;  // until finish_setup()
  TaskBody& body(int task);
  std::map<std::uint8_t, std::deque<Wavelet>> queues_;  // delivered, not yet consumed, per colour
  std::map<std::uint8_t, int> data_task_of_;            // colour -> data task
  std::map<int, std::deque<std::uint32_t>> control_args_;  // control task -> words that fired it
  std::map<std::uint8_t, int> input_queue_of_;   // colour -> input queue (explicit bindings)
  std::map<std::uint8_t, int> output_queue_of_;  // colour -> output queue (explicit bindings)
};

inline const Buffer& PeContext::buffer(std::string_view name) const {
  const Buffer* b = pe_.buffers_ ? pe_.buffers_->find(name) : nullptr;
  if (!b) no_buffer(name);
  return *b;
}
inline View PeContext::view(std::string_view name) const {
  const Buffer& b = buffer(name);
  return View{b, 0, b.elements};
}

// All PEs of a program's rectangle, as the fabric's client; one calendar for fabric and PEs.
class PeArray : public FabricClient, public StreamClient {
 public:
  PeArray(const ChipParams& chip, bool functional);
  ~PeArray() override;
  PeArray(const PeArray&) = delete;
  PeArray& operator=(const PeArray&) = delete;
  // Sets up the PE at `at` with `setup` (buffers, tasks); call before attach().
  PeEngine& place(Coord at, const std::string& program, const std::function<void(PeSetup&)>& setup);
  PeEngine* at(Coord c);
  // Schedules every placed PE for cycle 0 on the fabric of either fidelity.
  void attach(WaveletFabric& fabric);
  void attach(StreamFabric& fabric);

  void on_deliver(NodeId node, const Wavelet& w, Cycles t) override;
  void on_ramp_credit(NodeId node, Color c, Cycles t) override;
  void on_wake(NodeId node, std::uint32_t token, Cycles t) override;
  void on_message(NodeId node, const StreamDelivery& d, Cycles t) override;
  std::uint32_t queue_capacity(NodeId node, Color c) const override;
  void prefetch(std::uint32_t far, std::uint32_t mid, std::uint32_t near) const override {
    // wake_at_ is sized when attached; kNoNode is beyond every size.
    const std::size_t n = std::min(pes_.size(), wake_at_.size());
    if (far < n) {
      prefetch_line(&pes_[far]);
      prefetch_line(&wake_at_[far]);
    }
    if (mid < n && pes_[mid]) pes_[mid]->prefetch_state();
    if (near < n && pes_[near]) pes_[near]->prefetch_ops();
  }

 private:
  void run(NodeId node, std::int64_t t);
  const ChipParams& chip_;
  bool functional_;
  PeFabric fabric_;
  PeEngine* find(NodeId node) const {
    return node.value() < pes_.size() ? pes_[node.value()] : nullptr;
  }
  // The PEs live in chunks of kChunk, in placement order (row by row): neighbours share pages,
  // and a grid of PEs is a few hundred allocations, not one per PE.
  static constexpr std::size_t kChunk = 1024;
  struct alignas(PeEngine) Slot {
    unsigned char bytes[sizeof(PeEngine)];
  };
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::size_t used_ = 0;
  std::vector<PeEngine*> pes_;  // by node id (null where no program runs)
  // queue_capacity() without touching the PE (the fabric asks on every delivery it schedules):
  // the default per colour, valid while no placed PE binds an input queue explicitly.
  std::vector<std::uint32_t> default_capacity_;
  bool explicit_input_queues_ = false;
  std::vector<std::int64_t> wake_at_;  // by node id
  BufferTables buffer_tables_;  // the PEs' buffer layouts, shared (outlives every PE: ~PeArray)
};

}  // namespace wse
