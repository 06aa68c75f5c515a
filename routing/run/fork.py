"""The fork executor: each task in a process of its own, forked when the task starts.

A forked process inherits its argument: nothing is pickled on the way in (the solve portfolio's
searches share a scenario and its matrices, which took seconds to pickle at 1 600 requests); only
the result, or the exception the task raised, comes back through a pipe. A task whose process died
without a result runs once more, as on the local pool.

A stop request (Ctrl-C, SIGTERM) reaches the running tasks' processes, each of which hears it as
its own stop (``routing.solve.stop.in_worker``: a search returns its best plan); unlike the pool
executors, ``map`` then waits for those results and yields them, submitting nothing new.

A daemon process (a Dask worker started with ``distributed.worker.daemon`` true) may not fork:
``ForkExecutor`` refuses to start there; callers check ``can_fork()`` first.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from routing.run.executor import LOCAL_ATTEMPTS, Executor
from routing.solve import stop


class TaskProcessDied(RuntimeError):
    """A forked task's process ended without sending a result (killed, out of memory, ``os._exit``)."""


def can_fork() -> bool:
    """Whether this process may start child processes (a daemon process may not)."""
    return not multiprocessing.current_process().daemon


def _call_into(fn: Callable[..., Any], args: tuple[Any, ...], conn: Connection) -> None:
    """Call ``fn(*args)`` in the forked process and send back ``(True, result)`` or ``(False, exception)``."""
    from routing.solve.progress import forked

    forked()  # the parent's listener (a progress bar) hears this process's best objective only
    stop.in_worker()  # Ctrl-C ends this task's search with its best plan, sent back as usual
    try:
        conn.send((True, fn(*args)))
    except Exception as exc:  # re-raised in the parent
        conn.send((False, exc))
    finally:
        conn.close()


@dataclass(eq=False)
class Forked:
    """A task running in a forked process: the process, the pipe its outcome arrives on, and the outcome."""

    process: BaseProcess
    receive: Connection
    outcome: tuple[bool, Any] | None = field(default=None)

    @classmethod
    def start(cls, fn: Callable[..., Any], args: tuple[Any, ...]) -> Forked:
        """Fork a process that calls ``fn(*args)``; its pid joins ``stop.children`` (it hears stop requests)."""
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_call_into, args=(fn, args, send))
        process.start()
        send.close()
        if process.pid is not None:
            stop.children.add(process.pid)
        return cls(process, receive)

    def result(self) -> tuple[bool, Any]:
        """``(True, result)`` or ``(False, exception)``, waiting for it if need be; the process is reaped."""
        if self.outcome is None:
            try:
                outcome: tuple[bool, Any] | None = self.receive.recv()
            except EOFError:
                outcome = None
            self.process.join()
            code = self.process.exitcode
            self.outcome = outcome or (
                False,
                TaskProcessDied(f"a task's process ended without a result (exit code {code})"),
            )
            self.end()
        return self.outcome

    def end(self) -> None:
        """Kill the process if it still runs, reap it and close the pipe."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        stop.children.discard(self.process.pid or 0)
        self.receive.close()


class ForkExecutor(Executor[Forked]):
    """At most ``workers`` tasks at a time, each in a process forked for it (see the module docstring).

    Parameters
    ----------
    workers
        Tasks running at once.

    Raises
    ------
    RuntimeError
        In a daemon process, which may not fork.
    """

    #: After a stop request the running tasks return their best results, which ``map`` yields.
    finishes_on_stop = True

    def __init__(self, workers: int) -> None:
        if not can_fork():
            raise RuntimeError("a daemon process (such as a Dask worker) may not fork a task's process")
        self.workers = max(1, workers)
        self.url = f"fork:{self.workers}"

    def close(self) -> None:
        """Nothing to release: every task's process ends with its task."""

    def parallelism(self) -> int:
        """Tasks running at once."""
        return self.workers

    def _slots(self) -> int:
        return self.workers

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> Forked:
        return Forked.start(fn, (item,))

    def _wait(self, futures: list[Forked], timeout: float) -> list[Forked]:
        ready = set(wait([f.receive for f in futures], timeout))
        return [f for f in futures if f.receive in ready]

    def _error(self, future: Forked) -> BaseException | None:
        ok, value = future.result()
        return None if ok else value if isinstance(value, BaseException) else RuntimeError(str(value))

    def _result(self, future: Forked) -> Any:
        return future.result()[1]

    def _cancel(self, future: Forked) -> None:
        future.end()

    def _retries(self, error: BaseException, attempts: int) -> bool:
        return isinstance(error, TaskProcessDied) and attempts < LOCAL_ATTEMPTS
