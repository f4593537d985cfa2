#include "pe/task_runtime.h"

#include <stdexcept>

namespace wse {

TaskRuntime::TaskRuntime(int task_ids) : tasks_(static_cast<std::size_t>(task_ids)) {}

TaskRuntime::Task& TaskRuntime::at(int id) {
  if (id < 0 || static_cast<std::size_t>(id) >= tasks_.size()) {
    throw std::invalid_argument("task id " + std::to_string(id) + " outside 0.." +
                                std::to_string(tasks_.size() - 1));
  }
  return tasks_[static_cast<std::size_t>(id)];
}

void TaskRuntime::bind(int id, TaskKind kind, TaskPriority priority) {
  Task& t = at(id);
  if (t.kind != TaskKind::Unbound)
    throw std::invalid_argument("task id " + std::to_string(id) + " is bound twice");
  t.kind = kind;
  t.priority = priority;
}

void TaskRuntime::activate(int id) {
  Task& t = at(id);
  if (t.kind == TaskKind::Data)
    throw std::invalid_argument("task " + std::to_string(id) +
                                " is a data task: wavelets activate it");
  t.pending = 1;
}

void TaskRuntime::data_arrived(int id) {
  Task& t = at(id);
  if (t.kind != TaskKind::Data)
    throw std::invalid_argument("task " + std::to_string(id) + " is not a data task");
  ++t.pending;
}

void TaskRuntime::block(int id) {
  at(id).blocked = true;
}
void TaskRuntime::unblock(int id) {
  at(id).blocked = false;
}

bool TaskRuntime::runnable(int id) const {
  const Task& t = tasks_.at(static_cast<std::size_t>(id));
  return t.kind != TaskKind::Unbound && !t.blocked && t.pending > 0;
}

std::optional<int> TaskRuntime::pick() {
  int best = -1;
  for (int id = 0; id < static_cast<int>(tasks_.size()); ++id) {
    if (!runnable(id)) continue;
    if (best < 0 || tasks_[static_cast<std::size_t>(id)].priority >
                        tasks_[static_cast<std::size_t>(best)].priority)
      best = id;
  }
  if (best < 0) return std::nullopt;
  --tasks_[static_cast<std::size_t>(best)].pending;
  return best;
}

}  // namespace wse
