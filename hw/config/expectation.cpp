#include "hw/config/expectation.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "hw/config/raw_config.h"

namespace wse {
namespace {

const std::vector<std::string> kKeys = {"metric", "invariant", "equal",  "min",
                                        "max",    "rel_tol",   "against"};

std::string number_text(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}

std::string value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number()) return number_text(v.get<double>());
  return v.dump();
}

double number(const YamlDoc& doc, const YAML::Node& n, const std::string& key) {
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    throw ConfigError(location_of(doc, n), "expect." + key, "'" + n.Scalar() + "' is not a number");
  }
}

}  // namespace

const std::vector<std::string>& invariant_names() {
  static const std::vector<std::string> n{"completed", "functional", "budgets", "delivered"};
  return n;
}

std::string Expectation::describe() const {
  if (!invariant.empty()) return "invariant " + invariant;
  std::string s = metric;
  if (equal_text) s += " == \"" + *equal_text + "\"";
  if (equal) s += " == " + number_text(*equal);
  if (!against.empty()) s += " == (" + against + ")";
  if (min) s += " >= " + number_text(*min);
  if (max) s += " <= " + number_text(*max);
  if (rel_tol > 0) s += " (rel " + number_text(rel_tol) + ")";
  return s;
}

std::vector<Expectation> parse_expectations(const YamlDoc& doc, const YAML::Node& list) {
  if (!list.IsSequence())
    throw ConfigError(location_of(doc, list), "expect", "expected a list of checks", "",
                      "Write 'expect: [{metric: NAME, equal: VALUE}, {invariant: completed}]'");
  std::vector<Expectation> out;
  for (const YAML::Node& item : list) {
    const Location loc = location_of(doc, item);
    if (!item.IsMap())
      throw ConfigError(loc, "expect", "each check is a mapping such as {metric: NAME, max: V}");
    Expectation e;
    e.loc = loc;
    for (const auto& kv : item) {
      const std::string k = kv.first.Scalar();
      if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end())
        throw ConfigError(location_of(doc, kv.first), "expect." + k, "unknown key",
                          "metric, invariant, equal, min, max, rel_tol, against");
    }
    if (item["metric"]) e.metric = item["metric"].Scalar();
    if (item["invariant"]) e.invariant = item["invariant"].Scalar();
    if (e.metric.empty() == e.invariant.empty())
      throw ConfigError(loc, "expect", "each check names exactly one 'metric' or 'invariant'");
    if (!e.invariant.empty()) {
      const auto& names = invariant_names();
      if (std::find(names.begin(), names.end(), e.invariant) == names.end())
        throw ConfigError(location_of(doc, item["invariant"]), "expect.invariant",
                          "unknown invariant '" + e.invariant + "'",
                          "completed, functional, budgets, delivered");
      if (item.size() > 1) throw ConfigError(loc, "expect", "an invariant takes no other keys");
      out.push_back(e);
      continue;
    }
    if (item["equal"]) {
      const YAML::Node v = item["equal"];
      double d;
      if (YAML::convert<double>::decode(v, d) && v.Tag() != "!")
        e.equal = d;
      else
        e.equal_text = v.Scalar();
    }
    if (item["min"]) e.min = number(doc, item["min"], "min");
    if (item["max"]) e.max = number(doc, item["max"], "max");
    if (item["rel_tol"]) {
      e.rel_tol = number(doc, item["rel_tol"], "rel_tol");
      if (e.rel_tol < 0 || e.rel_tol >= 1)
        throw ConfigError(location_of(doc, item["rel_tol"]), "expect.rel_tol", "must be in [0, 1)");
    }
    if (item["against"]) e.against = item["against"].Scalar();
    if (!e.equal && !e.equal_text && !e.min && !e.max && e.against.empty())
      throw ConfigError(loc, "expect", "metric check '" + e.metric + "' has nothing to compare",
                        "equal, min, max or against");
    if ((e.equal || e.equal_text) && !e.against.empty())
      throw ConfigError(loc, "expect", "use either 'equal' or 'against', not both");
    out.push_back(e);
  }
  return out;
}

