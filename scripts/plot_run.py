#!/usr/bin/python3
"""Pictures of one run from its outputs: wafer heatmaps (link utilisation, PE busy fraction,
SRAM occupancy, KV-cache occupancy after decode; for LLM runs with prefill on the wafer also the
prefill layer's links and PE busy fraction) and, for LLM runs, a timeline of prefill, decode steps,
layers and ops. Large grids arrive averaged in blocks (see `block` in stats.json), so a 720x720
run gives readable pictures.

usage: scripts/plot_run.sh OUT_DIR [--to DIR]      (default DIR: OUT_DIR/pictures)
"""
import argparse
import json
import os
import sys


def heatmap(plt, grid, title, label, path, block, origin=(0, 0), cmap="viridis", scale=1.0):
    import numpy as np
    a = np.array(grid, dtype=float) * scale
    h, w = a.shape
    fig, ax = plt.subplots(figsize=(6.4, 5.4))
    extent = [origin[0], origin[0] + w * block, origin[1] + h * block, origin[1]]
    im = ax.imshow(a, cmap=cmap, interpolation="nearest", extent=extent, aspect="equal")
    ax.set_title(title + ("" if block == 1 else "  (%dx%d-PE blocks)" % (block, block)), fontsize=10)
    ax.set_xlabel("x (PE column)")
    ax.set_ylabel("y (PE row)")
    fig.colorbar(im, ax=ax, label=label)
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=110)
    os.replace(path + ".tmp.png", path)
    plt.close(fig)
    print("wrote", path)


def links(plt, j, path, title):
    import numpy as np
    dirs = [np.array(j[d], dtype=float) for d in ("N", "E", "S", "W") if d in j]
    heatmap(plt, np.maximum.reduce(dirs).tolist(), title + ": busiest outgoing link per router",
            "share of cycles carrying a wavelet", path, j.get("block", 1))


def timeline(plt, trace, path):
    events = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
    names = {1: "passes (prefill, decode)", 2: "layers", 3: "ops of the first decode step (every layer)",
             4: "ops of a prefill layer"}
    tids = [t for t in (1, 2, 4, 3) if any(e["tid"] == t for e in events)]
    fig, axes = plt.subplots(len(tids), 1, figsize=(11, 2.2 * len(tids)))
    # Top: every pass; then layers of the first two passes; the ops of the first prefill layer
    # and of one layer of the first decode pass (the trace holds only those).
    first_two = [e for e in events if e["tid"] == 1][:2]
    end2 = first_two[-1]["ts"] + first_two[-1]["dur"] if first_two else 0
    for ax, tid in zip(axes, tids):
        sel = [e for e in events if e["tid"] == tid]
        if tid == 2:
            sel = [e for e in sel if e["ts"] < end2]
        colours = {}
        for e in sel:
            key = e["name"].split(" ")[0] if tid < 3 else e["name"]
            c = colours.setdefault(key, "C%d" % (len(colours) % 10))
            ax.barh(0, e["dur"], left=e["ts"], color=c, edgecolor="white", linewidth=0.3)
        if tid >= 3:
            for key, c in colours.items():
                ax.barh(0, 0, color=c, label=key)
            ax.legend(fontsize=7, ncol=4, loc="upper right")
        if tid == 2:
            for key, c in colours.items():
                ax.barh(0, 0, color=c, label=key)
            ax.legend(fontsize=7, ncol=3, loc="upper right")
        if sel:  # the legend's zero-width bars sit at 0: keep the axis on the spans
            ax.set_xlim(min(e["ts"] for e in sel), max(e["ts"] + e["dur"] for e in sel))
        ax.set_yticks([])
        ax.set_title(names[tid] + (" (first two steps)" if tid == 2 else ""), fontsize=9, loc="left")
        ax.set_xlabel("time (us)")
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=110)
    os.replace(path + ".tmp.png", path)
    plt.close(fig)
    print("wrote", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir")
    ap.add_argument("--to", default=None)
    args = ap.parse_args()
    stats_path = os.path.join(args.run_dir, "stats.json")
    if not os.path.exists(stats_path):
        sys.exit("plot_run: no stats.json in %s (run with run.outputs.stats: true)" % args.run_dir)
    stats = json.load(open(stats_path))["stats"]
    summary = json.load(open(os.path.join(args.run_dir, "summary.json")))
    out = args.to or os.path.join(args.run_dir, "pictures")
    os.makedirs(out, exist_ok=True)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    name = summary.get("scenario", "run")
    made = 0
    for key, label in (("links", "links"), ("layer_links", "links of one decode layer")):
        if key in stats:
            links(plt, stats[key], os.path.join(out, "link_utilisation.png"), "%s, %s" % (name, label))
            made += 1
    pes = stats.get("pes") or stats.get("layer_pes")
    if pes:
        o = tuple(pes.get("origin", (0, 0)))
        heatmap(plt, pes["busy_fraction"], name + ": PE busy fraction", "main-thread busy / run cycles",
                os.path.join(out, "pe_busy.png"), pes["block"], o, "magma")
        heatmap(plt, pes["sram_bytes"], name + ": SRAM occupancy", "KiB used by the program",
                os.path.join(out, "sram_occupancy.png"), pes["block"], o, "cividis", 1 / 1024)
        made += 2
    if "prefill_layer_links" in stats:
        links(plt, stats["prefill_layer_links"], os.path.join(out, "prefill_link_utilisation.png"),
              "%s, links of one prefill layer" % name)
        made += 1
    if "prefill_layer_pes" in stats:
        pp = stats["prefill_layer_pes"]
        heatmap(plt, pp["busy_fraction"], name + ": PE busy fraction, one prefill layer",
                "main-thread busy / run cycles", os.path.join(out, "prefill_pe_busy.png"), pp["block"],
                tuple(pp.get("origin", (0, 0))), "magma")
        made += 1
    if "kv_after_decode" in stats:
        kv = stats["kv_after_decode"]
        heatmap(plt, kv["bytes"], "%s: KV cache after decode (%d tokens)" % (name, kv["tokens"]),
                "KiB per PE", os.path.join(out, "kv_occupancy.png"), kv["block"], (0, 0), "plasma", 1 / 1024)
        made += 1
    trace = os.path.join(args.run_dir, "trace.json")
    if os.path.exists(trace):
        timeline(plt, json.load(open(trace)), os.path.join(out, "timeline.png"))
        made += 1
    if made == 0:
        sys.exit("plot_run: nothing to draw in %s" % args.run_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
