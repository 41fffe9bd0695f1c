"""The report of ``rt-fast report``, drawn: for a terminal (rich, else plain text with the same
numbers) and as one self-contained HTML page (inline SVG and CSS: nothing fetched).

Every figure comes from the report's JSON (``rt_fast._figures.summary``) and is shown by one
rule (``shown``); on the page each figure's element names its place in the JSON
(``data-key="overall.turns"``), so that a reader, a test, can check the page says what the
JSON says.
"""

from __future__ import annotations

import html
import importlib
import itertools
from collections.abc import Iterator
from typing import Any

import msgspec

from ._figures import LATENCIES

__all__ = ["json_text", "page", "shown", "terminal", "text"]

SESSIONS_SHOWN = 50  # sessions a report lists (and draws a timeline of); all are in --json
TURNS_DRAWN = 200  # turns a timeline draws (its first): a page stays small, whatever the log
TOOLS_DRAWN = 10  # tool calls drawn of each turn
LONGEST = 200  # characters of a name from a log that the page shows
_BINS = 20

_OVERALL = (  # key of "overall" -> label
    ("sessions", "sessions"),
    ("turns", "turns"),
    ("responses", "responses"),
    ("interrupted_turns", "interrupted turns"),
    ("interruption_rate", "interruption rate"),
    ("audio_in_s", "audio in, s"),
    ("audio_out_s", "audio out, s"),
    ("audio_lost_s", "audio lost to interruptions, s"),
    ("cost_usd", "cost, USD"),
)
_SESSION = (  # key of a session -> column
    ("turn_count", "turns"),
    ("interrupted_turns", "interrupted"),
    ("audio_in_s", "in, s"),
    ("audio_out_s", "out, s"),
    ("cost_usd", "USD"),
)


def shown(value: Any) -> str:
    """A figure as a report shows it: None is "unknown"."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _formatted(value: Any) -> str:
    return msgspec.json.format(msgspec.json.encode(value), indent=2).decode()


def json_text(report: dict[str, Any]) -> Iterator[str]:
    """The report as ``--json`` prints it (JSON indented by two), in pieces: a session, a turn
    at a time, each made only as it is written (``rt_fast._figures.Listed``)."""
    return _streamed(report, "sessions", "", lambda session, pad: _streamed(session, "turns", pad))


def _streamed(value: dict[str, Any], key: str, pad: str, inner: Any = None) -> Iterator[str]:
    """``value`` formatted with its lines indented by ``pad``, its list ``key`` an item at a
    time (each by ``inner``, else whole). The only text ``"key": []`` is the key's: quotes
    inside JSON strings are escaped."""
    items, more = value[key], pad + "    "
    formatted = _formatted({**value, key: []}).replace("\n", "\n" + pad)
    head, _, tail = formatted.partition(f'"{key}": []')
    yield head + f'"{key}": ['
    for index, item in enumerate(items):
        yield ("," if index else "") + "\n" + more
        if inner is None:
            yield _formatted(item).replace("\n", "\n" + more)
        else:
            yield from inner(item, more)
    yield (f"\n{pad}  ]" if items else "]") + tail


def _lines(report: dict[str, Any]) -> Iterator[str]:
    overall = report["overall"]
    yield f"{', '.join(report['logs'])}: {report['lines']} lines, {report['rejected']} rejected"
    for rejected in report["first_rejected"]:
        yield f"  {rejected['log']}, line {rejected['line']}: {rejected['error']}"
    if not report["times"]:
        yield "no arrival times in these logs (plain frames): latencies are unknown"
    for key, label in _OVERALL:
        yield f"{label}: {shown(overall[key])}"
    for name in LATENCIES:
        figures = overall["latency"][name]
        yield (f"{name}: median {shown(figures['median'])}, p90 {shown(figures['p90'])}, "
               f"p99 {shown(figures['p99'])} ({figures['count']} measured)")  # fmt: skip
    if overall["unpriced"]:
        yield "unpriced (no price for the model): " + _pairs(overall["unpriced"])
    if overall["errors"]:
        yield "errors: " + _pairs(overall["errors"])
    yield f"prices: {report['prices']['retrieved']}, {report['prices']['source']}" + (
        f", and {report['prices']['file']}" if report["prices"]["file"] else ""
    )


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items())


def _session_rows(report: dict[str, Any]) -> Iterator[list[str]]:
    for session in report["sessions"][:SESSIONS_SHOWN]:
        v2v = session["latency"]["voice_to_voice_ms"]["median"]
        yield [_name(session), shown(session["model"]),
               *(shown(session[key]) for key, _ in _SESSION), shown(v2v)]  # fmt: skip


_HEADERS = ["session", "model", *(label for _, label in _SESSION), "voice-to-voice median, ms"]


def text(report: dict[str, Any], control: Any = str) -> str:
    """The report as plain text (``control`` escapes text from logs)."""
    lines = [control(line) for line in _lines(report)]
    lines.append("")
    lines.append("  ".join(_HEADERS))
    lines += ["  ".join(map(control, row)) for row in _session_rows(report)]
    more = len(report["sessions"]) - SESSIONS_SHOWN
    if more > 0:
        lines.append(f"... and {more} sessions more (all in --json)")
    return "\n".join(lines)


def terminal(report: dict[str, Any], control: Any = str) -> str | None:
    """Print the report with rich; None (nothing printed) without rich: print ``text``. Text
    from logs is shown as it is (``control`` escapes it), never read as rich's markup."""
    try:
        console_module = importlib.import_module("rich.console")
        table_module = importlib.import_module("rich.table")
        text_module = importlib.import_module("rich.text")
    except ModuleNotFoundError:
        return None

    def cells(values: Any) -> list[Any]:
        return [text_module.Text(control(value)) for value in values]

    console = console_module.Console(highlight=False)
    summary = table_module.Table(title="rt-fast report", show_header=False)
    for line in _lines(report):
        summary.add_row(*cells(line.split(": ", 1)))
    console.print(summary)
    sessions = table_module.Table(*_HEADERS, title="sessions")
    for row in _session_rows(report):
        sessions.add_row(*cells(row))
    console.print(sessions)
    return ""


