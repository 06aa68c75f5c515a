"""One way to run many independent tasks: a local process pool or a Dask cluster, chosen by a URL.

``open_executor(url)`` returns an ``Executor`` whose ``map(fn, items)`` yields ``(item_index, result)``
in completion order. The URL says where the tasks run:

- ``local`` or ``local:N`` — a ``concurrent.futures.ProcessPoolExecutor`` (fork context) with N worker
  processes (default ``os.cpu_count()``); a task whose worker process died is submitted once more;
- ``dask://HOST:PORT`` — a ``dask.distributed.Client`` connected to a running scheduler
  (``dask scheduler``; workers started with ``DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker
  tcp://HOST:PORT --nthreads 1``: without that setting a worker is a daemon process, which may not
  fork, and a solve on it runs its PyVRP stage in-process, where an overrun cannot be stopped);
- ``dask-local:N`` — an in-process ``LocalCluster`` of N single-threaded worker processes;
- ``fork:N`` — each task in a process forked for it, N at a time (``routing.run.fork``): its
  argument is inherited, not pickled. The solve portfolio runs its parallel searches this way,
  over a scenario and matrices already in memory.

Tasks for ``local`` and ``dask`` are plain top-level functions of picklable arguments (paths and
small dicts, never matrices), so the same task gives the same result on any executor. Every such
task is a one-worker solve: no task starts a portfolio of its own, so no worker nests a pool and
the cores are not oversubscribed. (A Dask worker started by ``dask-local`` may fork, so a solve
there can still stop an overrunning PyVRP stage; see ``routing.run.dask_executor``.)

Only a few tasks are in flight at a time (about one per worker), so a stop request
(``routing.solve.stop.requested``: Ctrl-C, SIGTERM) stops the submitting at once; ``map`` then ends
without the tasks still running (the fork executor instead yields what they return: each heard the
stop and returns its best).
"""

from __future__ import annotations

import multiprocessing
import os
import re
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Generic, TypeVar

from routing.exceptions import Problem, ScenarioError
from routing.solve import stop

T = TypeVar("T")
R = TypeVar("R")
F = TypeVar("F")

#: Seconds between looks at the stop flag while tasks run.
POLL_S = 0.25
#: Attempts of a task on the local pool: the first, and one more if its worker process died.
LOCAL_ATTEMPTS = 2
#: The executor URLs ``open_executor`` accepts, for messages.
URL_FORMS = "local, local:N, dask://HOST:PORT, dask-local:N or fork:N"


