"""Worker processes for the log reader: the results of ``function(task)`` over a stream of tasks.

Rules:

* **Forked where that is safe** (Linux, one thread): the workers inherit everything the parent
  built (the codec above all) and are fed over pipes by a loop in the parent, with no thread,
  no queue and nothing to import, so a worker starts decoding about as soon as it exists.
  Elsewhere ``concurrent.futures`` spawns them, and they import what they need.
* **Bounded:** at most ``ahead`` tasks are out (sent, or done but not yet taken) at once, and
  a worker holds at most two. Results come in task order when ``ordered``, else as they are ready; a
  larger ``ahead`` (for small results) lets the other workers go on past a slow task.
* **Failures surface:** an exception in a task is raised in the parent (the worker's traceback
  as its cause); a worker that dies raises ``RuntimeError``. Closing the iterator, or any
  error, ends every worker: none is left running or unreaped.
* ``function`` and the tasks must pickle for spawned workers; a forked worker inherits
  ``function``, and only tasks and results cross the pipes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import count, islice
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")
R = TypeVar("R")

_HEADER = 8  # bytes of a message's length, little-endian, before its pickle
_READ = 1 << 20


def results(
    function: Callable[[T], R], tasks: Iterable[T], jobs: int, ordered: bool, ahead: int = 0
) -> Iterator[R]:
    """``function(task)`` for each task, computed by ``jobs`` worker processes, with at most
    ``ahead`` tasks out (default and least: two a worker)."""
    ahead = max(ahead, 2 * jobs)
    if _fork_safe():
        return _forked(function, iter(tasks), jobs, ordered, ahead)
    return _spawned(function, iter(tasks), jobs, ordered, ahead)


def _fork_safe() -> bool:
    """Whether workers may be forked: on Linux, with no other thread (that could hold a lock)."""
    threading = sys.modules.get("threading")  # never imported: no thread was started by it
    return sys.platform == "linux" and (threading is None or threading.active_count() == 1)


# -- forked workers ----------------------------------------------------------------------------


def _message(value: Any) -> bytes:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_HEADER, "little") + data


def _serve(function: Callable[[Any], Any], tasks: int, replies: int) -> None:
    """A forked worker's loop: read a task, write ``(True, result)`` or ``(False, error, tb)``."""
    with open(tasks, "rb") as source, open(replies, "wb") as sink:
        while header := source.read(_HEADER):
            task = pickle.loads(source.read(int.from_bytes(header, "little")))
            try:
                reply = _message((True, function(task)))
            except Exception as exc:  # the parent raises it
                reply = _failure(exc)
            sink.write(reply)
            sink.flush()


def _failure(exc: Exception) -> bytes:
    import traceback  # only on failure

    text = "".join(traceback.format_exception(exc))
    try:
        return _message((False, exc, text))
    except Exception:  # an exception that does not pickle
        return _message((False, RuntimeError(f"{type(exc).__name__}: {exc}"), text))


class _Worker:
    """A forked worker, seen from the parent: its tasks out, its replies in."""

    def __init__(self, function: Callable[[Any], Any], siblings: list[_Worker]) -> None:
        tasks, self.tasks = os.pipe()
        self.replies, replies = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the worker: never returns, never runs the parent's cleanup
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # the parent handles Ctrl-C
                for fd in (self.tasks, self.replies, *(f for s in siblings for f in s.fds)):
                    os.close(fd)
                _serve(function, tasks, replies)
                code = 0
            finally:
                os._exit(code)
        os.close(tasks)
        os.close(replies)
        os.set_blocking(self.tasks, False)
        self.out = memoryview(b"")  # bytes of tasks not yet written
        self.inbox = bytearray()
        self.held: deque[int] = deque()  # numbers of the tasks it holds, oldest first

    @property
    def fds(self) -> tuple[int, int]:
        return self.tasks, self.replies

    def send(self, number: int, task: Any) -> None:
        self.out = memoryview(bytes(self.out) + _message(task))
        self.held.append(number)
        self.write()

    def write(self) -> None:
        try:
            self.out = self.out[os.write(self.tasks, self.out) :]
        except BlockingIOError:
            pass
        except BrokenPipeError:
            raise self._died() from None

    def read(self) -> Iterator[tuple[int, Any]]:
        """The replies the pipe has whole, with their task numbers."""
        data = os.read(self.replies, _READ)
        if not data:
            raise self._died()
        self.inbox += data
        while len(self.inbox) >= _HEADER:
            end = _HEADER + int.from_bytes(self.inbox[:_HEADER], "little")
            if len(self.inbox) < end:
                return
            reply = pickle.loads(memoryview(self.inbox)[_HEADER:end])
            del self.inbox[:end]
            yield self.held.popleft(), reply

    def _died(self) -> RuntimeError:
        return RuntimeError(f"a worker process (pid {self.pid}) ended unexpectedly")

    def stop(self, kill: bool) -> None:
        os.close(self.tasks)  # end of tasks: an idle worker exits
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.replies)


