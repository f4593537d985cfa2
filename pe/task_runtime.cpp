#include "pe/task_runtime.h"

#include <stdexcept>

namespace wse {

TaskRuntime::TaskRuntime(int task_ids)
    : words_(static_cast<std::size_t>(task_ids + 63) / 64),
      ids_(task_ids),
      bits_(words_ > 1 ? words_ * kSets : 0, 0) {}

void TaskRuntime::check(int id) const {
  if (id < 0 || id >= ids_) {
    throw std::invalid_argument("task id " + std::to_string(id) + " outside 0.." +
                                std::to_string(ids_ - 1));
  }
}

void TaskRuntime::put(Set s, int id, bool on) {
  const std::uint64_t bit = std::uint64_t{1} << (id & 63);
  std::uint64_t& w = set(s)[id >> 6];
  w = on ? (w | bit) : (w & ~bit);
}

TaskKind TaskRuntime::kind(int id) const {
  check(id);
  if (!test(kBound, id)) return TaskKind::Unbound;
  if (test(kData, id)) return TaskKind::Data;
  return test(kControl, id) ? TaskKind::Control : TaskKind::Local;
}

void TaskRuntime::bind(int id, TaskKind kind, TaskPriority priority) {
  check(id);
  if (test(kBound, id))
    throw std::invalid_argument("task id " + std::to_string(id) + " is bound twice");
  if (kind == TaskKind::Unbound) return;
  put(kBound, id, true);
  put(kData, id, kind == TaskKind::Data);
  put(kControl, id, kind == TaskKind::Control);
  put(kHigh, id, priority == TaskPriority::High);
  if (kind == TaskKind::Data && waiting_.empty())
    waiting_.assign(static_cast<std::size_t>(ids_), 0);
}

void TaskRuntime::activate(int id) {
  if (kind(id) == TaskKind::Data)
    throw std::invalid_argument("task " + std::to_string(id) +
                                " is a data task: wavelets activate it");
  put(kReady, id, true);
}

void TaskRuntime::data_arrived(int id) {
  if (kind(id) != TaskKind::Data)
    throw std::invalid_argument("task " + std::to_string(id) + " is not a data task");
  std::uint16_t& n = waiting_[static_cast<std::size_t>(id)];
  if (n == UINT16_MAX)
    throw std::overflow_error("task " + std::to_string(id) + ": too many wavelets waiting");
  ++n;
  put(kReady, id, true);
}

void TaskRuntime::block(int id) {
  check(id);
  put(kBlocked, id, true);
}
void TaskRuntime::unblock(int id) {
  check(id);
  put(kBlocked, id, false);
}

int TaskRuntime::pending(int id) const {
  check(id);
  if (test(kData, id)) return waiting_[static_cast<std::size_t>(id)];
  return test(kReady, id) ? 1 : 0;
}

bool TaskRuntime::runnable(int id) const {
  check(id);
  return test(kBound, id) && !test(kBlocked, id) && test(kReady, id);
}

bool TaskRuntime::any_runnable() const {
  for (std::size_t w = 0; w < words_; ++w)
    if (set(kBound)[w] & set(kReady)[w] & ~set(kBlocked)[w]) return true;
  return false;
}

std::optional<int> TaskRuntime::pick() {
  // Highest priority first, then the lowest id.
  for (const bool high : {true, false}) {
    for (std::size_t w = 0; w < words_; ++w) {
      std::uint64_t r = set(kBound)[w] & set(kReady)[w] & ~set(kBlocked)[w];
      r &= high ? set(kHigh)[w] : ~set(kHigh)[w];
      if (!r) continue;
      const int id = static_cast<int>(w * 64) + __builtin_ctzll(r);
      if (test(kData, id)) {
        if (--waiting_[static_cast<std::size_t>(id)] == 0) put(kReady, id, false);
      } else {
        put(kReady, id, false);
      }
      return id;
    }
  }
  return std::nullopt;
}

}  // namespace wse
