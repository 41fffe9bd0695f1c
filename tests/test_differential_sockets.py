"""Differential fuzzing through real sockets: ``rt_fast.ws`` connections and the relay decide
each mutated frame as the decoders do.

The frames of ``tests/test_differential.py`` (mutated generated and recorded frames, repeated
keys among them) are sent by a real ``websockets`` server on 127.0.0.1, for a quarter of
``RT_FAST_FUZZ_SECONDS`` and at most ``LIMIT`` frames. The oracles:

* a connection (``rt_fast.ws.connect``, and ``connect_sync``) returns, in order, the event
  ``decode_server_event`` gives for every frame it takes, and rejects exactly the others:
  ``rejected_count`` counts them all, ``rejected`` holds the first ten whole, each with the
  decoder's error;
* the relay forwards to the upstream, bytes unchanged and in order, every client frame that
  ``decode_client_event(frame, "auto")`` takes and whose type is not one only servers send (a
  handler on every type sees the event the decoder gives), answers every other one with an
  ``error`` event, and forwards every upstream frame to the client whatever it holds.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.sync.server import ServerConnection as SyncServerConnection
from websockets.sync.server import serve as serve_sync

import rt_fast
from rt_fast import beta, ga, live, relay, translation, ws
from tests.test_differential import SECONDS, _seeds, inputs

LIMIT = 3000
END = b'{"type":"rt_fast.test.end"}'
GENERATIONS = (ga, beta, translation, live)
SERVER_ONLY = {t for g in GENERATIONS for t in g.SERVER_EVENTS} - {
    t for g in GENERATIONS for t in g.CLIENT_EVENTS
}


def _frames(seed: int) -> list[bytes]:
    """Mutated frames for a quarter of the fuzz time, at most ``LIMIT``."""
    stop = time.monotonic() + SECONDS / 4
    frames = []
    for frame in inputs(_seeds(), random.Random(seed)):
        frames.append(frame)
        if len(frames) == LIMIT or time.monotonic() > stop:
            return frames
    return frames


def _expected(frames: list[bytes]) -> tuple[list[Any], list[tuple[bytes, str]]]:
    """The decoder's events, and the frames it refuses with its errors, in order."""
    events, refused = [], []
    for frame in frames:
        try:
            events.append(rt_fast.decode_server_event(frame))
        except rt_fast.DecodeError as exc:
            refused.append((frame, str(exc)))
    return events, refused


def _until_end(received: Iterator[Any]) -> list[Any]:
    got = []
    for event in received:
        if isinstance(event, rt_fast.UnknownEvent) and event.type == "rt_fast.test.end":
            return got
        got.append(event)
    return got


def _same_as_the_decoder(connection: Any, got: list[Any], frames: list[bytes]) -> None:
    events, refused = _expected(frames)
    assert got == events
    assert connection.rejected_count == len(refused)
    kept = [(r.frame, str(r.error)) for r in connection.rejected]
    assert kept == refused[:10]


