#include "hw/config/raw_config.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

namespace wse {

void RawSection::set(const std::string& key, RawValue v) {
  for (auto& e : entries_) {
    if (e.key == key) {
      e.value = std::move(v);
      return;
    }
  }
  entries_.push_back({key, std::move(v)});
}

const RawValue* RawSection::find(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.key == key) return &e.value;
  return nullptr;
}

void RawSection::merge(const RawSection& over) {
  for (const auto& e : over.entries_) set(e.key, e.value);
}

YamlDoc load_yaml_text(const std::string& text, const std::string& name) {
  YamlDoc doc{name, {}};
  try {
    doc.root = YAML::Load(text);
  } catch (const YAML::Exception& ex) {
    Location loc{name, ex.mark.line + 1, ex.mark.column + 1, {}};
    throw ConfigError(loc, "", "malformed YAML: " + ex.msg, "",
                      "Fix the YAML syntax at this position");
  }
  if (doc.root.IsNull()) doc.root = YAML::Node(YAML::NodeType::Map);
  if (!doc.root.IsMap()) {
    throw ConfigError(location_of(doc, doc.root), "",
                      "the document must be a mapping of keys to values");
  }
  return doc;
}

YamlDoc load_yaml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw ConfigError(Location{path, 0, 0, {}}, "",
                      "cannot open file (does it exist and is it readable?)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_yaml_text(ss.str(), path);
}

Location location_of(const YamlDoc& doc, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return Location{doc.file, 0, 0, {}};
  return Location{doc.file, m.line + 1, m.column + 1, {}};
}

std::string scalar_text(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    throw ConfigError(
        location_of(doc, node), key,
        node.IsNull() ? "has no value" : "expected a single value, not a list or mapping");
  }
  return node.Scalar();
}

namespace {

bool is_annotated_value(const YAML::Node& n) {
  if (!n.IsMap() || !n["value"]) return false;
  for (const auto& kv : n) {
    const std::string k = kv.first.Scalar();
    if (k != "value" && k != "source" && k != "note") return false;
  }
  return true;
}

RawValue leaf(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
  RawValue r;
  r.loc = location_of(doc, node);
  if (node.IsSequence()) {
    r.is_list = true;
    for (const auto& item : node) {
      r.items.push_back(scalar_text(doc, item, key + "[]"));
      r.item_locs.push_back(location_of(doc, item));
    }
    return r;
  }
  r.scalar = scalar_text(doc, node, key);
  return r;
}

}  // namespace

void flatten_yaml(const YamlDoc& doc, const YAML::Node& map, const std::string& shown_prefix,
                  RawSection& out) {
  std::function<void(const YAML::Node&, const std::string&)> walk = [&](const YAML::Node& m,
                                                                        const std::string& prefix) {
    for (const auto& kv : m) {
      const std::string key = prefix + kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (is_annotated_value(v)) {
        RawValue r = leaf(doc, v["value"], shown_prefix + key);
        if (v["source"]) r.source = scalar_text(doc, v["source"], shown_prefix + key + ".source");
        r.loc = location_of(doc, kv.first);
        out.set(key, std::move(r));
      } else if (v.IsMap()) {
        walk(v, key + ".");
      } else {
        RawValue r = leaf(doc, v, shown_prefix + key);
        if (!r.is_list) r.loc = location_of(doc, v);
        out.set(key, std::move(r));
      }
    }
  };
  walk(map, "");
}

void throw_unknown_key(const std::string& key, const Location& loc,
                       const std::vector<std::string>& known, const std::string& shown_prefix) {
  // Suggest among keys of the same group first ("noc.colurs" -> "noc.colours"), else all keys.
  const auto dot = key.rfind('.');
  const std::string group = dot == std::string::npos ? "" : key.substr(0, dot + 1);
  std::vector<std::string> siblings;
  for (const auto& k : known)
    if (k.compare(0, group.size(), group) == 0) siblings.push_back(k);
  std::string near = closest_match(key, siblings.empty() ? known : siblings);
  if (near.empty()) near = closest_match(key, known);
  std::vector<std::string> shown = siblings.empty() ? known : siblings;
  for (auto& s : shown) s = shown_prefix + s;
  throw ConfigError(loc, shown_prefix + key, "unknown key", join(shown),
                    near.empty() ? "Remove it or check the spelling"
                                 : "Did you mean '" + shown_prefix + near + "'?");
}

}  // namespace wse
