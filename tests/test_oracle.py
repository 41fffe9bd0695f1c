"""The official ``openai`` SDK as oracle: frames generated from its models decode exactly.

For every member of the SDK's server and client event unions of a protocol generation, and for
its REST objects, valid frames are generated from the pydantic model by introspection
(``model_fields`` and their annotations). Required fields are always present, optional ones
sometimes, and present optional ones sometimes ``null``. Each frame is first validated by the
SDK model itself, and must come back from it unchanged; then rt_fast must decode it to the
class registered for its tag (or a subclass generated from it), ``msgspec.to_builtins`` must
give back the frame, and so must ``rt_fast.encode``, also through camelCase (encoded with
``naming="camel"``, decoded with it, encoded back). Nested objects whose ``type`` the SDK leaves
optional come present, absent and ``null``. Each test case draws from its own ``random.Random``, whose seed it prints;
``RT_FAST_SEED=<n>`` shifts every seed.

Deliberate differences of rt_fast from the SDK, which the generator respects:

(a) Where the SDK types a ``type`` that rt_fast dispatches on as a plain ``str``
    (``RealtimeTranscriptionSessionTurnDetection``), a present, non-null ``type`` takes the
    values the SDK's docstring names (``DISCRIMINATOR_VALUES``); a ``type`` the SDK leaves
    optional or nullable is otherwise generated like any field: present, absent or ``null``.
(b) Unions that rt_fast types more loosely (an open ``str`` for statuses, voices and models, an
    object-or-string ``status_details``, one content-part union for every message role) and
    fields rt_fast leaves optional where the SDK requires them (beta transcription ``usage``,
    a beta transcription session's ``client_secret``) are fine: rt_fast accepts a superset of
    what the SDK accepts, and the generator only produces frames the SDK accepts.

Values stay in the ranges the wire uses: integers fit in 64 bits, floats are finite, and
strings are valid Unicode (no lone surrogates).

Each generation (GA ``openai.types.realtime``, beta ``openai.types.beta.realtime``, translation
``openai.types.realtime.RealtimeTranslation*``, Live ``openai.types.live``) is one row of ``GENERATIONS``; its frames are
decoded with ``protocol=`` set to the row's name, and every generation of rt_fast needs a row.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import types
import zlib
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

import msgspec
import pydantic
import pytest
from openai.types import live as sdk_live
from openai.types import realtime as sdk_ga
from openai.types.beta import realtime as sdk_beta
from openai.types.live import connect_client_event, connect_server_event
from openai.types.realtime.realtime_transcription_session_turn_detection import (
    RealtimeTranscriptionSessionTurnDetection,
)

import rt_fast

FRAMES_PER_MEMBER = 30
MAX_DEPTH = 8  # from this nesting depth on, optional fields are left out, lists empty
NoneType = type(None)


def _union_members(union: Any) -> tuple[Any, ...]:
    """The member classes of a (possibly ``Annotated``) SDK union."""
    if get_origin(union) is Annotated:
        union = get_args(union)[0]
    return get_args(union)


class Generation(NamedTuple):
    """One protocol generation: its SDK unions and REST models (rt_fast name -> SDK class)."""

    protocol: str
    server: Any
    client: Any
    rest: Mapping[str, type[pydantic.BaseModel]]


GENERATIONS = [
    Generation(
        "ga",
        sdk_ga.RealtimeServerEvent,
        sdk_ga.RealtimeClientEvent,
        {
            "RealtimeSessionCreateResponse": sdk_ga.RealtimeSessionCreateResponse,
            "RealtimeTranscriptionSessionCreateResponse": (
                sdk_ga.RealtimeTranscriptionSessionCreateResponse
            ),
            "ClientSecretCreateResponse": sdk_ga.ClientSecretCreateResponse,
        },
    ),
    Generation(
        "beta",
        sdk_beta.RealtimeServerEvent,
        sdk_beta.RealtimeClientEvent,
        {
            "RealtimeSessionCreateResponse": sdk_beta.SessionCreateResponse,
            "TranscriptionSession": sdk_beta.TranscriptionSession,
        },
    ),
    Generation(
        "translation",
        sdk_ga.RealtimeTranslationServerEvent,
        sdk_ga.RealtimeTranslationClientEvent,
        {
            "RealtimeTranslationClientSecretCreateResponse": (
                sdk_ga.RealtimeTranslationClientSecretCreateResponse
            ),
            "RealtimeTranslationSession": sdk_ga.RealtimeTranslationSession,
        },
    ),
    Generation(
        "live",
        # The sideband connection's events beyond the session's: rt_fast reads both.
        Union[
            (
                *_union_members(sdk_live.ServerEvent),
                connect_server_event.SessionPaused,
                connect_server_event.SessionResumed,
            )
        ],
        Union[(*_union_members(sdk_live.ClientEvent), connect_client_event.TransportDtmfSend)],
        {
            "LiveCreateResponse": sdk_live.LiveCreateResponse,
            "SessionForkResponse": sdk_live.SessionForkResponse,
            "SessionResource": sdk_live.SessionResource,
            "SessionConfig": sdk_live.SessionConfig,
            "SessionUpdateConfig": sdk_live.SessionUpdateConfig,
            "SessionUsage": sdk_live.SessionUsage,
            # A fork connection's session.start, outside ClientEvent (its tag is taken)
            "ForkSessionStartEvent": sdk_live.ForkSessionStartEvent,
            "ForkSessionConfig": sdk_live.ForkSessionConfig,
        },
    ),
]

# SDK models whose ``type`` is a plain ``str`` that rt_fast dispatches on: the values the SDK
# documents ("only `server_vad` is currently supported").
DISCRIMINATOR_VALUES: dict[type[pydantic.BaseModel], tuple[str, ...]] = {
    RealtimeTranscriptionSessionTurnDetection: ("server_vad",),
}

STRINGS = (
    "",
    "a",
    "hello",
    "Hello, how can I help you today?",
    "item_CJ9p2Yb7kQ1lWQ3mXZa8s",
    "h\u00e9llo w\u00f6rld",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "\U0001f3a4 emoji \U0001f600",
    'quote " backslash \\ slash /',
    "tab\tnewline\nreturn\r",
    "\u0000\u001f control",
    "UklGRiQAAABXQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0YQAAAAA=",
    '{"location":"Paris","unit":"celsius"}',
)
INTS = (0, 1, 2, 7, 42, 1000, 24000, 65535, 1_765_000_000, 2**31 - 1, 2**53, 2**63 - 1, -1)
FLOATS = (0.0, 0.5, 1.0, 0.25, 1.5, 3.14159, 1e-7, 123456.789, 1e300, -2.5)


def _tag(model: type[pydantic.BaseModel]) -> str:
    """The wire ``type`` of an SDK event model (its single ``Literal`` value)."""
    (tag,) = get_args(model.model_fields["type"].annotation)
    return str(tag)


def _rt_module(generation: Generation) -> types.ModuleType:
    return importlib.import_module(f"rt_fast.{generation.protocol}")


class FrameGenerator:
    """Random JSON frames valid for an SDK model, following its field annotations."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.p_present = 0.5
        self.p_null = 0.25

    def frame(self, model: type[pydantic.BaseModel]) -> dict[str, Any]:
        """A new frame; each frame draws how dense and how null-heavy it is."""
        self.p_present = self.rng.choice((0.1, 0.5, 0.9, 1.0))
        self.p_null = self.rng.choice((0.0, 0.25, 0.75))
        return self.model(model, 0)

    def model(self, model: type[pydantic.BaseModel], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in model.model_fields.items():
            if not field.is_required() and (
                depth >= MAX_DEPTH or self.rng.random() >= self.p_present
            ):
                continue
            key = field.alias or name
            out[key] = self.value(field.annotation, depth + 1)
            if name == "type" and out[key] is not None and model in DISCRIMINATOR_VALUES:
                out[key] = self.rng.choice(DISCRIMINATOR_VALUES[model])
        if self.rng.random() < 0.3:
            keys = list(out)
            self.rng.shuffle(keys)
            out = {key: out[key] for key in keys}
        return out

    def value(self, annotation: Any, depth: int) -> Any:
        origin = get_origin(annotation)
        args = get_args(annotation)
        if origin is Annotated:
            return self.value(args[0], depth)
        if origin is Union or origin is types.UnionType:
            if NoneType in args and self.rng.random() < self.p_null:
                return None
            options = [arg for arg in args if arg is not NoneType]
            return self.value(self.rng.choice(options), depth)
        if origin is Literal:
            return self.rng.choice(args)
        if origin is list:
            return [self.value(args[0], depth + 1) for _ in range(self._size(depth))]
        if origin is dict:
            return {
                self.rng.choice(STRINGS): self.value(args[1], depth + 1)
                for _ in range(self._size(depth))
            }
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            return self.model(annotation, depth)
        return self._scalar(annotation, depth)

    def _size(self, depth: int) -> int:
        return 0 if depth >= MAX_DEPTH else self.rng.choice((0, 1, 1, 2, 3))

    def _scalar(self, annotation: Any, depth: int) -> Any:
        rng = self.rng
        if annotation is str:
            return rng.choice(STRINGS)
        if annotation is bool:
            return rng.random() < 0.5
        if annotation is int:
            return rng.choice(INTS) if rng.random() < 0.5 else rng.randrange(-(2**40), 2**40)
        if annotation is float:
            if rng.random() < 0.1:
                return rng.choice(INTS[:8])  # JSON integers are valid floats
            return rng.choice(FLOATS) if rng.random() < 0.5 else rng.uniform(-1e6, 1e6)
        if annotation is NoneType:
            return None
        if annotation is object or annotation is Any:
            return self.json_value(depth)
        raise TypeError(f"no generator for annotation {annotation!r}")

    def json_value(self, depth: int) -> Any:
        """A small arbitrary JSON value (for ``object`` / ``Any`` fields)."""
        kinds = ["null", "bool", "int", "float", "str"]
        if depth < MAX_DEPTH:
            kinds += ["list", "dict"]
        kind = self.rng.choice(kinds)
        scalars = {
            "null": None,
            "bool": self.rng.random() < 0.5,
            "int": self.rng.choice(INTS),
            "float": self.rng.choice(FLOATS),
            "str": self.rng.choice(STRINGS),
        }
        if kind in scalars:
            return scalars[kind]
        if kind == "list":
            return [self.json_value(depth + 1) for _ in range(self._size(depth))]
        return {self.rng.choice(STRINGS): self.json_value(depth + 1) for _ in range(3)}


def _first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    """The JSON path of the first place ``got`` and ``want`` differ, or None if equal."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in [*want, *(key for key in got if key not in want)]:
            if key not in got:
                return f"{path}.{key} (missing in rt_fast's output)"
            if key not in want:
                return f"{path}.{key} (added by rt_fast: {got[key]!r})"
            found = _first_difference(got[key], want[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for index, (g, w) in enumerate(zip(got, want, strict=True)):
            found = _first_difference(g, w, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if got == want else f"{path} (rt_fast {got!r} != frame {want!r})"


class Case(NamedTuple):
    """One SDK model to generate frames of, and how rt_fast decodes and registers them."""

    generation: Generation
    kind: str  # "server", "client" or "rest"
    name: str  # wire tag, or the rt_fast name of a REST object
    sdk_model: type[pydantic.BaseModel]


def _cases() -> Iterator[Case]:
    for generation in GENERATIONS:
        for kind in ("server", "client"):
            for member in _union_members(getattr(generation, kind)):
                yield Case(generation, kind, _tag(member), member)
        for name, model in generation.rest.items():
            yield Case(generation, "rest", name, model)


CASES = list(_cases())


def _expected_class(case: Case) -> type[Any]:
    module = _rt_module(case.generation)
    if case.kind == "rest":
        return getattr(module, case.name)
    table = module.SERVER_EVENTS if case.kind == "server" else module.CLIENT_EVENTS
    return table[case.name]


def _decode(case: Case, data: bytes, cls: type[Any], naming: str = "snake") -> Any:
    protocol = case.generation.protocol
    if case.kind == "server":
        return rt_fast.decode_server_event(data, protocol=protocol, naming=naming)
    if case.kind == "client":
        return rt_fast.decode_client_event(data, protocol=protocol, naming=naming)
    return rt_fast.decode(data, type=cls, naming=naming)


def _seed(case: Case) -> int:
    base = int(os.environ.get("RT_FAST_SEED", "0"))
    return base + zlib.crc32(f"{case.generation.protocol}:{case.kind}:{case.name}".encode())


def _check_sdk_accepts(case: Case, frame: dict[str, Any]) -> None:
    """The SDK validates the frame and gives it back unchanged (no coercion happened)."""
    parsed = case.sdk_model.model_validate(frame)
    if case.kind != "rest":
        assert parsed.type == case.name
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped == frame, f"generator bug: SDK changed the frame {frame!r}"


def _check_rt_fast(case: Case, frame: dict[str, Any], cls: type[Any], where: str) -> None:
    """rt_fast decodes the frame to ``cls`` and gives it back exactly."""
    data = json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        decoded = _decode(case, data, cls)
    except rt_fast.DecodeError as exc:
        pytest.fail(f"{where}: rt_fast rejects an SDK-valid frame: {exc}\n{data.decode()}")
    assert isinstance(decoded, cls), (
        f"{where}: decoded to {type(decoded).__name__}\n{data.decode()}"
    )
    builtins = msgspec.to_builtins(decoded)
    assert builtins == frame, (
        f"{where}: to_builtins differs at {_first_difference(builtins, frame)}\n{data.decode()}"
    )
    encoded = json.loads(rt_fast.encode(decoded))
    assert encoded == frame, (
        f"{where}: encode differs at {_first_difference(encoded, frame)}\n{data.decode()}"
    )
    camel = _decode(case, rt_fast.encode(decoded, naming="camel"), cls, naming="camel")
    assert isinstance(camel, cls), f"{where}: camelCase decoded to {type(camel).__name__}"
    assert json.loads(rt_fast.encode(camel)) == frame, f"{where}: camelCase differs"


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c.generation.protocol}:{c.kind}:{c.name}" for c in CASES]
)
def test_sdk_valid_frames_round_trip(case: Case) -> None:
    """Every generated SDK-valid frame decodes to its registered class and round-trips."""
    seed = _seed(case)
    print(f"seed={seed} (RT_FAST_SEED shifts it)")
    generator = FrameGenerator(random.Random(seed))
    cls = _expected_class(case)
    for index in range(FRAMES_PER_MEMBER):
        frame = generator.frame(case.sdk_model)
        _check_sdk_accepts(case, frame)
        _check_rt_fast(case, frame, cls, f"seed={seed} frame #{index}")


@pytest.mark.parametrize("generation", GENERATIONS, ids=[g.protocol for g in GENERATIONS])
def test_sdk_union_tags_match_tables(generation: Generation) -> None:
    """The SDK's event union tags and rt_fast's SERVER_EVENTS/CLIENT_EVENTS keys are the same."""
    module = _rt_module(generation)
    assert {_tag(m) for m in _union_members(generation.server)} == set(module.SERVER_EVENTS)
    assert {_tag(m) for m in _union_members(generation.client)} == set(module.CLIENT_EVENTS)


def test_every_rt_fast_generation_has_a_row() -> None:
    """Each generation of rt_fast (a public subpackage with event tables) is in the oracle."""
    rt_generations = {
        name for name in rt_fast.__all__ if hasattr(getattr(rt_fast, name), "SERVER_EVENTS")
    }
    assert {"ga", "beta", "translation", "live"} <= rt_generations
    assert {generation.protocol for generation in GENERATIONS} == rt_generations
