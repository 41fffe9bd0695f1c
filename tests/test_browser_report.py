"""``rt-fast report --html`` in a real browser: headless Chromium (Debian's ``chromium``) opens
the page from disk with every fetch forbidden (a Content-Security-Policy of its own that allows
nothing from anywhere), logs no console error, and shows the very numbers ``--json`` gives; the
screenshot is kept (``RT_FAST_ARTIFACTS``, else the test's folder). Runs in ``tox -e browser``."""

from __future__ import annotations

import contextlib
import html
import html.parser
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rt_fast._cli import main
from rt_fast._report import shown
from tests.test_sessions import SESSION, _records

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WITHOUT = CHROMIUM is None and os.environ.get("RT_FAST_BROWSER") != "required"


def sessions_log() -> bytes:
    """Five sessions of the hand-built one, each slower than the last (a spread of latencies)."""
    data = b""
    for n in range(5):
        stretched = [
            (int(ms * (1 + 0.35 * n)), direction, frame) for ms, direction, frame in SESSION
        ]
        data += _records(f"session-{n + 1}", stretched)
    return data


def report_of(log: Path, page: Path) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", "--json", "--html", str(page), str(log)]) == 0
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def chromium(page: Path, profile: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "tox -e browser needs Debian's chromium: apt-get install chromium"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}", *flags,
               page.as_uri()]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)


class _Figures(html.parser.HTMLParser):
    """The text of each element with a ``data-key``, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[tuple[str, str]] = []
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._key = dict(attrs).get("data-key")
        if self._key is not None:
            self.figures.append((self._key, ""))

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self.figures[-1] = (self._key, self.figures[-1][1] + data)

    def handle_endtag(self, tag: str) -> None:
        self._key = None


def _at(report: Any, key: str) -> Any:
    for part in key.split("."):
        report = report[int(part)] if isinstance(report, list) else report[part]
    return report


@pytest.mark.skipif(WITHOUT, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_page_shows_what_json_says(tmp_path: Path) -> None:
    log, page = tmp_path / "records.jsonl", tmp_path / "report.html"
    log.write_bytes(sessions_log())
    report = report_of(log, page)
    text = page.read_text()
    policy = "default-src 'none'; style-src 'unsafe-inline'"
    page.write_text(text.replace("<head>", f'<head><meta http-equiv="Content-Security-Policy" '
                                           f'content="{policy}">', 1))  # fmt: skip
    dumped = chromium(page, tmp_path / "profile", "--dump-dom")
    console = [line for line in dumped.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console  # no error, no blocked fetch, no message at all
    parser = _Figures()
    parser.feed(dumped.stdout)
    assert len(parser.figures) == 9 + 16 + 5 * 6  # overall, latencies, each session's figures
    for key, value in parser.figures:
        assert value == shown(_at(report, key)), key
    figures = dict(parser.figures)
    assert figures["overall.latency.voice_to_voice_ms.count"] == "15"
    assert figures["overall.interrupted_turns"] == "5" and figures["sessions.4.turn_count"] == "3"
    assert dumped.stdout.count("<svg") >= 2 + 5  # the histogram, a cost bar and timeline a session
    artifacts = Path(os.environ.get("RT_FAST_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "report.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1150,1500",
             "--hide-scrollbars")  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


@pytest.mark.skipif(WITHOUT, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_hostile_log_makes_a_page_of_text(tmp_path: Path) -> None:
    """Session ids, a model, error codes and tool names that are markup (``</script>``,
    ``<svg onload=...>``): the browser shows them as text, runs nothing, logs nothing."""
    from tests.test_report_attacks import EVIL, _hostile

    log, page = tmp_path / "hostile.jsonl", tmp_path / "hostile.html"
    log.write_bytes(_hostile(3))
    report_of(log, page)
    dumped = chromium(page, tmp_path / "profile", "--dump-dom")
    assert not [line for line in dumped.stderr.splitlines() if "CONSOLE" in line]
    assert "<img" not in dumped.stdout and "<script" not in dumped.stdout
    assert " onload=" not in dumped.stdout.replace("&lt;svg onload=", "")
    assert html.escape(EVIL, quote=False) in dumped.stdout  # shown, as text
