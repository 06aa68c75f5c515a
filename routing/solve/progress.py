"""Progress of a solve, for a user watching it: which phase runs, and the best objective so far.

The search reports through ``report(phase, best)``; nothing listens unless a caller installed a
sink with ``listening(sink)`` (the command line's progress bar does). Reports from forked worker
processes go nowhere (their sink is cleared in the child): with several workers the bar shows the
phases of the solve, without the workers' objectives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Sink = Callable[[str, "int | None"], None]
_sink: Sink | None = None


def report(phase: str, best: int | None = None) -> None:
    """Tell the listener (if any) the phase running and, where known, the best objective so far (cost units)."""
    if _sink is not None:
        _sink(phase, best)


@contextmanager
def listening(sink: Sink) -> Iterator[None]:
    """Send every ``report`` to ``sink`` while the block runs."""
    global _sink
    before, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = before


def silence() -> None:
    """Stop reporting in this process (a forked worker's)."""
    global _sink
    _sink = None
