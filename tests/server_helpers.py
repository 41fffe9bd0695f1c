"""What the local server's tests share: audio to send, and a client that reads frames checked
against the official SDK's models (every server event the server sends must validate)."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from openai import AsyncOpenAI
from openai.types.realtime import RealtimeServerEvent
from pydantic import TypeAdapter

from rt_fast import server

SERVER_EVENT: TypeAdapter[Any] = TypeAdapter(RealtimeServerEvent)


def tone(ms: int, amplitude: int = 8000, rate: int = 24_000) -> bytes:
    """``ms`` of a 380 Hz sine as PCM16 at ``rate``: speech, to the server's detector."""
    count = rate * ms // 1000
    samples = (int(amplitude * math.sin(2 * math.pi * 380 * i / rate)) for i in range(count))
    return struct.pack(f"<{count}h", *samples)


def silence(ms: int) -> bytes:
    """``ms`` of PCM16 silence at 24 kHz."""
    return bytes(48 * ms)


def b64(audio: bytes) -> str:
    return base64.b64encode(audio).decode()


def checked(frame: bytes | str) -> dict[str, Any]:
    """A server frame as JSON data, once the SDK's models took it strictly."""
    SERVER_EVENT.validate_json(frame, strict=True)
    data: dict[str, Any] = json.loads(frame)
    return data


class Reader:
    """Reads an SDK connection's frames, each checked; keeps them all in ``seen``."""

    def __init__(self, connection: Any) -> None:
        self.connection, self.seen = connection, []  # type: list[dict[str, Any]]

    async def next(self, timeout: float = 10) -> dict[str, Any]:
        frame = checked(await asyncio.wait_for(self.connection.recv_bytes(), timeout))
        self.seen.append(frame)
        return frame

    async def until(self, tag: str, timeout: float = 10) -> list[dict[str, Any]]:
        """The frames up to the first of type ``tag`` (included), at most 2,000 of them."""
        frames: list[dict[str, Any]] = []
        for _ in range(2_000):
            frames.append(await self.next(timeout))
            if frames[-1]["type"] == tag:
                return frames
        raise AssertionError(f"no {tag} in 2,000 frames")


def types(frames: list[dict[str, Any]]) -> list[str]:
    """The frames' types, audio deltas left out (their number depends on the audio's length)."""
    return [f["type"] for f in frames if f["type"] != "response.output_audio.delta"]


def run(
    test: Callable[[AsyncOpenAI, server.Received], Awaitable[None]],
    script: server.Script | server.Recording | None = None,
    pace: str = "fast",
) -> None:
    """Run ``test(client, received)`` against a server playing ``script`` on 127.0.0.1."""

    async def main() -> None:
        received = server.Received()
        played = server.Script() if script is None else script
        async with await server.serve(played, pace=pace, received=received) as running:
            port = running.sockets[0].getsockname()[1]
            client = AsyncOpenAI(api_key="sk-any", websocket_base_url=f"ws://127.0.0.1:{port}/v1")
            await asyncio.wait_for(test(client, received), 60)

    asyncio.run(main())
