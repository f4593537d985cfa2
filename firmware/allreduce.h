// Allreduce along one line of PEs (part of a row or a column), the collective of MeshGEMV and of
// the decode layer (waferllm-algorithms.md 2.2, 2.3): after it every PE of the line holds the sum
// (or maximum) of everyone's vector.
//
// Tree: the line splits into g groups; in phase 1 each group reduces into its middle PE (a chain
// from each end, colours alternating with the position); in phase 2 the group roots reduce into
// the middle group's root over pass-through colours (PEs in between are not involved); the global
// root then broadcasts both ways on fork routes. 10 colours: base + 0..9.
// Chain (the pipeline baseline): one chain into the last PE, which broadcasts back. 3 colours.
#pragma once

#include <vector>

#include "noc/route_table.h"
#include "pe/pe_engine.h"

namespace wse {

enum class Axis : std::uint8_t { X, Y };  // X: along a row (x varies); Y: along a column

struct LineAllreduce {
  enum class Shape : std::uint8_t { Tree, Chain } shape = Shape::Tree;
  Axis axis = Axis::Y;
  int fixed = 0;  // the row y (axis X) or the column x (axis Y), absolute
  int lo = 0;     // first and last coordinate along the axis, absolute, inclusive
  int hi = 0;
  int groups = 1;  // tree: g, must divide the line length
  int colour_base = 1;

  int length() const { return hi - lo + 1; }
  Coord at(int pos) const { return axis == Axis::X ? Coord{pos, fixed} : Coord{fixed, pos}; }
};

// The divisor of n nearest sqrt(n) (ties: the smaller): the default group count.
int nearest_divisor_to_sqrt(int n);

// Installs the routes of the line's allreduce.
void install_allreduce(const LineAllreduce& line, RouteTables& routes);

struct ReduceStep {
  // Forward: receive, keep a copy and pass the stream on (a relayed broadcast).
  enum Kind : std::uint8_t { Send, Relay, Accumulate, Receive, Forward } kind;
  Color in, out;
};
// The steps of the PE at absolute coordinate `pos` along the line, in order.
std::vector<ReduceStep> allreduce_plan(const LineAllreduce& line, int pos);

// Two relay chains along a line, one each way (colours base + 0, 1 towards higher coordinates,
// base + 2, 3 towards lower), whose routes serve any PE of the line as root: reduce into a root
// (each side streams towards it, receive-combine-forward), broadcast from a root (each PE's CE
// keeps a copy and passes the stream on) and allreduce (both, root in the middle). The root may
// change from one collective to the next on the same routes - the rotating-root reduce of
// WaferLLM's dist-GEMM-T (waferllm-algorithms.md 2.1) and its chain allreduce
// (mv_allreduce_add_x, 2.4). Lines over disjoint ranges of a row may share the colours.
struct ChainLine {
  Axis axis = Axis::X;
  int fixed = 0;
  int lo = 0, hi = 0;  // absolute, inclusive
  int colour_base = 1;
  int length() const { return hi - lo + 1; }
};
void install_chain_line(const ChainLine& line, RouteTables& routes);
// The steps of the PE at absolute coordinate `pos` (root: absolute too).
std::vector<ReduceStep> chain_reduce_plan(const ChainLine& line, int pos, int root);
std::vector<ReduceStep> chain_broadcast_plan(const ChainLine& line, int pos, int root);

enum class Combine : std::uint8_t { Add, Max };
// Issues the steps as synchronous fabric ops on v (as WaferLLM's collectives do).
void run_allreduce(PeContext& c, const std::vector<ReduceStep>& steps, const View& v,
                   Combine combine = Combine::Add);

}  // namespace wse
