"""Typing: mypy --strict passes on the package and on tests/typing, where unions narrow."""

from __future__ import annotations

from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api", reason="mypy is part of the test extra")

ROOT = Path(__file__).resolve().parents[1]


def test_match_narrows_decoded_unions() -> None:
    """mypy --strict accepts the package and the assert_type checks of tests/typing."""
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--no-incremental",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(ROOT / "src" / "rt_fast"),
            str(ROOT / "tests" / "typing"),
        ]
    )
    assert status == 0, stdout + stderr
