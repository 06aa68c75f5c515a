"""The time limit: a deadline that has already passed, and the budget logic of the hybrid's stages.

None of these tests is timed: a deadline in the past is past on any machine, and the budget
logic is checked on given numbers.
"""

from __future__ import annotations

import time

from routing import Scenario, SolveParams, Vehicle, build_matrices
from routing.solve import stop
from routing.solve.backends.base import RawSolution
from routing.solve.hybrid import (
    _polish_misfit,
    _worse,
    polish_build_estimate_s,
    relaxation_setup_estimate_s,
    solve_hybrid,
)
from routing.solve.params import Pipeline
from routing.solve.search.schedule import Step
from routing.solve.stop import ortools_limit
from tests.helpers import planar, req, solve_checked

POINTS = {"depot": (0, 0), **{f"p{i}": ((i * 7) % 20, (i * 13) % 20) for i in range(12)}}


def _darp(num_vehicles: int = 4) -> Scenario:
    """Twelve trips with ride limits (the hybrid's kind of problem) on ``num_vehicles`` cars."""
    requests = [
        req(f"r{i}", f"p{i}", f"p{(i + 5) % 12}", dw=(40 + 5 * i, 55 + 5 * i), ride=35, service=1) for i in range(12)
    ]
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in range(num_vehicles)]
    return planar(POINTS, requests, vehicles=vehicles)


def test_a_deadline_already_past_still_gives_a_checked_plan_listing_the_rest() -> None:
    """Tests that a solve whose deadline passes before the search starts returns a checked plan, not an error.

    Every request is served (alone, by an idle vehicle) or listed as not placed, with the reason.
    """
    scenario = _darp()
    plan, _ = solve_checked(scenario, SolveParams(time_limit_s=1e-9, backend="hybrid"))
    assert plan.stats.backend == "hybrid"
    assert len(plan.routes) == 4  # each idle car takes one request alone
    assert len(plan.unserved) == 8
    assert all(u.code == "not_placed" and "not placed within the time limit" in u.reason for u in plan.unserved)


def test_the_hybrid_returns_exact_routes_and_drops_the_rest_when_its_deadline_has_passed() -> None:
    """Tests that the hybrid, out of time before its first stage, returns an exact (empty) plan marked timed out."""
    scenario = _darp()
    matrices = build_matrices(scenario)
    raw = solve_hybrid(scenario, matrices, scenario.requests, SolveParams(), time.monotonic() - 1.0)
    assert raw.found and raw.timed_out
    assert raw.routes == {}
    assert sorted(raw.dropped) == sorted(r.id for r in scenario.requests)


def test_a_complete_solve_is_not_marked_timed_out() -> None:
    """Tests that a solve bounded by count places every request and the plan is not marked as cut short."""
    scenario = _darp()
    matrices = build_matrices(scenario)
    raw = solve_hybrid(scenario, matrices, scenario.requests, SolveParams(solution_limit=5), time.monotonic() + 600)
    assert raw.found and not raw.timed_out and not raw.dropped


def test_polish_build_estimate_grows_with_the_square_of_the_nodes() -> None:
    """Tests the estimate: seconds per million node pairs, one node per visit and per depot."""
    scenario = _darp()
    pipe = Pipeline(polish_build_s_per_million_arcs=2.0)
    # 12 trips: 24 visits, plus one depot.
    assert polish_build_estimate_s(pipe, scenario.requests, 1) == 2.0 * 25 * 25 / 1e6
    assert polish_build_estimate_s(pipe, scenario.requests[:6], 1) == 2.0 * 13 * 13 / 1e6


def test_relaxation_setup_estimate_grows_with_the_square_of_the_visits() -> None:
    """Tests the PyVRP set-up estimate: seconds per million pairs of visits."""
    scenario = _darp()
    pipe = Pipeline(relaxation_setup_s_per_million_pairs=3.0)
    assert relaxation_setup_estimate_s(pipe, scenario.requests) == 3.0 * 24 * 24 / 1e6


