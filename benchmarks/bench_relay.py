"""Relaying a Realtime session over loopback: rt_fast's relay against the ways a Python gateway
would otherwise pass frames on.

One event loop holds a client, a relay and the local Realtime server (``rt_fast.server``, the
bundled sample's recording). Each round the client sends ``response.create`` through the relay
and reads the whole response back through it (75 frames, ~1 MB, mostly audio deltas). Relays:

- ``rt_fast relay``: ``rt_fast.relay``, every frame's bytes forwarded unchanged;
- ``rt_fast relay + handler``: the same with a handler on every server frame (each decoded once
  into its typed event), as a gateway inspecting the traffic runs it;
- ``json relay``: plain websockets, each frame through ``json.loads`` and ``json.dumps``;
- ``no relay``: the client connected to the server itself, the floor: a relay's own cost is
  its row's time less this one's;
- ``openai SDK``: the SDK's own connection to the upstream (``client.realtime.connect``): each
  server frame received and parsed into the SDK's models by ``recv``, then re-serialized
  (``model_dump_json``) and sent on.

Client, relay and server share the process and its one core, so each round's time is the
three together: the client's and the server's shares are the same in every row, and the
ratios understate what the relays themselves differ by. Before timing, the client checks it
received every frame; rt_fast's relay must deliver them byte-identical.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from rt_fast import relay, server

SAMPLE = server.Recording.load()
RESPONSE = SAMPLE.responses[0]
RECORDING = server.Recording(SAMPLE.created, SAMPLE.updated, (RESPONSE,))  # that one, each time
GROUP = f"relay: one response, server to client ({len(RESPONSE)} frames, " \
        f"{sum(map(len, RESPONSE)) / 1e6:.2f} MB)"  # fmt: skip
Relay = Callable[[str], Awaitable[Any]]  # upstream URL -> a started websockets server


async def _rt_fast(upstream: str) -> Any:
    return await relay.relay(upstream)


async def _rt_fast_handler(upstream: str) -> Any:
    return await relay.relay(upstream, server={"*": lambda event, frame: frame})


async def _json_relay(upstream: str) -> Any:
    async def pump(source: Any, sink: Any) -> None:
        async for message in source:
            await sink.send(json.dumps(json.loads(message)))

    async def handler(downstream: ServerConnection) -> None:
        async with connect(upstream, max_size=None, compression=None) as up:
            await asyncio.gather(pump(downstream, up), pump(up, downstream))

    return await serve(handler, "127.0.0.1", 0, max_size=None, compression=None)


async def _sdk_relay(upstream: str) -> Any:
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


async def _direct(upstream: str) -> Any:
    return None  # the client connects to the server itself


RELAYS: dict[str, tuple[Relay, bool]] = {
    "no relay (client to server)": (_direct, True),
    "rt_fast relay": (_rt_fast, True),
    "rt_fast relay + handler": (_rt_fast_handler, True),
    "json relay": (_json_relay, False),
    "openai SDK": (_sdk_relay, False),
}


class _Session:
    """A client connected through a relay to the local server, on a loop of its own."""

    def __init__(self, make: Relay) -> None:
        self.loop = asyncio.new_event_loop()
        self.make = make
        self.loop.run_until_complete(self._open())

    async def _open(self) -> None:
        self.upstream = await server.serve(RECORDING)
        url = f"ws://127.0.0.1:{self.upstream.sockets[0].getsockname()[1]}/v1/realtime"
        self.relay = await self.make(url) or self.upstream
        port = self.relay.sockets[0].getsockname()[1]
        self.client = await connect(f"ws://127.0.0.1:{port}/v1/realtime", max_size=None,
                                    compression=None)  # fmt: skip
        await self.client.recv(decode=False)  # session.created

    def response(self) -> list[bytes]:
        """One round: ask for a response and read it all."""
        return self.loop.run_until_complete(self._response())

    async def _response(self) -> list[bytes]:
        await self.client.send('{"type":"response.create"}')
        return [await self.client.recv(decode=False) for _ in RESPONSE]

    def close(self) -> None:
        async def shut() -> None:
            await self.client.close()
            self.relay.close()
            self.upstream.close()
            await self.relay.wait_closed()
            await self.upstream.wait_closed()

        self.loop.run_until_complete(shut())
        self.loop.close()


@pytest.fixture
def session(request: pytest.FixtureRequest) -> Iterator[_Session]:
    opened = _Session(RELAYS[request.param][0])
    yield opened
    opened.close()


@pytest.mark.parametrize("session", list(RELAYS), indirect=True)
def test_relay(timed: Any, session: _Session, request: pytest.FixtureRequest) -> None:
    impl = request.node.callspec.params["session"]
    ours = RELAYS[impl][1]

    def correct(frames: list[bytes]) -> bool | str:
        if ours:
            return frames == list(RESPONSE) or "not the server's bytes"
        same = [json.loads(f) for f in frames] == [json.loads(f) for f in RESPONSE]
        return same or "not the server's frames"

    timed(impl, GROUP, lambda _: session.response(), None, correct,
          size=sum(map(len, RESPONSE)), ours=ours)  # fmt: skip