def test_a_connection_decides_every_frame_as_the_decoder_does() -> None:
    """The asyncio connection, against a server sending mutated frames as text frames."""
    frames = _frames(seed=21)

    async def sender(connection: ServerConnection) -> None:
        for frame in [*frames, END]:
            await connection.send(frame, text=True)
        await connection.wait_closed()

    async def main() -> None:
        async with serve(sender, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            async with await ws.connect(f"ws://127.0.0.1:{port}") as connection:
                got = []
                while not isinstance(event := await connection.recv(), rt_fast.UnknownEvent) or (
                    event.type != "rt_fast.test.end"
                ):
                    got.append(event)
                _same_as_the_decoder(connection, got, frames)

    asyncio.run(asyncio.wait_for(main(), 120))
    assert len(frames) > 50


def test_a_sync_connection_decides_every_frame_as_the_decoder_does() -> None:
    """The sync connection, the same way."""
    frames = _frames(seed=22)

    def sender(connection: SyncServerConnection) -> None:
        for frame in [*frames, END]:
            connection.send(frame, text=True)
        connection.recv()  # until the client closes

    with serve_sync(sender, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            port = server.socket.getsockname()[1]
            with ws.connect_sync(f"ws://127.0.0.1:{port}") as connection:
                got = _until_end(iter(lambda: connection.recv(timeout=60), None))
                _same_as_the_decoder(connection, got, frames)
        finally:
            server.shutdown()
            thread.join(10)


def _texts(frames: list[bytes]) -> list[bytes]:
    """The frames a text frame can carry (websockets closes a connection on invalid UTF-8)."""
    out = []
    for frame in frames:
        try:
            frame.decode()
        except UnicodeDecodeError:
            continue
        out.append(frame)
    return out


def _typed(frames: list[bytes], decode: Any) -> tuple[list[Any], list[bytes], list[bytes]]:
    """The events of the frames ``decode`` takes, those frames, and the others."""
    events, taken, others = [], [], []
    for frame in frames:
        try:
            events.append(decode(frame))
        except rt_fast.DecodeError:
            others.append(frame)
        else:
            taken.append(frame)
    return events, taken, others


def _client_event(frame: bytes) -> Any:
    """What a client may send the relay: a frame the decoder takes, of no type only servers
    send (``DecodeError`` otherwise)."""
    event = rt_fast.decode_client_event(frame, "auto")
    if event.type in SERVER_ONLY:
        raise rt_fast.DecodeError(f"{event.type} is a server event")
    return event


def test_the_relay_routes_every_frame_as_the_decoders_do() -> None:
    """Client frames through a handler on every type: forwarded unchanged where the decoder
    (any generation) takes them and their type is not only a server's (the handler seeing its
    event), refused with an error event otherwise; upstream frames: every one forwarded
    unchanged, its handler or ``on_decode_error`` told."""
    ups = _texts(_frames(seed=23))
    downs = _texts(_frames(seed=24))
    seen: dict[str, list[Any]] = {"client": [], "server": [], "untyped": []}

    def saw(side: str) -> Any:
        def handler(event: Any, frame: bytes) -> bytes:
            seen[side].append(event)
            return frame

        return handler

    received_up: list[bytes] = []

    async def upstream(connection: ServerConnection) -> None:
        async for message in connection:
            frame = message.encode() if isinstance(message, str) else message
            if frame == END:
                break
            received_up.append(frame)
        for frame in [*downs, END]:
            await connection.send(frame, text=True)
        await connection.wait_closed()

    async def main() -> list[bytes]:
        async with serve(upstream, "127.0.0.1", 0) as up:
            url = f"ws://127.0.0.1:{up.sockets[0].getsockname()[1]}"
            async with await relay.relay(
                url, client={"*": saw("client")}, server={"*": saw("server")},
                on_decode_error=lambda frame, error: seen["untyped"].append(frame),
            ) as running:  # fmt: skip
                port = running.sockets[0].getsockname()[1]
                async with ws_connect(f"ws://127.0.0.1:{port}/v1/realtime") as client:
                    for frame in [*ups, END]:
                        await client.send(frame, text=True)
                    got = []
                    while (frame := await client.recv(decode=False)) != END:
                        got.append(frame)
                    return got

    got = asyncio.run(asyncio.wait_for(main(), 120))
    events, taken, refused = _typed(ups, _client_event)
    assert received_up == taken and seen["client"] == [*events, _client_event(END)]
    errors = got[: len(refused)]
    assert all(rt_fast.peek_type(reply) == "error" for reply in errors)
    assert got[len(refused) :] == downs
    events, _, untyped = _typed(downs, rt_fast.decode_server_event)
    assert seen["server"] == [*events, rt_fast.decode_server_event(END)]
    assert seen["untyped"] == untyped
    assert len(refused) > 10 and len(untyped) > 10 and len(taken) > 10