CheckResult evaluate(const Expectation& e, const RunOutcome& run, const RunOutcome* other) {
  CheckResult r;
  const bool finished = run.exit_code == 0 && run.summary.is_object();
  const nlohmann::json metrics =
      finished && run.summary.contains("metrics") ? run.summary["metrics"] : nlohmann::json();
  if (!e.invariant.empty()) {
    if (e.invariant == "budgets") {
      // Violations are refused before simulation (exit 2); a finished run also reports usage.
      r.pass = run.exit_code != 2;
      r.measured = run.exit_code == 2 ? "refused" : "within";
      if (finished && metrics.contains("sram_bytes_per_pe_max") &&
          metrics["sram_bytes_per_pe_max"].get<double>() > run.sram_budget) {
        r.pass = false;
        r.measured = value_text(metrics["sram_bytes_per_pe_max"]) + " B SRAM per PE";
      }
      if (finished && metrics.contains("colours_per_pe_max") &&
          metrics["colours_per_pe_max"].get<int>() > run.colour_budget) {
        r.pass = false;
        r.measured = value_text(metrics["colours_per_pe_max"]) + " colours per PE";
      }
      if (!r.pass) r.message = run.error.empty() ? "over budget: " + r.measured : run.error;
      return r;
    }
    if (!finished) {
      r.measured = "exit " + std::to_string(run.exit_code);
      r.message = run.error.empty() ? "the run did not finish" : run.error;
      return r;
    }
    if (e.invariant == "completed") {
      r.pass = true;
      r.measured = "finished";
    } else if (e.invariant == "functional") {
      const std::string v = metrics.contains("functional_check")
                                ? value_text(metrics["functional_check"])
                                : "not reported";
      r.pass = v == "pass";
      r.measured = v;
      if (!r.pass) r.message = "functional_check is '" + v + "' (run with run.data: functional)";
    } else {  // delivered: the drained check passed; traffic also counts packets
      r.pass = true;
      r.measured = "drained";
      if (metrics.contains("packets_created") && metrics.contains("packets_delivered")) {
        r.measured = value_text(metrics["packets_delivered"]) + " of " +
                     value_text(metrics["packets_created"]);
        r.pass = metrics["packets_created"] == metrics["packets_delivered"];
        if (!r.pass) r.message = "packets left undelivered: " + r.measured;
      }
    }
    return r;
  }
  if (!finished) {
    r.measured = "exit " + std::to_string(run.exit_code);
    r.message = run.error.empty() ? "the run did not finish" : run.error;
    return r;
  }
  if (!metrics.contains(e.metric)) {
    r.measured = "missing";
    r.message = "the run reports no metric '" + e.metric + "'";
    return r;
  }
  const nlohmann::json& v = metrics[e.metric];
  r.measured = value_text(v);
  if (e.equal_text) {
    r.pass = v.is_string() && v.get<std::string>() == *e.equal_text;
    if (!r.pass) r.message = "expected \"" + *e.equal_text + "\"";
    return r;
  }
  if (!v.is_number()) {
    r.message = "metric '" + e.metric + "' is not a number";
    return r;
  }
  const double x = v.get<double>();
  r.pass = true;
  auto close = [&](double want) {
    return e.rel_tol > 0 ? std::fabs(x - want) <= e.rel_tol * std::fabs(want) : x == want;
  };
  if (e.equal && !close(*e.equal)) {
    r.pass = false;
    r.message = "expected " + number_text(*e.equal) +
                (e.rel_tol > 0 ? " within " + number_text(e.rel_tol * 100) + " %" : "");
  }
  if (!e.against.empty()) {
    if (!other || other->exit_code != 0 || !other->summary.is_object() ||
        !other->summary["metrics"].contains(e.metric) ||
        !other->summary["metrics"][e.metric].is_number()) {
      r.pass = false;
      r.message = "the run of " + e.against + " has no number for '" + e.metric + "'" +
                  (other && !other->error.empty() ? ": " + other->error : "");
    } else {
      const double want = other->summary["metrics"][e.metric].get<double>();
      if (!close(want)) {
        r.pass = false;
        r.message = "expected " + number_text(want) + " (from " + e.against + ")" +
                    (e.rel_tol > 0 ? " within " + number_text(e.rel_tol * 100) + " %" : "");
      }
    }
  }
  if (e.min && x < *e.min) {
    r.pass = false;
    r.message = "below the minimum " + number_text(*e.min);
  }
  if (e.max && x > *e.max) {
    r.pass = false;
    r.message = "above the maximum " + number_text(*e.max);
  }
  return r;
}

}  // namespace wse
