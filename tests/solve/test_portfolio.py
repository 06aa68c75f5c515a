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


def test_parallel_dial_a_ride_searches_recombine_their_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that two LNS searches bounded by count send back their route pools, which the portfolio
    recombines: a complete plan the checker accepts, the same twice."""
    from routing import check_plan, solve
    from routing.solve import solve as solve_module
    from routing.solve.params import Pipeline
    from tests.solve.search.test_lns import _day

    pools_seen: list[int] = []
    real = solve_module.recombine_searches

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        pools_seen.append(sum(raw.pool is not None for raw in args[4]))
        return real(*args, **kwargs)

    monkeypatch.setattr(solve_module, "recombine_searches", spy)
    scenario, matrices, _ = _day()
    # No OR-Tools polish: bounded by count, the hybrid then runs the LNS (which pools its routes).
    pipeline = Pipeline(hybrid_stages=("relax", "repair", "insert", "improve"))
    params = SolveParams(seed=1, workers=2, solution_limit=8, objective="distance", pipeline=pipeline)
    plans = [solve(scenario, matrices, params) for _ in range(2)]
    assert pools_seen == [2, 2]
    assert check_plan(scenario, matrices, plans[0]).is_feasible and not plans[0].unserved
    assert plans[0].routes == plans[1].routes
