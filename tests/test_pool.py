"""Worker processes (rt_fast._pool): results in order or as ready, big messages, failures, and
every worker ended, whether forked or spawned."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from rt_fast import _pool

FORK_ONLY = "fork is used only on Linux, with one thread"
forked_only = pytest.mark.skipif(not _pool._fork_safe(), reason=FORK_ONLY)


@pytest.fixture(params=["forked", "spawned"])
def start(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of starting workers (forked only where that is safe)."""
    if request.param == "forked" and not _pool._fork_safe():
        pytest.skip(FORK_ONLY)
    monkeypatch.setattr(_pool, "_fork_safe", lambda: request.param == "forked")
    return str(request.param)


def _slow_first(task: int) -> tuple[int, int]:
    """Early tasks take longest, so later ones finish first."""
    time.sleep(0.002 * max(0, 6 - task))
    return task, os.getpid()


def _echo(data: bytes) -> bytes:
    return data[::-1]


def _exit(task: int) -> int:
    if task == 3:
        os._exit(7)
    return task


def _tasks(n: int, seen: list[int]) -> Iterator[int]:
    for task in range(n):
        seen.append(task)
        yield task


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_in_task_order(start: str, jobs: int) -> None:
    """Ordered results come in task order, however the tasks finish, from ``jobs`` processes."""
    got = list(_pool.results(_slow_first, range(20), jobs, ordered=True))
    assert [task for task, _ in got] == list(range(20))
    pids = {pid for _, pid in got}
    assert os.getpid() not in pids and len(pids) <= jobs


def test_results_as_ready(start: str) -> None:
    """Unordered results are each task's once."""
    got = list(_pool.results(_slow_first, range(20), 2, ordered=False))
    assert sorted(task for task, _ in got) == list(range(20))


def test_tasks_are_taken_a_few_at_a_time(start: str) -> None:
    """At most two tasks a worker are out at once: a long stream of tasks is not read ahead."""
    seen: list[int] = []
    results = _pool.results(_slow_first, _tasks(1000, seen), 2, ordered=True)
    assert next(results)[0] == 0
    assert len(seen) <= 2 * 2 + 1
    results.close()  # type: ignore[attr-defined]


def _stuck_first(task: int) -> float:
    """The first task takes as long as many others; each says when it ended."""
    time.sleep(0.3 if task == 0 else 0.001)
    return time.monotonic()


@pytest.mark.parametrize(("ahead", "within"), [(0, range(4)), (40, range(36, 41))])
def test_a_slow_task_holds_the_others_back_only_as_far_as_ahead(
    start: str, ahead: int, within: range
) -> None:
    """In order, the other workers go past a slow task only until ``ahead`` tasks are out
    (by default two a worker: the slow task and three more)."""
    ends = list(_pool.results(_stuck_first, range(41), 2, ordered=True, ahead=ahead))
    assert sum(end < ends[0] for end in ends[1:]) in within


def test_big_tasks_and_results_cross_whole(start: str) -> None:
    """Messages far larger than a pipe's buffer go both ways intact."""
    tasks = [os.urandom(3_000_000 + i) for i in range(4)]
    assert list(_pool.results(_echo, tasks, 2, ordered=True)) == [t[::-1] for t in tasks]


def test_an_error_in_a_task_is_raised_with_the_workers_traceback(start: str) -> None:
    """A task's exception is raised in the parent, the worker's traceback as its cause."""
    results = _pool.results(int, ["1", "2", "x", "4"], 2, ordered=True)
    assert [next(results), next(results)] == [1, 2]
    with pytest.raises(ValueError, match="invalid literal") as raised:
        next(results)
    cause = raised.value.__cause__
    assert cause is not None and "Traceback" in str(cause)


@forked_only
def test_a_worker_that_dies_is_an_error() -> None:
    """A worker process that ends mid-task raises RuntimeError instead of hanging."""
    with pytest.raises(RuntimeError, match="ended unexpectedly"):
        list(_pool.results(_exit, range(8), 2, ordered=True))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@forked_only
def test_objects_the_caller_froze_stay_frozen() -> None:
    """Forking freezes the heap for the workers' sake, but never thaws what the caller froze."""
    gc.freeze()
    try:
        assert list(_pool.results(abs, [-1, -2], 2, ordered=True)) == [1, 2]
        assert gc.get_freeze_count() > 0  # not thawed (frozen objects may still be freed)
    finally:
        gc.unfreeze()
    assert list(_pool.results(abs, [-3], 2, ordered=True)) == [3]
    assert gc.get_freeze_count() == 0


@forked_only
def test_closing_early_ends_every_worker() -> None:
    """Closing the results before the end kills and reaps the workers."""
    results = _pool.results(_slow_first, range(1000), 2, ordered=True)
    pids = {next(results)[1] for _ in range(4)}
    results.close()  # type: ignore[attr-defined]
    assert pids and all(_gone(pid) for pid in pids)


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked only on Linux")
def test_workers_are_spawned_while_other_threads_run() -> None:
    """With another thread running (which could hold a lock), workers are not forked."""
    assert _pool._fork_safe()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not _pool._fork_safe()
        assert list(_pool.results(abs, [-1, -2], 2, ordered=True)) == [1, 2]
    finally:
        stop.set()
        thread.join()
