"""The portfolio's forked searches: results in job order, a search's exception raised in the caller."""

from __future__ import annotations

import time

import pytest

from routing import SolveParams, build_matrices
from tests.helpers import planar, req

LINE = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0)}


def test_forked_searches_return_in_job_order_and_raise_a_search_error() -> None:
    """Tests that ``_run_forked`` returns each process's result in job order and re-raises a failure."""
    from routing.solve.solve import _run_forked

    scenario = planar(LINE, [req("r1", "a", "s"), req("r2", "b", "s")])
    matrices = build_matrices(scenario)
    requests = list(scenario.requests)
    params = SolveParams(time_limit_s=30, solution_limit=5, backend="ortools")
    deadline = time.monotonic() + 600
    jobs = [("ortools", scenario, matrices, requests, params, deadline, None)]
    jobs.append(("ortools", scenario, matrices, requests[:1], params, deadline, None))
    first, second = _run_forked(jobs)
    assert first.found and second.found
    assert {s.request for steps in first.routes.values() for s in steps if s.request} == {"r1", "r2"}
    assert {s.request for steps in second.routes.values() for s in steps if s.request} == {"r1"}
    with pytest.raises(KeyError):
        _run_forked([*jobs, ("no such search", scenario, matrices, requests, params, deadline, None)])
