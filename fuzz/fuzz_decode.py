"""Fuzzing rt_fast's decoders: every input decodes or raises ``DecodeError``, and memory stays flat.

Two modes:

- ``python fuzz/fuzz_decode.py [libFuzzer flags]`` runs the coverage-guided atheris fuzzer
  (``pip install '.[fuzz]'``), e.g. ``-atheris_runs=1000000`` or ``-max_total_time=3600``, with
  the realtime frames of a generated session as its seed inputs. Each input goes to every
  decode entry point as ``bytes``, ``bytearray``, ``memoryview`` and ``str``; an exception
  other than ``DecodeError`` (or a crash) is a finding, saved by libFuzzer as ``crash-*``.
- ``python fuzz/fuzz_decode.py --soak [N]`` decodes N (default 1,000,000) good and bad frames
  (valid, truncated, flipped, deeply nested, not UTF-8, oversized) round robin and prints, as
  JSON, the resident memory after the first tenth and at the end. Exit status 1 if it grew by
  more than ``--max-growth`` MiB (default 8). ``tests/test_bad_input.py`` runs a short soak.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import rt_fast
from rt_fast import _audio
from rt_fast._traffic import session_frames

Entry = Callable[[Any], Any]

ENTRY_POINTS: list[Entry] = [
    rt_fast.decode_server_event,
    rt_fast.decode_client_event,
    lambda d: rt_fast.decode_server_event(d, protocol="beta"),
    lambda d: rt_fast.decode_server_event(d, protocol="translation"),
    lambda d: rt_fast.decode_server_event(d, protocol="auto"),
    lambda d: rt_fast.decode_client_event(d, naming="camel"),
    lambda d: rt_fast.decode(d, type=Any),
    rt_fast.Decoder(rt_fast.ga.Event).decode,
    rt_fast.Decoder(rt_fast.ga.Event, max_size=4096).decode_lines,
    _audio.peek_type,
    _audio.audio_payload,
    _audio.decode_pcm,
]


def _views(data: bytes) -> Iterator[Any]:
    yield data
    yield bytearray(data)
    yield memoryview(data)
    yield data.decode("utf-8", "surrogateescape")


def decode_everywhere(data: bytes) -> None:
    """Give ``data`` to every entry point in every buffer type; only DecodeError may escape."""
    for view in _views(data):
        for entry in ENTRY_POINTS:
            with contextlib.suppress(rt_fast.DecodeError):
                entry(view)


def seeds() -> list[bytes]:
    """One frame of each type of a generated session, both directions."""
    by_type: dict[bytes, bytes] = {}
    for _, frame in session_frames(seed=11, turns=2):
        by_type.setdefault(frame[:48], frame)
    return list(by_type.values())


def _bad(frame: bytes) -> list[bytes]:
    deep = b"[" * 100_000
    return [
        frame[: len(frame) // 2],
        frame.replace(b'"', b"'", 1),
        frame[:-1] + b',"x":"\xff"}',
        frame[:-1] + b',"x":' + deep + b"}",
        b'{"type":"session.update","session":{"tools":[{"parameters":' + deep,
        frame * 2,
    ]


def soak(count: int) -> dict[str, int]:
    """Decode ``count`` good and bad frames; the resident memory after a tenth and at the end."""
    good = seeds()
    frames = good + [bad for frame in good[:8] for bad in _bad(frame)]
    decoder = rt_fast.Decoder(rt_fast.ga.Event, max_size=64 * 1024)
    oversized = b'{"type":"x","pad":"' + b"A" * 70_000 + b'"}'
    frames.append(oversized)
    rss, start = {}, time.perf_counter()
    for i in range(count):
        frame = frames[i % len(frames)]
        with contextlib.suppress(rt_fast.DecodeError):
            decoder.decode(frame)
        if i + 1 == count // 10:
            rss["rss_after_tenth"] = _rss()
    rss["rss_end"] = _rss()
    return {"decodes": count, "frames": len(frames), **rss,
            "seconds": round(time.perf_counter() - start)}  # fmt: skip


def _rss() -> int:
    """Resident memory now (Linux), else the peak so far, in bytes."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv: list[str]) -> int:
    if "--soak" in argv:
        rest = argv[argv.index("--soak") + 1 :]
        count = int(rest[0]) if rest and rest[0].isdigit() else 1_000_000
        limit = float(argv[argv.index("--max-growth") + 1]) if "--max-growth" in argv else 8.0
        report = soak(count)
        growth = report["rss_end"] - report.get("rss_after_tenth", report["rss_end"])
        print(json.dumps({**report, "growth_mib": round(growth / 2**20, 2)}))
        return 0 if growth <= limit * 2**20 else 1
    import atheris  # the `fuzz` extra

    corpus = [a for a in argv[1:] if not a.startswith("-")]
    if not corpus:  # seed libFuzzer with realtime frames, in a scratch folder it grows
        folder = tempfile.mkdtemp(prefix="rt_fast-fuzz-")
        for n, frame in enumerate(seeds()):
            with open(os.path.join(folder, f"seed-{n:03}.json"), "wb") as out:
                out.write(frame)
        print(f"corpus: {folder}", file=sys.stderr)
        argv = [*argv, folder]
    atheris.instrument_all()  # coverage of rt_fast's Python code guides the mutations
    atheris.Setup(argv, decode_everywhere)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
