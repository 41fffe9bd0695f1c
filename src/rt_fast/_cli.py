"""The ``rt-fast`` command line: summaries of Realtime session logs (JSONL, one frame a line).

``rt-fast stats [LOG...]`` decodes every line, counts frames by type, and times rt_fast against
``json.loads`` on the same bytes in the same run. With no LOG it reads the bundled sample
session, so it works out of the box.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from . import ga
from ._codec import Decoder
from ._errors import DecodeError

__all__ = ["main"]

SAMPLE = "sample_session.jsonl.gz"
_decoder: Decoder[Any] = Decoder(ga.Event)


def _read(path: str | None) -> tuple[str, bytes]:
    """The name and bytes of a log (gzip by suffix); None is the bundled sample."""
    if path is None:
        data = resources.files("rt_fast").joinpath("data").joinpath(SAMPLE).read_bytes()
        return f"bundled sample ({SAMPLE})", gzip.decompress(data)
    raw = Path(path).read_bytes()
    return path, gzip.decompress(raw) if path.endswith(".gz") else raw


def _best_of(runs: int, work: Callable[[], object]) -> float:
    """The fastest of ``runs`` timings of ``work``, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _stats(name: str, data: bytes) -> dict[str, Any]:
    lines = [line for line in data.splitlines() if line.strip()]
    by_type: Counter[str] = Counter()
    size: Counter[str] = Counter()
    rejected = []
    bad: set[int] = set()
    for number, line in enumerate(lines, 1):
        try:
            frame = _decoder.decode(line)
        except DecodeError as exc:
            rejected.append({"line": number, "error": str(exc)})
            bad.add(number)
            continue
        by_type[frame.type] += 1
        size[frame.type] += len(line)
    good = b"\n".join(line for n, line in enumerate(lines, 1) if n not in bad)
    good_lines = good.splitlines()
    rt_fast_s = _best_of(5, lambda: _decoder.decode_lines(good))
    json_s = _best_of(5, lambda: [json.loads(line) for line in good_lines])
    return {
        "log": name,
        "lines": len(lines),
        "decoded": len(lines) - len(rejected),
        "rejected": rejected,
        "bytes": len(data),
        "by_type": dict(by_type.most_common()),
        "bytes_by_type": dict(size),
        "seconds": {"rt_fast": rt_fast_s, "json.loads": json_s},
    }


def _print_stats(report: dict[str, Any]) -> None:
    lines = report["decoded"]
    print(f"{report['log']}: {report['lines']} frames, {report['bytes'] / 1e6:.2f} MB")
    print(f"decoded {report['decoded']}, rejected {len(report['rejected'])}")
    for rejected in report["rejected"][:10]:
        print(f"  line {rejected['line']}: {rejected['error']}")
    print(f"\n{'type':<56}{'frames':>8}{'MB':>9}")
    for type_, count in report["by_type"].items():
        print(f"{type_:<56}{count:>8}{report['bytes_by_type'][type_] / 1e6:>9.3f}")
    ours, theirs = report["seconds"]["rt_fast"], report["seconds"]["json.loads"]
    per = 1e6 / max(lines, 1)
    print(
        f"\ndecode, best of 5: rt_fast {ours * 1e3:.2f} ms ({ours * per:.2f} us/frame), "
        f"json.loads {theirs * 1e3:.2f} ms ({theirs * per:.2f} us/frame): "
        f"rt_fast is {theirs / ours:.1f}x json.loads (typed objects vs plain dicts)"
    )


def _cmd_stats(args: argparse.Namespace) -> int:
    reports = [_stats(*_read(path)) for path in (args.log or [None])]
    if args.json:
        json.dump(reports if len(reports) > 1 else reports[0], sys.stdout, indent=2)
        print()
    else:
        for report in reports:
            _print_stats(report)
    return 1 if any(report["rejected"] for report in reports) else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rt-fast", description="Decode OpenAI Realtime session logs (JSONL) fast, exactly."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    stats = commands.add_parser(
        "stats", help="count frames by type and time decoding (the bundled sample if no LOG)"
    )
    stats.add_argument("log", nargs="*", metavar="LOG", help="JSONL log, plain or .gz")
    stats.add_argument("--json", action="store_true", help="print JSON for machines")
    stats.set_defaults(run=_cmd_stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except OSError as exc:
        print(f"rt-fast: {exc}", file=sys.stderr)
        return 2
