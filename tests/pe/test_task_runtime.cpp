#include <gtest/gtest.h>

#include "pe/task_runtime.h"

namespace wse {
namespace {

TEST(TaskRuntime, RunsOnlyWhenActivatedAndUnblocked) {
  TaskRuntime rt(64);
  rt.bind(10, TaskKind::Local);
  EXPECT_FALSE(rt.pick());  // inactive
  rt.block(10);
  rt.activate(10);
  EXPECT_FALSE(rt.pick());  // activated but blocked: the activation waits
  rt.unblock(10);
  EXPECT_EQ(rt.pick(), 10);
  EXPECT_FALSE(rt.pick());  // the activation was consumed
}

TEST(TaskRuntime, LocalActivationIsIdempotentDataActivationCounts) {
  TaskRuntime rt(64);
  rt.bind(5, TaskKind::Local);
  rt.bind(3, TaskKind::Data);
  rt.activate(5);
  rt.activate(5);
  EXPECT_EQ(rt.pending(5), 1);
  rt.data_arrived(3);
  rt.data_arrived(3);
  EXPECT_EQ(rt.pending(3), 2);
  EXPECT_EQ(rt.pick(), 3);
  EXPECT_EQ(rt.pick(), 3);
  EXPECT_EQ(rt.pick(), 5);
  EXPECT_FALSE(rt.pick());
}

TEST(TaskRuntime, HighPriorityFirstThenLowestId) {
  TaskRuntime rt(64);
  rt.bind(20, TaskKind::Local, TaskPriority::Low);
  rt.bind(12, TaskKind::Local, TaskPriority::Low);
  rt.bind(30, TaskKind::Local, TaskPriority::High);
  for (int id : {20, 12, 30}) rt.activate(id);
  EXPECT_EQ(rt.pick(), 30);
  EXPECT_EQ(rt.pick(), 12);
  EXPECT_EQ(rt.pick(), 20);
}

TEST(TaskRuntime, DataflowBarrierOfMeshGemm) {
  // x_finish is activated by the receive and unblocked by the send; it runs once both happened.
  TaskRuntime rt(64);
  const int x_finish = 8;
  rt.bind(x_finish, TaskKind::Local);
  rt.block(x_finish);
  rt.activate(x_finish);  // receive done first
  EXPECT_FALSE(rt.pick());
  rt.unblock(x_finish);  // then the send
  EXPECT_EQ(rt.pick(), x_finish);
}

TEST(TaskRuntime, MisuseIsAnError) {
  TaskRuntime rt(8);
  EXPECT_THROW(rt.bind(8, TaskKind::Local), std::invalid_argument);
  rt.bind(1, TaskKind::Data);
  EXPECT_THROW(rt.bind(1, TaskKind::Local), std::invalid_argument);
  EXPECT_THROW(rt.activate(1), std::invalid_argument);
  rt.bind(2, TaskKind::Local);
  EXPECT_THROW(rt.data_arrived(2), std::invalid_argument);
}

// Up to 64 ids the task sets live inline; more ids use the heap words. Both pick alike, and a
// copy of the runtime is independent of the original.
TEST(TaskRuntime, MoreThanSixtyFourIdsPickByPriorityThenLowestId) {
  for (int ids : {64, 200}) {
    TaskRuntime rt(ids);
    const int high = ids - 1, low = ids > 64 ? 70 : 40;
    rt.bind(3, TaskKind::Local);
    rt.bind(low, TaskKind::Local);
    rt.bind(high, TaskKind::Local, TaskPriority::High);
    for (int id : {low, 3, high}) rt.activate(id);
    TaskRuntime copy = rt;
    EXPECT_EQ(rt.pick(), high) << ids;
    EXPECT_EQ(rt.pick(), 3) << ids;
    EXPECT_EQ(rt.pick(), low) << ids;
    EXPECT_FALSE(rt.pick()) << ids;
    EXPECT_EQ(copy.pick(), high) << ids;  // the copy kept its own activations
    EXPECT_THROW(rt.activate(ids), std::invalid_argument);
  }
}

}  // namespace
}  // namespace wse
