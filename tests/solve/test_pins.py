"""Requests pinned to vehicles (``Request.vehicles``): every backend honours the pin, the checker enforces it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import Plan, Route, SolveParams, Stop, Vehicle, build_matrices, check_plan
from routing.solve.search.servability import check_servability
from tests.helpers import at, planar, req, solve_checked, vehicle_of

# Two depots far apart: v1 sits beside the passengers, v2 across town.
POINTS = {"west": (0, 0), "east": (60, 0), "a": (2, 0), "b": (4, 0), "s": (8, 0)}
VEHICLES = [Vehicle("v1", "car", "west", "west"), Vehicle("v2", "car", "east", "east")]


def scenario(pin: frozenset[str] = frozenset({"v2"})):  # type: ignore[no-untyped-def]
    requests = [
        req("r1", "a", "s", pw=(0, 120), ride=60, vehicles=pin),
        req("r2", "b", "s", pw=(0, 120), ride=60),
    ]
    return planar(POINTS, requests, vehicles=VEHICLES, solution_limit=20)


@pytest.mark.parametrize("backend", ["auto", "ortools", "hybrid"])
def test_a_pinned_request_rides_with_its_vehicle_though_another_is_cheaper(backend: str) -> None:
    """Tests that every backend puts r1 on v2 (its pin), though v1 next door would serve it cheaper."""
    s = scenario()
    unpinned, _ = solve_checked(scenario(frozenset()), SolveParams(solution_limit=20, backend=backend))
    assert vehicle_of(unpinned, "r1") == "v1"
    plan, _ = solve_checked(s, SolveParams(solution_limit=20, backend=backend))
    assert not plan.unserved
    assert vehicle_of(plan, "r1") == "v2"


def test_a_pin_to_a_vehicle_outside_the_fleet_leaves_the_request_unserved_with_the_reason() -> None:
    """Tests that a request pinned to a vehicle the (restricted) fleet lacks is listed unserved, saying why."""
    s = scenario()
    s = s.restricted(s.requests, [s.vehicle("v1")])
    matrices = build_matrices(s)
    assert "v2" in check_servability(s, matrices)["r1"].reason
    plan, _ = solve_checked(s, SolveParams(solution_limit=10))
    (unserved,) = plan.unserved
    assert unserved.request == "r1" and "v2" in unserved.reason


def test_the_checker_refuses_a_pinned_request_on_another_vehicle() -> None:
    """Tests that the checker's cause 'vehicle' names the request carried by a vehicle it is not pinned to."""
    s = scenario()
    s = s.restricted([r for r in s.requests if r.id == "r1"])
    route = Route(
        "v1",
        (
            Stop("west", 0, 0, None, (), ()),
            Stop("a", at(2), at(2), None, ("r1",), ()),
            Stop("s", at(8), at(8), None, (), ("r1",)),
            Stop("west", at(16), at(16), None, (), ()),
        ),
    )
    matrices = build_matrices(s)
    result = check_plan(s, matrices, Plan((route,)))
    assert [(v.cause, v.request) for v in result.violations] == [("vehicle", "r1")]
    both = replace(s, requests=(replace(s.request("r1"), vehicles=frozenset({"v1", "v2"})),))
    assert check_plan(both, matrices, Plan((route,))).is_feasible
