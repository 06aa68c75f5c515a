"""Progress bars of the command line, on stderr: elapsed time, what runs, and the best objective so far.

Two shapes: ``solve_bar`` runs over one solve's time limit; ``step_bar`` counts steps (the days of
``week`` and ``compare``), each step a solve whose best objective is shown while it runs. Both
hear the search through ``routing.solve.progress`` (forked workers included) and redraw twice a
second from a clock thread. The caller decides when a bar is disabled (``--quiet``, or stderr not
a terminal): a disabled bar draws nothing and starts no thread.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from routing.solve import progress
from routing.units import COST_UNITS_PER_DKK

#: Seconds between redraws.
TICK_S = 0.5


class _Watch:
    """What a bar shows after its counter: the step or phase, and the best objective heard in it."""

    def __init__(self, priced: bool) -> None:
        self.priced = priced
        self.text = ""
        self.phase = ""
        self.best: int | None = None
        self.lock = threading.Lock()

    def hear(self, phase: str, best: int | None) -> None:
        """The search's report (``progress.Sink``)."""
        with self.lock:
            self.phase = phase
            if best is not None and (self.best is None or best < self.best):
                self.best = best

    def begin(self, text: str) -> None:
        """A new step: its text, and no best yet (each step is a solve of its own)."""
        with self.lock:
            self.text, self.phase, self.best = text, "", None
        progress.forget_workers_best()

    def postfix(self) -> str:
        """The step, the phase and the best so far (in kr. when the objective is cost)."""
        with self.lock:
            known = [b for b in (self.best, progress.workers_best()) if b is not None]
            best = ""
            if known:
                low = min(known)
                best = f"best {low / COST_UNITS_PER_DKK:,.0f} kr." if self.priced else f"best {low:,}"
            return " ".join(s for s in (self.text, self.phase, best) if s)


@contextmanager
def _clocked(bar: Any, watch: _Watch, tick: Any) -> Iterator[None]:
    """Listen to the search and redraw ``bar`` every ``TICK_S`` (``tick(elapsed)`` first) until the block ends."""
    done = threading.Event()
    started = time.monotonic()

    def redraw() -> None:
        while not done.wait(TICK_S):
            tick(time.monotonic() - started)
            bar.set_postfix_str(watch.postfix())

    clock = threading.Thread(target=redraw, daemon=True)
    clock.start()
    try:
        with progress.listening(watch.hear):
            yield
    finally:
        done.set()
        clock.join()


@contextmanager
def solve_bar(limit_s: float, disable: bool, priced: bool) -> Iterator[None]:
    """A bar over one solve's time limit: elapsed seconds, the phase, the best objective so far.

    The objective is shown in kr. when the solve prices cost (``priced``), else in its own units.
    """
    if disable:
        yield
        return
    from tqdm import tqdm

    total = max(1, round(limit_s))
    with tqdm(total=total, unit="s", file=sys.stderr, bar_format="{l_bar}{bar}| {n:.0f}/{total} s{postfix}") as bar:

        def tick(elapsed: float) -> None:
            bar.n = min(total, round(elapsed))

        with _clocked(bar, _Watch(priced), tick):
            yield


class Steps:
    """The handle ``step_bar`` yields: ``begin`` names the step that starts, ``done`` counts one as finished."""

    def __init__(self, bar: Any, watch: _Watch | None) -> None:
        self.bar, self.watch = bar, watch

    def begin(self, text: str) -> None:
        """Show ``text`` as the step running (its best objective starts afresh)."""
        if self.watch is not None:
            self.watch.begin(text)
            self.bar.set_postfix_str(self.watch.postfix())

    def done(self) -> None:
        """One step finished."""
        self.bar.update(1)


@contextmanager
def step_bar(total: int, unit: str, disable: bool, priced: bool, description: str = "") -> Iterator[Steps]:
    """A bar counting ``total`` steps, with the elapsed time, the running step and its best objective so far."""
    from tqdm import tqdm

    with tqdm(total=total, unit=unit, desc=description or None, disable=disable, file=sys.stderr) as bar:
        if disable:
            yield Steps(bar, None)
            return
        watch = _Watch(priced)
        with _clocked(bar, watch, lambda _: None):
            yield Steps(bar, watch)
