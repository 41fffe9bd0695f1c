"""Every code block of the README and the guides runs, as a reader would run it.

A page's ``python`` blocks run first, together, as one script in a process of its own (the page
with every other line blank, so that a traceback names the page's own lines; a later block may
use what an earlier one made), in a fresh temporary folder; a block that needs a Realtime
server starts the local one on 127.0.0.1 itself, as the page shows. Then each ``sh`` block
runs in bash (``set -euo pipefail``), in the same folder, with this environment's ``rt-fast`` on
``PATH``, and must exit 0. The HTML comment right above a block, unseen on the rendered page,
may change that:

* ``<!-- not run: REASON -->``: the block is shown, not run (it needs a cluster, a key, the
  internet, or it runs everything CI runs); the reason is required.
* ``<!-- run as a pytest file -->``: the block is a test module, run by pytest in a process of
  its own (the installed ``realtime_server`` fixture and all).

Blocks in other languages (``text``, ``json``) are output or formats, not code.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT

PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
_BLOCK = re.compile(
    r"(?:<!-- (?P<mark>[^\n]*?) -->\n)?^(?P<fence>```+)(?P<lang>[\w-]*)[^\n]*\n(?P<code>.*?)^(?P=fence)$",
    re.DOTALL | re.MULTILINE,
)
RUN = {"python", "sh"}
MARKS = ("not run: ", "run as a pytest file")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the block's first line of code, 1-based
    lang: str
    code: str
    mark: str


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, each with the comment right above it, if any."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("code")) + 1
        found.append(Block(page, line, match["lang"], match["code"], match["mark"] or ""))
    return found


def _where(block: Block) -> str:
    return f"{block.page.relative_to(ROOT)}:{block.line}"


def test_every_block_is_run_or_says_why_not() -> None:
    """A block in a language that runs is run, or its mark gives the reason; no mark is a typo."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        indented = re.findall(r"^[ \t]+(?:```|~~~).*$", text, re.MULTILINE)
        assert not indented, f"{page}: a fence this runner would not see: {indented}"
        fences = re.findall(r"^```", text, re.MULTILINE)
        assert len(fences) == 2 * len(blocks(page)), f"{page}: a fence this runner would not see"
        for block in blocks(page):
            assert block.lang in RUN | {"text", "json"}, f"{_where(block)}: {block.lang!r}"
            if block.mark:
                assert block.mark.startswith(MARKS), f"{_where(block)}: {block.mark!r}"
                assert block.mark != "not run: ", f"{_where(block)}: a reason is required"


def _run_python(page: Path, code: list[Block], folder: Path) -> None:
    lines = [""] * page.read_text(encoding="utf-8").count("\n")
    for block in code:
        for number, line in enumerate(block.code.splitlines(), block.line):
            lines[number - 1] = line
    script = folder / f"{page.name}.py"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "error", script.name],
        cwd=folder, env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, f"{page.relative_to(ROOT)}:\n{done.stdout}{done.stderr}"


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _run_pytest(block: Block, folder: Path) -> None:
    test = folder / f"test_docs_block_{block.line}.py"
    test.write_text(block.code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", test.name],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, f"{_where(block)}:\n{done.stdout}{done.stderr}"


def _run_sh(block: Block, folder: Path) -> None:
    done = subprocess.run(
        ["bash", "-xc", f"set -euo pipefail\n{block.code}"],
        cwd=folder, env=_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, f"{_where(block)}:\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_page_runs(page: Path, tmp_path: Path) -> None:
    """The page's blocks, as the rules above say."""
    run = [b for b in blocks(page) if b.lang in RUN and not b.mark.startswith("not run: ")]
    code = [b for b in run if b.lang == "python" and not b.mark]
    if code:
        _run_python(page, code, tmp_path)
    for block in run:
        if block.mark == "run as a pytest file":
            _run_pytest(block, tmp_path)
        elif block.lang == "sh":
            _run_sh(block, tmp_path)
