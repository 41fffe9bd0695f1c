"""The release check (tox -e release): what a user installs is what the checkout promises.

Builds the sdist and the wheel, checks both with ``twine check --strict``, installs the wheel
with every runtime extra (``[all]``) into a new virtual environment in a temporary folder
outside the checkout, and there runs the quick start as the README gives it: ``rt-fast
--version`` (the version the wheel was built with), ``rt-fast stats`` (the bundled sample)
and the README's opening example, from a folder where the checkout's sources cannot be
imported. Any failure exits non-zero.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str | Path, cwd: Path | None = None) -> str:
    """Run a command, echoing it; its output, or exit with its status and output."""
    print("+", *command, flush=True)
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {done.stdout[-4000:]}{done.stderr[-4000:]}")
    return done.stdout


def opening_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", readme, re.DOTALL)
    if match is None:
        sys.exit("README.md has no python example")
    return match.group(1)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rt_fast_release_") as temporary:
        outside = Path(temporary)
        dist = outside / "dist"
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
        sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
        if len(sdists) != 1 or len(wheels) != 1:
            sys.exit(f"expected one sdist and one wheel, got {sdists + wheels}")
        run(sys.executable, "-m", "twine", "check", "--strict", sdists[0], wheels[0])
        venv = outside / "venv"
        run(sys.executable, "-m", "venv", venv)
        python, bin_ = venv / "bin" / "python", venv / "bin"
        run(python, "-m", "pip", "install", "--quiet", f"{wheels[0]}[all]")
        work = outside / "work"
        work.mkdir()
        built = wheels[0].name.split("-")[1]  # rt_fast-<version>-py3-none-any.whl
        said = run(bin_ / "rt-fast", "--version", cwd=work).strip()
        if said != f"rt-fast {built}":
            sys.exit(f"rt-fast --version says {said!r}, the wheel is {built}")
        print(run(bin_ / "rt-fast", "stats", cwd=work)[-600:])
        where = run(python, "-c", "import rt_fast; print(rt_fast.__file__)", cwd=work).strip()
        if not where.startswith(str(venv)):
            sys.exit(f"rt_fast came from {where}, not the installed wheel")
        (work / "quick_start.py").write_text(opening_example(), encoding="utf-8")
        print(run(python, "quick_start.py", cwd=work))
        extras = "import rt_fast.dask, rt_fast.relay, rt_fast.server, rt_fast.ws, pyarrow, rich"
        run(python, "-c", extras, cwd=work)
    print(f"release check passed: {sdists[0].name}, {wheels[0].name}")


if __name__ == "__main__":
    main()
