"""Stopping a solve early on request: Ctrl-C (SIGINT) or SIGTERM ends the search with its best plan.

Every search loop asks ``past(deadline)`` instead of reading the clock alone, so a stop request
ends it as its deadline would: it returns the best plan found so far, and the stages after it (which
also see the request) finish at once. OR-Tools hears it through a search limit
(``ortools_limit``), forked workers through their own handler (``in_worker``): the terminal sends
them the same SIGINT, and the parent forwards a SIGTERM to them.

The command line installs the handlers with ``on_signals``. A second signal while a stop is under
way stops at once (``KeyboardInterrupt``): the caller writes nothing.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

_requested = threading.Event()
#: Forked worker processes alive now (``processes`` registers them), told of a SIGTERM the parent gets.
children: set[int] = set()


def request() -> None:
    """Ask every search running in this process to stop with its best plan."""
    _requested.set()


def requested() -> bool:
    """Whether a stop was asked for."""
    return _requested.is_set()


def clear() -> None:
    """Forget a stop request (before the next run of a command in the same process, e.g. in tests)."""
    _requested.clear()


def past(deadline: float) -> bool:
    """Whether a search must stop: its deadline (a ``time.monotonic()`` value) has passed, or a stop was asked for."""
    return _requested.is_set() or time.monotonic() >= deadline


def left(deadline: float) -> float:
    """Seconds until ``deadline``; 0 once a stop was asked for."""
    return 0.0 if _requested.is_set() else max(0.0, deadline - time.monotonic())


def ortools_limit(solver: Any, deadline: float) -> Any:
    """An OR-Tools search limit that ends the search (with its best solution) at ``deadline`` or on a stop request.

    OR-Tools' own time limit reads the clock only every so many search steps, estimated from the
    steps before: on a 1 600-request day its guided local search returned 17-22 s after a 60-s
    deadline (measured 2026-12-03: ``benchmarks.darp_scale``'s uniform day, 77-82 s wall). This
    limit is asked at every step (a 1 600-request polish then returned 6 s late: the rest of the overrun
    is between steps). Measured with the stop-request check alone: the search stops within 10 ms of a
    request, and the check costs nothing visible (the same solutions, in the same count, at 20 s on a
    230-request day with and without it); the clock read it now adds per step was not measured apart.
    """
    return solver.CustomLimit(lambda: past(deadline))


def _handle_in_worker(signum: int, frame: FrameType | None) -> None:
    _requested.set()


def in_worker() -> None:
    """In a forked worker: SIGINT and SIGTERM ask its search to stop and return its best plan (never a traceback)."""
    children.clear()
    signal.signal(signal.SIGINT, _handle_in_worker)
    signal.signal(signal.SIGTERM, _handle_in_worker)


@contextmanager
def on_signals(announce: Callable[[str], None] | None = None) -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM ask the search to stop; a second one raises ``KeyboardInterrupt``.

    Parameters
    ----------
    announce
        Told once, on the first signal, what happens next (the command line prints it to stderr).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed from the main thread
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if _requested.is_set():
            raise KeyboardInterrupt
        _requested.set()
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGINT if signum == signal.SIGTERM else signum)
            except ProcessLookupError:
                pass
        if announce is not None:
            announce(f"{signal.Signals(signum).name}: stopping the search, keeping the best plan found so far")

    before = signal.signal(signal.SIGINT, handle), signal.signal(signal.SIGTERM, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
