"""A plan priced by its vehicle types' own prices (the ``cost_dkk`` of ``plan.json``), by hand."""

from __future__ import annotations

import pytest

from routing import Plan, Quantities, Route, Stop, TimeWindow, Vehicle, VehicleType, build_matrices, check_plan
from routing.costing.vehicle_cost import price_plan_by_vehicle_types, route_price_dkk
from tests.helpers import at, planar, req

# depot (0,0) -- a (10,0) -- b (20,0) -- s (30,0); 1 unit = 1 minute and 60 m.
POINTS = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0)}
TYPES = [
    VehicleType(
        "car", Quantities.of(seats=2), profile="grid", fixed_cost_dkk=100, cost_per_km_dkk=2.5, cost_per_hour_dkk=60
    ),
    VehicleType("bus", Quantities.of(seats=8), profile="grid", cost_per_hour_dkk=100),
    VehicleType("spare", Quantities.of(seats=2), profile="grid", fixed_cost_dkk=500),
]
VEHICLES = [
    Vehicle("v1", "car", "depot", "depot", TimeWindow(0, at(200))),
    Vehicle("v2", "bus", "depot", "depot", TimeWindow(0, at(200))),
    Vehicle("v3", "spare", "depot", "depot", TimeWindow(0, at(200))),
]


def _stop(loc: str, arr: float, dep: float, pick: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> Stop:
    return Stop(loc, at(arr), at(dep), None, pick, drop)


def test_each_route_is_priced_by_its_vehicle_type_from_the_checkers_figures() -> None:
    """Tests hand-computed prices: fixed + per km + per hour on the checker's distance and duration.

    A route that serves nobody is free."""
    s = planar(POINTS, [req("r1", "a", "s", dw=(30, 45)), req("r2", "b", "s", dw=(30, 45))], TYPES, VEHICLES)
    plan = Plan(
        (
            # depot -> a -> s -> depot: 10 + 20 + 30 = 60 min of travel = 3.6 km; leaves 0, back at 65 (waits 5 at s)
            Route(
                "v1",
                (
                    _stop("depot", 0, 0),
                    _stop("a", 10, 10, ("r1",)),
                    _stop("s", 30, 35, (), ("r1",)),
                    _stop("depot", 65, 65),
                ),
            ),
            # depot -> b -> s -> depot: 20 + 10 + 30 = 60 min = 3.6 km; leaves 10, back at 70: 60 min
            Route(
                "v2",
                (
                    _stop("depot", 10, 10),
                    _stop("b", 30, 30, ("r2",)),
                    _stop("s", 40, 40, (), ("r2",)),
                    _stop("depot", 70, 70),
                ),
            ),
            Route("v3", (_stop("depot", 0, 0), _stop("depot", 0, 0))),  # used by nobody
        )
    )
    result = check_plan(s, build_matrices(s), plan)
    assert result.is_feasible, result.violations
    cost = price_plan_by_vehicle_types(s, result)
    # car: 100 fixed + 2.5 DKK/km x 3.6 km + 60 DKK/h x 65/60 h = 100 + 9 + 65
    assert cost.routes["v1"] == pytest.approx(174.0)
    # bus: 100 DKK/h x 1 h
    assert cost.routes["v2"] == pytest.approx(100.0)
    assert cost.routes["v3"] == 0.0  # no passenger, no fixed price
    assert cost.total_dkk == pytest.approx(274.0)


def test_route_price_is_rounded_to_oere() -> None:
    """Tests that a route price is rounded to two decimals: 100 DKK/h for 65 min is 108.33 DKK."""
    assert route_price_dkk(0.0, 0.0, 100.0, 0, at(65)) == 108.33
    assert route_price_dkk(10.0, 2.0, 0.0, 1500, 0) == 13.0
