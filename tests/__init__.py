"""rt_fast test suite."""
