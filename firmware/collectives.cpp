#include "firmware/collectives.h"

#include "noc/route_builder.h"

namespace wse {
namespace {

struct CollectiveParams {
  int elements = 0;  // f16 elements per PE
};

const ParamTable<CollectiveParams>& collective_table() {
  static const ParamTable<CollectiveParams> t = [] {
    ParamTable<CollectiveParams> t;
    t.integer(
        "elements", UnitKind::None, "64", 1, 1 << 20, "f16 elements in each PE's vector",
        [](CollectiveParams & p) -> auto& { return p.elements; });
    return t;
  }();
  return t;
}

// Input value of element i at PE (x, y): small integers, exact in fp16 and in their sums.
float input(int x, int y, int i) {
  return static_cast<float>((x + 1) + (y % 4) + (i % 8));
}

constexpr int kStart = 10, kDone = 11;

class RowBroadcast : public Program {
 public:
  explicit RowBroadcast(CollectiveParams p) : p_(p) {}
  nlohmann::ordered_json config_json() const override { return collective_table().to_json(p_); }
  void layout(const Rect& r, RouteTables& routes) const override {
    for (int y = r.y; y < r.y + r.height; ++y)
      routes.install(route_row_broadcast(y, r.x, r.x + r.width - 1, r.x, Color(0)));
  }
  void setup(PeSetup& s, Coord at, const Rect& r) const override {
    s.buffer("v", DType::F16, p_.elements);
    if (at.x == r.x) {
      s.bind_local(kStart, [](PeContext& c) { c.send(Color(0), c.view("v")); });
    } else {
      s.bind_local(kStart, [](PeContext& c) { c.recv(Color(0), c.view("v")); });
    }
    s.activate(kStart);
  }
  void fill(PeArray& pes, const Rect& r) const override {
    for (int y = r.y; y < r.y + r.height; ++y) {
      PeEngine& pe = *pes.at({r.x, y});
      const Buffer& b = PeContext(pe).buffer("v");
      for (int i = 0; i < p_.elements; ++i)
        pe.sram().write(b, static_cast<std::uint32_t>(i), input(r.x, y, i));
    }
  }
  std::string check(PeArray& pes, const Rect& r) const override {
    for (int y = r.y; y < r.y + r.height; ++y)
      for (int x = r.x; x < r.x + r.width; ++x) {
        PeEngine& pe = *pes.at({x, y});
        const Buffer& b = PeContext(pe).buffer("v");
        for (int i = 0; i < p_.elements; ++i) {
          const float got = pe.sram().read(b, static_cast<std::uint32_t>(i)),
                      want = input(r.x, y, i);
          if (got != want)
            return "PE " + to_string({x, y}) + " element " + std::to_string(i) + ": " +
                   std::to_string(got) + " != " + std::to_string(want);
        }
      }
    return "";
  }

 private:
  CollectiveParams p_;
};

class ColumnReduce : public Program {
 public:
  explicit ColumnReduce(CollectiveParams p) : p_(p) {}
  nlohmann::ordered_json config_json() const override { return collective_table().to_json(p_); }
  void layout(const Rect& r, RouteTables& routes) const override {
    for (int x = r.x; x < r.x + r.width; ++x)
      routes.install(
          route_reduce_chain(column_cells(x, r.y, r.y + r.height - 1), Color(1), Color(2)));
  }
  void setup(PeSetup& s, Coord at, const Rect& r) const override {
    s.buffer("v", DType::F16, p_.elements);
    const int k = at.y - r.y, last = r.height - 1;
    // Cell k sends on colour 1 when k is even, 2 when odd; it receives on the other one.
    const Color out(static_cast<std::uint8_t>(k % 2 == 0 ? 1 : 2)),
        in(static_cast<std::uint8_t>(k % 2 == 0 ? 2 : 1));
    s.bind_local(kStart, [=](PeContext& c) {
      if (last == 0) return;
      if (k == 0)
        c.send(out, c.view("v"));
      else if (k < last)
        c.recv_add_send(in, out, c.view("v"));
      else
        c.recv_add(in, c.view("v"));
    });
    s.activate(kStart);
  }
  void fill(PeArray& pes, const Rect& r) const override {
    for (int y = r.y; y < r.y + r.height; ++y)
      for (int x = r.x; x < r.x + r.width; ++x) {
        PeEngine& pe = *pes.at({x, y});
        const Buffer& b = PeContext(pe).buffer("v");
        for (int i = 0; i < p_.elements; ++i)
          pe.sram().write(b, static_cast<std::uint32_t>(i), input(x, y, i));
      }
  }
  std::string check(PeArray& pes, const Rect& r) const override {
    const int root = r.y + r.height - 1;
    for (int x = r.x; x < r.x + r.width; ++x) {
      PeEngine& pe = *pes.at({x, root});
      const Buffer& b = PeContext(pe).buffer("v");
      for (int i = 0; i < p_.elements; ++i) {
        // The chain adds in order y = 0, 1, ...; every partial sum is a small integer, exact in
        // fp16.
        float want = 0;
        for (int y = r.y; y <= root; ++y) want += input(x, y, i);
        const float got = pe.sram().read(b, static_cast<std::uint32_t>(i));
        if (got != want)
          return "PE " + to_string({x, root}) + " element " + std::to_string(i) + ": " +
                 std::to_string(got) + " != " + std::to_string(want);
      }
    }
    return "";
  }

 private:
  CollectiveParams p_;
};

template <class P>
std::unique_ptr<Program> make(const RawSection& raw) {
  return std::make_unique<P>(resolve_section(collective_table(), raw, "workload."));
}

}  // namespace

void register_collective_programs(ProgramRegistry& registry) {
  const std::vector<ParamInfo> params = param_infos(collective_table());
  registry.add({"row_broadcast",
                "the west column broadcasts its f16 vector along each row (fork routes, 1 colour)",
                params, make<RowBroadcast>});
  registry.add({"column_reduce",
                "each column sums its f16 vectors into the bottom PE by a streaming reduce chain "
                "(2 colours)",
                params, make<ColumnReduce>});
}

}  // namespace wse
