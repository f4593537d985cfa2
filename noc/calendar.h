// Deterministic event calendar: a timing wheel for the near future plus an ordered overflow (a
// heap) for far events. The owner picks the wheel's length: long enough that most events land in
// it (a heap pop costs a cache miss per level once millions of events wait), short enough that
// finding the next busy cycle stays cheap. Each bucket keeps its capacity up to a share of a
// fixed total. Events due at the same cycle come out in an order fixed by the sequence of
// schedule() calls alone, so runs never depend on the host's or SystemC's scheduling order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <queue>
#include <vector>

#include "hw/core/types.h"

namespace wse {

template <class Event>
class Calendar {
 public:
  explicit Calendar(std::size_t wheel_bits = 5)
      : mask_((std::size_t{1} << wheel_bits) - 1),
        keep_(std::max<std::size_t>(kMinKeep, kRetainedEvents >> wheel_bits)),
        wheel_(mask_ + 1) {}

  // Schedules `e` at cycle t (t must not be earlier than the cycle being processed).
  void schedule(std::int64_t t, const Event& e) {
    if (pending_ == 0) {
      earliest_ = t;
    } else if (earliest_ != kNone && t < earliest_) {
      earliest_ = t;
    }
    ++pending_;
    if (t - now_ < static_cast<std::int64_t>(wheel_.size())) {
      wheel_[static_cast<std::size_t>(t) & mask_].push_back(e);
    } else {
      far_.push(Far{t, seq_++, e});
    }
  }

  bool empty() const { return pending_ == 0; }
  std::size_t pending() const { return pending_; }

  // Earliest cycle holding an event; only meaningful when !empty().
  std::int64_t next_time() {
    if (earliest_ == kNone) recompute_earliest();
    return earliest_;
  }

  // Moves the calendar to cycle t (== next_time()) and returns its events, in schedule order.
  // Events scheduled for t while they are processed are appended to the same vector.
  std::vector<Event>& open(std::int64_t t) {
    now_ = t;
    while (!far_.empty() && far_.top().t - now_ < static_cast<std::int64_t>(wheel_.size())) {
      wheel_[static_cast<std::size_t>(far_.top().t) & mask_].push_back(far_.top().e);
      far_.pop();
    }
    return wheel_[static_cast<std::size_t>(t) & mask_];
  }
  // Drops the events of cycle t once they are all processed.
  void close(std::int64_t t) {
    auto& b = wheel_[static_cast<std::size_t>(t) & mask_];
    pending_ -= b.size();
    // A bucket keeps its capacity (no reallocation in steady state) unless it grew past its
    // share of kRetainedEvents: the buckets' retained memory stays bounded whatever the wheel's
    // length, and a rare huge cycle (every PE woken) costs one reallocation.
    if (b.capacity() > keep_) {
      std::vector<Event>().swap(b);
    } else {
      b.clear();
    }
    earliest_ = kNone;
  }
  std::int64_t now() const { return now_; }

 private:
  static constexpr std::int64_t kNone = INT64_MAX;
  static constexpr std::size_t kRetainedEvents = std::size_t{1} << 22;
  static constexpr std::size_t kMinKeep = 1024;
  struct Far {
    std::int64_t t;
    std::uint64_t seq;
    Event e;
    bool operator>(const Far& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  void recompute_earliest() {
    earliest_ = kNone;
    if (pending_ == 0) return;
    for (std::size_t k = 0; k < wheel_.size(); ++k) {
      const std::int64_t t = now_ + static_cast<std::int64_t>(k);
      if (!wheel_[static_cast<std::size_t>(t) & mask_].empty()) {
        earliest_ = t;
        break;
      }
    }
    if (!far_.empty() && far_.top().t < earliest_) earliest_ = far_.top().t;
  }

  std::size_t mask_;
  std::size_t keep_;  // events a bucket's capacity may retain
  std::vector<std::vector<Event>> wheel_;
  std::priority_queue<Far, std::vector<Far>, std::greater<Far>> far_;
  std::int64_t now_ = 0;
  std::int64_t earliest_ = kNone;
  std::size_t pending_ = 0;
  std::uint64_t seq_ = 0;
};

}  // namespace wse
