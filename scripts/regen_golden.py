#!/usr/bin/python3
"""Regenerates the golden values of regression scenarios, deliberately: runs each scenario,
replaces the value of every `equal:` check on a line marked `# golden` with what the run
measured, and shows the diff. Nothing is written without --write.

usage: scripts/regen_golden.py [PATH...] [--write] [--exe build/app/wafersim]
       (default PATH: scenarios/regression)
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = re.compile(r"^(?P<head>\s*-\s*\{metric:\s*(?P<metric>\w+),\s*equal:\s*)(?P<value>[^,}]+)(?P<tail>.*#\s*golden.*)$")


def scenario_files(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, _, files in os.walk(p):
                out += [os.path.join(d, f) for f in files if f.endswith((".yaml", ".yml"))]
        else:
            out.append(p)
    return sorted(out)


def value_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)  # shortest text that reads back as the same double
    return json.dumps(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", default=[os.path.join(ROOT, "scenarios/regression")])
    ap.add_argument("--write", action="store_true", help="write the new values into the files")
    ap.add_argument("--exe", default=os.path.join(ROOT, "build/app/wafersim"))
    args = ap.parse_args()
    changed, failed = 0, 0
    for path in scenario_files(args.paths):
        text = open(path).read()
        if "# golden" not in text:
            continue
        with tempfile.TemporaryDirectory() as out:
            proc = subprocess.run([args.exe, "run", path, "--out", out], capture_output=True, text=True)
            if proc.returncode != 0:
                failed += 1
                print("%s: run failed, left alone: %s" % (path, proc.stderr.strip().splitlines()[-1:]), file=sys.stderr)
                continue
            metrics = json.load(open(os.path.join(out, "summary.json")))["metrics"]
        lines = text.splitlines(keepends=True)
        new = []
        for line in lines:
            m = GOLDEN.match(line.rstrip("\n"))
            if m and m.group("metric") in metrics:
                line = m.group("head") + value_text(metrics[m.group("metric")]) + m.group("tail") + "\n"
            elif m:
                print("%s: no metric %s in the run" % (path, m.group("metric")), file=sys.stderr)
                failed += 1
            new.append(line)
        if new != lines:
            changed += 1
            sys.stdout.writelines(difflib.unified_diff(lines, new, path, path + " (regenerated)"))
            if args.write:
                with open(path + ".tmp", "w") as f:
                    f.writelines(new)
                os.replace(path + ".tmp", path)
    print("%d file(s) %s, %d problem(s)" % (changed, "rewritten" if args.write else "would change (use --write)", failed),
          file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
