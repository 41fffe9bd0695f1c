"""Instructions a frame, counted by valgrind's callgrind: the A/B measure of a hot-path change.

Timings on small shared machines move 1.5-2.5x between runs; an instruction count moves by a
few parts in a thousand whatever else runs. This script decodes each frame set of
``benchmarks.data`` with each implementation inside one process under callgrind, and counts the
instructions between markers (a call of ``os.getppid``, which nothing else here calls:
``--dump-before=getppid`` writes the count since the last marker). Each set is decoded once
untimed first (first-use costs: lenient decoders built, caches filled), then enough times to
make ~2,000 frames; the figure is instructions per frame, the Python loop around each call
included (the same for every row). ``peek_type`` is a row of its own. The ``jsonl`` set is
decoded as a log, one call for all its lines (each implementation's bulk form), and counted a
line.

    python -m benchmarks.instructions                       # every set, the default rows
    python -m benchmarks.instructions --sets appends-id,small --impls 'rt_fast Decoder'
    python -m benchmarks.instructions --src /tmp/old/src    # the same, for another checkout

Run it twice (``--src`` of the old and the new tree) to A/B a change. Needs valgrind.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

DEFAULT_IMPLS = ("msgspec Decoder", "msgspec + a Python call", "rt_fast Decoder",
                 "rt_fast functions", "peek_type", "orjson.loads")  # fmt: skip
FRAMES = 2_000  # decoded per cell, about: enough that the count per frame is stable


def _sets() -> dict[str, Any]:
    from benchmarks import data

    return dict(data.FRAME_SETS)


def _peek_pairs(fs: Any) -> list[tuple[Any, bytes]]:
    import rt_fast

    return [(rt_fast.peek_type, frame) for _, frame in fs.frames]


def _child(sets: list[str], impls: list[str], frames: int) -> None:
    """Under callgrind: a marker, then each cell's loop, then a marker; in that order."""
    from benchmarks import data

    frame_sets = _sets()
    cells = []
    for impl in impls:
        codec = None if impl == "peek_type" else data.load(impl)
        for name in sets:
            fs = frame_sets[name]
            if codec is None:
                if fs.bulk:
                    continue
                pairs: Any = _peek_pairs(fs)
            elif isinstance(codec, str) or isinstance(p := data.prepare(codec, fs), str):
                continue
            else:
                pairs = [p] if fs.bulk else p[1]  # a log: one call decodes its every line
            data.decode_dropping(pairs)  # first use, uncounted
            cells.append((impl, name, pairs, max(1, frames // len(fs.frames)), len(fs.frames)))
    for impl, name, _, rounds, each in cells:
        print(f"{impl}\t{name}\t{rounds * each}", flush=True)
    os.getppid()
    for _, _, pairs, rounds, _ in cells:
        for _ in range(rounds):
            data.decode_dropping(pairs)
        os.getppid()


def totals(folder: str) -> list[int]:
    """The counts of the dumps in order (the first, before the first marker, left out)."""
    dumps = sorted(glob.glob(os.path.join(folder, "out.*.*")), key=lambda p: int(p.rsplit(".")[-1]))
    counts = []
    for path in dumps:
        with open(path) as file:
            counts.extend(int(line.split()[1]) for line in file if line.startswith("totals:"))
    return counts[1:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", help="comma-separated frame sets (default: all)")
    parser.add_argument(
        "--impls", help=f"comma-separated rows (default: {', '.join(DEFAULT_IMPLS)})"
    )
    parser.add_argument("--src", help="the rt_fast source tree to measure (default: installed)")
    parser.add_argument("--frames", type=int, default=FRAMES, help="frames a cell, about")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sets = args.sets.split(",") if args.sets else list(_sets())
    impls = args.impls.split(",") if args.impls else list(DEFAULT_IMPLS)
    if args.child:
        _child(sets, impls, args.frames)
        return 0
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [args.src, os.getcwd(), env.get("PYTHONPATH")])
        )
    with tempfile.TemporaryDirectory() as folder:
        command = ["valgrind", "--tool=callgrind", "--dump-before=getppid",
                   f"--callgrind-out-file={folder}/out.%p", sys.executable, "-m",
                   "benchmarks.instructions", "--child", "--sets", ",".join(sets),
                   "--impls", ",".join(impls), "--frames", str(args.frames)]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        cells = [line.split("\t") for line in done.stdout.splitlines() if line.count("\t") == 2]
        counts = totals(folder)
    _table(cells, counts, sets, impls)
    return 0


def _table(cells: list[list[str]], counts: list[int], sets: list[str], impls: list[str]) -> None:
    per = {(impl, name): counts[i] / int(n) for i, (impl, name, n) in enumerate(cells)}
    base = "msgspec + a Python call"
    print(f"instructions a frame (ratio to {base!r})")
    print("| set | " + " | ".join(impls) + " |")
    print("|---|" + "--:|" * len(impls))
    for name in sets:
        row = []
        for impl in impls:
            got = per.get((impl, name))
            ref = per.get((base, name))
            row.append(
                "-" if got is None else f"{got:,.0f}" + (f" ({got / ref:.2f}x)" if ref else "")
            )
        print(f"| {name} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    sys.exit(main())
