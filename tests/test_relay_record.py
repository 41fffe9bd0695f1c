"""The relay's record (``record=``, ``rt-fast relay --record``): one frame a line with its arrival
time, direction and session (``relay.record_line``), what each side received, the relay's own
error replies included and marked as its own; a client cannot forge a line. The record of a
session with refused frames is read by ``rt-fast stats`` and played by ``rt-fast serve
--replay``, both through ``rt_fast._cli.main``. Real websockets peers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard
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
    read = [relay.read_record_line(line) for line in lines]
    frames = [line.frame for line in read if line is not None]
    assert frames == expected
    assert FORGED not in frames and not any(line.startswith(b"not json") for line in frames)
    assert len({line.session for line in read if line is not None}) == 1
    times = [line.time_us for line in read if line is not None]
    assert times == sorted(times)
    for line in read:
        assert line is not None
        is_error = rt_fast.peek_type(line.frame) == "error"
        assert line.origin == ("relay" if is_error else None)
        client = rt_fast.peek_type(line.frame) in ga.CLIENT_EVENTS
        assert line.direction == ("client" if client else "server")


def test_stats_reads_the_records_frames_with_no_rejected_line(
    record: tuple[Path, list[bytes]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log, expected = record
    assert main(["stats", "--json", str(log)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["lines"], report["rejected"]) == (len(expected), 0)
    assert report["by_type"]["error"] == len(REFUSED)
    assert report["by_type"]["response.create"] == 1
    assert report["usage"]["total_tokens"] == json.loads(DONE)["response"]["usage"]["total_tokens"]


def test_serve_replays_the_records_frames(record: tuple[Path, list[bytes]], tmp_path: Path) -> None:
    log, _ = record
    with serving("serve", "--replay", str(log)) as port:

        async def session() -> None:
            async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
                assert await ws.recv(decode=False) == RECORDING.created
                await ws.send('{"type":"response.create"}')
                frames = [await ws.recv(decode=False) for _ in RECORDING.responses[0]]
                assert frames == list(RECORDING.responses[0])

        asyncio.run(asyncio.wait_for(session(), 60))


def test_a_raw_newline_inside_a_string_is_refused_and_not_recorded(tmp_path: Path) -> None:
    """Invalid JSON whose type leads (a raw newline inside a string) was forwarded unread, and
    recorded as an invalid line: it is refused as the decoder refuses it, its line the error."""
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
                        assert isinstance(error, ga.ErrorEvent)
                        assert "rt_fast relay" in error.error.message  # the relay's

    asyncio.run(asyncio.wait_for(run(), 60))
    lines = log.read_bytes().split(b"\n")
    frames = [relay.read_record_line(line) for line in lines[:-1]]
    assert [rt_fast.peek_type(f.frame) for f in frames if f] == ["session.created", "error"]
    assert lines[-1] == b""


# -- a record that exists, a record that cannot be written ---------------------------------------

# ``rt-fast ARGS``, as a process of its own whose files may grow to LIMIT bytes at most.
LIMIT = 50 * 1024
LIMITED = ("import resource, sys; from rt_fast._cli import main; "
           f"resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, {LIMIT})); "
           "sys.exit(main(sys.argv[1:]))")  # fmt: skip


@contextlib.contextmanager
def _relaying(log: Path, *, limited: bool = False) -> Iterator[tuple[str, list[str]]]:
    """``rt-fast relay --record LOG`` in front of the local server, as a process of its own:
    the relay's URL; once the block ends, the lines of its standard error."""
    command = [sys.executable, "-c", LIMITED] if limited else [sys.executable, "-m", "rt_fast"]
    stderr: list[str] = []
    with serving("serve") as port:
        upstream = f"ws://127.0.0.1:{port}/v1/realtime"
        argv = ["relay", "--upstream", upstream, "--port", "0", "--record", str(log)]
        with subprocess.Popen([*command, *argv], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) as process:  # fmt: skip
            try:
                assert process.stdout is not None
                line = process.stdout.readline()
                assert line.startswith("rt-fast relay: ws://"), line
                yield line.split(" ")[2] + "/v1/realtime", stderr
            finally:
                process.terminate()
                stderr += process.communicate(timeout=15)[1].splitlines()


