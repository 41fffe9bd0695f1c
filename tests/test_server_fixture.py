"""The pytest plugin the package registers: the realtime_server fixture, and the test-server
guide's pytest example run as a user runs it (a pytest of its own, the plugin found by its entry
point)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from rt_fast import server

from .conftest import ROOT


def _readme_test() -> str:
    guide = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Testing an agent with pytest") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_the_guides_example_passes_under_pytest(tmp_path: Path) -> None:
    """Written to a file and run by pytest in a process of its own: the fixture comes from the
    installed package's pytest11 entry point, nothing else."""
    code = _readme_test()
    test = code[code.index("def test_") :]
    assert len(test.strip().splitlines()) == 15
    (tmp_path / "test_agent.py").write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-W", "error", str(tmp_path / "test_agent.py")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_fixture_serves_an_async_client(realtime_server: Any) -> None:
    """The fixture's server on its own thread, an async client on this test's loop; what the
    client sent is in received, decoded."""
    realtime_server.script.say("Hello.")
    assert realtime_server.url == f"ws://127.0.0.1:{realtime_server.port}/v1/realtime"

    async def talk() -> str:
        client = AsyncOpenAI(api_key="sk-test", websocket_base_url=realtime_server.base_url)
        async with client.realtime.connect(model="gpt-realtime") as conn:
            await conn.response.create(response={"metadata": {"turn": "1"}})
            async for event in conn:
                if event.type == "response.done":
                    assert event.response.metadata == {"turn": "1"}
                    return str(event.response.output[0].content[0].transcript)  # type: ignore[union-attr, index]
        raise AssertionError("no response.done")

    assert asyncio.run(asyncio.wait_for(talk(), 30)) == "Hello."
    (asked,) = realtime_server.received.events("response.create")
    assert asked.response.metadata == {"turn": "1"}


@pytest.mark.realtime_pace
def test_the_realtime_pace_mark(realtime_server: Any) -> None:
    """Marked realtime_pace, the fixture's server spaces audio by its length."""
    assert realtime_server.pace == "realtime"


def test_running_refuses_an_unknown_pace() -> None:
    with pytest.raises(ValueError, match="unknown pace 'slow'"), server.running(pace="slow"):
        pass


def test_running_stops_its_thread_and_closes_its_clients() -> None:
    """Leaving the block closes each connection (1001, going away) and ends the thread."""
    with contextlib.ExitStack() as clients:  # the client outlives the server's block
        with server.running() as background:
            client = clients.enter_context(connect(background.url))
            assert '"session.created"' in str(client.recv(10))
            thread = background._thread
        assert not thread.is_alive()
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
