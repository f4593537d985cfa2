// Task table of one PE (wafer-fabric.md 2.3): data tasks fire per arriving wavelet, local tasks
// on activate, control tasks on a control wavelet; a task runs only when activated AND unblocked,
// to completion. The picker takes the highest priority first, then the lowest task id (the tie
// rule is undocumented; lowest id is our stated assumption). Plain C++, no timing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wse {

enum class TaskKind : std::uint8_t { Unbound, Data, Local, Control };
enum class TaskPriority : std::uint8_t { Low = 0, High = 1 };

class TaskRuntime {
 public:
  explicit TaskRuntime(int task_ids);

  // Binds a task id; throws std::invalid_argument for ids out of range or bound twice.
  void bind(int id, TaskKind kind, TaskPriority priority = TaskPriority::Low);
  TaskKind kind(int id) const;

  // Local/control tasks: activation is a flag (activating twice = once).
  void activate(int id);
  // Data tasks: one activation per wavelet waiting in the task's queue.
  void data_arrived(int id);
  void block(int id);
  void unblock(int id);
  bool blocked(int id) const {
    check(id);
    return test(kBlocked, id);
  }
  bool runnable(int id) const;
  // Whether pick() would return a task.
  bool any_runnable() const;
  // The task to run next, consuming one activation; nothing when no task is runnable.
  std::optional<int> pick();
  // Number of pending activations of a task (data: wavelets waiting; local: 0 or 1).
  int pending(int id) const;

 private:
  // Bit sets over task ids, `words_` 64-bit words each, in one allocation: compact per-PE state
  // and an O(words) picker.
  enum Set : std::size_t { kBound, kData, kControl, kHigh, kBlocked, kReady, kSets };
  // Up to 64 task ids (WSE-2 and WSE-3) the sets live inline: no pointer to chase when a PE
  // picks a task.
  std::uint64_t* set(Set s) { return words_ == 1 ? small_ + s : bits_.data() + s * words_; }
  const std::uint64_t* set(Set s) const {
    return words_ == 1 ? small_ + s : bits_.data() + s * words_;
  }
  bool test(Set s, int id) const { return (set(s)[id >> 6] >> (id & 63)) & 1u; }
  void put(Set s, int id, bool on);
  void check(int id) const;
  std::size_t words_;
  int ids_;
  std::uint64_t small_[kSets] = {};
  std::vector<std::uint64_t> bits_;     // more than 64 ids
  std::vector<std::uint16_t> waiting_;  // data tasks only: wavelets waiting (allocated on demand)
};

}  // namespace wse