def _forked(
    function: Callable[[T], R], tasks: Iterator[T], jobs: int, ordered: bool, ahead: int
) -> Iterator[R]:
    workers: list[_Worker] = []
    finished = False
    try:
        freeze = gc.get_freeze_count() == 0  # (objects the caller froze stay frozen)
        if freeze:  # the workers' collections skip what they inherit: fewer pages copied
            gc.freeze()
        try:
            for _ in range(jobs):
                workers.append(_Worker(function, workers))
        finally:
            if freeze:
                gc.unfreeze()
        yield from _feed(workers, tasks, ahead, ordered)
        finished = True
    finally:
        for worker in workers:
            worker.stop(kill=not finished)


def _feed(workers: list[_Worker], tasks: Iterator[Any], ahead: int, ordered: bool) -> Iterator[Any]:
    """Keep every worker holding two tasks, and yield the results (in order, if ``ordered``)."""
    numbers, ready = count(), dict[int, Any]()
    taken = out = 0  # results yielded; tasks sent and not yet yielded
    while True:
        while out < ahead:
            worker = min(workers, key=_load)
            if len(worker.held) >= 2 or (task := next(tasks, _END)) is _END:
                break
            worker.send(next(numbers), task)
            out += 1
        if not out:
            return
        busy = [w.replies for w in workers if w.held]
        writing = [w.tasks for w in workers if w.out]
        readable, writable, _ = select.select(busy, writing, [])
        for worker in workers:
            if worker.tasks in writable:
                worker.write()
            if worker.replies in readable:
                ready.update(worker.read())
        while ready:
            number = taken if ordered else next(iter(ready))
            if number not in ready:
                break
            taken, out = taken + 1, out - 1
            yield _unwrap(ready.pop(number))


def _load(worker: _Worker) -> int:
    return len(worker.held)


_END = object()


class _RemoteTraceback(Exception):
    def __str__(self) -> str:
        return str(self.args[0])


def _unwrap(reply: tuple[Any, ...]) -> Any:
    if reply[0]:
        return reply[1]
    exc = reply[1]
    raise exc from _RemoteTraceback(f"\n(in a worker process)\n{reply[2]}")


# -- spawned workers ---------------------------------------------------------------------------


def _spawned(
    function: Callable[[T], R], tasks: Iterator[T], jobs: int, ordered: bool, ahead: int
) -> Iterator[R]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = (pool.submit(function, task) for task in tasks)
        yield from (_in_order if ordered else _as_ready)(futures, ahead)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _in_order(futures: Iterator[Future[R]], ahead: int) -> Iterator[R]:
    pending = deque(islice(futures, ahead))
    while pending:
        yield pending.popleft().result()
        pending.extend(islice(futures, 1))


def _as_ready(futures: Iterator[Future[R]], ahead: int) -> Iterator[R]:
    from concurrent.futures import FIRST_COMPLETED, wait

    pending: set[Future[R]] = set()
    while pending := pending | set(islice(futures, ahead - len(pending))):
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for ready in done:
            yield ready.result()
