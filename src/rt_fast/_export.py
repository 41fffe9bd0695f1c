"""One row per frame, as columns: what ``rt-fast export`` and ``rt_fast.dask.to_parquet``
write to Parquet. ``rows`` runs where a batch was decoded; its ``line`` numbers are the batch's
(global in a log only where the reader numbered them so: see ``map_log``).

Every integer column is a signed 64-bit integer (``int64``): the integer type every Parquet
reader takes (Spark and Java have no unsigned one, and DuckDB, Polars and pandas sum it without
surprises), wide enough for any real count of tokens or bytes. A frame decodes with any JSON
integer msgspec reads (up to 2**64 - 1), so a usage count past int64 is possible in a log that
``validate`` accepts: such a count is a corrupt log, and ``rows`` raises ``DecodeError`` naming
its line and field rather than writing it clipped, wrapped or as null.
"""

from __future__ import annotations

import importlib
from typing import Any

import msgspec

from ._errors import DecodeError
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
_INT64 = range(-(2**63), 2**63)  # the values of an integer column


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _id(frame: Any, name: str, holder: str) -> str | None:
    """``frame.<name>``, else ``frame.<holder>.id`` (a response's, an item's)."""
    return _text(getattr(frame, name, None)) or _text(
        getattr(getattr(frame, holder, None), "id", None)
    )


def _usage(frame: Any, tag: str, where: tuple[str, int]) -> dict[str, Any]:
    """The usage columns of a ``response.done`` (``where``: its log and line, for errors)."""
    usage = (
        getattr(getattr(frame, "response", None), "usage", None) if tag == "response.done" else None
    )
    usage = msgspec.to_builtins(usage) if isinstance(usage, msgspec.Struct) else None
    if not isinstance(usage, dict):
        return dict.fromkeys(_USAGE)
    columns = {column: _dig(usage, path) for column, path in _USAGE.items()}
    for column, value in columns.items():
        if value is not None and value not in _INT64:
            raise _too_wide(column, value, where)
    return columns


def _dig(value: Any, path: tuple[str, ...]) -> int | None:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int) else None


def _too_wide(column: str, value: int, where: tuple[str, int]) -> DecodeError:
    (log, line), at = where, f"$.response.usage.{'.'.join(_USAGE[column])}"
    message = f"{log}, line {line}: {value} does not fit column {column} (a 64-bit signed integer)"
    return DecodeError(f"{message} - at `{at}`", path=at, line=line)


def rows(batch: LogBatch) -> dict[str, list[Any]]:
    """One row per frame, as columns (run where the batch was decoded); ``DecodeError`` for a
    usage count an int64 column cannot hold (see the module)."""
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
            **_usage(frame, kind, (batch.log, number)),
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
