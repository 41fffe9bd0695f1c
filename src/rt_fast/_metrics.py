"""The relay's counts, and their Prometheus text (the ``metrics`` extra: ``prometheus_client``).

A ``Tally`` is plain integers the relay adds to as frames pass (a dictionary entry a frame and
direction, no lock: one event loop writes it); ``serve_metrics`` reads them only when scraped,
through a collector, so a frame costs no Prometheus call. Frame types are labels only where
rt_fast knows the type (others count as ``unknown``): a client cannot grow the label set.

Exposed (``rt_fast_relay_`` prefix): ``sessions_open``, ``sessions_total``,
``handshakes_refused_total{status}``, ``frames_total{direction,type}``,
``bytes_total{direction,type}``, ``refused_frames_total{direction}``,
``handler_errors_total``, ``tokens_total{kind}`` (from ``response.done`` usage), and
``added_latency_seconds{direction}``, a histogram of the time from a frame's arrival to its
send's return.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["BOUNDS_US", "DIRECTIONS", "Tally", "serve_metrics"]

DIRECTIONS = ("client", "server")
BOUNDS_US = (5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 50_000, 250_000)
"""The latency histogram's bucket bounds, in microseconds."""
_PREFIX = "rt_fast_relay_"
_TOKENS = ("input_tokens", "output_tokens", "total_tokens")


class Tally:
    """What a relay counts, served by ``serve_metrics`` (see the module for the metrics).

    Plain integers the relay adds to as frames pass (one event loop writes them).

    Args:
        known: The frame types that become labels; others count as ``unknown``, so a
            client cannot grow the label set (``rt-fast relay`` passes every type rt_fast
            knows).

    Examples:
        >>> tally = rt_fast.relay.Tally({"response.create"})
        >>> tally.frame("client", "response.create", 26)
        >>> tally.frame("client", "made.up", 19)
        >>> tally.frames["client"]
        {'response.create': 1, 'unknown': 1}
    """

    def __init__(self, known: Iterable[str]) -> None:
        self.known = frozenset(known)
        self.sessions_open = self.sessions_total = self.handler_errors = 0
        self.refused_handshakes: dict[int, int] = {}
        self.frames: dict[str, dict[str, int]] = {d: {} for d in DIRECTIONS}
        self.bytes: dict[str, dict[str, int]] = {d: {} for d in DIRECTIONS}
        self.refused_frames = dict.fromkeys(DIRECTIONS, 0)
        self.tokens = dict.fromkeys(_TOKENS, 0)
        self.latency = {d: [0] * (len(BOUNDS_US) + 1) for d in DIRECTIONS}
        self.latency_sum_ns = dict.fromkeys(DIRECTIONS, 0)

    def frame(self, direction: str, tag: str, size: int) -> None:
        """Count a relayed frame.

        Args:
            direction: ``"client"`` or ``"server"``: who sent it.
            tag: Its ``type``.
            size: Its size in bytes.
        """
        label = tag if tag in self.known else "unknown"
        frames, sizes = self.frames[direction], self.bytes[direction]
        frames[label] = frames.get(label, 0) + 1
        sizes[label] = sizes.get(label, 0) + size

    def took(self, direction: str, nanoseconds: int) -> None:
        """Count the time a frame took from its arrival to its send's return.

        Args:
            direction: ``"client"`` or ``"server"``: who sent it.
            nanoseconds: The time it took.
        """
        self.latency[direction][bisect.bisect_left(BOUNDS_US, nanoseconds / 1000)] += 1
        self.latency_sum_ns[direction] += nanoseconds

    def refused(self, status: int) -> None:
        """Count a handshake refused.

        Args:
            status: The HTTP status it was refused with.
        """
        self.refused_handshakes[status] = self.refused_handshakes.get(status, 0) + 1

    def used(self, usage: dict[str, int]) -> None:
        """Add a response's token usage.

        Args:
            usage: ``input_tokens``, ``output_tokens`` and ``total_tokens`` (any may be
                missing).
        """
        for kind in _TOKENS:
            self.tokens[kind] += usage.get(kind, 0)


def _families(tally: Tally) -> Iterator[Any]:
    from prometheus_client.core import (
        CounterMetricFamily,
        GaugeMetricFamily,
        HistogramMetricFamily,
    )

    yield GaugeMetricFamily(f"{_PREFIX}sessions_open", "Sessions open", tally.sessions_open)
    yield CounterMetricFamily(f"{_PREFIX}sessions", "Sessions opened", tally.sessions_total)
    yield CounterMetricFamily(
        f"{_PREFIX}handler_errors", "Handlers that failed", tally.handler_errors
    )
    refused = CounterMetricFamily(
        f"{_PREFIX}handshakes_refused", "Handshakes refused before the upgrade", labels=["status"]
    )
    for status, count in sorted(tally.refused_handshakes.copy().items()):
        refused.add_metric([str(status)], count)
    yield refused
    yield from _by_type(tally, CounterMetricFamily)
    frames = CounterMetricFamily(f"{_PREFIX}refused_frames", "Frames refused", labels=["direction"])
    tokens = CounterMetricFamily(f"{_PREFIX}tokens", "Tokens of response.done", labels=["kind"])
    for direction in DIRECTIONS:
        frames.add_metric([direction], tally.refused_frames[direction])
    for kind, count in tally.tokens.items():
        tokens.add_metric([kind], count)
    yield frames
    yield tokens
    yield _latency(tally, HistogramMetricFamily)


def _by_type(tally: Tally, family: Any) -> Iterator[Any]:
    for name, table in (("frames", tally.frames), ("bytes", tally.bytes)):
        metric = family(
            f"{_PREFIX}{name}", f"{name.capitalize()} relayed", labels=["direction", "type"]
        )
        for direction, counts in table.items():
            for tag, count in sorted(counts.copy().items()):  # the relay's thread adds to it
                metric.add_metric([direction, tag], count)
        yield metric


def _latency(tally: Tally, family: Any) -> Any:
    metric = family(
        f"{_PREFIX}added_latency_seconds",
        "From a frame's arrival to its send's return",
        labels=["direction"],
    )
    for direction, counts in tally.latency.items():
        cumulative, buckets = 0, []
        for bound, count in zip((*BOUNDS_US, float("inf")), counts, strict=True):
            cumulative += count
            buckets.append((str(bound / 1e6) if bound != float("inf") else "+Inf", cumulative))
        metric.add_metric([direction], buckets, tally.latency_sum_ns[direction] / 1e9)
    return metric


class _Collector:
    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def collect(self) -> Iterator[Any]:
        return _families(self.tally)


def serve_metrics(
    tally: Tally, port: int, host: str = "127.0.0.1"
) -> tuple[Callable[[], None], int]:
    """Serve a tally as Prometheus text at ``http://host:port/metrics``.

    A thread of ``prometheus_client``'s serves it (the ``metrics`` extra); a scrape reads the
    counts, so a relayed frame costs no Prometheus call.

    Args:
        tally: The counts a relay adds to (``relay(tally=...)``).
        port: The port to listen on; 0 picks a free one.
        host: The address to listen on.

    Returns:
        A function that stops the server and closes its socket, and the port it listens on.

    Raises:
        ModuleNotFoundError: ``prometheus_client`` is missing (the message names the extra).
        OSError: The address cannot be listened on.
    """
    try:
        from prometheus_client import CollectorRegistry, start_http_server
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "relay metrics need prometheus_client: pip install 'rt-fast[metrics]'"
        ) from None
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Collector(tally))
    server, _thread = start_http_server(port, host, registry)

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return stop, int(server.server_address[1])
