"""What sessions cost: a price table per model and the cost of a response's usage or of a
Live session's seconds.

The table shipped (``data/prices.json``) holds OpenAI's published prices with the date they
were read and each model's source; a file of the same shape (``rt-fast report --prices FILE``)
adds models or replaces the shipped figures of those it names. Token prices are USD per 1M
tokens by modality (text, audio, image) and kind (input, cached_input, output); a cached input
token is priced at its modality's cached rate, the rest of the input at the input rate. Live
sessions are priced by their billed seconds: active seconds at ``live.active``, paused
(standby) seconds at ``live.standby``, both USD per minute. A model is found by its name, or
by its name less a snapshot date (``gpt-realtime-2-2026-01-15`` is ``gpt-realtime-2``).
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

import msgspec

from ._errors import DecodeError

__all__ = ["Prices", "load_prices", "tokens_by_modality"]

_MILLION = 1_000_000
_MAX_FILE = 16_000_000  # bytes of a price table at most
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


_Price = Annotated[float, msgspec.Meta(ge=0, le=1e6)]  # USD: never negative, never absurd


class _Rates(msgspec.Struct, forbid_unknown_fields=True):
    input: _Price = 0.0
    cached_input: _Price | None = None  # None: as input
    output: _Price = 0.0


class _Live(msgspec.Struct, forbid_unknown_fields=True):
    active: _Price
    standby: _Price | None = None  # None: as active


class _Model(msgspec.Struct, forbid_unknown_fields=True):
    source: str = ""
    text: _Rates | None = None
    audio: _Rates | None = None
    image: _Rates | None = None
    live: _Live | None = None


class _Table(msgspec.Struct):
    models: dict[str, _Model]
    retrieved: str = ""
    source: str = ""
    note: str = ""


_read = msgspec.json.Decoder(_Table).decode

# usage figures (response.done, flattened) -> (modality, input tokens, of which cached, output)
_MODALITIES = (
    (
        "text",
        "input_token_details.text_tokens",
        "input_token_details.cached_tokens_details.text_tokens",
        "output_token_details.text_tokens",
    ),
    (
        "audio",
        "input_token_details.audio_tokens",
        "input_token_details.cached_tokens_details.audio_tokens",
        "output_token_details.audio_tokens",
    ),
    (
        "image",
        "input_token_details.image_tokens",
        "input_token_details.cached_tokens_details.image_tokens",
        "output_token_details.image_tokens",
    ),
)


def tokens_by_modality(usage: dict[str, int]) -> dict[str, int]:
    """A response's tokens by modality: ``text_in``, ``text_cached`` (of ``text_in``), ``text_out``,
    the same for audio and image. Cached tokens without their split by modality are text's.
    A count below zero is none, and the cached part of an input at most all of it: a log's
    figures never make a cost negative."""
    found: dict[str, int] = {}
    split = any(key.startswith("input_token_details.cached_tokens_details.") for key in usage)
    for modality, given, cached, out in _MODALITIES:
        found[f"{modality}_in"] = max(0, usage.get(given, 0))
        found[f"{modality}_cached"] = max(0, usage.get(cached, 0))
        found[f"{modality}_out"] = max(0, usage.get(out, 0))
    if not split:
        found["text_cached"] = max(0, usage.get("input_token_details.cached_tokens", 0))
    for modality, *_ in _MODALITIES:
        found[f"{modality}_cached"] = min(found[f"{modality}_cached"], found[f"{modality}_in"])
    return found


class Prices:
    """A price table: the shipped one, with a file's models over it."""

    def __init__(self, table: _Table, file: str | None = None) -> None:
        self.table, self.file = table, file

    def model(self, name: str | None) -> _Model | None:
        if name is None:
            return None
        models = self.table.models
        return models.get(name) or models.get(_SNAPSHOT.sub("", name))

    def tokens(self, name: str | None, tokens: dict[str, int]) -> float | None:
        """USD of a response's tokens (``tokens_by_modality``), None if its model has no token
        prices."""
        model = self.model(name)
        if model is None or model.text is None:
            return None
        cost = 0.0
        for modality in ("text", "audio", "image"):
            rates: _Rates | None = getattr(model, modality)
            cached = tokens[f"{modality}_cached"]
            billed = tokens[f"{modality}_in"] - cached, cached, tokens[f"{modality}_out"]
            if rates is None:
                if any(billed):
                    return None  # tokens the table has no price for
                continue
            cached_rate = rates.input if rates.cached_input is None else rates.cached_input
            cost += billed[0] * rates.input + billed[1] * cached_rate + billed[2] * rates.output
        return cost / _MILLION

    def seconds(self, name: str | None, usage: dict[str, float]) -> float | None:
        """USD of a Live session's last usage report, None if its model has no Live prices."""
        model = self.model(name)
        if model is None or model.live is None:
            return None
        live = model.live
        paused = float(usage.get("paused_seconds", 0.0))
        active = usage.get("active_seconds")
        active = float(usage.get("seconds", 0.0)) - paused if active is None else float(active)
        standby = live.active if live.standby is None else live.standby
        return (active * live.active + paused * standby) / 60

    def described(self) -> dict[str, Any]:
        return {"retrieved": self.table.retrieved, "source": self.table.source,
                "file": self.file, "models": sorted(self.table.models)}  # fmt: skip


def load_prices(file: str | os.PathLike[str] | None = None) -> Prices:
    """The shipped table, with the models of ``file`` (JSON of the same shape) over it."""
    from importlib import resources

    shipped = _read(
        resources.files("rt_fast").joinpath("data").joinpath("prices.json").read_bytes()
    )
    if file is None:
        return Prices(shipped)
    with open(file, "rb") as opened:
        data = opened.read(_MAX_FILE + 1)  # not /dev/zero to the end
    if len(data) > _MAX_FILE:
        raise DecodeError(f"{file}: not a price table: over {_MAX_FILE // 1_000_000} MB")
    try:
        given = _read(data)
    except msgspec.DecodeError as exc:  # msgspec's ValidationError is one too
        raise DecodeError(f"{file}: not a price table: {exc}") from None
    shipped.models.update(given.models)
    return Prices(shipped, os.fspath(file))
