"""``plan.json`` (``routing.plan/1``): write -> read gives the same plan; money comes from costing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routing import (
    Plan,
    Quantities,
    Route,
    Stop,
    TimeWindow,
    Unserved,
    Vehicle,
    VehicleType,
    build_matrices,
    check_plan,
)
from routing.costing.vehicle_cost import price_plan_by_vehicle_types
from routing.exceptions import ScenarioError
from routing.report.plan_json import read_plan_json, routes_from_dict, routes_to_dict, write_plan_json
from tests.helpers import at, planar, req, solve_checked

POINTS = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0)}
TYPES = [
    VehicleType(
        "car", Quantities.of(seats=2), profile="grid", fixed_cost_dkk=100, cost_per_km_dkk=2.5, cost_per_hour_dkk=60
    )
]
VEHICLES = [Vehicle("v1", "car", "depot", "depot", TimeWindow(0, at(200)))]


def _scenario():  # type: ignore[no-untyped-def]
    return planar(POINTS, [req("r1", "a", "s", dw=(30, 45)), req("r2", "b", "s", dw=(30, 45))], TYPES, VEHICLES)


def _hand_plan() -> Plan:
    return Plan(
        (
            Route(
                "v1",
                (
                    Stop("depot", 0, 0),
                    Stop("a", at(10), at(10), None, ("r1",)),
                    Stop("s", at(30), at(35), at(30), (), ("r1",)),
                    Stop("depot", at(65), at(65)),
                ),
            ),
        ),
        (Unserved("r2", "left out by hand", "not_placed"),),
    )


def test_plan_json_round_trip_gives_the_same_plan(tmp_path: Path) -> None:
    """Tests that a hand-made plan and a solved plan read back from plan.json with the same routes and unserved."""
    s = _scenario()
    matrices = build_matrices(s)
    solved, _ = solve_checked(s)
    for plan in (_hand_plan(), solved):
        result = check_plan(s, matrices, plan)
        assert result.is_feasible, result.violations
        path = tmp_path / "plan.json"
        write_plan_json(path, s, plan, result, price_plan_by_vehicle_types(s, result))
        back = read_plan_json(path)
        assert (back.routes, back.unserved) == (plan.routes, plan.unserved)
        assert back.stats.backend == plan.stats.backend
    assert read_plan_json(path).routes  # the solved plan has routes


def test_plan_json_cost_comes_from_costing(tmp_path: Path) -> None:
    """Tests that routes[].cost_dkk and summary.cost_dkk are the vehicle-type prices handed in (174 DKK by hand)."""
    s = _scenario()
    plan = _hand_plan()
    result = check_plan(s, build_matrices(s), plan)
    cost = price_plan_by_vehicle_types(s, result)
    write_plan_json(tmp_path / "plan.json", s, plan, result, cost)
    doc = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    # 100 fixed + 2.5 DKK/km x 3.6 km + 60 DKK/h x 65 min
    assert doc["routes"][0]["cost_dkk"] == pytest.approx(174.0)
    assert doc["summary"]["cost_dkk"] == pytest.approx(174.0)
    assert list(doc["summary"])[:8] == [
        "requests",
        "served",
        "unserved",
        "vehicles_used",
        "vehicles_available",
        "distance_m",
        "duration_s",
        "cost_dkk",
    ]


def test_routes_dict_round_trip_and_errors_name_the_place() -> None:
    """Tests the routes/unserved part alone (the stored-plans form) and that a bad stop names its path."""
    plan = _hand_plan()
    assert routes_from_dict(json.loads(json.dumps(routes_to_dict(plan)))) == plan
    bad = routes_to_dict(plan)
    del bad["routes"][0]["stops"][1]["arrival_s"]
    with pytest.raises(ScenarioError, match=r"E604 days\.tue\.all\.routes\[0\]\.stops\[1\]\.arrival_s"):
        routes_from_dict(bad, "plans.json.gz", "days.tue.all.")