def test_insertion_builds_the_plan_when_the_relaxation_would_outlast_the_time() -> None:
    """Tests that a PyVRP set-up estimated beyond the time left is skipped and insertion places every request.

    The estimate is made absurd (not the clock), so the skip is certain on any machine; without the
    improve and polish stages the run ends when insertion does.
    """
    scenario = _darp(num_vehicles=12)
    pipe = Pipeline(relaxation_setup_s_per_million_pairs=1e12, hybrid_stages=("relax", "repair", "insert"))
    plan, _ = solve_checked(scenario, SolveParams(time_limit_s=600, backend="hybrid", pipeline=pipe))
    assert "warm start: insertion; PyVRP relaxation NOT_RUN" in plan.stats.status
    assert not plan.unserved


def test_the_polish_is_skipped_only_when_its_build_does_not_fit_and_never_in_counted_runs() -> None:
    """Tests ``_polish_misfit``: the time left must hold 1.5 times the build; runs bounded by count ignore the clock."""
    now = time.monotonic()
    params = SolveParams()
    assert _polish_misfit(params, 10.0, now + 600) == ""
    why = _polish_misfit(params, 10.0, now + 5)
    assert "does not fit" in why
    assert "does not fit" in _polish_misfit(params, 10.0, now - 1)  # already past
    assert _polish_misfit(SolveParams(solution_limit=3), 10.0, now - 1) == ""


def test_a_polish_without_a_plan_or_serving_fewer_loses_to_its_start() -> None:
    """Tests ``_worse``: no answer, or more requests dropped than the start left, keeps the start."""
    scenario = _darp()
    start = {"v0": [Step("r0", "pickup"), Step("r0", "dropoff")]}  # serves 1 of 12
    requests = scenario.requests
    assert _worse(RawSolution(found=False), start, requests)
    assert _worse(RawSolution(found=True, dropped=[r.id for r in requests]), start, requests)
    assert not _worse(RawSolution(found=True, dropped=[r.id for r in requests[1:]]), start, requests)
    assert not _worse(RawSolution(found=True, dropped=[]), start, requests)


def test_solve_params_refuse_negative_set_up_rates() -> None:
    """Tests that either estimate rate below 0 is a coded problem (E520)."""
    import pytest

    from routing.exceptions import ScenarioError

    with pytest.raises(ScenarioError, match="E520"):
        SolveParams(pipeline=Pipeline(polish_build_s_per_million_arcs=-1.0))
    with pytest.raises(ScenarioError, match="relaxation_setup_s_per_million_pairs"):
        SolveParams(pipeline=Pipeline(relaxation_setup_s_per_million_pairs=-1.0))


def _solutions_within(deadline: float) -> int:
    """Solutions a 1 000-value enumeration finds with ``ortools_limit(solver, deadline)`` as its only limit."""
    from ortools.constraint_solver import pywrapcp

    solver = pywrapcp.Solver("limit")
    x = solver.IntVar(0, 999, "x")
    phase = solver.Phase([x], solver.CHOOSE_FIRST_UNBOUND, solver.ASSIGN_MIN_VALUE)
    solver.NewSearch(phase, [ortools_limit(solver, deadline)])
    found = 0
    while solver.NextSolution():
        found += 1
    solver.EndSearch()
    return found


def test_the_ortools_limit_ends_a_search_at_its_deadline_or_on_a_stop_request() -> None:
    """Tests that OR-Tools' search asks the limit at every step: none after a past deadline or a stop request.

    OR-Tools' own time limit reads the clock only now and then (a 1 600-request polish overran by 17-22 s).
    """
    assert _solutions_within(time.monotonic() + 3600) == 1000
    assert _solutions_within(time.monotonic() - 1) == 0
    stop.request()
    try:
        assert _solutions_within(time.monotonic() + 3600) == 0
    finally:
        stop.clear()
