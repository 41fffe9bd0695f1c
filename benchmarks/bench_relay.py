"""Relaying a Realtime session over loopback, both directions: rt_fast's relay against the ways a
Python gateway would otherwise pass frames on; the microphone's frames against the SDK's; the
latency a relay adds to each frame; permessage-deflate against none.

One event loop holds a client, a relay and an upstream server. Relays:

- ``no relay``: the client connected to the server itself, the floor: a relay's own cost is
  its row's time less this one's;
- ``rt_fast relay``: ``rt_fast.relay``, every frame's bytes forwarded unchanged;
- ``rt_fast relay + handler``: the same with a handler on every frame of both directions
  (each decoded once into its typed event), as a gateway inspecting the traffic runs it;
- ``json relay``: plain websockets, each frame through ``json.loads`` and ``json.dumps``;
- ``openai SDK``: the SDK's own connection to the upstream (``client.realtime.connect``): each
  server frame received and parsed into the SDK's models by ``recv``, then re-serialized
  (``model_dump_json``) and sent on; each client frame parsed by ``json.loads`` and sent by
  the SDK's ``send``.

Groups:

- ``relay: one response``: the client sends ``response.create`` and reads the whole response
  back (``rt_fast.server`` playing the bundled sample's first response: 75 frames, mostly audio
  deltas);
- ``relay: microphone``: the client (``rt_fast.ws.Connection.send_audio``) sends 100
  ``input_audio_buffer.append`` of 3 KB of the sample's PCM (4.1 KB frames) and a commit, and
  waits for ``input_audio_buffer.committed``;
- ``microphone``: the same 100 appends straight to the server, made and sent rt_fast's way
  (``send_audio``: ``rt_fast.encode_audio``), with ``base64`` and ``json.dumps``, and by the
  SDK's ``connection.input_audio_buffer.append(audio=base64...)``; the floor sends the frames
  built beforehand, so that a row's share above it is what making its frames costs;
- ``relay: latency``: one frame in flight at a time, an audio delta from the server to the
  client and an append from the client to the server; ``extra_info`` holds each direction's
  median and p99 time in flight, on one clock (the server's send to the client's receive,
  the client's send to the server's receive): a relay adds its row's less the direct one's;
- ``relay: compression``: the one response with and without permessage-deflate (websockets'
  defaults) on every socket; ``extra_info["wire_bytes"]`` is the frames' payload bytes as the
  server sends them.

The throughput groups time CPU (``time.process_time``), not wall time: client, relay and
server share the process, so each round's CPU is the three together (the client's and the
server's shares are the same in every row, and the ratios understate what the relays
themselves differ by), and a machine shared with other work does not add to it. The latency
group times wall time, which is what a frame waits. Before timing, each row's output is
checked: every frame arrived (byte-identical through rt_fast's relay). At the end the module
prints each row's share above its group's floor (per frame, and against rt_fast's), frames a
second (client, relay and server on one core) and the latency each relay adds.
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode

import rt_fast
from rt_fast import ga, relay, server, ws

SAMPLE = server.Recording.load()
RESPONSE = SAMPLE.responses[0]
RECORDING = server.Recording(SAMPLE.created, SAMPLE.updated, (RESPONSE,))  # that one, each time
DELTAS = sorted((f for f in RESPONSE if rt_fast.peek_type(f) == "response.output_audio.delta"),
                key=len)  # fmt: skip
PCM = b"".join(rt_fast.decode_pcm(f) for f in DELTAS)
CHUNK, APPENDS = 3072, 100  # 64 ms of PCM16 at 24 kHz a frame
CHUNKS = [PCM[i * CHUNK : (i + 1) * CHUNK] for i in range(APPENDS)]
MIC = [rt_fast.encode_audio(ga.InputAudioBufferAppendEvent, chunk) for chunk in CHUNKS]
COMMIT = b'{"type":"input_audio_buffer.commit"}'
COMMITTED = rt_fast.encode(ga.InputAudioBufferCommittedEvent(event_id="e1", item_id="i1"))
PROBE = DELTAS[len(DELTAS) // 2]  # a median audio delta, for the latency
PROBES = 20  # frames in flight, one at a time, each way a round

RESPONSE_GROUP = f"relay: one response, server to client ({len(RESPONSE)} frames, " \
                 f"{sum(map(len, RESPONSE)) / 1e6:.2f} MB)"  # fmt: skip
MIC_GROUP = f"relay: microphone, client to server ({APPENDS} appends of " \
            f"{len(MIC[0]) / 1e3:.1f} KB)"  # fmt: skip
CLIENT_GROUP = f"microphone: {APPENDS} appends of {len(MIC[0]) / 1e3:.1f} KB, no relay"
LATENCY_GROUP = f"relay: latency, one frame in flight ({len(PROBE) / 1e3:.1f} KB down, " \
                f"{len(MIC[0]) / 1e3:.1f} KB up)"  # fmt: skip
COMPRESSION_GROUP = "relay: compression, one response, server to client"
CPU = pytest.mark.benchmark(timer=time.process_time)

Relay = Callable[[str, dict[str, Any]], Awaitable[Any]]  # upstream URL, options -> a server
FIGURES: dict[str, dict[str, float]] = {}  # group -> impl -> median seconds a round
LATENCY: dict[str, dict[str, float]] = {}  # impl -> direction's statistic -> seconds


async def _rt_fast(upstream: str, options: dict[str, Any]) -> Any:
    return await relay.relay(upstream, **options)


async def _rt_fast_handler(upstream: str, options: dict[str, Any]) -> Any:
    every = {"*": lambda event, frame: frame}
    return await relay.relay(upstream, client=every, server=every, **options)


async def _json_relay(upstream: str, options: dict[str, Any]) -> Any:
    async def pump(source: Any, sink: Any) -> None:
        async for message in source:
            await sink.send(json.dumps(json.loads(message)))

    async def handler(downstream: ServerConnection) -> None:
        async with connect(upstream, max_size=None, compression=None) as up:
            await asyncio.gather(pump(downstream, up), pump(up, downstream))

    return await serve(handler, "127.0.0.1", 0, max_size=None, compression=None)


async def _sdk_relay(upstream: str, options: dict[str, Any]) -> Any:
    from openai import AsyncOpenAI

    base = upstream.removesuffix("/realtime")

    async def handler(downstream: ServerConnection) -> None:
        client = AsyncOpenAI(api_key="sk-any", websocket_base_url=base)
        async with client.realtime.connect(model="gpt-realtime") as up:

            async def upward() -> None:
                async for message in downstream:
                    await up.send(json.loads(message))

            async def downward() -> None:
                async for event in up:
                    await downstream.send(event.model_dump_json(exclude_unset=True))

            await asyncio.gather(upward(), downward())

    return await serve(handler, "127.0.0.1", 0, max_size=None, compression=None)


async def _direct(upstream: str, options: dict[str, Any]) -> Any:
    return None  # the client connects to the server itself


DIRECT = "no relay (client to server)"
RELAYS: dict[str, tuple[Relay, bool]] = {  # name -> (the relay, whether rt_fast's: bytes kept)
    DIRECT: (_direct, True),
    "rt_fast relay": (_rt_fast, True),
    "rt_fast relay + handler": (_rt_fast_handler, True),
    "json relay": (_json_relay, False),
    "openai SDK": (_sdk_relay, False),
}


class _Upstream:
    """The API's side of the microphone and of the latency probes: keeps the appends of the
    current commit, answers a commit with ``committed`` and ``response.create`` with one audio
    delta, and notes when each append arrived and each delta left."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.committed: list[bytes] = []  # the appends before the last commit
        self.arrived: list[float] = []
        self.left: list[float] = []
        self.append = asyncio.Event()

    async def handler(self, connection: ServerConnection) -> None:
        try:
            while True:
                frame = await connection.recv(decode=False)
                now = time.perf_counter()
                tag = rt_fast.peek_type(frame)
                if tag == "input_audio_buffer.append":
                    self.arrived.append(now)
                    self.frames.append(frame)
                    self.append.set()
                elif tag == "input_audio_buffer.commit":
                    self.committed, self.frames = self.frames, []
                    await connection.send(COMMITTED, text=True)
                elif tag == "response.create":
                    self.left.append(time.perf_counter())
                    await connection.send(PROBE, text=True)
        except ConnectionClosed:
            pass


