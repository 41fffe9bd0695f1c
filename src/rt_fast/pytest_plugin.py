"""rt_fast's pytest plugin (registered by the package: the ``pytest11`` entry point).

The ``realtime_server`` fixture is a local Realtime server (``rt_fast.server``, the ``ws``
extra) on a free port of 127.0.0.1, on a thread of its own, so that sync tests and tests on
any event loop use it alike::

    def test_agent(realtime_server):
        realtime_server.script.say("Hello!").call("lookup", {"id": 7}).say("Found it.")
        client = OpenAI(api_key="sk-test", websocket_base_url=realtime_server.base_url)
        ...
        assert "response.create" in realtime_server.received.types()

It gives ``url`` (``ws://127.0.0.1:PORT/v1/realtime``), ``base_url`` (the SDK's
``websocket_base_url``), ``port``, ``script`` (an empty ``rt_fast.server.Script`` to fill;
each response it lacks a turn for says "OK.") and ``received`` (what clients sent, a
``rt_fast.server.Received``). A test that wants audio at its own pace marks itself
``@pytest.mark.realtime_pace``. The server stops at the test's end, closing its connections.

The ``live_server`` fixture is the same server speaking GPT-Live (``protocol="live"``), at
``url`` ``ws://127.0.0.1:PORT/v1/live/sessions``; the SDK's ``client.live.connect()`` takes
the same ``base_url``, and its ``script`` must not hold a function call (``Call``)::

    def test_voice_agent(live_server):
        live_server.script.hear("Where is my order?").say("It ships today.")
        client = OpenAI(api_key="sk-test", websocket_base_url=live_server.base_url)
        with client.live.connect() as connection:
            connection.session.start(session={"model": "gpt-live-1"})
            ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["live_server", "pytest_configure", "realtime_server"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``realtime_pace`` marker (a pytest hook).

    Args:
        config: pytest's configuration.
    """
    config.addinivalue_line(
        "markers", "realtime_pace: realtime_server sends audio at its own pace, not at once"
    )


def _running(request: pytest.FixtureRequest, protocol: str) -> Iterator[Any]:
    try:
        from rt_fast import server  # the ws extra, only where the fixture is used
    except ModuleNotFoundError as exc:
        pytest.fail(f"{request.fixturename} needs websockets: pip install 'rt-fast[ws]' ({exc})")

    pace = "realtime" if request.node.get_closest_marker("realtime_pace") else "fast"
    with server.running(server.Script(), pace=pace, protocol=protocol) as running:
        yield running


@pytest.fixture
def realtime_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A running ``rt_fast.server`` for this test, stopped at its end (see the module).

    Args:
        request: pytest's request of the test (its ``realtime_pace`` marker).

    Yields:
        The server (``rt_fast.server.Background``): ``url``, ``base_url``, ``port``,
        ``script`` (an empty ``Script`` to fill) and ``received``.

    Examples:
        ```python
        def test_agent(realtime_server):
            realtime_server.script.say("Hello!")
            client = OpenAI(api_key="sk-test", websocket_base_url=realtime_server.base_url)
            ...
        ```
    """
    yield from _running(request, "ga")


@pytest.fixture
def live_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A running ``rt_fast.server`` speaking GPT-Live for this test, stopped at its end.

    Args:
        request: pytest's request of the test (its ``realtime_pace`` marker).

    Yields:
        The server (``rt_fast.server.Background``) at ``/v1/live/sessions``: ``url``,
        ``base_url``, ``port``, ``script`` (an empty ``Script`` to fill) and ``received``.

    Examples:
        ```python
        def test_live_agent(live_server):
            live_server.script.say("Hello!")
            client = OpenAI(api_key="sk-test", websocket_base_url=live_server.base_url)
            with client.live.connect() as connection:
                ...
        ```
    """
    yield from _running(request, "live")
