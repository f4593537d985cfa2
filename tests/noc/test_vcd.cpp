#include <gtest/gtest.h>

#include "noc/route_builder.h"
#include "noc/vcd_trace.h"
#include "tests/noc/fabric_probe.h"

namespace wse {
namespace {

// Timestamps (in ps) at which `line` ("1<id>" etc.) is written.
std::vector<std::string> times_of(const std::string& vcd, const std::string& line) {
  std::vector<std::string> out;
  std::string now;
  std::size_t pos = 0;
  while (pos < vcd.size()) {
    const std::size_t end = vcd.find('\n', pos);
    const std::string l = vcd.substr(pos, end - pos);
    if (!l.empty() && l[0] == '#') now = l.substr(1);
    if (l == line) out.push_back(now);
    pos = end + 1;
  }
  return out;
}

std::string id_of(const std::string& vcd, const std::string& name, const std::string& scope) {
  const std::size_t s = vcd.find("$scope module " + scope + " $end");
  const std::size_t p = vcd.find(" " + name + " $end", s);
  const std::size_t b = vcd.rfind(' ', p - 1);
  return vcd.substr(b + 1, p - b - 1);
}

TEST(Vcd, ValidPulsesAndOccupancyAtExactCycles) {
  ChipParams c = resolve_preset("test8x8").params;
  c.clock_hz = 1e9;  // 1 cycle = 1000 ps
  RouteTables tables(c);
  tables.install(route_p2p_xy({0, 0}, {3, 0}, Color(5)));
  test::Probe probe;
  WaveletFabric f(c, FabricOptions{}, &tables, probe);
  probe.fabric = &f;
  VcdTrace vcd(f, {{1, 0}});
  probe.send(c.node({0, 0}), test::stream(Color(5), 2));
  test::run_to_end(f);
  const std::string text = vcd.text();
  // Wavelets reach (1,0) at cycles 3 and 4 and leave east in the same cycles.
  const std::string valid = id_of(text, "E_out_valid", "router_1_0");
  EXPECT_EQ(times_of(text, "1" + valid), std::vector<std::string>{"3000"});
  EXPECT_EQ(times_of(text, "0" + valid),
            (std::vector<std::string>{"0", "5000"}));  // $dumpvars, then low
  const std::string colour = id_of(text, "E_out_colour", "router_1_0");
  EXPECT_EQ(times_of(text, "b00101 " + colour), std::vector<std::string>{"3000"});
}

}  // namespace
}  // namespace wse