class _Session:
    """A client connected through a relay to an upstream, on a loop of its own: the recorded
    response's server (``recording``) or an ``_Upstream``."""

    def __init__(self, make: Relay, *, recording: bool = True, compression: str | None = None,
                 client: str = "websockets") -> None:  # fmt: skip
        self.loop = asyncio.new_event_loop()
        self.make, self.recording, self.compression, self.kind = (
            make,
            recording,
            compression,
            client,
        )
        self.sink = _Upstream()
        self.loop.run_until_complete(self._open())

    async def _open(self) -> None:
        options: dict[str, Any] = {"compression": self.compression}
        if self.recording:
            self.upstream = await server.serve(RECORDING, **options)
        else:
            self.upstream = await serve(self.sink.handler, "127.0.0.1", 0,
                                        **ws.socket_options(options))  # fmt: skip
        url = f"ws://127.0.0.1:{self.upstream.sockets[0].getsockname()[1]}/v1/realtime"
        self.relay = await self.make(url, options) or self.upstream
        url = f"ws://127.0.0.1:{self.relay.sockets[0].getsockname()[1]}/v1/realtime"
        self.sdk: Any = None
        if self.kind == "sdk":
            from openai import AsyncOpenAI

            client = AsyncOpenAI(api_key="sk-any", websocket_base_url=url.removesuffix("/realtime"))
            self.sdk = client.realtime.connect(model="gpt-realtime")
            self.client: Any = await self.sdk.__aenter__()
        elif self.kind == "rt_fast":
            self.client = await ws.connect(url, compression=self.compression)
        else:
            self.client = await connect(url, max_size=None, compression=self.compression)
        if self.recording:
            await self.client.recv(decode=False)  # session.created

    def run(self, round: Callable[[], Awaitable[Any]]) -> Any:
        return self.loop.run_until_complete(round())

    async def response(self) -> list[bytes]:
        """Ask for a response and read it all."""
        await self.client.send('{"type":"response.create"}')
        return [await self.client.recv(decode=False) for _ in RESPONSE]

    async def microphone(self) -> list[bytes]:
        """Send the appends and a commit, the rt_fast way; wait for the commit's answer; the
        appends the server took."""
        for chunk in CHUNKS:
            await self.client.send_audio(chunk)
        await self.client.send(COMMIT)
        await self.client.recv(decode=False)
        return self.sink.committed

    async def microphone_prebuilt(self) -> list[bytes]:
        for frame in MIC:
            await self.client.send(frame, text=True)
        await self.client.send(COMMIT, text=True)
        await self.client.recv(decode=False)
        return self.sink.committed

    async def microphone_json(self) -> list[bytes]:
        for chunk in CHUNKS:
            audio = base64.b64encode(chunk).decode()
            await self.client.send(
                json.dumps({"type": "input_audio_buffer.append", "audio": audio})
            )
        await self.client.send(COMMIT.decode())
        await self.client.recv(decode=False)
        return self.sink.committed

    async def microphone_sdk(self) -> list[bytes]:
        for chunk in CHUNKS:
            await self.client.input_audio_buffer.append(audio=base64.b64encode(chunk).decode())
        await self.client.input_audio_buffer.commit()
        await self.client.recv()
        return self.sink.committed

    async def probes(self) -> tuple[list[float], list[float], list[bytes]]:
        """Each way, ``PROBES`` frames one at a time: their times in flight, and the deltas."""
        down, up, got = [], [], []
        for _ in range(PROBES):
            await self.client.send('{"type":"response.create"}')
            got.append(await self.client.recv(decode=False))
            down.append(time.perf_counter() - self.sink.left[-1])
        for _ in range(PROBES):
            self.sink.append.clear()
            sent = time.perf_counter()
            await self.client.send(MIC[0], text=True)
            await self.sink.append.wait()
            up.append(self.sink.arrived[-1] - sent)
        del self.sink.left[:], self.sink.arrived[:], self.sink.frames[:]
        return down, up, got

    def close(self) -> None:
        async def shut() -> None:
            if self.sdk is not None:
                await self.sdk.__aexit__(None, None, None)
            else:
                await self.client.close()
            self.relay.close()
            self.upstream.close()
            await self.relay.wait_closed()
            await self.upstream.wait_closed()

        self.loop.run_until_complete(shut())
        self.loop.close()