async def _one_response(url: str) -> None:
    async with connect(url) as ws:
        assert await ws.recv(decode=False) == RECORDING.created
        await ws.send('{"type":"response.create"}')
        assert [await ws.recv(decode=False) for _ in RECORDING.responses[0]] == list(
            RECORDING.responses[0]
        )


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_compressed_record_is_refused_at_start(tmp_path: Path, compression: str) -> None:
    """Plain lines appended to a compressed log made it unreadable: the relay does not start."""
    log = tmp_path / f"old.jsonl.{compression}"
    plain = RECORDING.created + b"\n"
    log.write_bytes(gzip.compress(plain) if compression == "gzip"
                    else zstandard.ZstdCompressor().compress(plain))  # fmt: skip
    before = log.read_bytes()
    command = [sys.executable, "-m", "rt_fast", "relay", "--upstream", "ws://127.0.0.1:1/",
               "--port", "0", "--record", str(log)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=15)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rt-fast: ") and str(log) in lines[0], lines
    assert compression in lines[0]
    assert log.read_bytes() == before


def test_a_record_without_a_final_newline_goes_on_on_a_new_line(tmp_path: Path) -> None:
    """The log's last frame was once merged with the relay's first into one bad line."""
    log = tmp_path / "old.jsonl"
    old = b'{"type":"input_audio_buffer.clear"}\n{"type":"response.create"}'
    log.write_bytes(old)
    with _relaying(log) as (url, _):
        asyncio.run(asyncio.wait_for(_one_response(url), 60))
    data = log.read_bytes()
    assert data.startswith(old + b"\n")
    first = relay.read_record_line(data[len(old) + 1 :].split(b"\n")[0])
    assert first is not None and first.frame == RECORDING.created


def test_a_record_that_cannot_grow_stops_whole_and_the_session_goes_on(tmp_path: Path) -> None:
    """A file size limit (as a full disk): the record keeps whole lines only, one warning names
    the file and the error, and the client gets the whole response (it once lost the session,
    a traceback printed, the record left with half a line)."""
    log = tmp_path / "session.jsonl"
    with _relaying(log, limited=True) as (url, stderr):
        asyncio.run(asyncio.wait_for(_one_response(url), 60))
        asyncio.run(asyncio.wait_for(_one_response(url), 60))  # a session after, as well
    data = log.read_bytes()
    assert 0 < len(data) <= LIMIT and data.endswith(b"\n"), len(data)
    for line in data.splitlines():  # whole lines only, each a record line of a whole frame
        read = relay.read_record_line(line)
        assert read is not None
        rt_fast.peek_type(read.frame)
    assert len(stderr) == 1 and str(log) in stderr[0] and "File too large" in stderr[0], stderr


def test_a_full_disk_stops_the_record_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    """``/dev/full``: every write fails (ENOSPC); sessions go on, one warning is logged."""

    async def run() -> None:
        async with await server.serve(RECORDING) as up:
            upstream = f"ws://127.0.0.1:{_port(up)}/v1/realtime"
            with open("/dev/full", "ab", buffering=0) as full:
                async with await relay.relay(upstream, record=full) as running:
                    url = f"ws://127.0.0.1:{_port(running)}/v1/realtime"
                    await _one_response(url)
                    await _one_response(url)

    with caplog.at_level(logging.WARNING):
        asyncio.run(asyncio.wait_for(run(), 60))
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in warned] == ["rt_fast.relay"], caplog.text
    assert "/dev/full" in warned[0].getMessage() and "28" in warned[0].getMessage()
