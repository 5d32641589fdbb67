#!/usr/bin/env python3
"""Turns bench_matmul's Google Benchmark JSON into the markdown tables and the
plot of docs/kernels.md.

    build/benchmarks/bench.avx512vnni --benchmark_filter='gemv/|gemm/|fp32/' \\
        --benchmark_out=matmul.json --benchmark_out_format=json
    python3 benchmarks/report_matmul.py matmul.json --plot docs/matmul_gemv.png > tables.md

Every ratio is to a floor or baseline measured in the same run (the counters
bench_matmul.cpp documents): x_floor = weight_GBps / read_floor_GBps,
x_peak = GFLOPs / (int8 or FMA peak), and "vs fp32" = the time of lowbit's fp32
kernel (or OpenBLAS) on the same shape, tokens, regime and threads divided by
this one's. The plot needs matplotlib (pip install matplotlib); the tables do not.
"""

import argparse
import json
import re
import sys

NAME = re.compile(
    r"^(?P<kind>gemv|gemm)/(?P<mode>sym|asym)_g(?P<group>\d+)_fp16/bits:(?P<bits>\d)/(?P<path>\w+)/"
    r"(?P<shape>\d+x\d+)/(?:(?P<regime>cache|dram)|tokens:(?P<tokens>\d+))/threads:(?P<threads>\d)"
)
FP32 = re.compile(
    r"^fp32/(?P<impl>lowbit|openblas)/(?P<shape>\d+x\d+)/tokens:(?P<tokens>\d+)/(?P<regime>cache|dram)/"
    r"threads:(?P<threads>\d)"
)


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = []
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b["name"].replace("/real_time", "").replace("_median", "")
        seconds = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        rows.append((name, seconds, b))
    return data.get("context", {}), rows


def fp32_times(rows):
    times = {}
    for name, sec, _ in rows:
        m = FP32.match(name)
        if m:
            key = (m["impl"], m["shape"], int(m["tokens"]), m["regime"], int(m["threads"]))
            times[key] = sec
    return times


def ratio(base, sec):
    return f"{base / sec:.2f}x" if base else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json")
    ap.add_argument("--plot", help="write the GEMV throughput plot here (PNG)")
    args = ap.parse_args()
    context, rows = load(args.json)
    fp32 = fp32_times(rows)
    out = sys.stdout
    out.write(f"CPU: {context.get('cpu_model', context.get('host_name', '?'))}, "
              f"{context.get('num_cpus', '?')} CPUs, run {context.get('date', '?')}\n\n")

    out.write("GEMV (one token): weight GB/s, ratio to the same-size read floor, speed-up over fp32\n\n")
    out.write("| scheme | bits/w | path | shape | regime | threads | time | weight GB/s | x read floor "
              "| vs fp32 lowbit | vs OpenBLAS |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
    plot = []
    for name, sec, b in rows:
        m = NAME.match(name)
        if not m or m["kind"] != "gemv":
            continue
        gbps = b["weight_GBps"] / 1e9 if b["weight_GBps"] > 1e6 else b["weight_GBps"]
        floor = b["read_floor_GBps"]
        key = (m["shape"], 1, m["regime"], int(m["threads"]))
        out.write(f"| {m['mode']} {m['bits']}-bit g{m['group']} | {b['bits_per_weight']:.3f} | {m['path']} "
                  f"| {m['shape']} | {m['regime']} | {m['threads']} | {sec * 1e6:.0f} us | {gbps:.1f} "
                  f"| {gbps / floor:.2f} | {ratio(fp32.get(('lowbit',) + key), sec)} "
                  f"| {ratio(fp32.get(('openblas',) + key), sec)} |\n")
        if m["shape"] == "4096x4096" and m["threads"] == "1" and m["mode"] == "sym" and m["group"] == "32":
            plot.append((m["regime"], m["path"], b["bits_per_weight"], gbps, floor))

    out.write("\nGEMM (a batch of tokens): GOP/s (2 per multiply-add), ratio to the peak of its instruction "
              "(int8 dot or fp32 FMA), speed-up over fp32\n\n")
    out.write("| scheme | path | shape | tokens | threads | time | GOP/s | x peak | vs fp32 lowbit | vs OpenBLAS |\n"
              "|---|---|---|---|---|---|---|---|---|---|\n")
    for name, sec, b in rows:
        m = NAME.match(name)
        if not m or m["kind"] != "gemm":
            continue
        gops = b["GFLOPs"] / 1e9 if b["GFLOPs"] > 1e6 else b["GFLOPs"]
        peak = b.get("int8_peak_GOPs") or b.get("fma_peak_GFLOPs")
        key = (m["shape"], int(m["tokens"]), "cache", int(m["threads"]))
        out.write(f"| {m['mode']} {m['bits']}-bit g{m['group']} | {m['path']} | {m['shape']} | {m['tokens']} "
                  f"| {m['threads']} | {sec * 1e3:.1f} ms | {gops:.0f} | {gops / peak:.2f} "
                  f"| {ratio(fp32.get(('lowbit',) + key), sec)} | {ratio(fp32.get(('openblas',) + key), sec)} |\n")

    out.write("\nfp32 baselines\n\n| implementation | shape | tokens | regime | threads | time | GB/s of weights "
              "| GFLOP/s |\n|---|---|---|---|---|---|---|---|\n")
    for name, sec, b in rows:
        m = FP32.match(name)
        if not m:
            continue
        gbps = b["weight_GBps"] / 1e9 if b["weight_GBps"] > 1e6 else b["weight_GBps"]
        gf = b["GFLOPs"] / 1e9 if b["GFLOPs"] > 1e6 else b["GFLOPs"]
        out.write(f"| {m['impl']} | {m['shape']} | {m['tokens']} | {m['regime']} | {m['threads']} "
                  f"| {sec * 1e6:.0f} us | {gbps:.1f} | {gf:.1f} |\n")

    if args.plot and plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.5))
        for regime, marker in (("cache", "o"), ("dram", "s")):
            for path, color in (("int8_dot_prepacked", "tab:green"), ("int8_dot", "tab:blue"),
                                ("floating", "tab:orange")):
                pts = sorted((p[2], p[3]) for p in plot if p[0] == regime and p[1] == path)
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=marker, color=color,
                            linestyle="-" if regime == "cache" else "--", label=f"{path}, {regime}")
            floors = [p[4] for p in plot if p[0] == regime]
            if floors:
                ax.axhline(sum(floors) / len(floors), color="gray", linestyle=":" if regime == "cache" else "-.",
                           label=f"read floor, {regime}")
        ax.set_xlabel("bits per weight (codes + fp16 scales, group 32)")
        ax.set_ylabel("weight GB/s (4096 x 4096 GEMV, 1 thread)")
        ax.set_title("lowbit GEMV throughput against bits per weight")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)


if __name__ == "__main__":
    main()
