"""The week planner: consistency binds where it matters, is explained where it cannot hold, every day is checked."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from routing import Request, Scenario, Vehicle, build_matrices, check_plan
from routing.costing.params import Parameters
from routing.model import PER_TRIP_CHANNELS
from routing.report import read_plan_json
from routing.report.week_json import SCHEMA, week_table, write_week
from routing.studies.consistency import measure
from routing.studies.week import WeekResult, WeekSettings, plan_week
from tests.helpers import planar, req

# v1 lives west, v2 east; the school s between them. 1 unit = 1 minute.
POINTS = {"w": (0, 0), "e": (40, 0), "s": (20, 10), "hp": (15, 0), "hx": (2, 0), "hy": (38, 0), "hq": (16, 1)}
VEHICLES = [Vehicle("v1", "car", "w", "w"), Vehicle("v2", "car", "e", "e")]


def _week(requests: list[Request]) -> Scenario:
    from routing import Quantities, VehicleType

    one_seat = VehicleType("car", Quantities.of(seats=1), profile="grid", cost_per_hour_dkk=300, cost_per_km_dkk=5)
    return _homes(planar(POINTS, requests, [one_seat], VEHICLES, solution_limit=20))


def _homes(s: Scenario) -> Scenario:
    """Locations whose id starts with 'h' are homes (a passenger's direction is from or to home)."""
    return replace(s, locations=tuple(replace(loc, kind="home" if loc.id[0] == "h" else "") for loc in s.locations))


def _plan(week: Scenario, **settings: object) -> WeekResult:
    defaults: dict[str, object] = {"time_limit_s": 60, "solution_limit": 20, "tolerance_s": 600}
    return plan_week(week, build_matrices(week), Parameters.load(), WeekSettings(**{**defaults, **settings}))


def _switcher() -> Scenario:
    """P rides Monday and Tuesday; X (Monday only) lives by v1's depot, Y (Tuesday only) by v2's."""
    return _week(
        [
            req("p", "hp", "s", pw=(60, 70), ride=60, passenger="P", days=frozenset({"mon", "tue"})),
            req("x", "hx", "s", pw=(60, 70), ride=60, passenger="X", days=frozenset({"mon"})),
            req("y", "hy", "s", pw=(60, 70), ride=60, passenger="Y", days=frozenset({"tue"})),
        ]
    )


def test_without_consistency_the_passenger_switches_vehicles_and_with_it_keeps_one() -> None:
    """Tests that day by day P rides v2 then v1 (cheapest each day), and the week keeps P on one vehicle."""
    result = _plan(_switcher())
    assert result.independent is not None
    (alone,) = result.independent.passengers
    assert (alone.passenger, alone.vehicles) == ("P", {"mon": "v2", "tue": "v1"})
    assert not alone.one_vehicle
    (kept,) = result.consistent.passengers
    assert kept.one_vehicle and kept.within_tolerance and not kept.why_not
    assert len(set(kept.vehicles.values())) == 1
    assert result.consistent.consistency.one_vehicle_share == 1.0
    # Consistency has a price here (the longer empty runs), and it is measured, not assumed.
    assert result.consistent.routed().km > result.independent.routed().km
    assert result.consistent.routed().cost_dkk >= result.independent.routed().cost_dkk


def test_a_day_with_its_own_time_is_reported_beyond_tolerance_with_the_reason() -> None:
    """Tests that a passenger whose Wednesday trip is 40 min later is listed outside the tolerance, saying why."""
    week = _week(
        [
            req("q", "hq", "s", pw=(60, 70), ride=60, passenger="Q", days=frozenset({"mon", "tue"})),
            req("q-wed", "hq", "s", pw=(100, 110), ride=60, passenger="Q", days=frozenset({"wed"})),
        ]
    )
    result = _plan(week, compare=False)
    assert result.independent is None
    (q,) = result.consistent.passengers
    assert q.days == ("mon", "tue", "wed") and q.requests == ("q", "q-wed")
    assert not q.within_tolerance and q.spread_s >= 30 * 60
    assert "q-wed: wed" in q.why_not[0] and "differ by day" in q.why_not[0]


def test_a_pinned_vehicle_that_cannot_serve_the_day_frees_the_passenger_and_says_why() -> None:
    """Tests the fallback: P pinned to v2, whose shift is over by then, is planned on v1, with the reason."""
    from routing import TimeWindow
    from routing.studies.week import _consistent_day, _Planner

    week = _switcher()
    week = replace(
        week,
        requests=tuple(r for r in week.requests if r.id != "x"),
        vehicles=(VEHICLES[0], replace(VEHICLES[1], shift=TimeWindow(0, 50 * 60))),
    )
    settings = WeekSettings(time_limit_s=60, solution_limit=20, tolerance_s=600)
    planner = _Planner(week, build_matrices(week), Parameters.load(), settings, None)
    day, why = _consistent_day(planner, "mon", 10.0, None, {"p": ("v2", 3600)})
    assert {r.vehicle: r.request_ids for r in day.plan.routes} == {"v1": ("p",)}
    assert not day.plan.unserved
    assert why == [("p", "mon: v2 has no room for it on this day: planned on another vehicle")]


def _random_week(seed: int) -> Scenario:
    rng = random.Random(seed)
    points = {"w": (0.0, 0.0), "e": (30.0, 0.0), "s": (15.0, 12.0)}
    requests = []
    for i in range(8):
        points[f"h{i}"] = (rng.uniform(0, 30), rng.uniform(-8, 8))
        days = frozenset(rng.sample(["mon", "tue", "wed", "thu", "fri"], rng.randint(1, 5)))
        start = rng.choice([55, 60, 70])
        channel = rng.choice(["flexrute", "flexrute", "flexrute", "flexkommune"])
        requests.append(
            req(f"r{i}", f"h{i}", "s", pw=(start, start + 15), ride=45, passenger=f"P{i}", days=days, channel=channel)
        )
    vehicles = [Vehicle(f"v{k}", "car", "w" if k % 2 else "e", "w" if k % 2 else "e") for k in range(3)]
    return _homes(planar(points, requests, vehicles=vehicles, solution_limit=10))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_written_day_passes_the_checker_and_accounts_for_every_request(seed: int, tmp_path: Path) -> None:
    """Tests week.json and each <day>/plan.json of random small weeks: checked, complete, the schema named."""
    week = _random_week(seed)
    result = _plan(week, solution_limit=10)
    write_week(tmp_path, week, result)
    doc = json.loads((tmp_path / "week.json").read_text(encoding="utf-8"))
    assert doc["schema"] == SCHEMA
    matrices = build_matrices(week)
    for day, entry in doc["days"].items():
        plan = read_plan_json(tmp_path / day / "plan.json")
        scenario = week.for_day(day)
        routed = [r for r in scenario.requests if r.channel not in PER_TRIP_CHANNELS]
        assert check_plan(scenario.restricted(routed), matrices, plan).is_feasible
        accounted = plan.served_ids | {u.request for u in plan.unserved} | {t["request"] for t in entry["per_trip"]}
        assert accounted == {r.id for r in scenario.requests}
        assert entry["plan"]["summary"]["feasible"] is True
    assert (tmp_path / "passengers.csv").read_text(encoding="utf-8").startswith("passenger,direction,day,vehicle")
    assert "cost of consistency" in week_table(result)


def test_measure_counts_unserved_days_against_consistency() -> None:
    """Tests that a recurring passenger not served on a day has neither one vehicle nor the time, with the reason."""
    from routing.plan import Plan, Unserved

    week = _switcher()
    plans = {"mon": Plan((), (Unserved("p", "no vehicle left", "not_placed"),)), "tue": Plan(())}
    (p,) = measure(week, plans, 600)
    assert not p.one_vehicle and not p.within_tolerance
    assert p.why_not[0] == "mon: not served (no vehicle left)"