@pytest.fixture
def session(request: pytest.FixtureRequest) -> Iterator[_Session]:
    make, kwargs = request.param
    opened = _Session(make, **kwargs)
    yield opened
    opened.close()


def _note(benchmark: Any, group: str, impl: str, frames: int) -> None:
    """Keep the row's median for the summary; note its frames for frames a second."""
    benchmark.extra_info["frames"] = frames
    if benchmark.stats is not None:  # timed (not --benchmark-disable)
        FIGURES.setdefault(group, {})[impl] = benchmark.stats.stats.median


def _same(frames: list[bytes], expected: list[bytes], ours: bool) -> bool | str:
    if ours:
        return frames == expected or "not the bytes sent"
    return [json.loads(f) for f in frames] == [json.loads(f) for f in expected] or "other frames"


def _relays(**kwargs: Any) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("session", [(RELAYS[name][0], kwargs) for name in RELAYS],
                                   ids=list(RELAYS), indirect=True)  # fmt: skip


@CPU
@_relays()
def test_relay(
    timed: Any, benchmark: Any, session: _Session, request: pytest.FixtureRequest
) -> None:
    impl = request.node.callspec.id
    timed(impl, RESPONSE_GROUP, lambda _: session.run(session.response), None,
          lambda frames: _same(frames, list(RESPONSE), RELAYS[impl][1]),
          size=sum(map(len, RESPONSE)), ours=RELAYS[impl][1])  # fmt: skip
    _note(benchmark, RESPONSE_GROUP, impl, len(RESPONSE))


