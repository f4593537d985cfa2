// Route builders: the communication patterns of the WaferLLM kernels, compiled into per-router
// colour routes (RouteSpec lists for RouteTables::install). Each returns the routes only; the
// colour budget and conflicts are checked by RouteTables::validate().
#pragma once

#include <array>
#include <vector>

#include "noc/route_table.h"

namespace wse {

// One router's route for a colour (the building block of the patterns below).
RouteSpec route_at(Coord at, Color c, DirSet rx, DirSet tx);

// Point-to-point, dimension order (x first, then y): RAMP at `from` to RAMP at `to`.
std::vector<RouteSpec> route_p2p_xy(Coord from, Coord to, Color c);

// Broadcast along row y from the PE at x = src to every PE with x in [x0, x1] (fork routes:
// each PE on the way delivers to its RAMP and forwards).
std::vector<RouteSpec> route_row_broadcast(int y, int x0, int x1, int src, Color c);
// Same along column x for y in [y0, y1].
std::vector<RouteSpec> route_column_broadcast(int x, int y0, int y1, int src, Color c);

// A reduce chain along a line of PEs ending at `cells.back()`: PE i streams to PE i+1, whose
// CE combines and forwards (receive-combine-forward). Colours alternate by position (a, b) so
// that each PE receives on one colour and sends on the other. Cells must be 1 hop apart.
std::vector<RouteSpec> route_reduce_chain(const std::vector<Coord>& cells, Color a, Color b);

// A pure pass-through segment: every cell receives from `in` and transmits to `out` without
// involving its CE (WaferLLM's transit colours between group roots).
std::vector<RouteSpec> route_pass_through(const std::vector<Coord>& cells, Dir in, Dir out,
                                          Color c);

// Logical ring order of the INTERLEAVE permutation on a line of n >= 2 positions: even
// positions ascending, then odd positions descending (n = 6: 0 2 4 5 3 1). Every logical
// neighbour is at most 2 physical hops away.
std::vector<int> interleaved_ring_order(int n);

// Routes of the interleaved two-hop ring on a line of cells (a row or a column, in order):
// each position p sends to its ring successor on colour colours[(p + p % 2) % 3]; an intermediate
// PE on a 2-hop path passes the wavelets through without its CE.
// With `reverse`, every segment runs the other way (p sends to its ring predecessor) on the colour
// the forward segment has: the ring MeshGEMM's alignment uses to shift the short way round.
std::vector<RouteSpec> route_interleaved_ring(const std::vector<Coord>& cells,
                                              std::array<Color, 3> colours, bool reverse = false);
// The colour slots (indices into `colours` above) position p sends and receives on.
struct RingSlots {
  int send = 0;
  int recv = 0;
};
RingSlots interleaved_ring_slots(int n, int p, bool reverse = false);

// Cannon's wrap-around ring on a line of n >= 2 cells: position p >= 1 sends to p - 1 (1 hop) on
// colours[p % 2]; position 0 sends to n - 1 on colours[2] across every other cell (the
// head-to-tail wrap link, n - 1 hops of pass-through).
std::vector<RouteSpec> route_wraparound_ring(const std::vector<Coord>& cells,
                                             std::array<Color, 3> colours);
RingSlots wraparound_ring_slots(int n, int p);

// Cells of row y, x in [x0, x1], and of column x, y in [y0, y1], in ascending order.
std::vector<Coord> row_cells(int y, int x0, int x1);
std::vector<Coord> column_cells(int x, int y0, int y1);

}  // namespace wse
