#!/usr/bin/python3
"""Kernel latency versus grid size: MeshGEMM vs Cannon vs SUMMA (GEMM) and MeshGEMV vs pipeline
GEMV, plus the published MeshGEMV figures beside the simulated ones. Runs one wafersim process per
point (in parallel), then writes kernels.csv, kernels.md and two PNG plots.

A point that fails (a tile that does not fit the PE's SRAM, say) or runs past --timeout is listed
with its reason and does not stop the others.

GEMM points on grids above --sample-above run with `steps: sampled` (8 and 16 of the P steps
simulated, extrapolated to P; SUMMA's sampled steps take roots spread over the line; within 0.1 %
of every step in the tests). The `steps` column says which.

usage: scripts/kernel_report.sh [--grids 64,128,...] [--gemm-grids 64,128] [--out DIR] [-j N]
       [--timeout S] [--fidelity stream|wavelet] [--chip wse2] [--skip-published]
       [--sample-above P]
"""
import argparse
import concurrent.futures
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEMM_SIZES = [2048, 4096, 8192]
GEMV_SIZES = [4096, 8192, 16384]
GEMM_ALGORITHMS = ["meshgemm", "cannon", "summa"]
GEMV_ALGORITHMS = ["meshgemv", "pipeline"]
# reference/waferllm-algorithms.md, "Published figures": MeshGEMV [1,N]x[N,N] on WSE-2 (grid and
# g not stated in the paper).
PUBLISHED_GEMV = {16384: (0.0012, 1320), 32768: (0.00203, 2233)}
PUBLISHED_GRIDS = [512, 720]
COLUMNS = ["kernel", "size", "algorithm", "grid", "groups", "steps", "status", "kernel_cycles_max",
           "kernel_cycles_mean", "kernel_us_max", "compute_efficiency", "communication_share_mean",
           "colours_per_pe_max", "sram_bytes_per_pe_max", "wall_seconds", "peak_rss_mib"]


def sampled(args, kernel, algorithm, grid):
    return kernel == "gemm" and grid > args.sample_above


def scenario_text(chip, fidelity, kernel, algorithm, size, grid, steps="all"):
    dims = "m: %d, k: %d, n: %d, steps: %s" % (size, size, size, steps) if kernel == "gemm" else \
        "m: %d, n: %d" % (size, size)
    return ("chip: %s\nrun: {fidelity: %s, data: timing}\n"
            "workload: {kind: %s, algorithm: %s, grid: %d, %s}\n"
            % (chip, fidelity, kernel, algorithm, grid, dims))


