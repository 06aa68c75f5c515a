"""Searches in forked processes: the portfolio's parallel workers, and a stage that may be stopped.

A forked process inherits its arguments (the scenario and its matrices are never pickled: that
took seconds at 1 600 requests); only its result, or the exception it raised, comes back
through a pipe.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any


def _call_into(fn: Callable[..., Any], args: tuple[Any, ...], conn: Connection) -> None:
    """Call ``fn(*args)`` in the forked process and send back ``(True, result)`` or ``(False, exception)``."""
    from routing.solve.progress import forked

    forked()  # the parent's listener (a progress bar) hears this process's best objective only
    try:
        conn.send((True, fn(*args)))
    except Exception as exc:  # re-raised in the parent
        conn.send((False, exc))
    finally:
        conn.close()


def _start(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_call_into, args=(fn, args, send))
    process.start()
    send.close()
    return process, receive


def _outcome(process: multiprocessing.process.BaseProcess, receive: Connection) -> tuple[bool, Any]:
    try:
        ok, value = receive.recv()
    except EOFError:
        ok, value = False, RuntimeError(f"a search process ended without a result (exit code {process.exitcode})")
    process.join()
    return ok, value


def run_forked(fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]) -> list[Any]:
    """``fn(*job)`` for every job, each in a forked process of its own, all at once; results in job order.

    Parameters
    ----------
    fn
        The function to call.
    jobs
        Its arguments, one tuple per process.

    Returns
    -------
    list
        The results, in the order of ``jobs``.

    Raises
    ------
    Exception
        The first exception raised by a call, in job order (after every process has ended).
    """
    started = [_start(fn, job) for job in jobs]
    results: list[Any] = []
    failure: BaseException | None = None
    for process, receive in started:
        ok, value = _outcome(process, receive)
        if ok:
            results.append(value)
        elif failure is None:
            failure = value
    if failure is not None:
        raise failure
    return results


def call_stoppable(fn: Callable[..., Any], args: tuple[Any, ...], stop_at: float) -> tuple[bool, Any]:
    """``fn(*args)`` in a forked process that is stopped (killed) if it has not returned by ``stop_at``.

    For a stage that cannot be interrupted and may overrun any budget it is given (PyVRP's
    set-up and first local search grow with the square of the visits).

    Parameters
    ----------
    fn
        The function to call.
    args
        Its arguments.
    stop_at
        ``time.monotonic()`` value by which it must have returned.

    Returns
    -------
    tuple[bool, Any]
        ``(True, result)``, or ``(False, None)`` when it was stopped.

    Raises
    ------
    Exception
        The exception the call raised.
    """
    process, receive = _start(fn, args)
    if not receive.poll(max(0.0, stop_at - time.monotonic())):
        process.kill()
        process.join()
        receive.close()
        return False, None
    ok, value = _outcome(process, receive)
    if not ok:
        raise value
    return True, value
