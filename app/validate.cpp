#include "app/validate.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "hw/config/scenario.h"
#include "hw/core/error.h"
#include "hw/core/output.h"

namespace fs = std::filesystem;

namespace wse::app {
namespace {

struct Suite {
  std::string file;       // as the user will read it
  bool requested = true;  // false: only run because another scenario compares against it
  std::optional<Scenario> scenario;
  std::string load_error;
  RunOutcome outcome;
  double wall = 0;
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string last_error_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find("error") != std::string::npos) last = line;
  return last;
}

std::string self_exe() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("wafersim") : p.string();
}

// Each scenario runs in its own process: a SystemC kernel elaborates once per process.
void run_one(Suite& s, const std::string& exe, const std::string& dir) {
  const std::string out = dir + "/out", log = dir + "/log.txt";
  const std::string cmd = shell_quote(exe) + " run " + shell_quote(s.file) + " --out " +
                          shell_quote(out) + " > " + shell_quote(log) + " 2>&1";
  const auto t0 = std::chrono::steady_clock::now();
  const int status = std::system(cmd.c_str());
  s.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s.outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  s.outcome.error = last_error_line(slurp(log));
  if (s.outcome.exit_code != 0 && s.outcome.error.empty())
    s.outcome.error = "wafersim run exited with " + std::to_string(s.outcome.exit_code);
  if (fs::exists(out + "/summary.json")) {
    try {
      s.outcome.summary = nlohmann::json::parse(slurp(out + "/summary.json"));
    } catch (const std::exception& e) {
      s.outcome.error = std::string("unreadable summary.json: ") + e.what();
    }
  }
}

std::vector<std::string> collect(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    if (fs::is_directory(p)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file() &&
            (e.path().extension() == ".yaml" || e.path().extension() == ".yml"))
          found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);  // a missing file fails to load and is reported as such
    }
  }
  return files;
}

std::string key_of(const std::string& path) {
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(path, ec);
  return ec ? path : c.string();
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

struct Row {
  std::string scenario, check, measured, message;
  bool pass = false;
};

}  // namespace