@CPU
@_relays(recording=False, client="rt_fast")
def test_relay_microphone(timed: Any, benchmark: Any, session: _Session,
                          request: pytest.FixtureRequest) -> None:  # fmt: skip
    impl = request.node.callspec.id
    timed(impl, MIC_GROUP, lambda _: session.run(session.microphone), None,
          lambda frames: _same(frames, MIC, RELAYS[impl][1]),
          size=sum(map(len, MIC)), ours=RELAYS[impl][1])  # fmt: skip
    _note(benchmark, MIC_GROUP, impl, APPENDS)


PREBUILT = "frames built beforehand (the floor)"
CLIENTS = {  # name -> (the client, its round)
    PREBUILT: ("websockets", _Session.microphone_prebuilt),
    "rt_fast ws.Connection.send_audio": ("rt_fast", _Session.microphone),
    "websockets + base64 + json.dumps": ("websockets", _Session.microphone_json),
    "openai SDK input_audio_buffer.append": ("sdk", _Session.microphone_sdk),
}


@CPU
@pytest.mark.parametrize("session", [(_direct, {"recording": False, "client": kind})
                                     for kind, _ in CLIENTS.values()],
                         ids=list(CLIENTS), indirect=True)  # fmt: skip
def test_microphone(timed: Any, benchmark: Any, session: _Session,
                    request: pytest.FixtureRequest) -> None:  # fmt: skip
    impl = request.node.callspec.id
    ours = impl.startswith(("rt_fast", "frames"))
    send = CLIENTS[impl][1]
    timed(impl, CLIENT_GROUP, lambda _: session.run(lambda: send(session)), None,
          lambda frames: _same(frames, MIC, ours), size=sum(map(len, MIC)), ours=ours)  # fmt: skip
    _note(benchmark, CLIENT_GROUP, impl, APPENDS)


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


@_relays(recording=False)
def test_latency(timed: Any, benchmark: Any, session: _Session,
                 request: pytest.FixtureRequest) -> None:  # fmt: skip
    impl = request.node.callspec.id
    ours = RELAYS[impl][1]
    down: list[float] = []
    up: list[float] = []

    def probe(_: Any) -> list[bytes]:
        went, came, got = session.run(session.probes)
        assert isinstance(got, list)
        down.extend(went)
        up.extend(came)
        return got

    timed(impl, LATENCY_GROUP, probe, None, lambda got: _same(got, [PROBE] * PROBES, ours),
          ours=ours)  # fmt: skip
    figures = {"down_median": statistics.median(down), "down_p99": _p99(down),
               "up_median": statistics.median(up), "up_p99": _p99(up)}  # fmt: skip
    benchmark.extra_info.update({f"{k}_us": v * 1e6 for k, v in figures.items()})
    benchmark.extra_info["samples"] = len(down)
    LATENCY[impl] = figures


