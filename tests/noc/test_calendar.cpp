// The event calendar: events come out by cycle, and within a cycle in schedule order, whether
// they waited in the wheel or in the far heap; buckets that outgrow their retained share give
// their memory back without losing events.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "noc/calendar.h"

namespace wse {
namespace {

// Drains the calendar, returning (cycle, event) in the order it hands them out; `on_open` may
// schedule more events while a cycle is processed.
template <class F>
std::vector<std::pair<std::int64_t, int>> drain(Calendar<int>& cal, F on_open) {
  std::vector<std::pair<std::int64_t, int>> out;
  while (!cal.empty()) {
    const std::int64_t t = cal.next_time();
    auto& events = cal.open(t);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const int e = events[i];
      out.emplace_back(t, e);
      on_open(cal, t, e);
    }
    cal.close(t);
  }
  return out;
}

TEST(Calendar, SameCycleEventsKeepScheduleOrderAcrossWheelAndHeap) {
  Calendar<int> cal(2);  // a 4-cycle wheel: cycles 4 and later start in the heap
  cal.schedule(9, 1);    // far
  cal.schedule(2, 2);    // near
  cal.schedule(9, 3);    // far
  cal.schedule(5, 4);    // far
  cal.schedule(2, 5);    // near
  // At cycle 5, event 6 lands at cycle 9 (then near: after the far events 1 and 3) and event 7
  // at cycle 5 itself (appended to the cycle being processed).
  const auto out = drain(cal, [](Calendar<int>& c, std::int64_t t, int e) {
    if (t == 5 && e == 4) {
      c.schedule(9, 6);
      c.schedule(5, 7);
    }
  });
  const std::vector<std::pair<std::int64_t, int>> want = {{2, 2}, {2, 5}, {5, 4}, {5, 7},
                                                          {9, 1}, {9, 3}, {9, 6}};
  EXPECT_EQ(out, want);
}

TEST(Calendar, AnOversizedBucketIsReleasedWithoutLosingEvents) {
  Calendar<int> cal(12);  // 4096 buckets: each retains at most 1024 events' capacity
  const int n = 5000;     // above the share: the bucket is released after its cycle
  for (int i = 0; i < n; ++i) cal.schedule(7, i);
  cal.schedule(7 + 4096, n);  // the same bucket one lap later
  const auto out = drain(cal, [](Calendar<int>&, std::int64_t, int) {});
  ASSERT_EQ(out.size(), static_cast<std::size_t>(n + 1));
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(out[static_cast<std::size_t>(i)], std::make_pair(std::int64_t{7}, i));
  EXPECT_EQ(out.back(), std::make_pair(std::int64_t{7 + 4096}, n));
  EXPECT_TRUE(cal.empty());
}

}  // namespace
}  // namespace wse
