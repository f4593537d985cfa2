// The interface between the fabric and what sits on its ramps (PEs, or traffic sources/sinks).
#pragma once

#include "hw/core/types.h"
#include "noc/wavelet.h"

namespace wse {

class FabricClient {
 public:
  virtual ~FabricClient() = default;
  // A wavelet left the router's ramp output and reached the compute element at cycle t.
  virtual void on_deliver(NodeId node, const Wavelet& w, Cycles t) = 0;
  // A slot of the router's ramp input buffer for colour c became free at cycle t.
  virtual void on_ramp_credit(NodeId node, Color c, Cycles t) = 0;
  // A wake-up requested with WaveletFabric::wake_client().
  virtual void on_wake(NodeId node, std::uint32_t token, Cycles t) = 0;
};

}  // namespace wse
