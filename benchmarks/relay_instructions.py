"""Instructions a relayed frame, counted by valgrind's callgrind: the relay's A/B measure.

``bench_relay.py`` times the relay's CPU, which moves 1.5-2.5x between runs on a shared machine;
an instruction count moves little whatever else runs. This script opens ``bench_relay.py``'s
sessions (client, relay and upstream in one process, over loopback) under callgrind and counts
the instructions of ``ROUNDS`` rounds of each, between markers (a call of ``os.getppid``, as
``benchmarks.instructions`` does): one response down (the recorded response's frames), and
100 microphone appends up. A relay's figure is its rounds' count less the direct connection's,
a frame: what the relay itself costs, client and server left out.

    python -m benchmarks.relay_instructions                   # the installed rt_fast
    python -m benchmarks.relay_instructions --src /tmp/old/src  # another checkout's

Needs valgrind. Each session is warmed up (3 rounds) before its count.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from benchmarks.instructions import totals

ROUNDS = 10
ROWS = ("no relay (client to server)", "rt_fast relay", "rt_fast relay + handler", "json relay")


def _child() -> None:
    """Under callgrind: a marker, then each cell's rounds, then a marker; in that order."""
    from benchmarks import bench_relay as bench

    groups: dict[str, tuple[dict[str, Any], str, int]] = {
        "down": ({}, "response", len(bench.RESPONSE)),
        "up": ({"recording": False, "client": "rt_fast"}, "microphone", bench.APPENDS),
    }
    for group, (options, round_name, frames) in groups.items():
        for row in ROWS:
            session: Any = bench._Session(bench.RELAYS[row][0], **options)
            run = getattr(session, round_name)
            for _ in range(3):
                session.run(run)
            os.getppid()
            for _ in range(ROUNDS):
                session.run(run)
            os.getppid()
            session.close()
            print(f"{group}\t{row}\t{frames * ROUNDS}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", help="the rt_fast source tree to measure (default: installed)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child()
        return 0
    if shutil.which("valgrind") is None:
        print("relay_instructions: valgrind is not installed", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.src, os.getcwd(),
                                                          env.get("PYTHONPATH")]))  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        command = ["valgrind", "--tool=callgrind", "--dump-before=getppid",
                   f"--callgrind-out-file={folder}/out.%p", sys.executable, "-m",
                   "benchmarks.relay_instructions", "--child"]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        cells = [line.split("\t") for line in done.stdout.splitlines() if line.count("\t") == 2]
        counts = totals(folder)[0::2]  # each cell's rounds; the odd dumps are between cells
    per = {
        (group, row): count / int(n) for (group, row, n), count in zip(cells, counts, strict=True)
    }
    for group in ("down", "up"):
        floor = per[(group, ROWS[0])]
        print(f"{group}: instructions a frame, and the relay's own (less the direct connection's)")
        for row in ROWS:
            own = "" if row == ROWS[0] else f"  own {per[(group, row)] - floor:10,.0f}"
            print(f"  {row:30s} {per[(group, row)]:12,.0f}{own}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
