#!/usr/bin/python3
"""Parameter sweeps: one wafersim run per point of a grid of --set values, on this machine (in
parallel) or as a Slurm job array (one array task per point), merged into one CSV with one row
per point. A failed point is reported in its row and does not lose the others.

usage:
  scripts/sweep.py SCENARIO --grid KEY=V1,V2,... [--grid KEY=...]... [--set KEY=VALUE]...
                   [--out DIR] [-j N]                   # run every point here, then merge
  scripts/sweep.py SCENARIO --grid ... --out DIR --slurm [--sbatch-option=--time=01:00:00 ...]
                                                        # write DIR/sweep.sbatch (submit it)
  scripts/sweep.py --point K --out DIR                  # one point (what an array task runs;
                                                        # K defaults to $SLURM_ARRAY_TASK_ID)
  scripts/sweep.py --merge DIR                          # merge what the points left

DIR/points.json holds the plan; each point writes DIR/points/NNNNN/ (summary.json or error.txt).
"""
import argparse
import csv
import itertools
import json
import os
import shlex
import subprocess
import sys
import concurrent.futures

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_grid(items):
    axes = []
    for item in items:
        if "=" not in item:
            sys.exit("sweep: --grid needs KEY=V1,V2,... (got %r)" % item)
        key, values = item.split("=", 1)
        vals = [v for v in values.split(",") if v != ""]
        if not vals:
            sys.exit("sweep: --grid %s has no values" % key)
        axes.append((key, vals))
    return axes


def plan(args):
    axes = parse_grid(args.grid)
    points = []
    for combo in itertools.product(*[vals for _, vals in axes]):
        points.append({"sets": dict(zip([k for k, _ in axes], combo))})
    return {
        "scenario": os.path.abspath(args.scenario),
        "exe": os.path.abspath(args.exe),
        "fixed_sets": args.set,
        "axes": [k for k, _ in axes],
        "points": points,
    }


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def point_dir(out, k):
    return os.path.join(out, "points", "%05d" % k)


