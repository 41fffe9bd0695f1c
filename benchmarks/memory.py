"""Peak memory of decoding a ~100 MB JSONL session log, each implementation in a fresh process.

    python -m benchmarks.memory [--mb 100] [--log /tmp/rt_fast_memory.jsonl]

Generates (once) a log of whole GA sessions, both directions, from the traffic generator
(``session_frames(seed, turns=4)`` for seeds 0, 1, 2, ... until the size is reached), then runs
one child Python per implementation of ``data.IMPLS`` and mode. A child imports its
implementation, notes its peak RSS (``ru_maxrss``), reads the log line by line (binary,
buffered) decoding each frame, and reports its peak RSS again. In the ``streaming`` mode it
drops each result, as a log reader does; in the ``retained`` mode it keeps every decoded object
in a list, as a program that loads a log does: the footprint of the decoded representation.
rt_fast is also run with ``Decoder.decode_lines`` on 1 MB chunks. ``read only`` decodes
nothing: the floor. Prints a markdown table (peak RSS per mode, RSS after imports, time).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import data

CHUNK = 1 << 20
READ_ONLY = "read only (no decoding)"
CHUNKED = "rt_fast Decoder.decode_lines (1 MB chunks)"


def generate(path: Path, megabytes: float) -> None:
    """Write whole generated sessions to ``path`` until it holds ``megabytes`` MB."""
    from rt_fast._traffic import session_frames

    size, seed = 0, 0
    with path.open("wb") as out:
        while size < megabytes * 1e6:
            for _, frame in session_frames(seed=seed, turns=4):
                out.write(frame + b"\n")
                size += len(frame) + 1
            seed += 1


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _decoder(name: str) -> Callable[[bytes], Any]:
    if name == READ_ONLY:
        return bytes  # a copy of the line, the least any decoder makes
    codec = data.load(name)
    if isinstance(codec, str):
        raise SystemExit(codec)
    if codec.either is None:
        raise SystemExit("parses server events only; the log holds both directions")
    return codec.either


def _decode(name: str, path: Path, kept: list[Any] | None) -> int:
    """Decode every line of the log with ``name``, keeping the results in ``kept`` if given."""
    if name == CHUNKED:
        return _decode_chunks(path, kept)
    decode, count = _decoder(name), 0
    with path.open("rb") as log:
        for line in log:
            obj = decode(line)
            if kept is not None:
                kept.append(obj)
            count += 1
    return count


def _decode_chunks(path: Path, kept: list[Any] | None) -> int:
    from rt_fast import Decoder, ga

    decoder, count, rest = Decoder(ga.Event), 0, b""
    with path.open("rb") as log:
        while chunk := log.read(CHUNK):
            chunk = rest + chunk
            end = chunk.rfind(b"\n") + 1
            objs = decoder.decode_lines(chunk[:end])
            count += len(objs)
            if kept is not None:
                kept.extend(objs)
            rest = chunk[end:]
    return count + len(decoder.decode_lines(rest))


def child(name: str, path: Path, keep: bool) -> None:
    """Run in the child process: load, measure, decode, measure; print JSON."""
    if name == CHUNKED:
        import rt_fast  # noqa: F401
    else:
        _decoder(name)
    after_import = _peak_kb()
    kept: list[Any] | None = [] if keep else None
    start = time.perf_counter()
    frames = _decode(name, path, kept)
    seconds = time.perf_counter() - start
    print(json.dumps({"import_kb": after_import, "peak_kb": _peak_kb(), "frames": frames,
                      "seconds": seconds}))  # fmt: skip


def measure(name: str, path: Path, keep: bool) -> dict[str, Any]:
    """Run one implementation in a fresh interpreter and return what it reported."""
    argv = [sys.executable, "-m", "benchmarks.memory", "--child", name, "--log", str(path)]
    argv += ["--keep"] if keep else []
    done = subprocess.run(argv, capture_output=True, text=True, cwd=Path(__file__).parents[1])
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _names() -> list[str]:
    return [READ_ONLY, *data.IMPLS, CHUNKED]


def _mib(kb: int) -> str:
    return f"{kb / 1024:.0f} MiB"


def _table(path: Path, results: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> str:
    lines = [f"Decoding {path.stat().st_size / 1e6:.0f} MB of JSONL line by line, one fresh "
             f"process each (Python {sys.version.split()[0]})", "",
             "| implementation | after imports | peak, streaming | time | peak, retained | time |",
             "|---|--:|--:|--:|--:|--:|"]  # fmt: skip
    for name, (streaming, retained) in results.items():
        if "error" in streaming:
            lines.append(f"| {name} | - | - | - | - | not measured: {streaming['error']} |")
            continue
        lines.append(f"| {name} | {_mib(streaming['import_kb'])} | {_mib(streaming['peak_kb'])} "
                     f"| {streaming['seconds']:.2f} s | {_mib(retained['peak_kb'])} "
                     f"| {retained['seconds']:.2f} s |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=100.0, help="log size in MB (default 100)")
    parser.add_argument("--log", type=Path, default=Path("/tmp/rt_fast_memory.jsonl"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.log, args.keep)
        return
    if not args.log.exists() or args.log.stat().st_size < args.mb * 1e6:
        print(f"generating {args.mb:.0f} MB log at {args.log}", file=sys.stderr)
        generate(args.log, args.mb)
    results = {}
    for name in _names():
        print(f"measuring {name}", file=sys.stderr)
        results[name] = (measure(name, args.log, False), measure(name, args.log, True))
    print(_table(args.log, results))


if __name__ == "__main__":
    main()
