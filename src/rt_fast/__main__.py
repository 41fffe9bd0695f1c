"""``python -m rt_fast``: the ``rt-fast`` command line."""

import sys

from ._cli import main

sys.exit(main())
