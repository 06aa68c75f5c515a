"""Servability: a request no vehicle can serve alone is proven unservable, with the reason a coordinator can act on."""

from __future__ import annotations

import pytest

from routing import Quantities, TimeWindow, Vehicle, VehicleType, build_matrices
from routing.model import Scenario
from routing.solve.search.servability import AloneSchedule, Servability, alone_schedule, check_servability
from tests.helpers import at, planar, req

# depot (0,0) -- a (10,0) -- b (20,0) -- s (30,0); far (0,40). 1 unit = 1 minute.
LINE = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0), "far": (0, 40)}
CAR = VehicleType("car", Quantities.of(seats=4, wheelchairs=0), profile="grid")
LIFT = VehicleType("lift", Quantities.of(seats=4, wheelchairs=1), profile="grid", skills=frozenset({"lift"}))


def servability(scenario: Scenario) -> dict[str, Servability]:
    """Servability of every request of the scenario."""
    return check_servability(scenario, build_matrices(scenario))


def test_a_request_a_vehicle_can_serve_alone_lists_that_vehicle() -> None:
    """Tests that a plain request is servable by every vehicle fit for it, and only by those, with no reason."""
    vehicles = [Vehicle("car-1", "car", "depot", "depot"), Vehicle("lift-1", "lift", "depot", "depot")]
    requests = [req("walker", "a", "s"), req("wheel", "b", "s", load={"wheelchairs": 1})]
    scenario = planar(LINE, requests, [CAR, LIFT], vehicles)
    found = servability(scenario)
    assert found["walker"] == Servability("walker", ("car-1", "lift-1"))
    assert found["wheel"] == Servability("wheel", ("lift-1",)) and found["wheel"].is_servable


@pytest.mark.parametrize(
    ("request_args", "vehicle", "reason"),
    [
        (
            {"skills": frozenset({"lift"})},
            Vehicle("v1", "car", "depot", "depot"),
            "no vehicle has the skill(s) lift",
        ),
        (
            {"load": {"wheelchairs": 1}},
            Vehicle("v1", "car", "depot", "depot"),
            "no vehicle with the skills needed has room for the load {'wheelchairs': 1}",
        ),
        (
            {"dropoff": "far", "pickup": "depot", "ride": 30},
            Vehicle("v1", "car", "depot", "depot"),
            "its direct trip (40 min on profile 'grid') already exceeds its maximum ride time (30 min)",
        ),
        (
            {"pickup": "far", "pw": (0, 5)},
            Vehicle("v1", "car", "depot", "depot"),
            "vehicle v1 cannot reach the pickup before its window closes (00:05)",
        ),
        (
            {"dw": (20, 25)},
            Vehicle("v1", "car", "depot", "depot"),
            "the drop-off window closes (00:25) before vehicle v1 can get there",
        ),
        (
            {},
            Vehicle("v1", "car", "depot", "depot", TimeWindow(0, at(50))),
            "vehicle v1 cannot return to its depot before its shift ends (00:50)",
        ),
        (
            {"pw": (10, 12), "dw": (100, 110), "ride": 60},
            Vehicle("v1", "car", "depot", "depot"),
            "the windows force a ride of 88 min, above the maximum ride time (60 min)",
        ),
        (
            {"pw": (10, 12), "dw": (100, 110)},
            Vehicle("v1", "car", "depot", "depot", max_duration_s=at(90)),
            "the trip takes vehicle v1 128 min, above its maximum duration (90 min)",
        ),
    ],
    ids=["skill", "room", "ride_limit", "pickup_window", "dropoff_window", "shift", "forced_ride", "duration"],
)
def test_an_unservable_request_is_proven_so_with_the_reason(
    request_args: dict[str, object], vehicle: Vehicle, reason: str
) -> None:
    """Tests each way a request cannot be served alone: no vehicle listed, and the reason names the rule and figures.

    The request goes a -> s (20 min) unless changed; the only vehicle lives at the depot (10 min from a).
    """
    args = {"pickup": "a", "dropoff": "s", **request_args}
    r = req("r", str(args.pop("pickup")), str(args.pop("dropoff")), **args)
    found = servability(planar(LINE, [r], [CAR], [vehicle]))["r"]
    assert not found.is_servable and found.vehicles == ()
    assert found.reason == reason


def test_reasons_that_differ_between_vehicles_are_summed_up_with_an_example() -> None:
    """Tests that when vehicles fail for different reasons, the reason says none can, with the first as example."""
    vehicles = [
        Vehicle("early", "car", "depot", "depot", TimeWindow(0, at(50))),
        Vehicle("far-away", "car", "far", "far"),
    ]
    r = req("r", "a", "s", pw=(10, 12))
    found = servability(planar(LINE, [r], [CAR], vehicles))["r"]
    assert not found.is_servable
    assert found.reason.startswith("no vehicle can serve it alone; e.g. vehicle early cannot return to its depot")


def test_the_alone_schedule_picks_up_as_late_as_the_windows_allow() -> None:
    """Tests the schedule of one vehicle serving one request alone: leave, pickup, drop-off and return times.

    Drop-off at s by 55 min, 20 min from a: pick up at 35, leave the depot at 25, back at 55 + 30 = 85.
    """
    scenario = planar(LINE, [req("r", "a", "s", dw=(50, 55))], [CAR], [Vehicle("v1", "car", "depot", "depot")])
    matrices = build_matrices(scenario)
    schedule = alone_schedule(scenario, matrices, scenario.requests[0], scenario.vehicles[0], None)
    assert schedule == AloneSchedule(at(25), at(35), at(55), at(85))
