#include "noc/vcd_trace.h"

#include <algorithm>
#include <cmath>

namespace wse {
namespace {
std::string vcd_id(std::uint32_t n) {
  std::string s;
  do {
    s += static_cast<char>('!' + n % 94);
    n /= 94;
  } while (n);
  return s;
}
std::string binary(std::uint32_t v, int width) {
  std::string s;
  for (int b = width - 1; b >= 0; --b) s += ((v >> b) & 1u) ? '1' : '0';
  return s;
}
}  // namespace

VcdTrace::VcdTrace(WaveletFabric& fabric, const std::vector<Coord>& routers)
    : chip_(fabric.chip()), routers_(routers) {
  for (const Coord& c : routers_) {
    first_signal_.push_back(static_cast<std::uint32_t>(signals_.size()));
    const std::string scope = "router_" + std::to_string(c.x) + "_" + std::to_string(c.y);
    for (int d = 0; d < kNumDirs; ++d) {
      const std::string port = dir_name(static_cast<Dir>(d));
      signals_.push_back({scope, port + "_out_valid", "", 1});
      signals_.push_back({scope, port + "_out_colour", "", 5});
      signals_.push_back({scope, port + "_in_occupancy", "", 8});
    }
    fabric.observe(chip_.node(c), this);
  }
  for (std::uint32_t i = 0; i < signals_.size(); ++i) signals_[i].id = vcd_id(i);
}

std::uint32_t VcdTrace::signal_of(NodeId node, Dir d, int kind) const {
  for (std::size_t i = 0; i < routers_.size(); ++i) {
    if (chip_.node(routers_[i]) == node)
      return first_signal_[i] + static_cast<std::uint32_t>(d) * 3 +
             static_cast<std::uint32_t>(kind);
  }
  return 0;
}

void VcdTrace::add(std::int64_t t, std::uint32_t signal, std::uint32_t value) {
  changes_.push_back({t, seq_++, signal, value});
}

void VcdTrace::on_send(NodeId node, Dir out, Color c, std::int64_t t) {
  const std::uint32_t valid = signal_of(node, out, 0);
  add(t, valid, 1);
  add(t, valid + 1, c.value());
  add(t + 1, valid, 0);  // overridden by a send in the next cycle (later sequence number wins)
}

void VcdTrace::on_occupancy(NodeId node, Dir in, int occupancy, std::int64_t t) {
  add(t, signal_of(node, in, 2), static_cast<std::uint32_t>(std::min(occupancy, 255)));
}

std::string VcdTrace::text() const {
  std::string out =
      "$date wafersim $end\n$version wafersim " WSE_VERSION " $end\n$timescale 1ps $end\n";
  out += "$comment one clock cycle = " + std::to_string(1e12 / chip_.clock_hz) + " ps $end\n";
  out += "$scope module wafer $end\n";
  std::string scope;
  for (const auto& s : signals_) {
    if (s.scope != scope) {
      if (!scope.empty()) out += "$upscope $end\n";
      out += "$scope module " + s.scope + " $end\n";
      scope = s.scope;
    }
    out += "$var wire " + std::to_string(s.width) + " " + s.id + " " + s.name + " $end\n";
  }
  if (!scope.empty()) out += "$upscope $end\n";
  out += "$upscope $end\n$enddefinitions $end\n";

  std::vector<Change> sorted = changes_;
  std::sort(sorted.begin(), sorted.end(), [](const Change& a, const Change& b) {
    return a.t != b.t ? a.t < b.t : a.seq < b.seq;
  });
  std::vector<std::uint32_t> value(signals_.size(), 0);
  out += "#0\n$dumpvars\n";
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    out += signals_[i].width == 1 ? "0" + signals_[i].id + "\n" : "b0 " + signals_[i].id + "\n";
  }
  out += "$end\n";
  for (std::size_t i = 0; i < sorted.size();) {
    const std::int64_t t = sorted[i].t;
    // Last value per signal in this cycle wins; only real changes are written.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> last;
    for (; i < sorted.size() && sorted[i].t == t; ++i) {
      auto it = std::find_if(last.begin(), last.end(),
                             [&](const auto& p) { return p.first == sorted[i].signal; });
      if (it == last.end()) {
        last.emplace_back(sorted[i].signal, sorted[i].value);
      } else {
        it->second = sorted[i].value;
      }
    }
    std::string block;
    for (const auto& [sig, v] : last) {
      if (value[sig] == v) continue;
      value[sig] = v;
      const Signal& s = signals_[sig];
      block += s.width == 1 ? std::to_string(v) + s.id + "\n"
                            : "b" + binary(v, s.width) + " " + s.id + "\n";
    }
    if (!block.empty())
      out += "#" + std::to_string(std::llround(static_cast<double>(t) * 1e12 / chip_.clock_hz)) +
             "\n" + block;
  }
  return out;
}

}  // namespace wse
