"""A stage that may be stopped: a call in a forked process, killed if it has not returned in time.

The process inherits its arguments (the scenario and its matrices are never pickled); only its
result, or the exception it raised, comes back (``routing.run.fork``, which also runs the
portfolio's parallel searches).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from routing.run.fork import Forked
from routing.solve.stop import past


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
    task = Forked.start(fn, args)
    try:
        # In slices, so that a stop request (Ctrl-C) ends the wait within a fifth of a second.
        while not task.receive.poll(min(0.2, max(0.0, stop_at - time.monotonic()))):
            if past(stop_at):
                return False, None
        ok, value = task.result()
    finally:
        task.end()
    if not ok:
        raise value
    return True, value
