"""Shared test helpers: tiny planar scenarios (1 coordinate unit = 1 minute) and a checked solve."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from routing import (
    Location,
    Plan,
    Quantities,
    Request,
    RideTimeRule,
    Scenario,
    SolveParams,
    TimeWindow,
    TravelProfile,
    Vehicle,
    VehicleType,
    Visit,
    build_matrices,
    check_plan,
    solve,
)
from routing.matrix import MatrixSet

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
#: The embedded demo day (package data of ``routing``; the default scenario of ``solve``).
DEMO = ROOT / "routing" / "data" / "demo.yaml"
#: The shipped Fredensborg scenarios (in the repository, beside the package).
FREDENSBORG_SCENARIOS = ROOT / "scenarios" / "fredensborg"
MIN = 60


def at(minutes: float) -> int:
    """Minutes → seconds."""
    return int(round(minutes * MIN))


def req(
    rid: str,
    pickup: str,
    dropoff: str,
    pw: tuple[float, float] | None = None,
    dw: tuple[float, float] | None = None,
    service: float = 0,
    load: dict[str, int] | None = None,
    ride: float | None = None,
    **kwargs: object,
) -> Request:
    """A request with windows and ride limit given in minutes."""
    return Request(
        id=rid,
        pickup=Visit(pickup, TimeWindow(at(pw[0]), at(pw[1])) if pw else None, at(service)),
        dropoff=Visit(dropoff, TimeWindow(at(dw[0]), at(dw[1])) if dw else None, at(service)),
        load=Quantities.of(load or {"seats": 1}),
        ride=RideTimeRule(absolute_s=at(ride)) if ride is not None else RideTimeRule(),
        **kwargs,  # type: ignore[arg-type]
    )


def planar(
    points: dict[str, tuple[float, float]],
    requests: Iterable[Request],
    types: Iterable[VehicleType] | None = None,
    vehicles: Iterable[Vehicle] | None = None,
    solution_limit: int = 50,
) -> Scenario:
    """A planar scenario where 1 coordinate unit is 1 minute of travel (and 60 distance units)."""
    types = tuple(types or (VehicleType("car", Quantities.of(seats=4), profile="grid", cost_per_hour_dkk=300),))
    vehicles = tuple(vehicles or (Vehicle("v1", types[0].id, "depot", "depot"),))
    return Scenario(
        name="tiny",
        locations=tuple(Location(pid, x=float(x), y=float(y)) for pid, (x, y) in points.items()),
        requests=tuple(requests),
        vehicle_types=types,
        vehicles=vehicles,
        profiles=(TravelProfile("grid", kind="euclidean", circuity=1.0, scale=MIN),),
        reference_profile="grid",
        solver={"time_limit_s": 60, "solution_limit": solution_limit},
    )


def solve_checked(scenario: Scenario, params: SolveParams | None = None) -> tuple[Plan, MatrixSet]:
    """Solve and assert that the independent checker accepts the plan and every request is accounted for."""
    matrices = build_matrices(scenario)
    plan = solve(scenario, matrices, params)
    result = check_plan(scenario, matrices, plan)
    assert result.is_feasible, "\n".join(map(str, result.violations))
    accounted = plan.served_ids | {u.request for u in plan.unserved}
    assert accounted == {r.id for r in scenario.requests}
    return plan, matrices


def vehicle_of(plan: Plan, request_id: str) -> str:
    """The vehicle that serves a request."""
    return next(route.vehicle for route in plan.routes if request_id in route.request_ids)