def _deflated(frames: tuple[bytes, ...]) -> int:
    """The payload bytes of ``frames`` sent in order with websockets' server permessage-deflate
    defaults (12-bit window, memLevel 5, context takeover)."""
    deflate = PerMessageDeflate(False, False, 12, 12, {"memLevel": 5})
    return sum(len(deflate.encode(Frame(Opcode.TEXT, frame)).data) for frame in frames)


COMPRESSIONS = {  # name -> (relay, compression)
    "no relay, no compression": (_direct, None),
    "no relay, permessage-deflate": (_direct, "deflate"),
    "rt_fast relay, no compression": (_rt_fast, None),
    "rt_fast relay, permessage-deflate": (_rt_fast, "deflate"),
}


@CPU
@pytest.mark.parametrize("session", [(make, {"compression": c}) for make, c in
                                     COMPRESSIONS.values()],
                         ids=list(COMPRESSIONS), indirect=True)  # fmt: skip
def test_compression(timed: Any, benchmark: Any, session: _Session,
                     request: pytest.FixtureRequest) -> None:  # fmt: skip
    impl = request.node.callspec.id
    compression = COMPRESSIONS[impl][1]
    negotiated = [e.name for e in session.client.protocol.extensions]
    assert negotiated == (["permessage-deflate"] if compression else []), negotiated
    timed(
        impl,
        COMPRESSION_GROUP,
        lambda _: session.run(session.response),
        None,
        lambda frames: _same(frames, list(RESPONSE), True),
        size=sum(map(len, RESPONSE)),
    )
    wire = _deflated(RESPONSE) if compression else sum(map(len, RESPONSE))
    benchmark.extra_info["wire_bytes"] = wire
    _note(benchmark, COMPRESSION_GROUP, impl, len(RESPONSE))


def _share(rows: dict[str, float], impl: str) -> float | None:
    """A row's median less its group's floor's."""
    floors = (DIRECT, PREBUILT, impl.replace("rt_fast relay", "no relay"))
    floor = next((rows[i] for i in floors if i in rows and i != impl), None)
    return None if floor is None else rows[impl] - floor


@pytest.fixture(scope="module", autouse=True)
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the module: each row's share of a round above its group's floor (the direct
    connection, the prebuilt frames, or no relay with the same compression), per frame and
    against rt_fast's; frames a second; the latency each relay adds."""
    yield
    lines = []
    for group, rows in FIGURES.items():
        frames = APPENDS if "microphone" in group else len(RESPONSE)
        lines.append(f"{group}: median CPU a round; the share above the floor's")
        ours = next(
            (_share(rows, i) for i in rows if i.startswith("rt_fast") and "+" not in i), None
        )
        for impl, median in rows.items():
            line = f"  {impl:40s} {median * 1e3:7.2f} ms {frames / median:9,.0f} frames/s"
            own = _share(rows, impl)
            if own is not None:
                line += f"  share {own * 1e3:5.2f} ms, {own / frames * 1e6:5.1f} µs a frame"
                if ours and own != ours:
                    line += f", {own / ours:4.2f}x rt_fast's"
            lines.append(line)
    if LATENCY:
        lines.append("relay: time in flight, one frame at a time (added: less no relay's)")
        base = LATENCY.get(DIRECT)
        for impl, f in LATENCY.items():
            line = "  {:40s} down {:6.1f} / p99 {:6.1f} µs, up {:6.1f} / p99 {:6.1f} µs".format(
                impl, *(f[k] * 1e6 for k in ("down_median", "down_p99", "up_median", "up_p99"))
            )
            if base is not None and impl != DIRECT:
                added = [(f[k] - base[k]) * 1e6 for k in ("down_median", "down_p99",
                                                          "up_median", "up_p99")]  # fmt: skip
                line += "; added {:+.1f} / {:+.1f}, {:+.1f} / {:+.1f}".format(*added)
            lines.append(line)
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if lines and reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # printed, not captured
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)
