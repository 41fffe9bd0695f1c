"""Session logs on a Dask cluster: a ``LocalCluster`` of worker processes on this machine, the
same calls as on a cluster of many (pass its scheduler's address instead of "local").

    python examples/dask_local.py [LOG...]          # default: the bundled sample, twice

Needs the ``dask`` extra (``pip install 'rt-fast[dask]'``), and ``parquet`` for the export.
"""

from __future__ import annotations

import json
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

import rt_fast
import rt_fast.dask


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        logs = sys.argv[1:]
        if not logs:  # two copies of the bundled sample, as two days of logs
            sample = (files("rt_fast") / "data" / "sample_session.jsonl.gz").read_bytes()
            for day in ("01", "02"):
                (Path(folder) / f"2026-12-{day}.jsonl.gz").write_bytes(sample)
            logs = [f"{folder}/2026-12-*.jsonl.gz"]
        with rt_fast.dask.cluster("local") as client:
            bag = rt_fast.dask.read_logs(logs)
            is_done = bag.filter(lambda frame: isinstance(frame, rt_fast.ga.ResponseDoneEvent))
            responses = is_done.count().compute()
            stats = rt_fast.dask.stats(logs, client)  # what `rt-fast stats --json` gives
            exported = rt_fast.dask.to_parquet(logs, f"{folder}/frames", client)
        print(json.dumps({"responses": responses, "lines": stats["lines"],
                          "usage": stats["usage"], "parquet_rows": exported.decoded}))  # fmt: skip


if __name__ == "__main__":
    main()
