"""Progress of a solve, for a user watching it: which phase runs, and the best objective so far.

The search reports through ``report(phase, best)``; nothing listens unless a caller installed a
sink with ``listening(sink)`` (the command line's progress bar does). A forked worker process does
not write to the parent's sink: its best objective goes to a value shared with the parent
(``forked`` in the child), which the listener reads with ``workers_best()``; its phases stay in
the worker.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.sharedctypes import Synchronized

Sink = Callable[[str, "int | None"], None]
_sink: Sink | None = None
#: The lowest objective a forked worker reported while a listener was installed (-1: none yet).
_shared: Synchronized[int] | None = None


def report(phase: str, best: int | None = None) -> None:
    """Tell the listener (if any) the phase running and, where known, the best objective so far (cost units)."""
    if _sink is not None:
        _sink(phase, best)


@contextmanager
def listening(sink: Sink) -> Iterator[None]:
    """Send every ``report`` to ``sink`` while the block runs; workers forked meanwhile share their best."""
    global _sink, _shared
    before = _sink, _shared
    _sink, _shared = sink, multiprocessing.get_context("fork").Value("q", -1)
    try:
        yield
    finally:
        _sink, _shared = before


def workers_best() -> int | None:
    """The lowest objective reported by a forked worker since ``listening`` began, or ``None``."""
    shared = _shared
    if shared is None or shared.value < 0:
        return None
    return int(shared.value)


def forget_workers_best() -> None:
    """Start afresh: the next solve's workers report a new problem's objective."""
    shared = _shared
    if shared is not None:
        with shared.get_lock():
            shared.value = -1


def _to_parent(phase: str, best: int | None) -> None:
    shared = _shared
    if best is None or shared is None:
        return
    with shared.get_lock():
        if shared.value < 0 or best < shared.value:
            shared.value = best


def forked() -> None:
    """In a forked worker: send its best objectives to the parent's listener (if any), nothing else."""
    global _sink
    _sink = _to_parent if _shared is not None else None
