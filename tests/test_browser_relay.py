"""A real browser through the relay: headless Chromium (Debian's ``chromium``) loads a page from a
local test server, opens a WebSocket to the relay with the browser's credential subprotocols
(``realtime``, ``openai-insecure-api-key.<token>``), holds a session with the local Realtime
server behind the relay (which holds the API key), and reports what it received back to the
test server. A wrong token never gets a socket. Runs in ``tox -e browser``; everything on
127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from rt_fast import relay, server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Outside tox -e browser (which requires it), a machine without Chromium skips these.
WITHOUT = CHROMIUM is None and os.environ.get("RT_FAST_BROWSER") != "required"
RECORDING = server.Recording.load()
TOKEN = "browser-token-1"

PAGE = """<!doctype html><meta charset="utf-8"><title>relay</title><script>
const report = (result) => fetch("/result?data=" + encodeURIComponent(JSON.stringify(result)));
const types = [];
const ws = new WebSocket(RELAY, ["realtime", "openai-insecure-api-key." + TOKEN]);
ws.onmessage = (message) => {
  const event = JSON.parse(message.data);
  types.push(event.type);
  if (event.type === "session.created") ws.send(JSON.stringify({type: "response.create"}));
  if (event.type === "response.done") {
    ws.close(1000);
    report({protocol: ws.protocol, types: types, usage: event.response.usage.total_tokens});
  }
};
ws.onclose = (close) => { if (!types.includes("response.done")) report({closed: close.code}); };
</script>"""


def _page(
    relay_url: str, token: str, results: asyncio.Queue[Any]
) -> Callable[[ServerConnection, Request], Response]:
    """A test server's ``process_request``: the page at ``/``, the page's report at
    ``/result`` (put in ``results``)."""

    def respond(connection: ServerConnection, request: Request) -> Response:
        parts = urlsplit(request.path)
        if parts.path == "/result":
            results.put_nowait(json.loads(dict(parse_qsl(parts.query))["data"]))
            return connection.respond(HTTPStatus.OK, "ok\n")
        body = PAGE.replace("RELAY", json.dumps(relay_url)).replace("TOKEN", json.dumps(token))
        headers = Headers({"Content-Type": "text/html; charset=utf-8"})
        return Response(HTTPStatus.OK, "OK", headers, body.encode())

    return respond


async def _browse(url: str, profile: Path, results: asyncio.Queue[Any]) -> Any:
    """Chromium, headless, at ``url`` until its page reports: the report."""
    assert CHROMIUM is not None, "tox -e browser needs Debian's chromium: apt-get install chromium"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               f"--user-data-dir={profile}", url]  # fmt: skip
    browser = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        return await asyncio.wait_for(results.get(), 60)
    finally:
        browser.terminate()
        await browser.wait()


def _with_browser(token: str, profile: Path) -> Any:
    """What the page reports, loaded by Chromium with ``token`` as its credential."""

    async def main() -> Any:
        results: asyncio.Queue[Any] = asyncio.Queue()
        async with await server.serve(RECORDING) as up:
            upstream = f"ws://127.0.0.1:{up.sockets[0].getsockname()[1]}/v1/realtime"
            async with await relay.relay(upstream, api_key="sk-relay", client_token=TOKEN) as rl:
                relay_url = f"ws://127.0.0.1:{rl.sockets[0].getsockname()[1]}/v1/realtime"
                async with serve(lambda c: c.wait_closed(), "127.0.0.1", 0,
                                 process_request=_page(relay_url, token, results)) as page:  # fmt: skip
                    url = f"http://127.0.0.1:{page.sockets[0].getsockname()[1]}/"
                    return await _browse(url, profile, results)

    return asyncio.run(main())


@pytest.mark.skipif(WITHOUT, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_browser_holds_a_session_through_the_relay(tmp_path: Path) -> None:
    report = _with_browser(TOKEN, tmp_path / "profile")
    assert report["protocol"] == "realtime", report
    assert report["types"][0] == "session.created"
    assert report["types"][-1] == "response.done" and report["usage"] > 0
    assert "response.output_audio.delta" in report["types"]


@pytest.mark.skipif(WITHOUT, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_browser_with_a_wrong_token_gets_no_socket(tmp_path: Path) -> None:
    report = _with_browser("wrong-token", tmp_path / "profile")
    assert report == {"closed": 1006}  # a refused handshake, as browsers report it
