#!/usr/bin/python3
"""Latency versus injection rate for a traffic scenario: runs wafersim once per rate (in
parallel), writes a CSV and a PNG plot (the classic NoC load-latency curve).

usage: scripts/sweep_latency.sh [--scenario FILE] [--rates 0.005,0.01,...] [--out DIR] [-j N]
       [--set KEY=VALUE]...
"""
import argparse
import concurrent.futures
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = [
    "injection_rate", "offered_wavelets_per_node_cycle", "accepted_wavelets_per_node_cycle",
    "avg_packet_latency_cycles", "p50_packet_latency_cycles", "p99_packet_latency_cycles",
    "max_packet_latency_cycles", "avg_network_latency_cycles", "avg_hops", "packets_delivered",
    "simulated_cycles",
]


def run_point(exe, scenario, rate, out_dir, sets):
    point_dir = os.path.join(out_dir, "rate_%s" % rate)
    cmd = [exe, "run", scenario, "--out", point_dir, "--set", "workload.injection_rate=%s" % rate]
    for s in sets:
        cmd += ["--set", s]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return rate, None, proc.stderr.strip()
    with open(os.path.join(point_dir, "summary.json")) as f:
        return rate, json.load(f)["metrics"], ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios/traffic_uniform_16x16.yaml"))
    ap.add_argument("--rates", default="0.002,0.01,0.02,0.03,0.035,0.04,0.045,0.05")
    ap.add_argument("--out", default=os.path.join(ROOT, "out/sweep_latency"))
    ap.add_argument("--exe", default=os.path.join(ROOT, "build/app/wafersim"))
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--set", action="append", default=[], help="extra KEY=VALUE for every point")
    args = ap.parse_args()

    rates = [r.strip() for r in args.rates.split(",") if r.strip()]
    os.makedirs(args.out, exist_ok=True)
    rows, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        futures = [pool.submit(run_point, args.exe, args.scenario, r, args.out, args.set) for r in rates]
        for fut in concurrent.futures.as_completed(futures):
            rate, metrics, err = fut.result()
            if metrics is None:
                failed.append((rate, err))
                print("rate %s: FAILED: %s" % (rate, err), file=sys.stderr)
            else:
                rows.append(dict(metrics, injection_rate=float(rate)))
                print("rate %s: avg latency %.1f cycles, accepted %.4f wavelets/node/cycle"
                      % (rate, metrics["avg_packet_latency_cycles"], metrics["accepted_wavelets_per_node_cycle"]))
    rows.sort(key=lambda r: r["injection_rate"])

    csv_path = os.path.join(args.out, "latency_vs_rate.csv")
    tmp = csv_path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, csv_path)
    print("wrote", csv_path)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    x = [r["offered_wavelets_per_node_cycle"] for r in rows]
    ax1.plot(x, [r["avg_packet_latency_cycles"] for r in rows], "o-", label="average")
    ax1.plot(x, [r["p99_packet_latency_cycles"] for r in rows], "s--", label="p99")
    ax1.set_xlabel("offered load (wavelets/node/cycle)")
    ax1.set_ylabel("packet latency (cycles)")
    ax1.set_yscale("log")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend()
    ax2.plot(x, [r["accepted_wavelets_per_node_cycle"] for r in rows], "o-", label="accepted")
    ax2.plot(x, x, ":", color="grey", label="offered")
    ax2.set_xlabel("offered load (wavelets/node/cycle)")
    ax2.set_ylabel("accepted throughput (wavelets/node/cycle)")
    ax2.grid(True, alpha=0.3)
    ax2.legend()
    fig.suptitle(os.path.basename(args.scenario) + (" " + " ".join(args.set) if args.set else ""))
    fig.tight_layout()
    png_path = os.path.join(args.out, "latency_vs_rate.png")
    fig.savefig(png_path + ".tmp.png", dpi=110)
    os.replace(png_path + ".tmp.png", png_path)
    print("wrote", png_path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
