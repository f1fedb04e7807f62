"""PNG charts of a benchmark results file (bench/main.ts writes it, then runs this).

Usage: .tools/charts-venv/bin/python bench/charts/render.py <results.json> <out dir>

Writes latency.png (produce latency percentiles, Floe vs Kafka), throughput.png (produce and
consume throughput by configuration, every round shown) and cost.png ($ per GiB and monthly
bill at 1, 10 and 100 MiB/s: Floe vs MSK Serverless vs Kinesis on-demand). The output depends
only on the JSON: fixed font, sizes and DPI, and no software version or date in the PNG
metadata, so re-rendering the same file gives the same bytes.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

DPI = 100
COLORS = {
    "Floe": "#1f77b4",
    "Kafka": "#7f7f7f",
    "MSK Serverless": "#ff7f0e",
    "Kinesis on-demand": "#2ca02c",
}
PERCENTILES = [("p50Ms", "p50"), ("p95Ms", "p95"), ("p99Ms", "p99"), ("p999Ms", "p99.9")]

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.titlesize": 11,
        "figure.titlesize": 12,
        "path.simplify": False,
    }
)


def save(fig, out: Path, name: str) -> None:
    fig.savefig(out / name, dpi=DPI, metadata={"Software": None})
    plt.close(fig)


def bars(ax, groups, series, values, log=False, fmt="{:.0f}", tick="{:g}", floor=None):
    """Grouped bars: one group per label in `groups`, one bar per name in `series`, with
    headroom above the tallest bar for the legend, and plain numbers on a log axis."""
    width = 0.8 / len(series)
    for i, name in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        ys = values[name]
        rects = ax.bar(xs, ys, width, label=name, color=COLORS.get(name))
        ax.bar_label(rects, labels=[fmt.format(y) for y in ys], fontsize=8, padding=2)
    ax.set_xticks(range(len(groups)), groups)
    top = max(max(values[name]) for name in series)
    low = min(min(values[name]) for name in series)
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylim(min(low, floor if floor is not None else low) / 2, top * 6)
    else:
        ax.set_ylim(0, top * 1.3)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick.format(v)))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def latency(results, settings, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    runs = [
        ("produce", "unthrottled (mostly producer-side queueing)"),
        ("produceAtFixedRate", f"fixed {settings['latencyRate']} records/s"),
    ]
    for ax, (key, title) in zip(axes, runs):
        values = {t: [results[t.lower()][key][k] for k, _ in PERCENTILES] for t in ("Floe", "Kafka")}
        bars(ax, [label for _, label in PERCENTILES], ["Floe", "Kafka"], values, log=True)
        ax.set_title(f"Produce latency, {title}")
        ax.set_ylabel("ms (log scale)")
        ax.legend(loc="upper left")
    fig.suptitle(f"Produce latency percentiles, {settings['recordSize']}-byte records, acks=all")
    save(fig, out, "latency.png")


def throughput(results, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
    configs = [("produce", "produceRuns", "produce (unthrottled)"), ("consume", "consumeRuns", "consume")]
    values = {t: [results[t.lower()][k]["mbPerSec"] for k, _, _ in configs] for t in ("Floe", "Kafka")}
    bars(ax, [label for _, _, label in configs], ["Floe", "Kafka"], values, fmt="{:.1f}")
    for i, name in enumerate(["Floe", "Kafka"]):
        for g, (_, runs, _) in enumerate(configs):
            ys = [r["mbPerSec"] for r in results[name.lower()][runs]]
            ax.scatter([g + (i - 0.5) * 0.4] * len(ys), ys, s=12, color="black", zorder=3)
    ax.set_ylabel("MB/s (2^20 bytes)")
    ax.set_title("Throughput by configuration, Floe (embedded) vs Kafka 4.1.1\nbars: median round; dots: every round")
    ax.legend(loc="upper left")
    save(fig, out, "throughput.png")


def bill(cost, system, rate, fan_out):
    for b in cost["bills"]:
        if b["system"] == system and b["rateMiBps"] == rate and b["readFanOut"] == fan_out:
            return b
    raise KeyError(f"no bill for {system} at {rate} MiB/s x {fan_out}")


def cost_chart(cost, out: Path) -> None:
    systems = ["Floe", "MSK Serverless", "Kinesis on-demand"]
    rates = [1, 10, 100]
    goal = cost["goal"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    per_gib = {s: [bill(cost, s, r, 1)["usdPerGibWritten"] for r in rates] for s in systems}
    full = [b["usdPerGibWritten"] for b in cost["floeFullSegments"]]
    floor = min(full + [goal["goalUsdPerGib"]])
    bars(axes[0], [f"{r} MiB/s" for r in rates], systems, per_gib, log=True, fmt="${:.3f}", tick="${:g}",
         floor=floor)
    axes[0].scatter(
        [g - 0.8 / 3 for g in range(len(rates))], full, marker="_", s=300, color="black", zorder=3,
        label="Floe with full 8 MiB segments",
    )
    axes[0].axhline(goal["goalUsdPerGib"], color="red", linestyle="--", linewidth=1,
                    label=f"goal: ${goal['goalUsdPerGib']}/GiB at {goal['rateMiBps']} MiB/s")
    axes[0].set_title("$ per GiB written, all-in, read once, 7 days retained")
    axes[0].set_ylabel("$ per GiB (log scale)")
    axes[0].legend(loc="upper right", fontsize=8)
    labels = ["idle floor"] + [f"{r} MiB/s" for r in rates]
    monthly = {s: [bill(cost, s, 0, 1)["totalUsd"]] + [bill(cost, s, r, 1)["totalUsd"] for r in rates] for s in systems}
    bars(axes[1], labels, systems, monthly, log=True, fmt="${:,.0f}", tick="${:,.0f}")
    axes[1].set_title("Monthly bill, read once, 7 days retained")
    axes[1].set_ylabel("$ per month (log scale)")
    axes[1].legend(loc="upper left", fontsize=8)
    fig.suptitle("Cost at us-east-1 list prices: Floe (modelled from measured counts) vs peers")
    save(fig, out, "cost.png")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: render.py <results.json> <out dir>")
    doc = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    latency(doc["results"], doc["settings"], out)
    throughput(doc["results"], out)
    cost_chart(doc["costModel"], out)


if __name__ == "__main__":
    main()
