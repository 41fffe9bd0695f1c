"""rt_fast benchmark suite (pytest-benchmark)."""
