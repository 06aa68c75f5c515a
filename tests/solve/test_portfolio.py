"""The portfolio's forked searches (the fork executor): each result with its job, a search's exception re-raised."""

from __future__ import annotations

import time

import pytest

from routing import SolveParams, build_matrices
from tests.helpers import planar, req

LINE = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0)}


def test_forked_searches_return_in_job_order_and_raise_a_search_error() -> None:
    """Tests that the fork executor returns each search's result with its job's index and re-raises a failure."""
    from routing.run.fork import ForkExecutor
    from routing.solve.solve import _one_search

    scenario = planar(LINE, [req("r1", "a", "s"), req("r2", "b", "s")])
    matrices = build_matrices(scenario)
    requests = list(scenario.requests)
    params = SolveParams(time_limit_s=30, solution_limit=5, backend="ortools")
    deadline = time.monotonic() + 600
    jobs = [("ortools", scenario, matrices, requests, params, deadline, None)]
    jobs.append(("ortools", scenario, matrices, requests[:1], params, deadline, None))
    done = dict(ForkExecutor(2).map(_one_search, jobs))
    first, second = done[0], done[1]
    assert first.found and second.found
    assert {s.request for steps in first.routes.values() for s in steps if s.request} == {"r1", "r2"}
    assert {s.request for steps in second.routes.values() for s in steps if s.request} == {"r1"}
    with pytest.raises(KeyError):
        list(ForkExecutor(3).map(_one_search, [*jobs, ("no such search", *jobs[0][1:])]))


def _sleep_then(seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


def test_a_stoppable_call_returns_in_time_or_is_stopped_at_its_time() -> None:
    """Tests ``call_stoppable``: a quick call returns its result; one past its time is stopped, not awaited."""
    from routing.solve.processes import call_stoppable

    assert call_stoppable(_sleep_then, (0.0, "done"), time.monotonic() + 60) == (True, "done")
    started = time.monotonic()
    assert call_stoppable(_sleep_then, (60.0, "late"), time.monotonic() + 0.2) == (False, None)
    assert time.monotonic() - started < 30  # stopped, not awaited for its 60 s
    with pytest.raises(ValueError):
        call_stoppable(int, ("not a number",), time.monotonic() + 60)
