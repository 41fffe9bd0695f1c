"""rt_fast: fast, exact decoding and encoding of OpenAI Realtime API frames.

Frames decode straight from the bytes a socket gives into ``msgspec.Struct`` models
(``rt_fast.ga``, ``.beta``, ``.translation``, ``.live``), and encode back to exactly the fields
that were there. Decoding and encoding do no I/O: you bring the bytes. Around that core, the
log reader (``read_log``, ``map_log``) reads files, and the ``ws`` extra's modules hold the
sockets: connections (``rt_fast.ws``), a local server (``rt_fast.server``) and a relay
(``rt_fast.relay``); ``rt_fast.dask`` reads logs on a cluster.
"""

import importlib as _importlib
import typing as _typing

from msgspec import UNSET, UnsetType

from ._audio import audio_payload, decode_pcm, peek_type
from ._codec import Decoder, encode, encode_audio
from ._decoders import decode, decode_client_event, decode_server_event
from ._errors import DecodeError
from ._guard import MAX_FRAME_SIZE
from ._jsonl import LogBatch, LogReader, Rejected, map_log, read_log
from ._models import UnknownEvent, Untagged
from ._stack import max_depth
from ._version import __version__

if _typing.TYPE_CHECKING:
    from . import beta, ga, live, translation

_GENERATIONS = ("beta", "ga", "live", "translation")


def __getattr__(name: str) -> _typing.Any:
    """The generations' packages, imported on first use: ``rt_fast.ga`` and ``from rt_fast
    import ga`` work as always, and a program that reads one generation loads no other."""
    if name in _GENERATIONS:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_GENERATIONS})


__all__ = [
    "DecodeError",
    "Decoder",
    "LogBatch",
    "LogReader",
    "MAX_FRAME_SIZE",
    "Rejected",
    "UNSET",
    "UnknownEvent",
    "UnsetType",
    "Untagged",
    "__version__",
    "audio_payload",
    "beta",
    "decode",
    "decode_client_event",
    "decode_pcm",
    "decode_server_event",
    "encode",
    "encode_audio",
    "ga",
    "live",
    "map_log",
    "max_depth",
    "peek_type",
    "read_log",
    "translation",
]
