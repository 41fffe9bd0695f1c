"""One row per frame, as columns: what ``rt-fast export`` and ``rt_fast.dask.to_parquet``
write to Parquet. ``rows`` runs where a batch was decoded; its ``line`` numbers are the batch's
(global in a log only where the reader numbered them so: see ``map_log``).
"""

from __future__ import annotations

import importlib
from typing import Any

import msgspec

from ._jsonl import LogBatch
from ._stats import tag

__all__ = ["COLUMNS", "pyarrow", "rows", "schema", "table"]

_USAGE = {
    "total_tokens": ("total_tokens",),
    "input_tokens": ("input_tokens",),
    "output_tokens": ("output_tokens",),
    "input_text_tokens": ("input_token_details", "text_tokens"),
    "input_audio_tokens": ("input_token_details", "audio_tokens"),
    "input_cached_tokens": ("input_token_details", "cached_tokens"),
    "output_text_tokens": ("output_token_details", "text_tokens"),
    "output_audio_tokens": ("output_token_details", "audio_tokens"),
}
_STRINGS = ("log", "type", "event_id", "response_id", "item_id")
COLUMNS = ("log", "line", "type", "event_id", "response_id", "item_id", "size", *_USAGE)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _id(frame: Any, name: str, holder: str) -> str | None:
    """``frame.<name>``, else ``frame.<holder>.id`` (a response's, an item's)."""
    return _text(getattr(frame, name, None)) or _text(
        getattr(getattr(frame, holder, None), "id", None)
    )


def _usage(frame: Any, tag: str) -> dict[str, Any]:
    usage = (
        getattr(getattr(frame, "response", None), "usage", None) if tag == "response.done" else None
    )
    usage = msgspec.to_builtins(usage) if isinstance(usage, msgspec.Struct) else None
    if not isinstance(usage, dict):
        return dict.fromkeys(_USAGE)
    return {column: _dig(usage, path) for column, path in _USAGE.items()}


def _dig(value: Any, path: tuple[str, ...]) -> int | None:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int) else None


def rows(batch: LogBatch) -> dict[str, list[Any]]:
    """One row per frame, as columns (run where the batch was decoded)."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    lines = zip(batch.frames, batch.numbers(), batch.sizes(), strict=True)
    for frame, number, size in lines:
        kind = tag(frame)
        row = {
            "log": batch.log,
            "line": number,
            "type": kind,
            "size": size,
            "event_id": _text(getattr(frame, "event_id", None)),
            "response_id": _id(frame, "response_id", "response"),
            "item_id": _id(frame, "item_id", "item"),
            **_usage(frame, kind),
        }
        for name in COLUMNS:
            columns[name].append(row[name])
    return columns


def pyarrow() -> tuple[Any, Any]:
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "rt-fast export needs pyarrow: pip install 'rt-fast[parquet]'"
        ) from None


def schema(pa: Any) -> Any:
    """The Parquet schema of the rows: strings and 64-bit integers, every column nullable."""
    return pa.schema([(name, pa.string() if name in _STRINGS else pa.int64()) for name in COLUMNS])


def table(pa: Any, parts: list[dict[str, list[Any]]]) -> Any:
    """The columns of several batches as one ``pyarrow.Table``."""
    joined = {name: [value for part in parts for value in part[name]] for name in COLUMNS}
    return pa.Table.from_pydict(joined, schema=schema(pa))
