// Raw configuration: YAML files flattened into ordered "dotted.key -> value" sections that keep
// the file, line and column of every value, so later checks can point at the exact spot.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "hw/params/param_table.h"

namespace wse {

class RawSection {
 public:
  struct Entry {
    std::string key;
    RawValue value;
  };
  // Sets or overrides a key; an override keeps the key's original position (stable output order).
  void set(const std::string& key, RawValue v);
  const RawValue* find(const std::string& key) const;
  void merge(const RawSection& over);
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

struct YamlDoc {
  std::string file;  // path as given by the user (used in messages)
  YAML::Node root;
};

// Loads a YAML file; a missing file or malformed YAML is a ConfigError with the position.
YamlDoc load_yaml_file(const std::string& path);
YamlDoc load_yaml_text(const std::string& text, const std::string& name);

Location location_of(const YamlDoc& doc, const YAML::Node& node);

// Flattens a YAML mapping into `out`. Nested maps become dotted keys; sequences are list values;
// a map of the form {value: X, source: "..."} is the value X annotated with its source.
// `shown_prefix` is prepended to keys in error messages (e.g. "chip.").
void flatten_yaml(const YamlDoc& doc, const YAML::Node& map, const std::string& shown_prefix,
                  RawSection& out);

// The scalar text of a node, or a ConfigError naming `key` when it is not a scalar.
std::string scalar_text(const YamlDoc& doc, const YAML::Node& node, const std::string& key);

// Assigns every entry of `raw` to `target` through `table`; an unknown key is an error with the
// nearest declared key suggested. Returns the source annotation per key (for the config echo).
template <class T>
void assign_section(const ParamTable<T>& table, const RawSection& raw,
                    const std::string& shown_prefix, T& target);

// A parameter struct from its declarations: defaults, then the raw values over them.
template <class T>
T resolve_section(const ParamTable<T>& table, const RawSection& raw,
                  const std::string& shown_prefix) {
  T t{};
  table.apply_defaults(t, shown_prefix);
  assign_section(table, raw, shown_prefix, t);
  return t;
}

[[noreturn]] void throw_unknown_key(const std::string& key, const Location& loc,
                                    const std::vector<std::string>& known,
                                    const std::string& shown_prefix);

template <class T>
void assign_section(const ParamTable<T>& table, const RawSection& raw,
                    const std::string& shown_prefix, T& target) {
  for (const auto& e : raw.entries()) {
    const auto* entry = table.find(e.key);
    if (!entry) throw_unknown_key(e.key, e.value.loc, table.keys(), shown_prefix);
    entry->set(target, parse_param(entry->info, e.value, shown_prefix + e.key));
  }
}

}  // namespace wse
