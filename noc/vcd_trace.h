// VCD waveform of chosen routers, viewable in GTKWave: per port, `valid` (a wavelet left on that
// output in that cycle), `colour` (its colour) and `occupancy` (wavelets buffered at that input).
#pragma once

#include <string>
#include <vector>

#include "noc/wavelet_fabric.h"

namespace wse {

class VcdTrace : public FabricObserver {
 public:
  // Registers itself as observer of every router in `routers`.
  VcdTrace(WaveletFabric& fabric, const std::vector<Coord>& routers);
  void on_send(NodeId node, Dir out, Color c, std::int64_t t) override;
  void on_occupancy(NodeId node, Dir in, int occupancy, std::int64_t t) override;
  // The whole VCD file (changes sorted by time; only real changes are written).
  std::string text() const;

 private:
  struct Signal {
    std::string scope, name, id;
    int width;
  };
  struct Change {
    std::int64_t t;
    std::uint64_t seq;
    std::uint32_t signal;
    std::uint32_t value;
  };
  std::uint32_t signal_of(NodeId node, Dir d,
                          int kind) const;  // kind 0 valid, 1 colour, 2 occupancy
  void add(std::int64_t t, std::uint32_t signal, std::uint32_t value);

  const ChipParams& chip_;
  std::vector<Coord> routers_;
  std::vector<Signal> signals_;
  std::vector<std::uint32_t> first_signal_;  // per router index
  std::vector<Change> changes_;
  std::uint64_t seq_ = 0;
};

}  // namespace wse
