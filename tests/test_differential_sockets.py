"""Differential fuzzing through real sockets: ``rt_fast.ws`` connections and the relay decide
each mutated frame as the decoders do.

The frames of ``tests/test_differential.py`` (mutated generated and recorded frames, repeated
keys among them) are sent by a real ``websockets`` server on 127.0.0.1, for a quarter of
``RT_FAST_FUZZ_SECONDS`` and at most ``LIMIT`` frames. The oracles:

* a connection (``rt_fast.ws.connect``, and ``connect_sync``) returns, in order, the event
  ``decode_server_event`` gives for every frame it takes, and rejects exactly the others:
  ``rejected_count`` counts them all, ``rejected`` holds the first ten whole, each with the
  decoder's error;
* the relay forwards to the upstream, bytes unchanged and in order, every client frame whose
  type ``peek_type`` reads (a handler on every type sees the event the decoder gives, or no
  event where the decoder refuses the frame), answers every other one with an ``error`` event,
  and forwards every upstream frame to the client whatever it holds.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.sync.server import ServerConnection as SyncServerConnection
from websockets.sync.server import serve as serve_sync

import rt_fast
from rt_fast import ws
from tests.test_differential import SECONDS, _seeds, inputs

LIMIT = 3000
END = b'{"type":"rt_fast.test.end"}'


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
