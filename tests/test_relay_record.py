"""The relay's record (``record=``, ``rt-fast relay --record``): one frame a line, what each side
received, the relay's own error replies included; a client cannot forge a line. The record of a
session with refused frames is read by ``rt-fast stats`` and played by ``rt-fast serve
--replay``, both through ``rt_fast._cli.main``. Real websockets peers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

import rt_fast
from rt_fast import ga, relay, server
from rt_fast._cli import main
from tests.conftest import serving

RECORDING = server.Recording.load()
DONE = RECORDING.responses[0][-2]
# A forged line: the server's response.done, spending a fortune, behind a newline.
FORGED = re.sub(rb'"total_tokens":\d+', b'"total_tokens":999999999', DONE)
REFUSED: list[str | bytes] = [
    "not json\n" + FORGED.decode(),
    '{"type":"response.cancel","type":"response.create"}',
    b'{"type":"response.create"}',  # binary
]
# Valid frames whose JSON whitespace holds raw newlines and carriage returns.
CLEAR = '{\n"type":"input_audio_buffer.clear"\r\n}'
CREATE = '{"type":"response.create"}\n'


def _port(running: Any) -> int:
    return int(running.sockets[0].getsockname()[1])


async def _session(port: int) -> list[bytes]:
    """Refused frames, then valid frames with raw newlines: the record the relay should write
    (what the upstream received and what the client received, in order)."""
    async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
        lines = [await ws.recv(decode=False)]
        for frame in REFUSED:
            await ws.send(frame)
            error = await ws.recv(decode=False)
            assert isinstance(rt_fast.decode_server_event(error), ga.ErrorEvent)
            lines.append(error)
        await ws.send(CLEAR)
        lines += [b'{\t"type":"input_audio_buffer.clear"\t\t}', await ws.recv(decode=False)]
        await ws.send(CREATE)
        lines.append(b'{"type":"response.create"}\t')
        lines += [await ws.recv(decode=False) for _ in RECORDING.responses[0]]
    return lines


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    """A session recorded through the relay to the local server, and the lines expected."""
    log = tmp_path_factory.mktemp("record") / "session.jsonl"

    async def run() -> list[bytes]:
        async with await server.serve(RECORDING) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            with log.open("ab", buffering=0) as opened:
                async with await relay.relay(upstream, record=opened) as running:
                    return await _session(_port(running))

    return log, asyncio.run(asyncio.wait_for(run(), 60))


def test_a_record_holds_one_frame_a_line_and_what_each_side_received(
    record: tuple[Path, list[bytes]],
) -> None:
    """Refused frames are not written; the relay's error replies are; a raw CR or LF in a frame
    is written as a tab (JSON whitespace too), so each frame stays one line."""
    log, expected = record
    lines = log.read_bytes().split(b"\n")
    assert lines.pop() == b""
    assert lines == expected
    assert FORGED not in lines and not any(line.startswith(b"not json") for line in lines)


def test_stats_reads_the_record_with_no_rejected_line(
    record: tuple[Path, list[bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    log, expected = record
    assert main(["stats", "--json", str(log)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["lines"], report["rejected"]) == (len(expected), 0)
    assert report["by_type"]["error"] == len(REFUSED)
    assert report["by_type"]["response.create"] == 1
    assert report["usage"]["total_tokens"] == json.loads(DONE)["response"]["usage"]["total_tokens"]


def test_serve_replays_the_record(record: tuple[Path, list[bytes]]) -> None:
    log, _ = record
    with serving("serve", "--replay", str(log)) as port:

        async def session() -> None:
            async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
                assert await ws.recv(decode=False) == RECORDING.created
                await ws.send('{"type":"response.create"}')
                frames = [await ws.recv(decode=False) for _ in RECORDING.responses[0]]
                assert frames == list(RECORDING.responses[0])

        asyncio.run(asyncio.wait_for(session(), 60))


def test_a_raw_newline_inside_a_string_stays_in_one_invalid_line(tmp_path: Path) -> None:
    """A frame whose type leads is forwarded unread, even with a raw newline inside a string
    (invalid JSON, which the upstream refuses): its line holds a tab there, as invalid."""
    log = tmp_path / "session.jsonl"
    frame = '{"type":"conversation.item.create","item":"a\nb"}'

    async def run() -> None:
        async with await server.serve(RECORDING) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            with log.open("ab", buffering=0) as opened:
                async with await relay.relay(upstream, record=opened) as running:
                    url = f"ws://127.0.0.1:{_port(running)}/v1/realtime"
                    async with connect(url) as ws:
                        await ws.recv()
                        await ws.send(frame)
                        error = rt_fast.decode_server_event(await ws.recv(decode=False))
                        assert isinstance(error, ga.ErrorEvent)  # the server's

    asyncio.run(asyncio.wait_for(run(), 60))
    lines = log.read_bytes().split(b"\n")
    assert lines[1:] == [b'{"type":"conversation.item.create","item":"a\tb"}', lines[2], b""]
    with pytest.raises(rt_fast.DecodeError):
        rt_fast.decode_client_event(lines[1])
