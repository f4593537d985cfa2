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
  TaskKind kind(int id) const { return tasks_.at(static_cast<std::size_t>(id)).kind; }

  // Local/control tasks: activation is a flag (activating twice = once).
  void activate(int id);
  // Data tasks: one activation per wavelet waiting in the task's queue.
  void data_arrived(int id);
  void block(int id);
  void unblock(int id);
  bool blocked(int id) const { return tasks_.at(static_cast<std::size_t>(id)).blocked; }
  bool runnable(int id) const;
  // The task to run next, consuming one activation; nothing when no task is runnable.
  std::optional<int> pick();
  // Number of pending activations of a task (data: wavelets waiting; local: 0 or 1).
  int pending(int id) const { return tasks_.at(static_cast<std::size_t>(id)).pending; }

 private:
  struct Task {
    TaskKind kind = TaskKind::Unbound;
    TaskPriority priority = TaskPriority::Low;
    bool blocked = false;  // all ids start unblocked and inactive
    int pending = 0;
  };
  Task& at(int id);
  std::vector<Task> tasks_;
};

}  // namespace wse
