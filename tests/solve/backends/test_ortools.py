"""The OR-Tools backend on its own: what it returns (visits, ``found``, ``dropped``) before the solve stage."""

from __future__ import annotations

import time

from routing import Plan, SolveParams, Unserved, Vehicle, build_matrices, check_plan
from routing.model import Scenario
from routing.solve.backends.base import RawSolution
from routing.solve.backends.ortools import solve_ortools
from routing.solve.solve import route_from_visits
from tests.helpers import planar, req

LINE = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0), "far": (0, 40)}
PARAMS = SolveParams(time_limit_s=60, solution_limit=20, backend="ortools")


def run(scenario: Scenario, params: SolveParams = PARAMS) -> tuple[RawSolution, Plan]:
    """Run the backend on every request; return its answer and the plan it makes (dropped listed unserved)."""
    matrices = build_matrices(scenario)
    raw = solve_ortools(scenario, matrices, scenario.requests, params, time.monotonic() + params.time_limit_s)
    routes = tuple(route_from_visits(scenario, matrices, vid, visits) for vid, visits in raw.routes.items())
    plan = Plan(routes, tuple(Unserved(rid, "dropped by the backend") for rid in raw.dropped))
    result = check_plan(scenario, matrices, plan)
    assert result.is_feasible, "\n".join(map(str, result.violations))
    return raw, plan


def test_ortools_routes_a_tiny_day_the_checker_accepts() -> None:
    """Tests that OR-Tools serves three compatible requests on one vehicle, found, nothing dropped."""
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in (1, 2)]
    requests = [req("r1", "a", "s", dw=(40, 60)), req("r2", "b", "s", dw=(40, 60)), req("r3", "a", "b")]
    raw, plan = run(planar(LINE, requests, vehicles=vehicles))
    assert raw.found and raw.dropped == [] and raw.num_solutions >= 1 and raw.objective is not None
    assert list(raw.routes) == ["v1"] or list(raw.routes) == ["v2"]
    steps = next(iter(raw.routes.values()))
    assert steps[0].kind == "start" and steps[-1].kind == "end"
    assert sorted(s.request for s in steps if s.kind == "pickup") == ["r1", "r2", "r3"]
    assert plan.served_ids == {"r1", "r2", "r3"}


def test_ortools_drops_the_request_no_vehicle_has_time_for_and_still_finds() -> None:
    """Tests that with one vehicle and two requests due at once far apart, one is dropped and the rest found."""
    requests = [req("near", "a", "s", dw=(35, 36)), req("far", "far", "depot", dw=(40, 41))]
    raw, plan = run(planar(LINE, requests))
    assert raw.found
    assert len(raw.dropped) == 1 and plan.served_ids | set(raw.dropped) == {"near", "far"}


def test_ortools_all_unperformed_is_found_but_drops_everything() -> None:
    """Tests the backend's side of 'no plan': an answer that serves nothing is found, with every request dropped.

    The solve stage turns it into a SolveError ('no plan found'); the backend itself only reports it.
    """
    params = SolveParams(
        time_limit_s=60,
        solution_limit=1,
        first_solution="ALL_UNPERFORMED",
        metaheuristic="GREEDY_DESCENT",
        backend="ortools",
    )
    raw, plan = run(planar(LINE, [req("r1", "a", "s"), req("r2", "b", "s")]), params)
    assert raw.found and sorted(raw.dropped) == ["r1", "r2"] and not raw.routes and not plan.routes