def run_point(out, manifest, k):
    """Runs point k; returns (k, ok, message)."""
    p = manifest["points"][k]
    d = point_dir(out, k)
    os.makedirs(d, exist_ok=True)
    for stale in ("summary.json", "error.txt"):
        if os.path.exists(os.path.join(d, stale)):
            os.remove(os.path.join(d, stale))
    cmd = [manifest["exe"], "run", manifest["scenario"], "--out", os.path.join(d, "run")]
    for s in manifest["fixed_sets"]:
        cmd += ["--set", s]
    for key, value in p["sets"].items():
        cmd += ["--set", "%s=%s" % (key, value)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    summary = os.path.join(d, "run", "summary.json")
    if proc.returncode == 0 and os.path.exists(summary):
        os.replace(summary, os.path.join(d, "summary.json"))
        return k, True, ""
    lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
    msg = "exit %d: %s" % (proc.returncode, lines[-1] if lines else "no message")
    write_atomic(os.path.join(d, "error.txt"), msg + "\n")
    return k, False, msg


def merge(out):
    manifest = json.load(open(os.path.join(out, "points.json")))
    rows, metric_keys = [], []
    for k, p in enumerate(manifest["points"]):
        d = point_dir(out, k)
        row = {"point": k}
        row.update(p["sets"])
        if os.path.exists(os.path.join(d, "summary.json")):
            metrics = json.load(open(os.path.join(d, "summary.json")))["metrics"]
            row["status"] = "ok"
            for key, v in metrics.items():
                if isinstance(v, (dict, list)):
                    continue
                if key not in metric_keys:
                    metric_keys.append(key)
                row[key] = v
        elif os.path.exists(os.path.join(d, "error.txt")):
            row["status"] = "failed"
            row["error"] = open(os.path.join(d, "error.txt")).read().strip()
        else:
            row["status"] = "missing"  # not run (yet), e.g. an array task that did not start
        rows.append(row)
    columns = ["point"] + manifest["axes"] + ["status", "error"] + metric_keys
    path = os.path.join(out, "results.csv")
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    os.replace(path + ".tmp", path)
    bad = [r for r in rows if r["status"] != "ok"]
    print("sweep: %d points, %d ok, %d failed or missing -> %s"
          % (len(rows), len(rows) - len(bad), len(bad), path))
    for r in bad:
        print("  point %d (%s): %s %s" % (r["point"], ", ".join("%s=%s" % (a, r[a]) for a in manifest["axes"]),
                                        r["status"], r.get("error", "")), file=sys.stderr)
    return 1 if bad else 0


def slurm_script(out, manifest, options):
    n = len(manifest["points"])
    lines = ["#!/bin/bash", "#SBATCH --job-name=wafersim-sweep", "#SBATCH --array=0-%d" % (n - 1),
             "#SBATCH --output=%s" % os.path.join(out, "points", "slurm-%a.out"),
             "#SBATCH --cpus-per-task=1"]
    lines += ["#SBATCH %s" % o for o in options]
    lines += ["set -euo pipefail",
              "# One point per array task; afterwards: %s --merge %s"
              % (shlex.quote(os.path.abspath(__file__)), shlex.quote(out)),
              "exec /usr/bin/python3 %s --point \"$SLURM_ARRAY_TASK_ID\" --out %s"
              % (shlex.quote(os.path.abspath(__file__)), shlex.quote(out)), ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("--grid", action="append", default=[], help="KEY=V1,V2,... (repeatable: cartesian product)")
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE for every point")
    ap.add_argument("--out", default=None)
    ap.add_argument("--exe", default=os.path.join(ROOT, "build/app/wafersim"))
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--slurm", action="store_true", help="write DIR/sweep.sbatch instead of running")
    ap.add_argument("--sbatch-option", action="append", default=[], help="extra #SBATCH line, e.g. --time=01:00:00")
    ap.add_argument("--point", type=int, default=None, help="run one point (default $SLURM_ARRAY_TASK_ID)")
    ap.add_argument("--merge", metavar="DIR", help="merge the points of DIR into DIR/results.csv")
    args = ap.parse_args()

    if args.merge:
        return merge(args.merge)
    if args.point is not None or (args.scenario is None and os.environ.get("SLURM_ARRAY_TASK_ID")):
        if not args.out:
            sys.exit("sweep: --point needs --out DIR")
        k = args.point if args.point is not None else int(os.environ["SLURM_ARRAY_TASK_ID"])
        manifest = json.load(open(os.path.join(args.out, "points.json")))
        if not 0 <= k < len(manifest["points"]):
            sys.exit("sweep: point %d outside 0..%d" % (k, len(manifest["points"]) - 1))
        _, ok, msg = run_point(args.out, manifest, k)
        print("point %d: %s" % (k, "ok" if ok else msg))
        return 0 if ok else 1
    if not args.scenario or not args.grid:
        ap.error("give a SCENARIO and at least one --grid (or --point / --merge)")
    if not os.path.exists(args.scenario):
        sys.exit("sweep: no scenario file %s" % args.scenario)
    out = args.out or os.path.join(ROOT, "out", "sweep_" + os.path.splitext(os.path.basename(args.scenario))[0])
    os.makedirs(os.path.join(out, "points"), exist_ok=True)
    manifest = plan(args)
    write_atomic(os.path.join(out, "points.json"), json.dumps(manifest, indent=1) + "\n")
    n = len(manifest["points"])
    if args.slurm:
        path = os.path.join(out, "sweep.sbatch")
        write_atomic(path, slurm_script(out, manifest, args.sbatch_option))
        print("sweep: %d points planned; submit with: sbatch %s; then merge with: %s --merge %s"
              % (n, path, sys.argv[0], out))
        return 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        for k, ok, msg in pool.map(lambda k: run_point(out, manifest, k), range(n)):
            print("point %d/%d %s %s" % (k + 1, n, manifest["points"][k]["sets"], "ok" if ok else "FAILED: " + msg),
                  flush=True)
    return merge(out)


if __name__ == "__main__":
    sys.exit(main())
