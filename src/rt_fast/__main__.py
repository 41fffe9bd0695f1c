"""``python -m rt_fast``: the ``rt-fast`` command line."""

from ._cli import run

run()
