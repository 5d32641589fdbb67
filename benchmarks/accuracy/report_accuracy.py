#!/usr/bin/env python3
"""Turns lowbit_accuracy's JSON into the markdown tables and the plot of
docs/accuracy.md.

    build/benchmarks/accuracy/lowbit_accuracy --json accuracy.json
    python3 benchmarks/accuracy/report_accuracy.py accuracy.json --plot docs/accuracy.png > tables.md

Every figure comes from the JSON: the schemes lowbit_accuracy measured and the
ggml figures it carries (ggml's own quantizers on the same weights). The plot
needs matplotlib (the project's venv has it: tools/setup.sh); the tables do not.
"""

import argparse
import json


def best_at(schemes, budget):
    """The most accurate scheme whose bits per weight are <= budget, or None."""
    fitting = [s for s in schemes if s["bits_per_weight"] <= budget + 1e-9]
    return max(fitting, key=lambda s: s["sqnr_db"]) if fitting else None


def tables(data):
    out = []
    out.append(
        f"Measured on {data['cpu']} (lowbit built for {data['isa']}): {data['matrices']} matrices, "
        f"{data['weights']:,} weights.\n"
    )
    out.append("| ggml type | bits/w | SQNR dB | best lowbit at ≤ that size | bits/w | SQNR dB | vs ggml |")
    out.append("|---|---|---|---|---|---|---|")
    for g in data["ggml"]:
        b = best_at(data["schemes"], g["bits_per_weight"])
        if b is None:
            out.append(f"| {g['type']} | {g['bits_per_weight']:.3f} | {g['sqnr_db']:.2f} | (none that small) | | | |")
            continue
        out.append(
            f"| {g['type']} | {g['bits_per_weight']:.3f} | {g['sqnr_db']:.2f} | `{b['scheme']}` | "
            f"{b['bits_per_weight']:.3f} | {b['sqnr_db']:.2f} | {b['sqnr_db'] - g['sqnr_db']:+.2f} |"
        )
    if data.get("importance"):
        out.append("")
        out.append("| scheme | min_max | mse_search | mse_search with the importance | gain over min_max |")
        out.append("|---|---|---|---|---|")
        for r in data["importance"]:
            out.append(
                f"| `{r['scheme']}` | {r['min_max_db']:.2f} | {r['search_db']:.2f} | {r['weighted_search_db']:.2f} | "
                f"{r['weighted_search_db'] - r['min_max_db']:+.2f} |"
            )
    out.append("")
    out.append("| scheme | bits/w | SQNR dB (pooled) | worst matrix dB | worst matrix | quantize GB/s |")
    out.append("|---|---|---|---|---|---|")
    for s in sorted(data["schemes"], key=lambda s: (s["bits_per_weight"], s["sqnr_db"])):
        out.append(
            f"| `{s['scheme']}` | {s['bits_per_weight']:.3f} | {s['sqnr_db']:.2f} | {s['worst_sqnr_db']:.2f} | "
            f"{s['worst_tensor']} | {s['quantize_gb_per_s']:.2f} |"
        )
    return "\n".join(out)


def plot(data, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    families = {}
    for s in data["schemes"]:
        words = s["scheme"].split()
        family = " ".join([words[0]] + words[2:])  # the scheme without its width
        families.setdefault(family, []).append(s)
    for family, pts in sorted(families.items()):
        pts.sort(key=lambda s: s["bits_per_weight"])
        ax.plot([p["bits_per_weight"] for p in pts], [p["sqnr_db"] for p in pts], "o-", ms=4, lw=1, label=family)
    ax.plot(
        [g["bits_per_weight"] for g in data["ggml"]],
        [g["sqnr_db"] for g in data["ggml"]],
        "k*",
        ms=10,
        label="ggml (its own quantizers)",
    )
    for g in data["ggml"]:
        ax.annotate(g["type"], (g["bits_per_weight"], g["sqnr_db"]), textcoords="offset points", xytext=(5, -10),
                    fontsize=8)
    ax.set_xlabel("bits per weight (codes, scales, zero points)")
    ax.set_ylabel("SQNR, pooled over all weights (dB)")
    ax.set_title("all-MiniLM-L6-v2 fp32 weights: accuracy against size")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json", help="lowbit_accuracy --json output")
    parser.add_argument("--plot", help="write the SQNR / bits-per-weight plot here (PNG)")
    args = parser.parse_args()
    with open(args.json) as f:
        data = json.load(f)
    print(tables(data))
    if args.plot:
        plot(data, args.plot)


if __name__ == "__main__":
    main()
