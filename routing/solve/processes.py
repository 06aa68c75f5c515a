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

from routing.solve import stop
from routing.solve.stop import past


def _call_into(fn: Callable[..., Any], args: tuple[Any, ...], conn: Connection) -> None:
    """Call ``fn(*args)`` in the forked process and send back ``(True, result)`` or ``(False, exception)``."""
    from routing.solve import stop
    from routing.solve.progress import forked

    forked()  # the parent's listener (a progress bar) hears this process's best objective only
    stop.in_worker()  # Ctrl-C ends this search with its best plan, sent back as usual
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
    if process.pid is not None:
        stop.children.add(process.pid)
    return process, receive


def _outcome(process: multiprocessing.process.BaseProcess, receive: Connection) -> tuple[bool, Any]:
    try:
        ok, value = receive.recv()
    except EOFError:
        ok, value = False, RuntimeError(f"a search process ended without a result (exit code {process.exitcode})")
    process.join()
    stop.children.discard(process.pid or 0)
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
    try:
        for process, receive in started:
            ok, value = _outcome(process, receive)
            if ok:
                results.append(value)
            elif failure is None:
                failure = value
    finally:
        _kill(started)  # on a second Ctrl-C (KeyboardInterrupt) no worker is left running
    if failure is not None:
        raise failure
    return results


def _kill(started: Sequence[tuple[multiprocessing.process.BaseProcess, Connection]]) -> None:
    """Kill and reap those of ``started`` still running (none, when each returned its result)."""
    for process, receive in started:
        if process.is_alive():
            process.kill()
            process.join()
        stop.children.discard(process.pid or 0)
        receive.close()


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
        ``(True, result)``, or ``(False, None)`` when it was stopped (at ``stop_at``, or on a stop request).

    Raises
    ------
    Exception
        The exception the call raised.
    """
    process, receive = _start(fn, args)
    try:
        # In slices, so that a stop request (Ctrl-C) ends the wait within a fifth of a second.
        while not receive.poll(min(0.2, max(0.0, stop_at - time.monotonic()))):
            if past(stop_at):
                return False, None
        ok, value = _outcome(process, receive)
    finally:
        _kill([(process, receive)])
    if not ok:
        raise value
    return True, value