def run_point(args, point):
    kernel, algorithm, size, grid = point
    name = "%s_%s_%d_p%d" % (kernel, algorithm, size, grid)
    out_dir = os.path.join(args.out, "runs", name)
    steps = "sampled" if sampled(args, kernel, algorithm, grid) else "all"
    row = {"kernel": kernel, "size": size, "algorithm": algorithm, "grid": grid,
           "steps": steps if kernel == "gemm" else ""}
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix=name + "_", delete=False) as f:
        f.write(scenario_text(args.chip, args.fidelity, kernel, algorithm, size, grid, steps))
        path = f.name
    start = time.time()
    try:
        proc = subprocess.run([args.exe, "run", path, "--out", out_dir], capture_output=True,
                              text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        row["status"] = "timeout after %d s" % args.timeout
        return row
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
        msg = lines[0] if lines else "exit %d" % proc.returncode
        sram = re.search(r"needs (\d+) B of SRAM .* but has (\d+) B", msg)
        # The scenario is a temporary file: keep the message, not its location.
        row["status"] = ("does not fit: %s B of SRAM per PE needed, %s B available" % sram.groups()
                         if sram else "error: " + re.sub(r"^\S+:\d+:\d+: error: ", "", msg))
        return row
    with open(os.path.join(out_dir, "summary.json")) as f:
        summary = json.load(f)
    m = summary["metrics"]
    row.update({k: m.get(k, "") for k in COLUMNS if k in m})
    row["groups"] = summary["config"]["workload"].get("groups", "")
    row["wall_seconds"] = m.get("wall_seconds", round(time.time() - start, 2))
    row["status"] = "ok"
    return row


def points(args):
    grids = [int(g) for g in args.grids.split(",") if g.strip()]
    gemm_grids = [int(g) for g in args.gemm_grids.split(",") if g.strip()]
    pts = [("gemv", a, s, p) for s in GEMV_SIZES for a in GEMV_ALGORITHMS for p in grids]
    pts += [("gemm", a, s, p) for s in GEMM_SIZES for a in GEMM_ALGORITHMS for p in gemm_grids]
    if not args.skip_published:
        for size in PUBLISHED_GEMV:
            pts += [("gemv", "meshgemv", size, p) for p in PUBLISHED_GRIDS]
    seen, unique = set(), []
    for p in pts:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    # Largest first, so the long points start early and the pool ends together.
    unique.sort(key=lambda p: (p[0] != "gemm", -p[3]))
    return unique


def fmt(v, spec="%.0f"):
    return spec % v if isinstance(v, (int, float)) else "-"


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def markdown(rows, args):
    by = {(r["kernel"], r["size"], r["algorithm"], r["grid"]): r for r in rows}
    out = ["# Kernel latency vs grid size", "",
           "wafersim %s fidelity, timing data, chip `%s`; kernel cycles are the maximum over PEs "
           "(as WaferLLM's WSE-2 launchers report); time at the chip clock. `*`: compute-shift "
           "steps sampled (8 and 16 of P simulated, extrapolated to P)." % (args.fidelity, args.chip),
           ""]
    for kernel, sizes, algorithms in (("gemm", GEMM_SIZES, GEMM_ALGORITHMS),
                                      ("gemv", GEMV_SIZES, GEMV_ALGORITHMS)):
        for size in sizes:
            grids = sorted({r["grid"] for r in rows if r["kernel"] == kernel and r["size"] == size})
            if not grids:
                continue
            out.append("## %s %dK (%s)" % (kernel.upper(), size // 1024,
                                            "M = K = N" if kernel == "gemm" else "[1,N] x [N,N]"))
            out.append("")
            out.append("| P | " + " | ".join("%s cycles (us)" % a for a in algorithms) + " |")
            out.append("|---|" + "---|" * len(algorithms))
            for p in grids:
                cells = []
                for a in algorithms:
                    r = by.get((kernel, size, a, p))
                    if r is None:
                        cells.append("not run")
                    elif r["status"].startswith("does not fit"):
                        cells.append("does not fit SRAM (%s B/PE)" % re.search(r"(\d+) B", r["status"]).group(1))
                    elif r["status"] != "ok":
                        cells.append(r["status"].replace("|", "/")[:90])
                    else:
                        g = " g=%s" % r["groups"] if a == "meshgemv" else ""
                        g += " *" if r.get("steps") == "sampled" else ""
                        cells.append("%s (%s)%s" % (fmt(r["kernel_cycles_max"]),
                                                     fmt(r["kernel_us_max"], "%.2f"), g))
                out.append("| %d | %s |" % (p, " | ".join(cells)))
            out.append("")
    if not args.skip_published:
        out += ["## Published MeshGEMV (WaferLLM, WSE-2) beside the simulation", "",
                "| GEMV | published | grid | g | simulated max cycles | simulated mean cycles | sim / published |",
                "|---|---|---|---|---|---|---|"]
        for size, (ms, cycles) in PUBLISHED_GEMV.items():
            for p in PUBLISHED_GRIDS:
                r = by.get(("gemv", size, "meshgemv", p))
                if r is None or r["status"] != "ok":
                    sim = r["status"] if r else "not run"
                    out.append("| %dK | %s ms (%d cycles) | %d | - | %s | - | - |" % (size // 1024, ms, cycles, p, sim))
                    continue
                out.append("| %dK | %s ms (%d cycles) | %d | %s | %s | %s | %.2f |" % (
                    size // 1024, ms, cycles, p, r["groups"], fmt(r["kernel_cycles_max"]),
                    fmt(r["kernel_cycles_mean"]), r["kernel_cycles_max"] / cycles))
        out.append("")
    return "\n".join(out)


def plot(rows, kernel, sizes, algorithms, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(sizes), figsize=(4.2 * len(sizes), 3.8), squeeze=False)
    for ax, size in zip(axes[0], sizes):
        for a in algorithms:
            pts = sorted((r["grid"], r["kernel_us_max"]) for r in rows
                         if r["kernel"] == kernel and r["size"] == size and r["algorithm"] == a
                         and r["status"] == "ok")
            if pts:
                ax.plot([p for p, _ in pts], [u for _, u in pts], "o-", label=a)
        ax.set_title("%s %dK" % (kernel.upper(), size // 1024))
        ax.set_xlabel("grid P (P x P PEs)")
        ax.set_ylabel("latency (us, max over PEs)")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        if ax.lines:
            ax.legend()
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=110)
    os.replace(path + ".tmp.png", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grids", default="64,128,256,360,512,720", help="grid sizes P for the GEMVs")
    ap.add_argument("--gemm-grids", default="64,128,256,360,512,720", help="grid sizes P for the GEMMs")
    ap.add_argument("--out", default=os.path.join(ROOT, "out/kernel_report"))
    ap.add_argument("--exe", default=os.path.join(ROOT, "build/app/wafersim"))
    ap.add_argument("--chip", default="wse2")
    ap.add_argument("--fidelity", default="stream", choices=["stream", "wavelet"])
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per point")
    ap.add_argument("--skip-published", action="store_true")
    ap.add_argument("--sample-above", type=int, default=256,
                    help="GEMM grids above this sample their steps")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        futures = [pool.submit(run_point, args, p) for p in points(args)]
        for fut in concurrent.futures.as_completed(futures):
            r = fut.result()
            rows.append(r)
            what = "%s %s %dK P=%d" % (r["kernel"], r["algorithm"], r["size"] // 1024, r["grid"])
            if r["status"] == "ok":
                print("%-28s %10s cycles  %8.2f us  (%s s wall)" % (
                    what, fmt(r["kernel_cycles_max"]), r["kernel_us_max"], r["wall_seconds"]), flush=True)
            else:
                print("%-28s %s" % (what, r["status"]), file=sys.stderr, flush=True)
    rows.sort(key=lambda r: (r["kernel"], r["size"], r["algorithm"], r["grid"]))

    csv_path = os.path.join(args.out, "kernels.csv")
    with open(csv_path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    os.replace(csv_path + ".tmp", csv_path)
    write_atomic(os.path.join(args.out, "kernels.md"), markdown(rows, args))
    plot(rows, "gemm", GEMM_SIZES, GEMM_ALGORITHMS, os.path.join(args.out, "gemm_latency.png"))
    plot(rows, "gemv", GEMV_SIZES, GEMV_ALGORITHMS, os.path.join(args.out, "gemv_latency.png"))
    print("wrote", csv_path, "kernels.md, gemm_latency.png, gemv_latency.png in", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
