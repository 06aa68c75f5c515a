"""The PyVRP backend on its own: what it can express, and ``found``/``dropped`` in its two modes."""

from __future__ import annotations

import time

from routing import Plan, SolveParams, Unserved, Vehicle, build_matrices, check_plan
from routing.model import Scenario
from routing.solve.backends.base import RawSolution
from routing.solve.backends.pyvrp import solve_pyvrp, unsupported
from routing.solve.solve import route_from_visits
from tests.helpers import planar, req

LINE = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0), "far": (0, 40)}
PARAMS = SolveParams(time_limit_s=60, solution_limit=20, backend="pyvrp")


def run(scenario: Scenario, warm_start: bool = False) -> tuple[RawSolution, Plan, bool]:
    """Run the backend on every request; return its answer, the plan it makes and whether the checker accepts it."""
    matrices = build_matrices(scenario)
    deadline = time.monotonic() + PARAMS.time_limit_s
    raw = solve_pyvrp(scenario, matrices, scenario.requests, PARAMS, deadline, warm_start=warm_start)
    routes = tuple(route_from_visits(scenario, matrices, vid, visits) for vid, visits in raw.routes.items())
    plan = Plan(routes, tuple(Unserved(rid, "dropped by the backend") for rid in raw.dropped))
    return raw, plan, check_plan(scenario, matrices, plan).is_feasible


def test_pyvrp_routes_a_tiny_day_the_checker_accepts() -> None:
    """Tests that PyVRP serves pickup-delivery requests with windows completely: found, nothing dropped."""
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in (1, 2)]
    requests = [req("r1", "a", "s", dw=(40, 60)), req("r2", "b", "s", dw=(40, 60)), req("r3", "a", "b")]
    raw, plan, feasible = run(planar(LINE, requests, vehicles=vehicles))
    assert raw.found and raw.dropped == [] and raw.status == "SUCCESS" and feasible
    assert plan.served_ids == {"r1", "r2", "r3"}


def test_pyvrp_says_what_it_cannot_express_and_finds_nothing() -> None:
    """Tests that ride limits, enekørsel and not-together rules are refused by name, never solved wrongly."""
    ride = planar(LINE, [req("r1", "a", "s", ride=30)])
    assert unsupported(ride, ride.requests) == "maximum ride times"
    solo = planar(LINE, [req("r1", "a", "s", solo=True)])
    assert unsupported(solo, solo.requests) == "enekørsel"
    pair = planar(LINE, [req("x", "a", "s", not_with=frozenset({"y"})), req("y", "b", "s")])
    assert unsupported(pair, pair.requests) == "not-together rules"
    raw, _, _ = run(ride)
    assert not raw.found and raw.status == "UNSUPPORTED: maximum ride times" and not raw.routes


def test_pyvrp_without_room_for_every_request_finds_nothing() -> None:
    """Tests that every request is required: when one vehicle cannot serve both, there is no plan (found False)."""
    requests = [req("near", "a", "s", dw=(35, 36)), req("far", "far", "depot", dw=(40, 41))]
    raw, _, _ = run(planar(LINE, requests))
    assert not raw.found and not raw.routes and raw.status in ("PYVRP_INFEASIBLE", "PYVRP_INCOMPLETE")


def test_pyvrp_warm_start_returns_routes_for_the_same_day_and_says_when_they_break_a_rule() -> None:
    """Tests the warm-start mode on that day: routes come back (found), every request is routed or dropped,
    and the status says whether the routes keep every rule (the checker agrees), for repair to take over."""
    requests = [req("near", "a", "s", dw=(35, 36)), req("far", "far", "depot", dw=(40, 41))]
    raw, plan, feasible = run(planar(LINE, requests), warm_start=True)
    assert raw.found and plan.routes
    assert plan.served_ids | set(raw.dropped) == {"near", "far"}
    assert raw.status == ("SUCCESS" if feasible else "PYVRP_INFEASIBLE_WARM_START")