class Executor(ABC, Generic[F]):
    """Runs independent tasks and yields their results as they finish (``F``: the backend's future type)."""

    #: The URL the executor was opened with.
    url: str
    #: Whether, after a stop request, ``map`` still waits for the running tasks and yields their results
    #: (their processes heard the stop and return early) rather than ending without them.
    finishes_on_stop = False

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Generator[tuple[int, R], None, None]:
        """Run ``fn`` on every item; yield ``(index of the item, result)`` in completion order.

        A loop that may end early runs over ``contextlib.closing(executor.map(...))``, so the tasks
        still pending are cancelled before the executor closes.

        Parameters
        ----------
        fn
            A top-level function (picklable by reference).
        items
            Its arguments, one per task; each picklable and small.

        Yields
        ------
        tuple[int, R]
            The item's position in ``items`` and ``fn(item)``.

        Raises
        ------
        Exception
            The first exception a task raised beyond its retries (the tasks still pending are cancelled).
            After a stop request the iteration ends quietly instead (unless ``finishes_on_stop``).
        """
        todo = list(items)
        queue = deque(range(len(todo)))
        attempts = [0] * len(todo)
        pending: dict[F, int] = {}
        try:
            while queue or pending:
                while queue and len(pending) < self._slots() and not stop.requested():
                    i = queue.popleft()
                    attempts[i] += 1
                    pending[self._submit(fn, todo[i])] = i
                if stop.requested():
                    if not self.finishes_on_stop or not pending:
                        return
                    queue.clear()
                for future in self._wait(list(pending), POLL_S):
                    i = pending.pop(future)
                    error = self._error(future)
                    if error is None:
                        yield i, self._result(future)
                    elif stop.requested() and not self.finishes_on_stop:
                        return
                    elif self._retries(error, attempts[i]):
                        queue.appendleft(i)
                    else:
                        raise error
        finally:
            for future in pending:
                self._cancel(future)

    def __enter__(self) -> Executor[F]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release the workers (and the cluster an executor started)."""

    @abstractmethod
    def parallelism(self) -> int:
        """How many tasks run at once (worker processes, or threads across a cluster's workers)."""

    @abstractmethod
    def _slots(self) -> int:
        """How many tasks to keep in flight."""

    @abstractmethod
    def _submit(self, fn: Callable[[Any], Any], item: Any) -> F:
        """Submit one task."""

    @abstractmethod
    def _wait(self, futures: list[F], timeout: float) -> list[F]:
        """The futures done within ``timeout`` seconds (at least one, unless the time runs out)."""

    @abstractmethod
    def _error(self, future: F) -> BaseException | None:
        """The exception of a finished task, or None."""

    @abstractmethod
    def _result(self, future: F) -> Any:
        """The result of a task that finished without error."""

    @abstractmethod
    def _cancel(self, future: F) -> None:
        """Cancel a task not needed any more."""

    def _retries(self, error: BaseException, attempts: int) -> bool:
        """Whether a task that failed with ``error`` after ``attempts`` attempts is submitted again."""
        return False


class LocalExecutor(Executor["Future[Any]"]):
    """A process pool on this machine (fork context); a task whose worker died runs once more.

    Parameters
    ----------
    workers
        Worker processes. Default: ``os.cpu_count()``.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.url = f"local:{self.workers}"
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # Each worker hears SIGINT/SIGTERM as a stop request (its search ends with its best plan), not as a crash.
        return ProcessPoolExecutor(self.workers, multiprocessing.get_context("fork"), initializer=stop.in_worker)

    def close(self) -> None:
        """Shut the pool down (tasks not started are cancelled; running ones finish)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def parallelism(self) -> int:
        """The pool's worker processes."""
        return self.workers

    def _slots(self) -> int:
        return self.parallelism()

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> Future[Any]:
        try:
            return self._pool.submit(fn, item)
        except BrokenProcessPool:
            # A worker died (killed, out of memory, os._exit): the pool is spent; start a fresh one.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(fn, item)

    def _wait(self, futures: list[Future[Any]], timeout: float) -> list[Future[Any]]:
        return list(wait(futures, timeout, FIRST_COMPLETED).done)

    def _error(self, future: Future[Any]) -> BaseException | None:
        return future.exception()

    def _result(self, future: Future[Any]) -> Any:
        return future.result()

    def _cancel(self, future: Future[Any]) -> None:
        future.cancel()

    def _retries(self, error: BaseException, attempts: int) -> bool:
        return isinstance(error, BrokenProcessPool) and attempts < LOCAL_ATTEMPTS


def _bad_url(url: str, cause: str, fix: str = "") -> ScenarioError:
    fix = fix or f"Give one of {URL_FORMS}, e.g. local:2 or dask://scheduler.example:8786."
    return ScenarioError([Problem("E807", "--executor", f"{url!r} {cause}", fix)], "(command line)")


def open_executor(url: str = "local") -> Executor[Any]:
    """The executor a URL names (see the module docstring).

    Parameters
    ----------
    url
        ``local``, ``local:N``, ``dask://HOST:PORT``, ``dask-local:N`` or ``fork:N``.

    Returns
    -------
    Executor
        Ready to ``map``; close it (or use it as a context manager) when done.

    Raises
    ------
    ScenarioError
        E807 for a URL of none of these forms, or a Dask scheduler that cannot be reached.
    """
    text = url.strip()
    fork = re.fullmatch(r"fork:(\d+)", text)
    if fork:
        from routing.run.fork import ForkExecutor, can_fork

        if int(fork.group(1)) < 1:
            raise _bad_url(url, "asks for no workers")
        if not can_fork():
            raise _bad_url(url, "cannot run in a daemon process (such as a Dask worker)", "Use local:N here.")
        return ForkExecutor(int(fork.group(1)))
    local = re.fullmatch(r"local(?::(\d+))?", text)
    if local:
        count = int(local.group(1)) if local.group(1) else None
        if count is not None and count < 1:
            raise _bad_url(url, "asks for no workers")
        return LocalExecutor(count)
    cluster = re.fullmatch(r"dask-local:(\d+)", text)
    remote = re.fullmatch(r"dask://([^\s:/]+:\d+)", text)
    if cluster or remote:
        from routing.run.dask_executor import DaskExecutor

        if cluster:
            if int(cluster.group(1)) < 1:
                raise _bad_url(url, "asks for no workers")
            return DaskExecutor.local_cluster(int(cluster.group(1)))
        assert remote is not None
        try:
            return DaskExecutor.connect(remote.group(1))
        except OSError as exc:  # includes TimeoutError: no scheduler answered
            fix = "Start the scheduler there (dask scheduler) and workers (dask worker tcp://HOST:PORT --nthreads 1)."
            raise _bad_url(url, f"cannot be reached ({type(exc).__name__}: {exc})", fix) from None
    raise _bad_url(url, "is not an executor URL")
