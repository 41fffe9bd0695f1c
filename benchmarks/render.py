"""Render saved pytest-benchmark results as markdown tables and bar charts.

    pytest benchmarks --benchmark-enable --benchmark-json=results.json
    python -m benchmarks.render results.json [more.json ...] [--out benchmarks/results]
        [--readme README.md] [--page docs/performance.md] [--charts docs/img]

writes ``results.md`` (one table per group: implementation, median, ops/s, MB/s, time relative
to rt_fast; then the implementations left out of the group and why), ``decode.png`` and
``audio.png`` (time relative to rt_fast per group, log scale), as orjson's README presents its
benchmarks, and ``results.json`` (the run without its per-round timings, small enough to keep);
with ``--readme``, the summary (one row a frame set: rt_fast's median, and the time of the
others relative to it) replaces what stands between the README's ``<!-- bench:summary -->``
and ``<!-- /bench:summary -->``; with ``--page``, the docs' performance page gets the summary
between the same marks and every table between ``<!-- bench:tables -->`` and
``<!-- /bench:tables -->``; ``--charts`` says where the charts go (default: ``--out``).
Given several runs, each benchmark is shown from the run where its median was lowest (best of
N), which the tables' heading says: on a shared machine, noise only ever adds time. Needs
matplotlib (the ``bench`` extra) for the charts.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

# The row every other row of a group is compared with: the first of these the group has.
BASELINES = ("rt_fast Decoder", "rt_fast.Decoder", "rt_fast.decode_pcm", "rt_fast.audio_payload",
             "rt_fast.encode_audio",
             "rt_fast typed + base64", "rt_fast typed", "ga (ga)")  # fmt: skip
CHARTS = {"decode.png": ("vad", "response.done", "audio-delta", "small", "audio", "objects",
                         "appends", "appends-id", "stream", "jsonl", "live"),
          "audio.png": ("payload", "pcm")}  # fmt: skip


def _order(group: str) -> int:
    """Frame sets first, in the order of ``CHARTS``, then audio, then the rest."""
    prefixes = [prefix for chart in CHARTS.values() for prefix in chart]
    head = group.split(":")[0]
    return prefixes.index(head) if head in prefixes else len(prefixes)


def _groups(results: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for bench in results["benchmarks"]:
        groups[bench["group"]].append(bench)
    return dict(sorted(groups.items(), key=lambda item: _order(item[0])))


def trimmed(results: dict[str, Any]) -> dict[str, Any]:
    """The results without every round's timing (``data``), small enough to keep."""
    benchmarks = [{**b, "stats": {k: v for k, v in b["stats"].items() if k != "data"}}
                  for b in results["benchmarks"]]  # fmt: skip
    cpu = {k: v for k, v in results["machine_info"].get("cpu", {}).items() if k != "flags"}
    machine = {**results["machine_info"], "cpu": cpu}
    return {**results, "machine_info": machine, "benchmarks": benchmarks}