int cmd_validate(const ValidateOptions& opts, std::ostream& out, std::ostream& err) {
  if (opts.paths.empty()) {
    err << "wafersim validate: give scenario files or folders\n";
    return 2;
  }
  // The requested scenarios, then any they compare against.
  std::vector<Suite> suites;
  std::map<std::string, std::size_t> index;
  auto add = [&](const std::string& file, bool requested) {
    const std::string k = key_of(file);
    auto it = index.find(k);
    if (it != index.end()) {
      suites[it->second].requested |= requested;
      return;
    }
    index[k] = suites.size();
    Suite s;
    s.file = file;
    s.requested = requested;
    suites.push_back(std::move(s));
  };
  for (const auto& f : collect(opts.paths)) add(f, true);
  for (std::size_t i = 0; i < suites.size(); ++i) {
    try {
      suites[i].scenario = load_scenario(suites[i].file);
      for (const auto& e : suites[i].scenario->expect)
        if (!e.against.empty())
          add((fs::path(suites[i].file).parent_path() / e.against).string(), false);
    } catch (const std::exception& e) {
      suites[i].load_error = e.what();
    }
  }
  if (suites.empty()) {
    err << "wafersim validate: no scenario files (*.yaml) under the given paths\n";
    return 2;
  }

  // Run every loadable scenario, N at a time.
  char tmpl[] = "/tmp/wafersim_validate_XXXXXX";
  const char* tmp = mkdtemp(tmpl);
  if (!tmp) {
    err << "wafersim validate: cannot create a temporary folder\n";
    return 1;
  }
  const std::string exe = opts.exe.empty() ? self_exe() : opts.exe;
  std::atomic<std::size_t> next{0};
  std::mutex progress;
  auto worker = [&] {
    for (std::size_t i = next++; i < suites.size(); i = next++) {
      Suite& s = suites[i];
      if (!s.scenario) continue;
      const std::string dir = std::string(tmp) + "/" + std::to_string(i);
      fs::create_directories(dir);
      run_one(s, exe, dir);
      const auto& p = s.scenario->chip.params;
      s.outcome.sram_budget = static_cast<double>(p.pe.sram_bytes - p.pe.sram_reserved);
      s.outcome.colour_budget = p.noc.colours;
      std::lock_guard<std::mutex> lock(progress);
      err << "validate: ran " << s.file << " (exit " << s.outcome.exit_code << ", "
          << static_cast<int>(s.wall * 1000) / 1000.0 << " s)\n";
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, opts.jobs); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  std::error_code ec;
  fs::remove_all(tmp, ec);

  // Evaluate.
  std::vector<Row> rows;
  std::map<std::string, std::vector<std::size_t>> by_suite;
  for (const Suite& s : suites) {
    if (!s.requested) continue;
    if (!s.scenario) {
      rows.push_back({s.file, "loads", "error", s.load_error, false});
      by_suite[s.file].push_back(rows.size() - 1);
      continue;
    }
    if (s.scenario->expect.empty()) {  // no expectations: it must at least run
      const bool ok = s.outcome.exit_code == 0;
      rows.push_back({s.file, "invariant completed",
                      ok ? "finished" : "exit " + std::to_string(s.outcome.exit_code),
                      ok ? "" : s.outcome.error, ok});
      by_suite[s.file].push_back(rows.size() - 1);
      continue;
    }
    for (const Expectation& e : s.scenario->expect) {
      const RunOutcome* other = nullptr;
      if (!e.against.empty()) {
        const auto it = index.find(key_of((fs::path(s.file).parent_path() / e.against).string()));
        if (it != index.end()) {
          const Suite& o = suites[it->second];
          other = &o.outcome;
          if (!o.scenario) {
            rows.push_back({s.file, e.describe(), "-",
                            "cannot load " + e.against + ": " + o.load_error, false});
            by_suite[s.file].push_back(rows.size() - 1);
            continue;
          }
        }
      }
      const CheckResult r = evaluate(e, s.outcome, other);
      rows.push_back({s.file, e.describe(), r.measured, r.message, r.pass});
      by_suite[s.file].push_back(rows.size() - 1);
    }
  }

  // The table.
  std::size_t w_s = 8, w_c = 5, w_m = 8;
  for (const Row& r : rows) {
    w_s = std::max(w_s, r.scenario.size());
    w_c = std::max(w_c, r.check.size());
    w_m = std::max(w_m, std::min<std::size_t>(r.measured.size(), 40));
  }
  auto pad = [](std::string s, std::size_t w) {
    if (s.size() > w) s = s.substr(0, w - 3) + "...";
    return s + std::string(w - s.size() + 2, ' ');
  };
  out << pad("scenario", w_s) << pad("check", w_c) << pad("measured", w_m) << "result\n";
  int failures = 0;
  for (const Row& r : rows) {
    failures += r.pass ? 0 : 1;
    out << pad(r.scenario, w_s) << pad(r.check, w_c) << pad(r.measured, w_m)
        << (r.pass ? "pass" : "FAIL: " + r.message) << "\n";
  }
  out << rows.size() - static_cast<std::size_t>(failures) << " of " << rows.size()
      << " checks passed in " << by_suite.size() << " scenarios\n";

  if (!opts.junit.empty()) {
    std::ostringstream x;
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wafersim validate\" "
         "tests=\""
      << rows.size() << "\" failures=\"" << failures << "\">\n";
    for (const auto& [file, ids] : by_suite) {
      int f = 0;
      for (std::size_t i : ids) f += rows[i].pass ? 0 : 1;
      double wall = 0;
      for (const Suite& s : suites)
        if (s.file == file) wall = s.wall;
      x << "  <testsuite name=\"" << xml_escape(file) << "\" tests=\"" << ids.size()
        << "\" failures=\"" << f << "\" time=\"" << wall << "\">\n";
      for (std::size_t i : ids) {
        const Row& r = rows[i];
        x << "    <testcase classname=\"" << xml_escape(fs::path(file).stem().string())
          << "\" name=\"" << xml_escape(r.check) << "\">";
        if (!r.pass)
          x << "\n      <failure message=\"" << xml_escape(r.message)
            << "\">measured: " << xml_escape(r.measured) << "</failure>\n    ";
        x << "<system-out>measured: " << xml_escape(r.measured) << "</system-out></testcase>\n";
      }
      x << "  </testsuite>\n";
    }
    x << "</testsuites>\n";
    write_file_atomic(opts.junit, x.str());
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace wse::app