# -- the page ---------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#666}svg text{font:11px system-ui,sans-serif;fill:#333}
.user{fill:#3b82f6}.model{fill:#10b981}.tool{fill:#f59e0b}.cut{fill:#ef4444}
.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.key.user{background:#3b82f6}.key.model{background:#10b981}.key.tool{background:#f59e0b}
.key.cut{background:#ef4444}
"""


def _name(session: dict[str, Any]) -> str:
    """A session as a report names it: its key (a record's session) and the API's id."""
    key, api = session["session"], session["id"]
    return f"{key} ({api})" if api and api != key else key


def _cell(key: str, value: Any) -> str:
    return f'<td class="n" data-key="{html.escape(key)}">{html.escape(shown(value))}</td>'


def _overall(report: dict[str, Any]) -> Iterator[str]:
    overall = report["overall"]
    yield "<table>"
    for key, label in _OVERALL:
        yield f"<tr><th>{label}</th>{_cell(f'overall.{key}', overall[key])}</tr>"
    yield "</table><h2>Latency, ms</h2><table><tr><th></th><th>median</th><th>p90</th>"
    yield "<th>p99</th><th>measured</th></tr>"
    for name in LATENCIES:
        figures = overall["latency"][name]
        cells = "".join(_cell(f"overall.latency.{name}.{stat}", figures[stat])
                        for stat in ("median", "p90", "p99", "count"))  # fmt: skip
        yield f"<tr><th>{name}</th>{cells}</tr>"
    yield "</table>"


def _histogram(report: dict[str, Any]) -> Iterator[str]:
    name = next((n for n in LATENCIES[:2] if report["overall"]["latency"][n]["count"]), None)
    if name is None:
        yield '<p class="note">No latency measured: these logs hold no arrival times.</p>'
        return
    values = [t[name] for s in report["sessions"] for t in s["turns"] if t[name] is not None]
    low, high = min(values), max(values)
    width = (high - low) / _BINS or 1.0
    counts = [0] * _BINS
    for value in values:
        counts[min(int((value - low) / width), _BINS - 1)] += 1
    top = max(counts)
    yield f"<p>{name} of each turn ({len(values)} turns)</p>"
    yield f'<svg width="640" height="170" role="img" aria-label="{name} histogram">'
    for i, count in enumerate(counts):
        tall = 130 * count / top
        start = low + i * width
        yield (f'<rect class="model" x="{40 + i * 30}" y="{140 - tall:.1f}" width="26" '
               f'height="{tall:.1f}"><title>{start:.0f}-{start + width:.0f} ms: {count}'
               "</title></rect>")  # fmt: skip
    yield f'<text x="40" y="158">{low:.0f} ms</text>'
    yield f'<text x="600" y="158" text-anchor="end">{high:.0f} ms</text></svg>'


def _timeline(session: dict[str, Any], index: int) -> Iterator[str]:
    turns = list(itertools.islice((t for t in session["turns"] if t["at_ms"] is not None),
                                  TURNS_DRAWN))  # fmt: skip
    if not turns:
        return
    end = max(_turn_end(t) for t in turns) or 1.0
    scale = 1000 / end

    def x(ms: float) -> str:
        return f"{40 + ms * scale:.1f}"

    yield f'<svg width="1060" height="78" role="img" aria-label="timeline of session {index}">'
    yield '<text x="0" y="20">user</text><text x="0" y="42">model</text>'
    yield '<text x="0" y="64">tools</text>'
    for turn in turns:
        if turn["speech_ms"] and turn["audio_in_s"] is not None:
            yield _bar("user", x(turn["at_ms"]), 10, turn["audio_in_s"] * 1000 * scale,
                       f"turn {turn['index']}: user speech {turn['audio_in_s']} s")  # fmt: skip
        if turn["audio_at_ms"] is not None:
            played = turn["audio_out_s"] - (turn["audio_lost_s"] or 0)
            yield _bar("model", x(turn["audio_at_ms"]), 32, played * 1000 * scale,
                       f"turn {turn['index']}: model audio {turn['audio_out_s']} s")  # fmt: skip
        for tool in turn["tools"][:TOOLS_DRAWN]:
            if tool["at_ms"] is not None:
                span = (tool["round_trip_ms"] or 0) * scale
                yield _bar(
                    "tool",
                    x(tool["at_ms"]),
                    54,
                    max(span, 3),
                    f"{tool['name']}: round trip {shown(tool['round_trip_ms'])} ms",
                )
        if turn["interruption_seen_ms"] is not None:
            yield (
                f'<rect class="cut" x="{x(turn["interruption_seen_ms"])}" y="4" width="3" '
                f'height="62"><title>turn {turn["index"]} interrupted</title></rect>'
            )
    yield f'<text x="1040" y="76" text-anchor="end">{end / 1000:.1f} s</text></svg>'
    if len(session["turns"]) > len(turns):
        yield (f'<p class="note">The first {len(turns)} of its {len(session["turns"])} turns '
               "drawn (all in --json).</p>")  # fmt: skip


def _turn_end(turn: dict[str, Any]) -> float:
    ends = [turn["at_ms"] + (turn["audio_in_s"] or 0) * 1000]
    if turn["audio_at_ms"] is not None:
        ends.append(turn["audio_at_ms"] + turn["audio_out_s"] * 1000)
    ends += [
        t["at_ms"] + (t["round_trip_ms"] or 0) for t in turn["tools"] if t["at_ms"] is not None
    ]
    return float(max(ends))


def _bar(kind: str, x: str, y: int, width: float, title: str) -> str:
    return (f'<rect class="{kind}" x="{x}" y="{y}" width="{max(width, 1):.1f}" height="14">'
            f"<title>{_escaped(title)}</title></rect>")  # fmt: skip


def _escaped(text: str) -> str:
    """Text from a log as the page shows it: escaped, and cut at ``LONGEST`` characters."""
    return html.escape(text if len(text) <= LONGEST else text[:LONGEST] + "...")


def _costs(report: dict[str, Any]) -> Iterator[str]:
    """Each session's cost, and a bar of what could be priced (all of it, unless unknown)."""
    sessions = report["sessions"][:SESSIONS_SHOWN]
    top = max((s["priced_usd"] for s in sessions), default=0.0) or 1.0
    yield "<table><tr><th>session</th><th>model</th><th>cost, USD</th><th></th></tr>"
    for i, session in enumerate(sessions):
        name = _escaped(_name(session))
        width = 300 * session["priced_usd"] / top
        bar = f'<svg width="300" height="14"><rect class="model" width="{width:.1f}" height="14"/>'
        cost = _cell(f"sessions.{i}.cost_usd", session["cost_usd"])
        model = _escaped(shown(session["model"]))
        yield f"<tr><td>{name}</td><td>{model}</td>{cost}<td>{bar}</svg></td></tr>"
    yield "</table>"


def _sessions(report: dict[str, Any]) -> Iterator[str]:
    for i, session in enumerate(report["sessions"][:SESSIONS_SHOWN]):
        yield f"<h3>{_escaped(_name(session))}</h3><table><tr>"
        yield "".join(f"<th>{label}</th>" for _, label in _SESSION) + "</tr><tr>"
        yield "".join(_cell(f"sessions.{i}.{key}", session[key]) for key, _ in _SESSION)
        yield "</tr></table>"
        yield from _timeline(session, i)
    more = len(report["sessions"]) - SESSIONS_SHOWN
    if more > 0:
        yield f'<p class="note">... and {more} sessions more (all in --json).</p>'


def page(report: dict[str, Any]) -> str:
    """The report as one HTML page that needs nothing else: no script, font or style fetched."""
    logs = html.escape(", ".join(report["logs"]))
    prices = report["prices"]
    times = (
        ""
        if report["times"]
        else (
            '<p class="note">These logs hold no arrival times (plain frames, not the relay\'s '
            "records): latencies and timelines are unknown.</p>"
        )
    )
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>rt-fast report</title><style>{_CSS}</style></head><body>",
        f"<h1>rt-fast report</h1><p>{logs}: {report['lines']} lines, "
        f"{report['rejected']} rejected</p>{times}",
        *_overall(report),
        "<h2>Voice-to-voice latency</h2>",
        *_histogram(report),
        "<h2>Cost by session</h2>",
        *_costs(report),
        f'<p class="note">Prices of {html.escape(prices["retrieved"])} from '
        f"{html.escape(prices['source'])}{' and ' + html.escape(prices['file']) if prices['file'] else ''}.</p>",  # noqa: E501
        '<h2>Sessions</h2><p class="note">Timelines: <span class="key user"></span>user speech'
        '<span class="key model"></span>model audio (as played)<span class="key tool"></span>'
        'tool calls, to the next response<span class="key cut"></span>interruptions</p>',
        *_sessions(report),
        "</body></html>",
    ]
    return "\n".join(parts)