def _baseline(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    by_impl = {row["extra_info"]["impl"]: row for row in rows}
    return next((by_impl[name] for name in BASELINES if name in by_impl), None)


def _duration(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            return f"{value:.{2 if value < 10 else 1 if value < 100 else 0}f} {unit}"
    raise AssertionError  # unreachable


def _count(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def table(group: str, rows: list[dict[str, Any]], excluded: list[dict[str, str]]) -> str:
    """One group as a markdown table, then what was left out of it."""
    base = _baseline(rows)
    lines = [f"#### {group}", "", "| implementation | median | ops/s | MB/s | relative |",
             "|---|--:|--:|--:|--:|"]  # fmt: skip
    for row in rows:
        median, size = row["stats"]["median"], row["extra_info"].get("bytes")
        relative = f"{median / base['stats']['median']:.2f}" if base else "-"
        mbs = _count(size / median / 1e6) if size else ""
        lines.append(f"| {row['extra_info']['impl']} | {_duration(median)} | "
                     f"{_count(1 / median)} | {mbs} | {relative} |")  # fmt: skip
    for gone in excluded:
        lines.append(f"| {gone['impl']} | - | - | - | not measured: {gone['reason']} |")
    return "\n".join(lines) + "\n"


def markdown(results: dict[str, Any]) -> str:
    """Every group of a run, in the order the suite ran them."""
    excluded = defaultdict(list)
    for gone in results.get("excluded", []):
        excluded[gone["group"]].append(gone)
    tables = [table(g, rows, excluded.pop(g, [])) for g, rows in _groups(results).items()]
    tables += [table(g, [], gone) for g, gone in excluded.items()]
    return "\n".join(tables)


SUMMARY = ("msgspec Decoder", "msgspec + a Python call", "rt_fast functions", "orjson.loads",
           "openai pydantic", "json.loads")  # fmt: skip
MARKS = ("<!-- bench:summary -->", "<!-- /bench:summary -->")
TABLE_MARKS = ("<!-- bench:tables -->", "<!-- /bench:tables -->")


def summary(results: dict[str, Any]) -> str:
    """One row a frame set: rt_fast's ``Decoder`` median, then each of ``SUMMARY`` as time
    relative to it (lower is faster; - where it was left out)."""
    lines = ["| frame set | rt_fast Decoder | " + " | ".join(SUMMARY) + " |",
             "|---|--:|" + "--:|" * len(SUMMARY)]  # fmt: skip
    for group, rows in _groups(results).items():
        if group.split(":")[0] not in CHARTS["decode.png"]:
            continue
        by_impl, base = {r["extra_info"]["impl"]: r for r in rows}, _baseline(rows)
        if base is None:
            continue
        cells = [f"{by_impl[n]['stats']['median'] / base['stats']['median']:.2f}x"
                 if n in by_impl else "-" for n in SUMMARY]  # fmt: skip
        lines.append(
            f"| {group} | {_duration(base['stats']['median'])} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines) + "\n"


def into_readme(readme: Path, text: str, marks: tuple[str, str] = MARKS) -> None:
    """Replace what stands between a page's marks (the README's, the docs') with ``text``."""
    page = readme.read_text(encoding="utf-8")
    start, end = page.index(marks[0]) + len(marks[0]), page.index(marks[1])
    readme.write_text(page[:start] + "\n" + text + page[end:], encoding="utf-8")


def chart(results: dict[str, Any], prefixes: tuple[str, ...], path: Path) -> bool:
    """Bars of time relative to rt_fast (log scale), one panel per group; none if no group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = {g: rows for g, rows in _groups(results).items() if g.split(":")[0] in prefixes}
    if not groups:
        return False
    cols = 2
    fig, axes = plt.subplots(math.ceil(len(groups) / cols), cols, squeeze=False,
                             figsize=(12, 2.6 * math.ceil(len(groups) / cols)))  # fmt: skip
    for ax, (group, rows) in zip(axes.flat, groups.items(), strict=False):
        _panel(ax, group, rows)
    for ax in list(axes.flat)[len(groups) :]:
        ax.axis("off")
    fig.suptitle("Time relative to rt_fast (lower is faster; log scale)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _panel(ax: Any, group: str, rows: list[dict[str, Any]]) -> None:
    import matplotlib.ticker

    base = _baseline(rows)
    names = [row["extra_info"]["impl"] for row in rows]
    ratios = [row["stats"]["median"] / base["stats"]["median"] if base else 1.0 for row in rows]
    colors = ["tab:orange" if n.startswith(("rt_fast", "msgspec")) else "tab:blue" for n in names]
    ax.barh(names[::-1], ratios[::-1], color=colors[::-1])
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.axvline(1.0, color="gray", linewidth=0.8)
    for y, ratio in enumerate(ratios[::-1]):
        ax.text(ratio, y, f" {ratio:.2f}", va="center", fontsize=7)
    short = group if len(group) <= 50 else group.split(":")[0] + " " + group[group.rfind("(") :]
    ax.set_title(short, fontsize=9)
    ax.tick_params(labelsize=7)


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One run made of each benchmark's lowest-median run (the first run's metadata); ``runs``
    is how many runs the best was chosen from."""
    best: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = defaultdict(int)
    for run in runs:
        for bench in run["benchmarks"]:
            seen[bench["fullname"]] += 1
            kept = best.get(bench["fullname"])
            if kept is None or bench["stats"]["median"] < kept["stats"]["median"]:
                best[bench["fullname"]] = bench
    excluded = {(g["group"], g["impl"]): g for run in runs for g in run.get("excluded", [])}
    return {**runs[0], "benchmarks": list(best.values()), "excluded": list(excluded.values()),
            "runs": max(seen.values(), default=0)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, nargs="+", help="pytest-benchmark JSON file(s)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--readme", type=Path, help="write the summary into this README")
    parser.add_argument("--page", type=Path, help="write the summary and tables into this page")
    parser.add_argument("--charts", type=Path, help="write the charts here (default: --out)")
    args = parser.parse_args()
    results = best_of([json.loads(path.read_text()) for path in args.results])
    args.out.mkdir(parents=True, exist_ok=True)
    charts_dir = args.charts or args.out
    charts_dir.mkdir(parents=True, exist_ok=True)
    runs = results["runs"]
    heading = f"Best of {runs} runs: each row is the run with its lowest median.\n\n"
    (args.out / "results.md").write_text((heading if runs > 1 else "") + markdown(results))
    (args.out / "results.json").write_text(json.dumps(trimmed(results), indent=1) + "\n")
    charts = [
        str(charts_dir / name)
        for name, prefixes in CHARTS.items()
        if chart(results, prefixes, charts_dir / name)
    ]
    print(f"wrote {args.out}/results.md, results.json", *charts, sep=", ")
    best = heading if runs > 1 else ""
    if args.readme:
        into_readme(args.readme, best + summary(results))
        print(f"wrote the summary into {args.readme}")
    if args.page:
        into_readme(args.page, best + summary(results))
        into_readme(args.page, best + markdown(results), TABLE_MARKS)
        print(f"wrote the summary and the tables into {args.page}")


if __name__ == "__main__":
    main()
