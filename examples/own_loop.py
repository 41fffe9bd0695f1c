"""Decode frames in your own websocket loop: the `websockets` library moves the bytes, rt_fast
reads them.

    python examples/own_loop.py                     # against the local test server
    OPENAI_API_KEY=sk-... python examples/own_loop.py wss://api.openai.com/v1/realtime?model=gpt-realtime

Needs the ``ws`` extra (``pip install 'rt-fast[ws]'``: websockets), here for the socket and
the local server; the decoding itself needs nothing but rt_fast.
"""

from __future__ import annotations

import asyncio
import os
import sys

from websockets.asyncio.client import connect

import rt_fast
from rt_fast import ga


async def one_response(url: str, key: str) -> tuple[str, int]:
    """Ask for one response; return its transcript and how many bytes of PCM it spoke."""
    transcript, pcm = [], 0
    headers = {"Authorization": f"Bearer {key}"}
    async with connect(url, additional_headers=headers, max_size=16 * 2**20) as socket:
        session = ga.RealtimeSessionCreateRequest(instructions="Say hello in five words.")
        await socket.send(rt_fast.encode(ga.SessionUpdateEvent(session=session)), text=True)
        await socket.send(rt_fast.encode(ga.ResponseCreateEvent()), text=True)
        async for frame in socket:
            event = rt_fast.decode_server_event(frame)
            match event:
                case ga.ResponseOutputAudioDeltaEvent():
                    pcm += len(rt_fast.decode_pcm(frame))  # to the speaker, in a real client
                case ga.ResponseOutputAudioTranscriptDeltaEvent(delta=delta):
                    transcript.append(delta)
                case ga.ErrorEvent(error=error):
                    raise RuntimeError(f"the server says: {error.message}")
                case ga.ResponseDoneEvent():
                    return "".join(transcript), pcm
                case rt_fast.UnknownEvent(type=type_):
                    print(f"(an event type this rt_fast does not know: {type_})")
    raise RuntimeError("the server closed the connection before the response was done")


def main() -> None:
    if len(sys.argv) > 1:
        if "OPENAI_API_KEY" not in os.environ:
            sys.exit("own_loop.py: set OPENAI_API_KEY to reach the URL given")
        text, pcm = asyncio.run(one_response(sys.argv[1], os.environ["OPENAI_API_KEY"]))
    else:
        from rt_fast import server

        with server.running(server.Script().say("Hello from the local server.")) as local:
            text, pcm = asyncio.run(one_response(local.url, "sk-local"))
    print(f"{text!r}: {pcm / 48_000:.2f} s of audio")


if __name__ == "__main__":
    main()
