#include "app/cli.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include <sys/resource.h>
#include <boost/program_options.hpp>

#include "app/help.h"
#include "app/registry.h"
#include "app/validate.h"
#include "hw/core/output.h"

namespace wse::app {
namespace po = boost::program_options;

namespace {

const char* kUsage =
    "usage: wafersim run SCENARIO [--set KEY=VALUE]... [--out DIR]\n"
    "       wafersim check SCENARIO [--set KEY=VALUE]...\n"
    "       wafersim validate PATH... [-j N] [--junit FILE]\n"
    "       wafersim list\n"
    "       wafersim --help-config | --help | --version\n";

struct CommandArgs {
  std::string scenario;
  std::vector<std::string> sets;
  std::string out_dir;
};

CommandArgs parse_command(const std::string& cmd, const std::vector<std::string>& args,
                          bool allow_out) {
  po::options_description opts(cmd + " options");
  opts.add_options()("set", po::value<std::vector<std::string>>()->composing(),
                     "override KEY=VALUE (repeatable)");
  if (allow_out)
    opts.add_options()("out", po::value<std::string>(),
                       "output directory (default out/<scenario name>)");
  opts.add_options()("scenario", po::value<std::string>(), "scenario YAML file");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  CommandArgs a;
  if (!vm.count("scenario")) throw po::error("missing SCENARIO file");
  a.scenario = vm["scenario"].as<std::string>();
  if (vm.count("set")) a.sets = vm["set"].as<std::vector<std::string>>();
  if (allow_out && vm.count("out")) a.out_dir = vm["out"].as<std::string>();
  return a;
}

Scenario load(const CommandArgs& a) {
  std::vector<SetOverride> sets;
  for (const auto& s : a.sets) sets.push_back(parse_set_override(s));
  return load_scenario(a.scenario, sets);
}

nlohmann::ordered_json config_json(const Scenario& s, const Workload& w) {
  nlohmann::ordered_json c;
  c["chip"] = s.chip.to_json();
  nlohmann::ordered_json wl;
  wl["kind"] = s.workload_kind;
  const nlohmann::ordered_json params = w.config_json();
  for (auto it = params.begin(); it != params.end(); ++it) wl[it.key()] = it.value();
  c["workload"] = wl;
  c["run"] = run_param_table().to_json(s.run);
  return c;
}

double peak_rss_mib() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

void print_metrics(std::ostream& out, const nlohmann::ordered_json& metrics) {
  size_t width = 0;
  for (auto& [k, v] : metrics.items()) width = std::max(width, k.size());
  for (auto& [k, v] : metrics.items()) {
    if (v.is_object() || v.is_array()) continue;
    out << "  " << std::left << std::setw(static_cast<int>(width) + 2) << k;
    if (v.is_number_float()) {
      out << format_number(v.get<double>());
    } else {
      out << v.dump();
    }
    out << "\n";
  }
}

int cmd_check(const CommandArgs& a, std::ostream& out) {
  const Scenario s = load(a);
  auto w = workload_registry().create(s);
  out << s.file << ": ok (scenario '" << s.name << "', chip " << s.chip.params.name << " "
      << s.chip.params.mesh.width << "x" << s.chip.params.mesh.height << ", workload "
      << s.workload_kind << ")\n";
  return kExitOk;
}

int cmd_run(const CommandArgs& a, std::ostream& out, std::ostream& err) {
  const Scenario s = load(a);
  auto workload = workload_registry().create(s);
  const std::string dir = a.out_dir.empty() ? "out/" + s.name : a.out_dir;

  const auto t0 = std::chrono::steady_clock::now();
  RunResult result;
  try {
    result = workload->run();
  } catch (const SimulationError& e) {
    err << s.file << ": simulation failed: " << e.what() << "\n";
    return kExitSimulationFailed;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  nlohmann::ordered_json metrics = result.metrics;
  if (s.run.wall_clock_metrics) {
    metrics["wall_seconds"] = std::round(wall * 1e3) / 1e3;
    metrics["peak_rss_mib"] = std::round(peak_rss_mib() * 10) / 10;
  }
  nlohmann::ordered_json summary;
  summary["version"] = WSE_VERSION;
  summary["scenario"] = s.name;
  summary["seed"] = s.run.seed;
  summary["config"] = config_json(s, *workload);
  summary["metrics"] = metrics;

  write_file_atomic(dir + "/summary.json", json_text(summary));
  if (s.run.stats) {
    nlohmann::ordered_json stats;
    stats["version"] = WSE_VERSION;
    stats["scenario"] = s.name;
    stats["stats"] = result.stats;
    write_file_atomic(dir + "/stats.json", json_text(stats));
  }
  for (const auto& [name, content] : result.files) write_file_atomic(dir + "/" + name, content);

  out << "wafersim " << WSE_VERSION << ": " << s.name << " (" << s.workload_kind << " on "
      << s.chip.params.name << " " << s.chip.params.mesh.width << "x" << s.chip.params.mesh.height
      << ")\n";
  print_metrics(out, metrics);
  out << "outputs in " << dir << "/\n";
  return kExitOk;
}

}  // namespace

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    err << kUsage;
    return kExitBadInput;
  }
  const std::string cmd = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      out << kUsage;
      return kExitOk;
    }
    if (cmd == "--version") {
      out << "wafersim " << WSE_VERSION << "\n";
      return kExitOk;
    }
    if (cmd == "--help-config") {
      print_help_config(out);
      return kExitOk;
    }
    if (cmd == "list") {
      print_list(out);
      return kExitOk;
    }
    if (cmd == "check") return cmd_check(parse_command(cmd, rest, false), out);
    if (cmd == "run") return cmd_run(parse_command(cmd, rest, true), out, err);
    if (cmd == "validate") {
      po::options_description opts("validate options");
      opts.add_options()("jobs,j", po::value<int>()->default_value(1), "scenarios run at once")(
          "junit", po::value<std::string>(), "write JUnit XML here")(
          "path", po::value<std::vector<std::string>>(), "scenario files or folders");
      po::positional_options_description pos;
      pos.add("path", -1);
      po::variables_map vm;
      po::store(po::command_line_parser(rest).options(opts).positional(pos).run(), vm);
      po::notify(vm);
      ValidateOptions v;
      if (vm.count("path")) v.paths = vm["path"].as<std::vector<std::string>>();
      v.jobs = vm["jobs"].as<int>();
      if (v.jobs < 1) throw po::error("-j needs a positive number");
      if (vm.count("junit")) v.junit = vm["junit"].as<std::string>();
      return cmd_validate(v, out, err);
    }
    const std::string near =
        closest_match(cmd, {"run", "check", "validate", "list", "--help-config"});
    err << "wafersim: unknown command '" << cmd << "'"
        << (near.empty() ? "" : "; did you mean '" + near + "'?") << "\n"
        << kUsage;
    return kExitBadInput;
  } catch (const ConfigError& e) {
    err << e.what() << "\n";
    return kExitBadInput;
  } catch (const po::error& e) {
    err << "wafersim " << cmd << ": " << e.what() << "\n" << kUsage;
    return kExitBadInput;
  } catch (const std::exception& e) {
    err << "wafersim: error: " << e.what() << "\n";
    return kExitSimulationFailed;
  }
}

}  // namespace wse::app
