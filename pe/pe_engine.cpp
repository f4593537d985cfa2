#include "pe/pe_engine.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "hw/core/error.h"

namespace wse {

// ---- firmware API -----------------------------------------------------------------------------

Coord PeContext::coord() const {
  return pe_.at_;
}
Cycles PeContext::now() const {
  return Cycles(pe_.issue_at_);
}

[[noreturn]] void PeContext::no_buffer(std::string_view name) const {
  throw std::invalid_argument("PE " + to_string(pe_.at_) + ": no buffer '" + std::string(name) +
                              "'");
}

void PeContext::vector(VectorOp op, const View& dst, const View& a, const View& b, float scalar) {
  PeEngine::Op o = PeEngine::Op::compute(PeEngine::Op::Kind::Vector);
  o.vop = op;
  o.dst = dst;
  o.a = a;
  o.arg.b = b;
  o.arg.scalar = scalar;
  pe_.issue(o);
}

// A fabric op: `mem` is the memory side (source of a send, destination of a receive).
PeEngine::Op PeEngine::fabric_op(Op::Kind kind, Color c, const View& mem, bool async, OnDone done) {
  PeEngine::Op o;
  o.kind = kind;
  o.colour = c;
  (kind == PeEngine::Op::Kind::Send || kind == PeEngine::Op::Kind::RecvAddSend ? o.a : o.dst) = mem;
  o.async = async;
  o.done = done;
  return o;
}
// Task-table changes are scalar instructions, executed in program order as 0-element ops that
// cost one scalar_op cycle (see PeEngine::advance).
PeEngine::Op PeEngine::task_op(OnDone change) {
  PeEngine::Op o = Op::compute(Op::Kind::Vector);
  o.vop = VectorOp::Fill;
  o.done = change;
  return o;
}

void PeContext::send(Color c, const View& src, bool async, OnDone done) {
  pe_.issue(PeEngine::fabric_op(PeEngine::Op::Kind::Send, c, src, async, done));
}
void PeContext::recv(Color c, const View& dst, bool async, OnDone done) {
  pe_.issue(PeEngine::fabric_op(PeEngine::Op::Kind::Recv, c, dst, async, done));
}
void PeContext::recv_add(Color c, const View& dst, bool async, OnDone done) {
  pe_.issue(PeEngine::fabric_op(PeEngine::Op::Kind::RecvAdd, c, dst, async, done));
}
void PeContext::recv_max(Color c, const View& dst, bool async, OnDone done) {
  PeEngine::Op o = PeEngine::fabric_op(PeEngine::Op::Kind::RecvAdd, c, dst, async, done);
  o.combine_max = true;
  pe_.issue(o);
}
// Receive on `in`, forward on `out` (combining with memory for RecvAddSend).
PeEngine::Op PeEngine::relay_op(Op::Kind kind, Color in, Color out, const View& mem, bool async,
                                OnDone done, bool max) {
  Op o = fabric_op(kind, in, mem, async, done);
  o.out_colour = out;
  o.combine_max = max;
  return o;
}
void PeContext::recv_max_send(Color in, Color out, const View& mem, bool async, OnDone done) {
  pe_.issue(PeEngine::relay_op(PeEngine::Op::Kind::RecvAddSend, in, out, mem, async, done, true));
}
void PeContext::recv_add_send(Color in, Color out, const View& mem, bool async, OnDone done) {
  pe_.issue(PeEngine::relay_op(PeEngine::Op::Kind::RecvAddSend, in, out, mem, async, done, false));
}
void PeContext::recv_send(Color in, Color out, const View& mem, bool async, OnDone done) {
  pe_.issue(PeEngine::relay_op(PeEngine::Op::Kind::RecvSend, in, out, mem, async, done, false));
}
void PeContext::matmul_acc(const View& c, const View& a, const View& b, int mt, int kt, int nt,
                           MapOrder order) {
  PeEngine::Op o = PeEngine::Op::compute(PeEngine::Op::Kind::MatMul);
  o.order = order;
  o.dst = c;
  o.a = a;
  o.arg.b = b;
  o.arg.mt = mt;
  o.arg.kt = kt;
  o.arg.nt = nt;
  pe_.issue(o);
}
void PeContext::gemv_acc(const View& y, const View& x, const View& w, int mt, int nt) {
  gemv_acc(y, x, w, mt, nt, nt, 1);
}
void PeContext::gemv_acc(const View& y, const View& x, const View& w, int mt, int nt,
                         int row_stride, int col_stride) {
  PeEngine::Op o = PeEngine::Op::compute(PeEngine::Op::Kind::Gemv);
  o.dst = y;
  o.a = x;
  o.arg.b = w;
  o.arg.mt = mt;
  o.arg.nt = nt;
  o.arg.row_stride = row_stride;
  o.arg.col_stride = col_stride;
  pe_.issue(o);
}
void PeContext::transpose(const View& dst, const View& src, int rows, int cols) {
  PeEngine::Op o = PeEngine::Op::compute(PeEngine::Op::Kind::Transpose);
  o.dst = dst;
  o.a = src;
  o.arg.mt = rows;
  o.arg.nt = cols;
  pe_.issue(o);
}
void PeContext::send_control(Color c, std::initializer_list<SwitchCommand> commands,
                             int control_task) {
  // A one-wavelet send whose payload is the control word; the view only sizes it (1 wavelet).
  PeEngine::Op o = PeEngine::fabric_op(PeEngine::Op::Kind::Send, c,
                                       View{Buffer{0, 1, DType::F32}, 0, 1}, false, {});
  o.is_control = true;
  o.fab.control =
      control_word(commands) | (control_task >= 0 ? control_task_bits(control_task) : 0u);
  pe_.issue(o);
}

void PeContext::set_route(Color c, DirSet rx, DirSet tx) {
  PeEngine::Op o;
  o.kind = PeEngine::Op::Kind::Route;
  o.colour = c;
  o.fab.control =
      static_cast<std::uint32_t>(rx.bits()) | (static_cast<std::uint32_t>(tx.bits()) << 8);
  pe_.issue(o);
}

void PeContext::then(std::function<void(PeContext&)> next) {
  PeEngine::Op o;
  o.kind = PeEngine::Op::Kind::Continue;
  pe_.issue(o);
  pe_.next_ = std::move(next);
  pe_.sealed_ = true;
}

void PeContext::mark(int id) {
  PeEngine::Op o = PeEngine::Op::compute(PeEngine::Op::Kind::Mark);
  o.arg.mt = id;
  pe_.issue(o);
}

void PeContext::scalar(int instructions) {
  PeEngine::Op o = PeEngine::task_op({});
  o.arg.scalar_instructions = instructions;
  pe_.issue(o);
}

void PeContext::activate(int task) {
  pe_.issue(PeEngine::task_op(OnDone::activate(task)));
}
void PeContext::unblock(int task) {
  pe_.issue(PeEngine::task_op(OnDone::unblock(task)));
}
void PeContext::block(int task) {
  pe_.issue(PeEngine::task_op(OnDone{OnDone::Action::Block, static_cast<std::int16_t>(task)}));
}

void PeSetup::buffer(const std::string& name, DType type, std::int64_t elements) {
  pe_.requests_.push_back({name, type, elements});
}
void PeSetup::bind_local(int task, TaskBody body, TaskPriority p) {
  pe_.tasks_.bind(task, TaskKind::Local, p);
  pe_.body(task) = std::move(body);
}
void PeSetup::bind_data(int task, Color colour, TaskBody body, TaskPriority p) {
  pe_.tasks_.bind(task, TaskKind::Data, p);
  pe_.body(task) = std::move(body);
  pe_.data_task_of_[colour.value()] = task;
  pe_.data_tasks_ = true;
}
void PeSetup::bind_control(int task, TaskBody body, TaskPriority p) {
  pe_.tasks_.bind(task, TaskKind::Control, p);
  pe_.body(task) = std::move(body);
}
namespace {
void bind_queue(std::map<std::uint8_t, int>& map, const std::vector<int>& depths, Coord at,
                const char* what, Color c, int q) {
  const int count = static_cast<int>(depths.size());
  if (q < 0 || q >= count) {
    throw ConfigError(Location{"", 0, 0, "PE " + to_string(at)}, "",
                      std::string(what) + " queue " + std::to_string(q) + " does not exist",
                      "0.." + std::to_string(count - 1));
  }
  map[c.value()] = q;
}
int queue_depth(const std::map<std::uint8_t, int>& map, const std::vector<int>& depths, Color c) {
  auto it = map.find(c.value());
  const int q = it != map.end() ? it->second : c.value() % static_cast<int>(depths.size());
  return depths[static_cast<std::size_t>(q)];
}
}  // namespace

void PeSetup::bind_input_queue(Color c, int q) {
  bind_queue(pe_.input_queue_of_, pe_.chip_.pe.input_queue_depths, pe_.at_, "input", c, q);
}
void PeSetup::bind_output_queue(Color c, int q) {
  bind_queue(pe_.output_queue_of_, pe_.chip_.pe.output_queue_depths, pe_.at_, "output", c, q);
}
void PeSetup::activate(int task) {
  pe_.tasks_.activate(task);
}
void PeSetup::block(int task) {
  pe_.tasks_.block(task);
}

// ---- engine -----------------------------------------------------------------------------------

PeEngine::PeEngine(const ChipParams& chip, Coord at, bool functional)
    : chip_(chip), at_(at), tasks_(chip.pe.task_ids), sram_(chip.pe, functional) {}

TaskBody& PeEngine::body(int task) {
  for (auto& entry : bodies_)
    if (entry.first == task) return entry.second;
  bodies_.emplace_back(task, TaskBody{});
  return bodies_.back().second;
}

void PeEngine::finish_setup(const std::string& program, BufferTables& tables) {
  buffers_ = &tables.intern(chip_.pe, at_, program, std::move(requests_));
  std::vector<BufferRequest>().swap(requests_);
  bodies_.shrink_to_fit();
}

void PeEngine::issue(const Op& op) {
  if (sealed_) throw std::logic_error("PE " + to_string(at_) + ": an op was issued after then()");
  // Timing data: a compute op with elements and no completion action changes nothing but time
  // and counters, and always runs ahead of its cycle (advance), so a run of them is folded into
  // one Block op holding their sums - the same cycles and counts, one op to store and step.
  if (!sram_.functional() && op.done.action == OnDone::Action::None &&
      (is_map(op.kind) || (op.kind == Op::Kind::Vector && op.dst.length > 0))) {
    const ComputeTotals totals = timing_totals(op);
    if (!main_.empty() && main_.back().kind == Op::Kind::Block) {
      main_.back().block.add(totals);
      return;
    }
    Op block;
    block.kind = Op::Kind::Block;
    block.block = totals;
    push(block);
    return;
  }
  push(op);
}

// Every PE of a grid holds its current piece at once: one allocation per task for the common
// piece sizes (with timing data the decode layer's pieces hold 2-16 ops after folding, most of
// them 5-8), then growth by half (not doubling) for longer ones.
void PeEngine::push(const Op& op) {
  if (main_.size() == main_.capacity())
    main_.reserve(main_.capacity() == 0 ? 8 : main_.capacity() + main_.capacity() / 2);
  main_.push_back(op);
}

void PeEngine::pop_main() {
  ++main_head_;
}

int PeEngine::delivery_capacity(Color c) const {
  return queue_depth(input_queue_of_, chip_.pe.input_queue_depths, c) +
         static_cast<int>(chip_.noc.ramp_latency.count() + chip_.noc.credit_latency.count());
}

int PeEngine::injection_capacity(Color c) const {
  return queue_depth(output_queue_of_, chip_.pe.output_queue_depths, c) +
         static_cast<int>(chip_.noc.ramp_latency.count() + chip_.noc.credit_latency.count());
}

std::uint32_t PeEngine::wavelets_of(const View& v) const {
  return v.buffer.type == DType::F16 ? (v.length + 1) / 2 : v.length;
}

void PeEngine::deliver(const Wavelet& w, std::int64_t t, WaveletFabric& fabric) {
  if (w.control()) {
    // Control wavelets do not enter the data queue; they may fire a control task.
    fabric.release_delivery(chip_.node(at_), w.colour, Cycles(t));
    const int task = control_task_of(w.data);
    if (task >= 0 && task < chip_.pe.task_ids && tasks_.kind(task) == TaskKind::Control) {
      control_args_[task].push_back(w.data & 0xFFFFu);
      tasks_.activate(task);
    }
    return;
  }
  auto& q = queues_[w.colour.value()];
  q.push_back(w);
  counters_.max_queued = std::max<std::uint64_t>(counters_.max_queued, q.size());
  ++counters_.wavelets_received;
  if (!data_tasks_) return;
  auto task = data_task_of_.find(w.colour.value());
  if (task != data_task_of_.end()) tasks_.data_arrived(task->second);
}

std::uint32_t PeEngine::vector_elements(const Op& op) {
  return op.vop == VectorOp::ReduceAdd || op.vop == VectorOp::ReduceMax ? op.a.length
                                                                        : op.dst.length;
}

// Datapath events for the energy model: f16/f32 FMA elements and other ALU elements; a software
// math routine counts as math_element / 2 ALU operations per element (dependent FP ops of 2
// cycles each, the same assumption as its cost).
void PeEngine::energy_events(VectorOp op, std::uint32_t n, ComputeTotals& into) const {
  switch (op) {
    case VectorOp::Fma:
      into.fma_elements += n;
      break;
    case VectorOp::Exp:  // one fma and two squarings
      into.fma_elements += n;
      into.alu_elements += 2ull * n;
      break;
    case VectorOp::Copy:
    case VectorOp::Fill:
      break;
    default:
      into.alu_elements +=
          is_math_routine(op)
              ? static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(std::max<std::int64_t>(
                                                    1, chip_.pe.math_element.count() / 2))
              : n;
  }
}

PeEngine::ComputeTotals PeEngine::timing_totals(const Op& op) const {
  const OpCost cost = compute_cost(op);
  ComputeTotals t{cost.cycles.count(), cost.flops, 0, 0, 0, 0};
  if (op.kind == Op::Kind::Vector) {
    const std::uint32_t n = vector_elements(op);
    energy_events(op.vop, n, t);
    // The accesses apply_vector makes with functional data, each in its buffer's type (an f16
    // fma reads its operands as f16).
    const std::uint64_t n64 = n;
    const bool f16_fma = op.vop == VectorOp::Fma && op.dst.buffer.type == DType::F16;
    const auto d = static_cast<std::uint64_t>(dtype_bytes(op.dst.buffer.type)),
               a = f16_fma ? 2u : static_cast<std::uint64_t>(dtype_bytes(op.a.buffer.type)),
               b = f16_fma ? 2u : static_cast<std::uint64_t>(dtype_bytes(op.arg.b.buffer.type));
    switch (op.vop) {
      case VectorOp::ReduceAdd:  // reads every element, writes the one result
      case VectorOp::ReduceMax:
        t.bytes_read = n64 * a;
        t.bytes_written = n64 > 0 ? d : 0;
        break;
      case VectorOp::Fill:
        t.bytes_written = n64 * d;
        break;
      case VectorOp::Fma:
      case VectorOp::Add:
      case VectorOp::Mul:
      case VectorOp::Max:
        t.bytes_read = n64 * (a + b);
        t.bytes_written = n64 * d;
        break;
      default:  // one operand: copy, scale, exp and the math routines
        t.bytes_read = n64 * a;
        t.bytes_written = n64 * d;
    }
    return t;
  }
  const auto mt = static_cast<std::uint64_t>(op.arg.mt), kt = static_cast<std::uint64_t>(op.arg.kt),
             nt = static_cast<std::uint64_t>(op.arg.nt);
  if (op.kind == Op::Kind::Transpose) {  // mt rows x nt columns of f16, read and written once
    t.bytes_read = t.bytes_written = mt * nt * 2;
    return t;
  }
  // Each FMA element reads two operands and the accumulator and writes the accumulator.
  const bool matmul = op.kind == Op::Kind::MatMul;
  const std::uint64_t elements = matmul ? kt * nt * mt : mt * nt;
  t.fma_elements = elements;
  t.bytes_read = elements * 2 * 2 + (matmul ? kt * nt : mt) * 2;
  t.bytes_written = elements * 2;
  return t;
}

void PeEngine::apply_totals(const ComputeTotals& totals) {
  counters_.flops += totals.flops;
  counters_.fma_elements += totals.fma_elements;
  counters_.alu_elements += totals.alu_elements;
  sram_.count(totals.bytes_read, totals.bytes_written);
}

void PeEngine::apply_vector(const Op& op, std::uint64_t flops) {
  const std::uint32_t n = vector_elements(op);
  counters_.flops += flops;
  ComputeTotals events{};
  energy_events(op.vop, n, events);
  counters_.fma_elements += events.fma_elements;
  counters_.alu_elements += events.alu_elements;
  // A one-element b is broadcast (a stride-0 operand, full SIMD width).
  const bool broadcast = op.arg.b.length == 1;
  auto bi = [&](std::uint32_t i) { return op.arg.b.offset + (broadcast ? 0 : i); };
  for (std::uint32_t i = 0; i < n; ++i) {
    const Buffer& d = op.dst.buffer;
    float r = 0;
    switch (op.vop) {
      case VectorOp::Fma:
        if (d.type == DType::F16) {
          const std::uint16_t x = sram_.read_f16(op.a.buffer, op.a.offset + i),
                              y = sram_.read_f16(op.arg.b.buffer, bi(i));
          sram_.write_f16(d, op.dst.offset + i, f16_fma(y, f16_bits(op.arg.scalar), x));
          continue;
        }
        r = sram_.read(op.a.buffer, op.a.offset + i) +
            sram_.read(op.arg.b.buffer, bi(i)) * op.arg.scalar;
        break;
      case VectorOp::Add:
        r = sram_.read(op.a.buffer, op.a.offset + i) + sram_.read(op.arg.b.buffer, bi(i));
        break;
      case VectorOp::Mul:
        r = sram_.read(op.a.buffer, op.a.offset + i) * sram_.read(op.arg.b.buffer, bi(i));
        break;
      case VectorOp::Max:
        r = std::max(sram_.read(op.a.buffer, op.a.offset + i), sram_.read(op.arg.b.buffer, bi(i)));
        break;
      case VectorOp::Scale:
        r = sram_.read(op.a.buffer, op.a.offset + i) * op.arg.scalar;
        break;
      case VectorOp::ExpFull:
        r = std::exp(sram_.read(op.a.buffer, op.a.offset + i));
        break;
      case VectorOp::Recip:
        r = 1.0f / sram_.read(op.a.buffer, op.a.offset + i);
        break;
      case VectorOp::Rsqrt:
        r = 1.0f / std::sqrt(sram_.read(op.a.buffer, op.a.offset + i));
        break;
      case VectorOp::Silu: {
        const float v = sram_.read(op.a.buffer, op.a.offset + i);
        r = v / (1.0f + std::exp(-v));
        break;
      }
      case VectorOp::ReduceMax: {
        float m = sram_.read(op.a.buffer, op.a.offset);
        for (std::uint32_t k = 1; k < n; ++k)
          m = std::max(m, sram_.read(op.a.buffer, op.a.offset + k));
        sram_.write(d, op.dst.offset, m);
        return;
      }
      case VectorOp::Copy:
        r = sram_.read(op.a.buffer, op.a.offset + i);
        break;
      case VectorOp::Fill:
        r = op.arg.scalar;
        break;
      case VectorOp::Exp: {
        const float base = 1.0f + sram_.read(op.a.buffer, op.a.offset + i) / 256.0f;
        r = base * base * base * base;
        break;
      }
      case VectorOp::ReduceAdd: {
        float sum = 0;
        for (std::uint32_t k = 0; k < n; ++k) {  // a dependent chain, in order, rounded as stored
          sum += sram_.read(op.a.buffer, op.a.offset + k);
          if (d.type == DType::F16) sum = static_cast<float>(static_cast<f16>(sum));
        }
        sram_.write(d, op.dst.offset, sum);
        return;
      }
    }
    sram_.write(d, op.dst.offset + i, r);
  }
}

OpCost PeEngine::compute_cost(const Op& op) const {
  if (op.kind == Op::Kind::MatMul)
    return matmul_cost(chip_.pe, op.arg.mt, op.arg.kt, op.arg.nt, op.order);
  if (op.kind == Op::Kind::Gemv)
    return map_fma_cost(chip_.pe, op.arg.mt, op.arg.nt, op.arg.col_stride);
  if (op.kind == Op::Kind::Transpose)
    return map_copy_cost(chip_.pe, op.arg.nt, op.arg.mt, op.arg.nt);
  if (op.dst.length == 0) return OpCost{scalar_cost(chip_.pe, op.arg.scalar_instructions), 0};
  return vector_cost(chip_.pe, op.vop, op.dst.buffer.type, vector_elements(op));
}

void PeEngine::apply_map(const Op& op, std::uint64_t flops) {
  if (op.kind == Op::Kind::Transpose) {
    const auto rows = static_cast<std::uint32_t>(op.arg.mt),
               cols = static_cast<std::uint32_t>(op.arg.nt);
    for (std::uint32_t r = 0; r < rows; ++r)
      for (std::uint32_t c = 0; c < cols; ++c)
        sram_.write_f16(op.dst.buffer, op.dst.offset + c * rows + r,
                        sram_.read_f16(op.a.buffer, op.a.offset + r * cols + c));
    return;
  }
  const std::uint64_t kt = static_cast<std::uint64_t>(op.arg.kt),
                      nt = static_cast<std::uint64_t>(op.arg.nt),
                      mt = static_cast<std::uint64_t>(op.arg.mt);
  counters_.flops += flops;
  counters_.fma_elements += op.kind == Op::Kind::MatMul ? mt * kt * nt : mt * nt;
  const auto m32 = static_cast<std::uint32_t>(mt), k32 = static_cast<std::uint32_t>(kt),
             n32 = static_cast<std::uint32_t>(nt);
  if (op.kind == Op::Kind::MatMul) {
    for (std::uint32_t k = 0; k < k32; ++k)
      for (std::uint32_t n = 0; n < n32; ++n) {
        const std::uint16_t s = sram_.read_f16(op.arg.b.buffer, op.arg.b.offset + k * n32 + n);
        for (std::uint32_t m = 0; m < m32; ++m) {
          const std::uint32_t ci = op.dst.offset + n * m32 + m;
          const std::uint16_t a = sram_.read_f16(op.a.buffer, op.a.offset + k * m32 + m),
                              c = sram_.read_f16(op.dst.buffer, ci);
          sram_.write_f16(op.dst.buffer, ci, f16_fma(a, s, c));
        }
      }
    return;
  }
  for (std::uint32_t m = 0; m < m32; ++m) {
    const std::uint16_t s = sram_.read_f16(op.a.buffer, op.a.offset + m);
    for (std::uint32_t n = 0; n < n32; ++n) {
      const std::uint32_t yi = op.dst.offset + n;
      const std::uint32_t wi = m * static_cast<std::uint32_t>(op.arg.row_stride) +
                               n * static_cast<std::uint32_t>(op.arg.col_stride);
      const std::uint16_t w = sram_.read_f16(op.arg.b.buffer, op.arg.b.offset + wi),
                          y = sram_.read_f16(op.dst.buffer, yi);
      sram_.write_f16(op.dst.buffer, yi, f16_fma(w, s, y));
    }
  }
}

void PeEngine::complete(const Op& op) {
  if (op.done.action == OnDone::Action::Activate) tasks_.activate(op.done.task);
  if (op.done.action == OnDone::Action::Unblock) tasks_.unblock(op.done.task);
  if (op.done.action == OnDone::Action::Block) tasks_.block(op.done.task);
}

std::uint32_t PeEngine::mem_word(const View& v, std::uint32_t k) {
  if (v.buffer.type == DType::F16) {
    const std::uint32_t first = k * 2;
    const std::uint32_t lo = sram_.read_f16(v.buffer, v.offset + first);
    const std::uint32_t hi =
        first + 1 < v.length ? sram_.read_f16(v.buffer, v.offset + first + 1) : 0u;
    return lo | (hi << 16);
  }
  const float f = sram_.read(v.buffer, v.offset + k);
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

void PeEngine::store_word(const View& v, std::uint32_t k, std::uint32_t word) {
  if (v.buffer.type == DType::F16) {
    const std::uint32_t first = k * 2;
    sram_.write_f16(v.buffer, v.offset + first, static_cast<std::uint16_t>(word & 0xFFFFu));
    if (first + 1 < v.length)
      sram_.write_f16(v.buffer, v.offset + first + 1, static_cast<std::uint16_t>(word >> 16));
    return;
  }
  float f;
  std::memcpy(&f, &word, 4);
  sram_.write(v.buffer, v.offset + k, f);
}

std::uint32_t PeEngine::combine_words(bool half, bool max, std::uint32_t x, std::uint32_t y) {
  auto op = [max](float a, float b) { return max ? std::max(a, b) : a + b; };
  if (half) {
    const auto lo = f16_bits(
        op(f16_value(static_cast<std::uint16_t>(x)), f16_value(static_cast<std::uint16_t>(y))));
    const auto hi = f16_bits(op(f16_value(static_cast<std::uint16_t>(x >> 16)),
                                f16_value(static_cast<std::uint16_t>(y >> 16))));
    return lo | (static_cast<std::uint32_t>(hi) << 16);
  }
  float a, b;
  std::memcpy(&a, &x, 4);
  std::memcpy(&b, &y, 4);
  const float r = op(a, b);
  std::uint32_t bits;
  std::memcpy(&bits, &r, 4);
  return bits;
}

void PeEngine::deliver_message(const StreamDelivery& d) {
  if (data_tasks_ && data_task_of_.count(d.colour.value())) {
    throw SimulationError("PE " + to_string(at_) + ": a data task is bound to colour " +
                          std::to_string(d.colour.value()) +
                          "; data tasks are not modelled in stream fidelity (run.fidelity: "
                          "wavelet)");
  }
  inbox_.push_back(d);
  counters_.wavelets_received += d.wavelets;
}

bool PeEngine::step_stream(Op& op, std::int64_t t, StreamFabric& fabric, bool early) {
  const NodeId node = chip_.node(at_);
  const View& v = fabric_view(op);
  const std::uint32_t total = wavelets_of(v);
  if (op.fab.moved >= total || (t < op.fab.next && !early)) return false;
  if (op.is_control) {
    throw SimulationError("PE " + to_string(at_) +
                          " sent a control wavelet; control wavelets are not modelled in stream "
                          "fidelity (run.fidelity: wavelet)");
  }
  const bool half = v.buffer.type == DType::F16;
  const bool sending = sends(op.kind), receives = op.kind != Op::Kind::Send;
  const Color out = sending && op.kind != Op::Kind::Send ? op.out_colour : op.colour;
  const bool functional = sram_.functional();
  bool progressed = false;
  if (receives && !op.consumed) {
    auto it = std::find_if(inbox_.begin(), inbox_.end(), [&](const StreamDelivery& m) {
      return m.colour.value() == op.colour.value();
    });
    if (it == inbox_.end()) return false;
    const StreamDelivery d = *it;
    inbox_.erase(it);  // keeps its capacity: a PE receives again soon (no malloc per message)
    if (d.wavelets != total) {
      throw SimulationError("PE " + to_string(at_) + ": a receive of " + std::to_string(total) +
                            " wavelets on colour " + std::to_string(op.colour.value()) +
                            " met a message of " + std::to_string(d.wavelets) +
                            "; stream fidelity needs every receive to match one message (run "
                            "it with run.fidelity: wavelet)");
    }
    // Wavelet k is taken at max(start + k, its arrival): the op ends after the later of the
    // two streams.
    const std::int64_t start = std::max(op.fab.next, d.first);
    // The payload is read before consume(), which may free the message.
    const std::vector<std::uint32_t>& in = fabric.payload(d.message);
    std::vector<std::uint32_t> words;
    if (!functional) {  // timing mode: the same SRAM traffic, counted in bulk
      const std::uint64_t bytes = static_cast<std::uint64_t>(v.length) *
                                  static_cast<std::uint64_t>(dtype_bytes(v.buffer.type));
      const bool reads = op.kind == Op::Kind::RecvAdd || op.kind == Op::Kind::RecvAddSend;
      const bool writes = op.kind != Op::Kind::RecvAddSend;
      sram_.count(reads ? bytes : 0, writes ? bytes : 0);
    } else {
      if (sending) words.reserve(total);
      for (std::uint32_t k = 0; k < total; ++k) {
        const std::uint32_t w = in[k];
        switch (op.kind) {
          case Op::Kind::Recv:
            store_word(v, k, w);
            break;
          case Op::Kind::RecvAdd:
            store_word(v, k, combine_words(half, op.combine_max, mem_word(v, k), w));
            break;
          case Op::Kind::RecvSend:
            store_word(v, k, w);
            words.push_back(w);
            break;
          case Op::Kind::RecvAddSend:
            words.push_back(combine_words(half, op.combine_max, w, mem_word(v, k)));
            break;
          default:
            break;
        }
      }
    }
    fabric.consume(d, start, t);
    if (op.kind == Op::Kind::RecvAdd || op.kind == Op::Kind::RecvAddSend) {
      counters_.flops += half ? v.length : total;
      counters_.alu_elements += half ? v.length : total;
    }
    op.fab.in_done = std::max(start + total - 1, d.last) + 1;
    op.consumed = true;
    if (sending)
      op.fab.message = fabric.send(node, out, total, start, std::max(start + total - 1, d.last),
                                   std::move(words));
    progressed = true;
  } else if (sending && op.fab.message == kNoMessage) {
    std::vector<std::uint32_t> words;
    if (functional) {
      words.reserve(total);
      for (std::uint32_t k = 0; k < total; ++k) words.push_back(mem_word(v, k));
    } else {  // timing mode: the same SRAM reads, counted in bulk
      sram_.count(static_cast<std::uint64_t>(v.length) *
                      static_cast<std::uint64_t>(dtype_bytes(v.buffer.type)),
                  0);
    }
    op.fab.message =
        fabric.send(node, out, total, op.fab.next, op.fab.next + total - 1, std::move(words));
    progressed = true;
  }
  if (op.fab.done_at < 0) {
    std::int64_t done = receives ? op.fab.in_done : -1;
    if (sending) {
      const std::int64_t s = fabric.sender_done(op.fab.message);
      if (s < 0) return progressed;  // the fabric wakes this PE once the receivers are known
      done = std::max(done, s);
    }
    op.fab.done_at = done;
  }
  if (t < op.fab.done_at) return progressed;
  finish_stream(op, fabric);
  return true;
}

void PeEngine::finish_stream(Op& op, StreamFabric& fabric) {
  if (sends(op.kind)) {
    fabric.sender_finished(op.fab.message);
    counters_.wavelets_sent += wavelets_of(fabric_view(op));
  }
  op.fab.moved = wavelets_of(fabric_view(op));
  op.fab.next = op.fab.done_at;
}

bool PeEngine::step_fabric(Op& op, std::int64_t t, WaveletFabric& fabric) {
  const NodeId node = chip_.node(at_);
  const View& v = fabric_view(op);
  const std::uint32_t total = wavelets_of(v);
  if (op.fab.moved >= total || t < op.fab.next) return false;
  const bool half = v.buffer.type == DType::F16;
  const std::uint32_t first = op.fab.moved * (half ? 2u : 1u);
  const bool two = half && first + 1 < v.length;
  const bool sending = sends(op.kind);
  const bool receives = op.kind != Op::Kind::Send;
  const Color out = sending && op.kind != Op::Kind::Send ? op.out_colour : op.colour;
  if (sending && !fabric.can_inject(node, out, Cycles(t))) return false;
  auto& q = queues_[op.colour.value()];
  if (receives && q.empty()) return false;

  // The wavelet's elements: from the fabric, from memory, or their sum.
  std::uint32_t in = 0;
  if (receives) {
    in = q.front().data;
    q.pop_front();
    fabric.release_delivery(node, op.colour, Cycles(t));
  }
  std::uint32_t word = 0;
  switch (op.kind) {
    case Op::Kind::Send:
      word = op.is_control ? op.fab.control : mem_word(v, op.fab.moved);
      break;
    case Op::Kind::Recv:
      store_word(v, op.fab.moved, in);
      break;
    case Op::Kind::RecvAdd:
      store_word(v, op.fab.moved,
                 combine_words(half, op.combine_max, mem_word(v, op.fab.moved), in));
      break;
    case Op::Kind::RecvAddSend:
      word = combine_words(half, op.combine_max, in, mem_word(v, op.fab.moved));
      break;
    case Op::Kind::RecvSend:
      store_word(v, op.fab.moved, in);
      word = in;
      break;
    default:
      break;
  }
  if (op.kind == Op::Kind::RecvAdd || op.kind == Op::Kind::RecvAddSend) {
    counters_.flops += two ? 2 : 1;
    counters_.alu_elements += two ? 2 : 1;
  }
  if (sending) {
    Wavelet w;
    w.colour = out;
    w.data = word;
    if (op.is_control) w.flags |= kControl;
    fabric.inject(node, w, Cycles(t));
    ++counters_.wavelets_sent;
  }
  ++op.fab.moved;
  op.fab.next = t + 1;
  return true;
}

std::int64_t PeEngine::advance(std::int64_t t, const PeFabric& fabrics) {
  // Fabric ops of either fidelity.
  auto step = [&](Op& op) {
    return fabrics.stream ? step_stream(op, t, *fabrics.stream)
                          : step_fabric(op, t, *fabrics.wavelet);
  };
  const std::int64_t dispatch = chip_.pe.send_dispatch.count();
  const NodeId node = chip_.node(at_);
  std::int64_t wake = -1;
  auto want = [&](std::int64_t when) {
    if (when > t && (wake < 0 || when < wake)) wake = when;
  };
  // A fabric op that cannot move although its time has come: wait a cycle if only the ramp link
  // is busy; otherwise a delivery or a ramp credit will call us.
  auto wait_fabric = [&](const Op& op) {
    if (fabrics.stream) {  // a known completion, the dispatch delay, or an outside event
      if (op.fab.done_at > t) {
        want(op.fab.done_at);
      } else if (op.fab.next > t) {
        // A receive whose message has not arrived is woken by the delivery, not by the clock.
        const bool waits_for_message =
            op.kind != Op::Kind::Send && !op.consumed &&
            std::none_of(inbox_.begin(), inbox_.end(), [&](const StreamDelivery& m) {
              return m.colour.value() == op.colour.value();
            });
        if (!waits_for_message) want(op.fab.next);
      }
      return;
    }
    WaveletFabric& fabric = *fabrics.wavelet;
    if (op.fab.next > t) {
      want(op.fab.next);
    } else if (sends(op.kind) &&
               fabric.ramp_has_credit(node,
                                      op.kind == Op::Kind::Send ? op.colour : op.out_colour) &&
               (op.kind == Op::Kind::Send || !queues_[op.colour.value()].empty())) {
      want(t + 1);
    }
  };

  // A main-thread op whose effects are private to this PE may be applied before its cycle comes
  // (one wake-up per task instead of one per op), when nothing that can happen to the PE in the
  // meantime could observe the difference: an async issue with a microthread free (threads only
  // free up), a task-flag change that commutes with every completion in flight (activations
  // always do; block/unblock unless an in-flight op changes the same task's block), and compute
  // whose operands no in-flight transfer can touch (timing data has no values). Fabric ops and
  // route rewrites still happen at their own cycle; picks may run ahead (below).
  const bool functional = sram_.functional();
  // An async op whose completion time is known may complete now instead of at done_at when
  // nothing can observe the difference before then: the main thread is busy (or idle) until at
  // least done_at - so no pick, no new issue and no task-flag change of its own comes earlier -
  // and no other op in flight changes the same task in an order-dependent way.
  auto completes_unobserved = [&](const Op& op) {
    if (op.fab.done_at > main_free_) return false;
    if (op.done.action == OnDone::Action::None) return true;
    for (const Op& m : micro_) {
      if (&m == &op || m.done.task != op.done.task) continue;
      if (m.done.action != OnDone::Action::Activate || op.done.action != OnDone::Action::Activate)
        return false;
    }
    return true;
  };
  // Stream fidelity: a receive takes its message at max(its own cycle, the arrival) whenever it
  // is handled, so a synchronous one may wait for (or take) its message before its cycle comes -
  // unless a receive in flight could take the same colour first, or (functional data) a
  // transfer in flight may still read the memory it writes.
  auto receives_ahead = [&](const Op& op) {
    if (!fabrics.stream || op.async || op.is_control ||
        (op.kind != Op::Kind::Recv && op.kind != Op::Kind::RecvAdd))
      return false;
    if (functional && !micro_.empty()) return false;
    for (const Op& m : micro_)
      if (m.kind != Op::Kind::Send && m.colour == op.colour) return false;
    return true;
  };
  auto runs_ahead = [&](const Op& op) {
    // No cost (Continue, Mark), or timing data with no completion action (Block).
    if (op.kind == Op::Kind::Continue || op.kind == Op::Kind::Mark || op.kind == Op::Kind::Block)
      return true;
    if (op.async) return static_cast<int>(micro_.size()) < chip_.pe.microthreads;
    if (receives_ahead(op)) return true;
    if (op.kind != Op::Kind::Vector && !is_map(op.kind)) return false;
    const bool data = !(op.kind == Op::Kind::Vector && op.dst.length == 0);
    if (data && functional && !micro_.empty()) return false;
    if (op.done.action == OnDone::Action::Block || op.done.action == OnDone::Action::Unblock) {
      for (const Op& m : micro_)
        if (m.done.task == op.done.task && m.done.action != OnDone::Action::Activate) return false;
    }
    return true;
  };

  for (bool progress = true; progress;) {
    progress = false;
    // Microthreads.
    for (std::size_t i = 0; i < micro_.size();) {
      Op& op = micro_[i];
      if (step(op)) progress = true;
      if (fabrics.stream && op.fab.moved < wavelets_of(fabric_view(op)) && op.fab.done_at > t &&
          completes_unobserved(op)) {
        finish_stream(op, *fabrics.stream);  // completes at op.fab.done_at, applied now
        progress = true;
      }
      if (op.fab.moved == wavelets_of(fabric_view(op))) {
        complete(op);
        counters_.finish_cycle = std::max(counters_.finish_cycle, op.fab.next);
        micro_.erase(micro_.begin() + static_cast<std::ptrdiff_t>(i));
        progress = true;
        continue;
      }
      ++i;
    }
    // An idle main thread with nothing runnable waits for the earliest completion in flight: when
    // every in-flight op knows its completion cycle, apply the earliest now and let the main
    // thread take its next task from that cycle (stream fidelity: nothing else changes flags).
    if (fabrics.stream && !running_ && !micro_.empty() && !tasks_.any_runnable()) {
      Op* first = nullptr;
      bool all_known = true;
      for (Op& m : micro_) {
        if (m.fab.done_at <= t) all_known = false;
        if (!first || m.fab.done_at < first->fab.done_at) first = &m;
      }
      if (all_known && first) {
        main_free_ = std::max(main_free_, first->fab.done_at);
        finish_stream(*first, *fabrics.stream);
        progress = true;
        continue;  // the microthread loop completes it
      }
    }
    // Main thread.
    if (running_ && main_head_ == main_.size()) {  // the task has run to completion
      running_ = false;
      std::vector<Op>().swap(main_);  // idle PEs hold no op storage
      main_head_ = 0;
    }
    if (running_) {
      Op& op = main_[main_head_];
      if (op.start < 0) op.start = main_free_;
      if (t < op.start && !runs_ahead(op)) continue;
      if (op.kind == Op::Kind::Continue) {  // the last op issued: the piece is done
        TaskBody next = std::move(next_);
        next_ = nullptr;
        sealed_ = false;
        main_.clear();
        main_head_ = 0;
        PeContext ctx(*this);
        next(ctx);
        progress = true;
        continue;
      }
      if (op.kind == Op::Kind::Mark) {
        const auto id = static_cast<std::size_t>(op.arg.mt);
        if (marks_.size() <= id) {
          // One allocation for a layer's marks, not one per doubling on every PE.
          if (marks_.capacity() <= id) marks_.reserve(std::max<std::size_t>(16, 2 * id + 2));
          marks_.resize(id + 1, -1);
        }
        marks_[id] = op.start;
        pop_main();
        progress = true;
        continue;
      }
      if (op.kind == Op::Kind::Route) {
        const DirSet rx(static_cast<std::uint8_t>(op.fab.control & 0xFFu)),
            tx(static_cast<std::uint8_t>(op.fab.control >> 8));
        if (fabrics.stream)
          fabrics.stream->rewrite_route(node, op.colour, rx, tx, Cycles(op.start));
        else
          fabrics.wavelet->rewrite_route(node, op.colour, rx, tx, Cycles(op.start));
        main_free_ = op.start + chip_.pe.scalar_op.count();
        counters_.busy_cycles += static_cast<std::uint64_t>(chip_.pe.scalar_op.count());
        pop_main();
        progress = true;
        continue;
      }
      if (op.kind == Op::Kind::Block) {  // runs ahead (runs_ahead): applied now
        const std::int64_t cost = op.block.cycles;
        apply_totals(op.block);
        counters_.busy_cycles += static_cast<std::uint64_t>(cost);
        counters_.compute_cycles += static_cast<std::uint64_t>(cost);
        main_free_ = op.start + cost;
        counters_.finish_cycle = std::max(counters_.finish_cycle, main_free_);
        pop_main();
        progress = true;
        continue;
      }
      if (op.kind == Op::Kind::Vector || is_map(op.kind)) {
        const bool scalar_only = op.kind == Op::Kind::Vector && op.dst.length == 0;
        const OpCost op_cost = compute_cost(op);
        const std::int64_t cost = op_cost.cycles.count();
        if (t < op.start + cost && !runs_ahead(op)) continue;
        if (!sram_.functional()) {
          // Timing data: folded into a Block at issue unless it has a completion action.
          if (!scalar_only) apply_totals(timing_totals(op));
        } else if (is_map(op.kind)) {
          apply_map(op, op_cost.flops);
        } else if (!scalar_only) {
          apply_vector(op, op_cost.flops);
        }
        complete(op);
        counters_.busy_cycles += static_cast<std::uint64_t>(cost);
        if (!scalar_only) counters_.compute_cycles += static_cast<std::uint64_t>(cost);
        main_free_ = op.start + cost;
        counters_.finish_cycle = std::max(counters_.finish_cycle, main_free_);
        pop_main();
        progress = true;
        continue;
      }
      if (op.async) {  // hand it to a microthread; issuing costs one scalar instruction
        // All microthreads busy: the main thread waits until one finishes (a completion calls
        // advance again).
        if (static_cast<int>(micro_.size()) >= chip_.pe.microthreads) continue;
        Op launched = op;
        const std::int64_t at =
            std::max(op.start, t);  // later than planned if it waited for a thread
        launched.start = at;
        launched.fab.next = at + dispatch;
        main_free_ = at + chip_.pe.scalar_op.count();
        pop_main();
        micro_.push_back(launched);
        progress = true;
        continue;
      }
      if (op.fab.next < 0) op.fab.next = op.start + dispatch;
      if (fabrics.stream) {
        if (step_stream(op, t, *fabrics.stream, receives_ahead(op))) progress = true;
        // A synchronous op whose completion is known completes now, as at done_at: the main
        // thread is taken until then whatever happens, and a completion with no task-flag
        // change is visible to nothing else (the next op still acts at its own cycle).
        if (op.fab.moved < wavelets_of(fabric_view(op)) && op.fab.done_at > t &&
            op.done.action == OnDone::Action::None)
          finish_stream(op, *fabrics.stream);
      } else if (step(op)) {
        progress = true;
      }
      if (op.fab.moved == wavelets_of(fabric_view(op))) {
        const auto busy = static_cast<std::uint64_t>(dispatch) + op.fab.moved;
        const auto spent = static_cast<std::uint64_t>(op.fab.next - op.start);
        counters_.busy_cycles += std::min(busy, spent);
        counters_.stall_cycles += spent > busy ? spent - busy : 0;
        main_free_ = op.fab.next;  // the cycle after the last wavelet moved
        counters_.finish_cycle = std::max(counters_.finish_cycle, main_free_);
        complete(op);
        pop_main();
        progress = true;
      }
      continue;
    }
    // Idle main thread: pick the next task - at main_free_, or now for main_free_ when nothing
    // can change a task flag before then (stream fidelity: no data tasks, no control wavelets;
    // every op in flight completes after main_free_).
    const bool flags_settled = std::all_of(micro_.begin(), micro_.end(), [&](const Op& m) {
      return m.fab.done_at > main_free_;  // completions at main_free_ come before its pick
    });
    if (t < main_free_ && !(fabrics.stream && flags_settled)) continue;
    const auto task = tasks_.pick();
    if (!task) continue;
    running_ = true;
    ++counters_.tasks_run;
    issue_at_ = std::max(t, main_free_) + chip_.pe.task_switch.count();
    main_free_ = issue_at_;
    PeContext ctx(*this);
    if (tasks_.kind(*task) == TaskKind::Control && !control_args_[*task].empty()) {
      ctx.wavelet_ = control_args_[*task].front();
      control_args_[*task].pop_front();
    }
    if (tasks_.kind(*task) == TaskKind::Data) {
      // The head wavelet of the task's colour is its argument; its queue slot frees now.
      for (auto& [colour, id] : data_task_of_) {
        if (id != *task) continue;
        auto& q = queues_[colour];
        ctx.wavelet_ = q.front().data;
        q.pop_front();
        fabrics.wavelet->release_delivery(node, Color(colour), Cycles(t));
      }
    }
    body (*task)(ctx);
    progress = true;
  }

  // When to look again.
  for (const Op& op : micro_) wait_fabric(op);
  if (running_ && main_head_ < main_.size()) {
    Op& op = main_[main_head_];
    if (t < op.start && receives_ahead(op)) {
      wait_fabric(op);  // its message's delivery calls us; nothing to do at its own cycle
    } else if (t < op.start && fabrics.stream && !op.async && moves_wavelets(op.kind)) {
      // Nothing happens at its own cycle but the dispatch delay starting: look again when it
      // may move, or (a receive) when its message arrives - one wake-up instead of two.
      if (op.fab.next < 0) op.fab.next = op.start + dispatch;
      wait_fabric(op);
    } else if (t < op.start) {
      want(op.start);
    } else if (op.async) {
      // Waiting for a free microthread: a completion will call advance again.
    } else if (op.kind == Op::Kind::Block) {
      want(op.start + op.block.cycles);
    } else if (op.kind == Op::Kind::Vector || is_map(op.kind)) {
      want(op.start + compute_cost(op).cycles.count());
    } else {
      wait_fabric(op);
    }
  } else if (!running_ && main_free_ > t) {
    want(main_free_);  // a task may be picked when the main thread frees up
  }
  return wake;
}

// ---- array ------------------------------------------------------------------------------------

PeArray::PeArray(const ChipParams& chip, bool functional) : chip_(chip), functional_(functional) {
  const auto& depths = chip.pe.input_queue_depths;
  for (int c = 0; c < chip.noc.colours; ++c)
    default_capacity_.push_back(static_cast<std::uint32_t>(
        depths[static_cast<std::size_t>(c) % depths.size()] + chip.noc.ramp_latency.count() +
        chip.noc.credit_latency.count()));
}

PeArray::~PeArray() {
  for (PeEngine* pe : pes_)
    if (pe) pe->~PeEngine();
}

PeEngine& PeArray::place(Coord at, const std::string& program,
                         const std::function<void(PeSetup&)>& setup) {
  if (used_ == kChunk * chunks_.size()) chunks_.emplace_back(new Slot[kChunk]);
  auto* pe = new (&chunks_[used_ / kChunk][used_ % kChunk]) PeEngine(chip_, at, functional_);
  try {
    PeSetup s(*pe);
    setup(s);
    pe->finish_setup(program, buffer_tables_);
  } catch (...) {
    pe->~PeEngine();  // its slot is taken by the next PE placed
    throw;
  }
  ++used_;
  explicit_input_queues_ = explicit_input_queues_ || pe->binds_input_queues();
  const std::size_t node = chip_.node(at).value();
  if (pes_.size() <= node) pes_.resize(node + 1, nullptr);
  if (pes_[node]) pes_[node]->~PeEngine();  // placed again: the new one replaces it
  pes_[node] = pe;
  return *pe;
}

PeEngine* PeArray::at(Coord c) {
  return find(chip_.node(c));
}

void PeArray::attach(StreamFabric& fabric) {
  fabric_.stream = &fabric;
  wake_at_.assign(pes_.size(), 0);
  for (std::size_t node = 0; node < pes_.size(); ++node)
    if (pes_[node]) fabric.wake_client(NodeId(static_cast<std::uint32_t>(node)), 0, Cycles(0));
}

std::uint32_t PeArray::queue_capacity(NodeId node, Color c) const {
  if (!explicit_input_queues_ && c.value() < default_capacity_.size()) {
    return find(node) ? default_capacity_[c.value()] : 0u;
  }
  const PeEngine* pe = find(node);
  return pe ? static_cast<std::uint32_t>(pe->delivery_capacity(c)) : 0u;
}

void PeArray::on_message(NodeId node, const StreamDelivery& d, Cycles t) {
  PeEngine* pe = find(node);
  if (!pe) {
    throw SimulationError("a message on colour " + std::to_string(d.colour.value()) +
                          " reached PE " + to_string(chip_.coord(node)) +
                          ", which runs no program");
  }
  pe->deliver_message(d);
  run(node, t.count());
}

void PeArray::attach(WaveletFabric& fabric) {
  fabric_.wavelet = &fabric;
  wake_at_.assign(pes_.size(), 0);
  for (std::size_t i = 0; i < pes_.size(); ++i) {
    if (!pes_[i]) continue;
    const NodeId node(static_cast<std::uint32_t>(i));
    for (int c = 0; c < chip_.noc.colours; ++c) {
      const Color colour(static_cast<std::uint8_t>(c));
      fabric.set_delivery_capacity(node, colour, pes_[i]->delivery_capacity(colour));
      fabric.set_injection_capacity(node, colour, pes_[i]->injection_capacity(colour));
    }
    fabric.wake_client(node, 0, Cycles(0));
  }
}

void PeArray::run(NodeId node, std::int64_t t) {
  PeEngine* pe = find(node);
  if (!pe) return;
  const std::int64_t next = pe->advance(t, fabric_);
  std::int64_t& pending = wake_at_[node.value()];
  if (next >= 0 && (pending <= t || next < pending)) {
    pending = next;
    fabric_.wake(node, Cycles(next));
  }
}

void PeArray::on_deliver(NodeId node, const Wavelet& w, Cycles t) {
  PeEngine* pe = find(node);
  if (!pe) {
    throw SimulationError("wavelet on colour " + std::to_string(w.colour.value()) +
                          " delivered to PE " + to_string(chip_.coord(node)) +
                          ", which runs no program");
  }
  pe->deliver(w, t.count(), *fabric_.wavelet);
  run(node, t.count());
}

void PeArray::on_ramp_credit(NodeId node, Color, Cycles t) {
  run(node, t.count());
}
void PeArray::on_wake(NodeId node, std::uint32_t, Cycles t) {
  run(node, t.count());
}

}  // namespace wse
