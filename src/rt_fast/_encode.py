"""Encoding: models back to compact JSON, and audio frames from PCM without a base64 ``str``."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import msgspec

from ._audio import audio_field, b64encode
from ._models import UnknownEvent
from ._variants import NAMINGS, naming_of, origin, recast, variant

__all__ = ["check_naming", "encode", "encode_audio"]

Naming = Literal["snake", "camel"]
_encoder = msgspec.json.Encoder()


def check_naming(naming: str) -> dict[str, Any]:
    """The options of a key convention; ``ValueError`` for an unknown one."""
    try:
        return NAMINGS[naming]
    except KeyError:
        raise ValueError(f"unknown naming {naming!r}; expected 'snake' or 'camel'") from None


def encode(obj: Any, *, naming: Naming = "snake") -> bytes:
    """Compact JSON of a model, keys in ``naming``; ``UNSET`` fields are omitted.

    The JSON equals the frame the model was decoded from (fields in the model's order; the
    bytes are identical when the frame's keys came in that order). An ``UnknownEvent`` is
    written back as the frame it was decoded from. Values are not validated: encode what the
    models hold.

    Args:
        obj: A model (any rt_fast event or nested object), or data ``msgspec`` encodes.
        naming: The key convention to write: ``"snake"`` (the API's) or ``"camel"``.

    Returns:
        The compact JSON text.

    Raises:
        ValueError: ``naming`` is neither ``"snake"`` nor ``"camel"``.
        TypeError: ``obj`` holds a value ``msgspec`` cannot encode.

    Examples:
        >>> rt_fast.encode(rt_fast.ga.ResponseCancelEvent(event_id="e1"))
        b'{"type":"response.cancel","event_id":"e1"}'
    """
    cls = obj.__class__
    if cls is UnknownEvent:
        return bytes(obj.raw)
    if naming_of(cls) != naming:
        check_naming(naming)
        obj = recast(obj, naming)
    return _encoder.encode(obj)


A = TypeVar("A", bound=msgspec.Struct)


def encode_audio(
    cls: type[A],
    pcm: bytes | bytearray | memoryview,
    *,
    naming: Naming = "snake",
    **fields: Any,
) -> bytes:
    """The frame of an audio event carrying ``pcm``, as ``encode`` writes it.

    Byte-identical to ``encode(cls(**fields, audio=base64(pcm)))`` (``delta=`` for the
    server's audio deltas), without making the base64 text a ``str``. A strided view is read
    in its order. Like ``encode``, it does not validate the fields' values: the payload goes
    where ``encode`` puts it even if another field's value holds the payload's key.

    Args:
        cls: An audio event class of any generation: ``rt_fast.ga.InputAudioBufferAppendEvent``,
            ``rt_fast.ga.ResponseOutputAudioDeltaEvent``, or their beta, translation and Live
            equivalents.
        pcm: The audio (PCM16 or G.711 bytes), base64-encoded into the payload.
        naming: The key convention to write: ``"snake"`` (the API's) or ``"camel"``.
        **fields: The event's other fields (``event_id``, ``response_id``, ...).

    Returns:
        The frame's JSON text.

    Raises:
        TypeError: ``cls`` is not an audio event class, a field is missing or unknown (as
            ``cls(...)`` raises it), or ``pcm`` is not a buffer (or a released view).
        ValueError: ``naming`` is neither ``"snake"`` nor ``"camel"``.

    Examples:
        >>> rt_fast.encode_audio(rt_fast.ga.InputAudioBufferAppendEvent, b"\\x00\\x00\\x00")
        b'{"type":"input_audio_buffer.append","audio":"AAAA"}'
    """
    plan = _AUDIO_PLANS.get((cls, naming)) or _audio_plan(cls, naming)
    make, empty, key, head, tail = plan
    if fields or not head:  # the event with an empty payload, encoded, cut at the payload
        frame = _encoder.encode(make(**fields, **empty))
        at = frame.index(key) + len(key) - 1
        if frame.count(key) > 1:  # another field's value holds the key too (not a str then)
            at = _payload_at(frame, _encoder.encode(make(**fields, **dict.fromkeys(empty, "A"))))
        head, tail = frame[:at], frame[at:]
    if pcm.__class__ is memoryview and not _contiguous(pcm):
        pcm = pcm.tobytes()  # a strided view's bytes, in order, once
    return b"".join((head, b64encode(pcm), tail))


def _payload_at(empty: bytes, one: bytes) -> int:
    """Where the payload goes: the first byte at which the event encoded with an empty payload
    and with ``"A"`` differ (the empty payload's closing quote)."""
    return next(at for at, (a, b) in enumerate(zip(empty, one, strict=False)) if a != b)


def _contiguous(view: memoryview) -> bool:
    """Whether base64 can read ``view`` as it is; a released view is a ``TypeError``."""
    try:
        return view.c_contiguous
    except ValueError as exc:
        raise TypeError(f"cannot read the PCM's memoryview: {exc}") from None


_AudioPlan = tuple[type[Any], dict[str, str], bytes, bytes, bytes]
"""How ``encode_audio`` writes an audio event class: the class of the naming to build, its
empty payload (``{field: ""}``), the payload's key with it (``,"<field>":""``: no string
value holds that unescaped), and the frame with no other field, cut before the payload's
closing quote (empty where the class requires other fields)."""


def _audio_plan(cls: type[Any], naming: str) -> _AudioPlan:
    field = audio_field(cls) if isinstance(cls, type) else None
    if field is None:
        raise TypeError(f"not an audio event class: {cls!r}")
    make = variant(origin(cls), **check_naming(naming))
    empty, key = {field: ""}, f',"{field}":""'.encode()
    try:
        frame = _encoder.encode(make(**empty))
    except TypeError:  # other fields are required: each call gives them (or raises this)
        head = tail = b""
    else:
        at = frame.find(key) + len(key) - 1
        head, tail = frame[:at], frame[at:]
    plan = make, empty, key, head, tail
    _AUDIO_PLANS[cls, naming] = plan
    return plan


_AUDIO_PLANS: dict[tuple[type[Any], str], _AudioPlan] = {}
