"""PNG charts of a benchmark results file (bench/main.ts writes it, then runs this).

Usage: .tools/charts-venv/bin/python bench/charts/render.py <results.json> <out dir>

Writes latency.png (produce latency percentiles, Floe vs Kafka), throughput.png (produce and
consume throughput by configuration, every round shown), matrix.png (produce throughput by
record size and partitions), latency-model.png (the AWS front's produce and end-to-end p99 under
the S3 latency model at each batching point, against the goals) and cost.png ($ per GiB and
monthly bill at 1, 10 and 100 MiB/s: Floe vs MSK Serverless vs Kinesis on-demand). A results
file from before a figure was measured gets a chart that says so. The output depends
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
    "Floe (AWS)": "#9467bd",
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


TARGET_KEYS = {"Floe": "floe", "Floe (AWS)": "floeAws", "Kafka": "kafka"}


def targets(results):
    return [t for t in ("Floe", "Floe (AWS)", "Kafka") if TARGET_KEYS[t] in results]


def not_measured(out: Path, name: str, what: str) -> None:
    fig, ax = plt.subplots(figsize=(8, 2), layout="constrained")
    ax.axis("off")
    ax.text(0.5, 0.5, f"{what}: not measured in this run", ha="center", va="center")
    save(fig, out, name)


def latency(results, settings, out: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    runs = [
        ("produce", "unthrottled (mostly producer-side queueing)"),
        ("produceAtFixedRate", f"fixed {settings['latencyRate']} records/s"),
    ]
    names = targets(results)
    for ax, (key, title) in zip(axes, runs):
        values = {t: [max(results[TARGET_KEYS[t]][key][k], 0.5) for k, _ in PERCENTILES] for t in names}
        bars(ax, [label for _, label in PERCENTILES], names, values, log=True)
        ax.set_title(f"Produce latency, {title}")
        ax.set_ylabel("ms (log scale)")
        ax.legend(loc="upper left")
    fig.suptitle(f"Produce latency percentiles, {settings['recordSize']}-byte records, acks=all")
    save(fig, out, "latency.png")


def throughput(results, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
    configs = [("produce", "produceRuns", "produce (unthrottled)"), ("consume", "consumeRuns", "consume")]
    names = targets(results)
    values = {t: [results[TARGET_KEYS[t]][k]["mbPerSec"] for k, _, _ in configs] for t in names}
    bars(ax, [label for _, _, label in configs], names, values, fmt="{:.1f}")
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        for g, (_, runs, _) in enumerate(configs):
            ys = [r["mbPerSec"] for r in results[TARGET_KEYS[name]][runs]]
            ax.scatter([g + (i - (len(names) - 1) / 2) * width] * len(ys), ys, s=12, color="black", zorder=3)
    ax.set_ylabel("MB/s (2^20 bytes)")
    ax.set_title("Throughput by configuration, Floe vs Kafka 4.1.1\nbars: median round; dots: every round")
    ax.legend(loc="upper left")
    save(fig, out, "throughput.png")


def matrix(results, out: Path) -> None:
    cells = [(c["recordSize"], c["partitions"]) for c in results["kafka"].get("matrix", [])]
    if not cells:
        not_measured(out, "matrix.png", "Produce throughput by record size and partitions")
        return
    names = targets(results)

    def mb(t, size, parts):
        for c in results[TARGET_KEYS[t]].get("matrix", []):
            if c["recordSize"] == size and c["partitions"] == parts and c["produce"] is not None:
                return c["produce"]["mbPerSec"]
        return 0.0

    values = {t: [mb(t, size, parts) for size, parts in cells] for t in names}
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(cells)), 4.2), layout="constrained")
    bars(ax, [f"{size // 1024} KiB x {parts}p" for size, parts in cells], names, values, fmt="{:.1f}")
    ax.set_ylim(0, max(max(v) for v in values.values()) * 1.5)
    ax.set_ylabel("MB/s (2^20 bytes)")
    ax.set_title("Produce throughput, unthrottled, acks=all, by record size x partitions (0 = failed)")
    ax.legend(loc="upper left", ncols=len(names))
    save(fig, out, "matrix.png")


def latency_model(results, out: Path) -> None:
    lm = results.get("latencyModel")
    if lm is None:
        not_measured(out, "latency-model.png", "S3 latency model")
        return
    points = [p for p in lm["points"] if p["endToEnd"] is not None]
    labels = [f"{p['model'].replace(' One Zone', '')}\nlinger {p['lingerMs']} ms" for p in points]
    values = {
        "produce (ack) p99": [p["endToEnd"]["ack"]["p99Ms"] for p in points],
        "end-to-end p99": [p["endToEnd"]["e2e"]["p99Ms"] for p in points],
    }
    COLORS["produce (ack) p99"] = "#1f77b4"
    COLORS["end-to-end p99"] = "#ff7f0e"
    fig, ax = plt.subplots(figsize=(max(8, 2 * len(points)), 4.4), layout="constrained")
    bars(ax, labels, list(values), values)
    ax.axhline(300, color="#1f77b4", linestyle="--", linewidth=1, label="goal: produce p99 <= 300 ms (S3 Standard)")
    ax.axhline(600, color="#ff7f0e", linestyle="--", linewidth=1, label="goal: end-to-end p99 <= 600 ms (S3 Standard)")
    ax.set_ylim(0, max(max(max(v) for v in values.values()), 600) * 1.35)
    ax.set_ylabel("ms")
    ax.set_title("Floe AWS front under the S3 latency model, by batching point (--linger-ms)")
    ax.legend(loc="upper left", fontsize=8)
    save(fig, out, "latency-model.png")


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
    matrix(doc["results"], out)
    latency_model(doc["results"], out)
    cost_chart(doc["costModel"], out)


if __name__ == "__main__":
    main()
