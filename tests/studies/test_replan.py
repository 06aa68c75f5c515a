"""Re-planning a week: each change kind keeps the untouched trips and explains the changed ones; bad input refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli import main
from tests.helpers import FIXTURES

WEEK = FIXTURES / "week_small.yaml"


@pytest.fixture(scope="module")
def week_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("week") / "week"
    assert main(["week", str(WEEK), "--out", str(out), "--solution-limit", "5", "--no-compare", "--quiet"]) == 0
    return out


def _replan(week_dir: Path, tmp_path: Path, changes: list[dict[str, Any]], **extra: Any) -> tuple[int, Path]:
    change = tmp_path / "change.yaml"
    change.write_text(yaml.safe_dump({"schema": "routing.change/1", **extra, "changes": changes}), encoding="utf-8")
    out = tmp_path / "new"
    code = main(["replan", str(week_dir), "--change", str(change), "--out", str(out), "--solution-limit", "5"])
    return code, out


def _times(folder: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(day, request) -> (vehicle, pickup) from passengers.csv and the per-day plans."""
    doc = json.loads((folder / "week.json").read_text(encoding="utf-8"))
    out = {}
    for day, entry in doc["days"].items():
        for route in entry["plan"]["routes"]:
            for stop in route["stops"]:
                for rid in stop["pickup"]:
                    out[(day, rid)] = (route["vehicle"], stop["service_start_s"])
    return out


def _changes(out: Path) -> dict[str, Any]:
    return json.loads((out / "changes.json").read_text(encoding="utf-8"))


def _untouched_kept(week_dir: Path, out: Path, touched: set[str]) -> None:
    """Every trip the change does not name keeps its vehicle (and a pickup within the 10-min tolerance)."""
    before, after = _times(week_dir), _times(out)
    for key, (vehicle, _) in before.items():
        if key[1] not in touched and key in after:
            assert after[key][0] == vehicle, key
    assert _changes(out)["disruption"]["untouched_kept_share"] == 1.0


def test_adding_a_passenger_serves_them_and_keeps_everyone_else(week_dir: Path, tmp_path: Path) -> None:
    """Tests that an added every-day passenger is served each day, listed as a change, and nobody else moves vehicle."""
    new = {
        "id": "e-am",
        "passenger": "e",
        "pickup": {"location": "home_b"},
        "dropoff": {"location": "school", "window": ["07:40", "08:00"]},
        "days": ["mon", "tue"],
    }
    code, out = _replan(week_dir, tmp_path, [{"kind": "add", "request": new}])
    assert code == 0
    added = [t for t in _changes(out)["trips"] if t["request"] == "e-am"]
    assert [(t["day"], t["cause"], t["why"]) for t in added] == [("mon", "change", "added"), ("tue", "change", "added")]
    assert all(t["new_vehicle"] for t in added)
    assert _changes(out)["days_planned_again"] == ["mon", "tue"]
    _untouched_kept(week_dir, out, {"e-am"})


def test_cancelling_a_passenger_on_one_day_touches_that_day_only(week_dir: Path, tmp_path: Path) -> None:
    """Tests that cancelling passenger a on Wednesday drops both legs that day and plans no other day again."""
    code, out = _replan(week_dir, tmp_path, [{"kind": "cancel", "passenger": "a", "days": ["wed"]}])
    assert code == 0
    doc = _changes(out)
    assert doc["days_planned_again"] == ["wed"]
    gone = {(t["day"], t["request"]) for t in doc["trips"] if t["new_vehicle"] is None}
    assert gone == {("wed", "a-am"), ("wed", "a-pm")}
    assert ("wed", "a-am") not in _times(out) and ("thu", "a-am") in _times(out)
    _untouched_kept(week_dir, out, {"a-am", "a-pm"})


def test_moving_an_address_on_some_days_splits_the_trip_and_keeps_the_passenger(week_dir: Path, tmp_path: Path) -> None:
    """Tests that b's Friday pickup at a new address is its own trip (b-am~fri) of passenger b, and says so."""
    change = {
        "kind": "move_address",
        "request": "b-am",
        "visit": "pickup",
        "location": {"id": "home_b2", "lat": 55.95, "lon": 12.52},
        "days": ["fri"],
    }
    code, out = _replan(week_dir, tmp_path, [change])
    assert code == 0
    trips = {(t["day"], t["request"]): t for t in _changes(out)["trips"]}
    assert trips[("fri", "b-am~fri")]["why"] == "pickup moved to home_b2" and trips[("fri", "b-am~fri")]["new_vehicle"]
    assert trips[("fri", "b-am")]["new_vehicle"] is None
    week = json.loads((out / "week.json").read_text(encoding="utf-8"))
    b = next(p for p in week["passengers"] if p["passenger"] == "b")
    assert b["requests"] == ["b-am", "b-am~fri"] and b["days"] == ["mon", "wed", "fri"]


def test_a_vehicle_unavailable_all_day_moves_its_trips_with_the_reason(week_dir: Path, tmp_path: Path) -> None:
    """Tests that taxi-1 out on Thursday leaves nothing on it; its trips are moved or unserved, caused by the change."""
    code, out = _replan(week_dir, tmp_path, [{"kind": "vehicle_unavailable", "vehicle": "taxi-1", "days": ["thu"]}])
    assert code == 0
    thu = json.loads((out / "thu" / "plan.json").read_text(encoding="utf-8"))
    assert all(r["vehicle"] != "taxi-1" for r in thu["routes"])
    before = {rid for (day, rid), (v, _) in _times(week_dir).items() if day == "thu" and v == "taxi-1"}
    moved = {t["request"]: t for t in _changes(out)["trips"] if t["day"] == "thu"}
    for rid in before:
        assert moved[rid]["cause"] == "change" and moved[rid]["why"] == "vehicle taxi-1 unavailable all day"
    served = {rid for route in thu["routes"] for stop in route["stops"] for rid in stop["pickup"]}
    assert before <= served | {u["request"] for u in thu["unserved"]}


def test_freeze_until_keeps_the_morning_as_driven(week_dir: Path, tmp_path: Path) -> None:
    """Tests that with freeze_until 12:00 on Tuesday, an afternoon window change leaves every morning pickup exact."""
    change = {
        "kind": "move_window",
        "request": "a-pm",
        "visit": "pickup",
        "window": ["14:20", "14:40"],
        "days": ["tue"],
    }
    code, out = _replan(week_dir, tmp_path, [change], day="tue", freeze_until="12:00")
    assert code == 0
    before, after = _times(week_dir), _times(out)
    morning = {k: v for k, v in before.items() if k[0] == "tue" and v[1] < 12 * 3600}
    assert morning and all(after[k] == v for k, v in morning.items())
    moved = next(t for t in _changes(out)["trips"] if t["request"] == "a-pm~tue")
    assert moved["new_pickup"] >= "14:20"


def test_a_change_that_makes_a_trip_infeasible_lists_it_unserved_and_writes_the_rest(
    week_dir: Path, tmp_path: Path
) -> None:
    """Tests that a window after every shift leaves that trip unserved with a reason; the week is still written."""
    change = {
        "kind": "move_window",
        "request": "c-am",
        "visit": "pickup",
        "window": ["18:00", "18:10"],
        "days": ["mon"],
    }
    code, out = _replan(week_dir, tmp_path, [change])
    assert code == 0
    mon = json.loads((out / "mon" / "plan.json").read_text(encoding="utf-8"))
    (unserved,) = mon["unserved"]
    assert unserved["request"] == "c-am~mon" and unserved["reason"]
    assert _changes(out)["unserved"]["mon"][0]["request"] == "c-am~mon"
    assert (out / "tue" / "plan.json").exists()


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"kind": "cancel", "passenger": "zed"}, "E710", "changes[0].passenger"),
        ({"kind": "vehicle_unavailable", "vehicle": "bus-9", "days": ["mon"]}, "E708", "changes[0].vehicle"),
        ({"kind": "cancel", "request": "a-am", "days": ["funday"]}, "E318", "changes[0].days[0]"),
        (
            {"kind": "move_window", "request": "nope", "visit": "pickup", "window": ["07:00", "07:10"]},
            "E706",
            "changes[0].request",
        ),
        ({"kind": "teleport"}, "E702", "changes[0].kind"),
        (
            {"kind": "move_address", "request": "a-am", "visit": "pickup", "location": {"id": "h9", "lat": "north"}},
            "E020",
            "changes[0].location.lat",
        ),
        ({"kind": "move_window", "request": "a-am"}, "E704", "changes[0].visit"),
    ],
)
def test_a_bad_change_is_a_located_error_and_nothing_is_written(
    week_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], code: str, path: str
) -> None:
    """Tests that unknown passengers, vehicles, days, requests and kinds exit 2 naming file, path and value."""
    exit_code, out = _replan(week_dir, tmp_path, [change])
    assert exit_code == 2
    err = capsys.readouterr().err
    assert "change.yaml" in err and code in err and path in err
    assert not out.exists()


def test_a_week_folder_of_another_scenario_is_refused_with_what_differs(
    week_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tests that replanning against a scenario with other requests exits 2 with E720 and the differing ids."""
    other = yaml.safe_load(WEEK.read_text(encoding="utf-8"))
    other["requests"] = [r for r in other["requests"] if r["id"] != "b-am"]
    scenario = tmp_path / "other.yaml"
    scenario.write_text(yaml.safe_dump(other), encoding="utf-8")
    change = tmp_path / "change.yaml"
    change.write_text(yaml.safe_dump({"changes": [{"kind": "cancel", "passenger": "a", "days": ["mon"]}]}), "utf-8")
    out = tmp_path / "new"
    args = ["replan", str(week_dir), "--change", str(change), "--out", str(out), "--scenario", str(scenario)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "E720" in err and "b-am" in err and "days.mon.plan.requests" in err
    assert not out.exists()


def test_a_vehicle_out_from_before_its_shift_is_not_there_that_day(week_dir: Path, tmp_path: Path) -> None:
    """Tests that 'from 06:00' for a vehicle whose shift starts 06:30 takes it off the day (no reversed shift)."""
    change = {"kind": "vehicle_unavailable", "vehicle": "lift-1", "days": ["fri"], "from": "06:00"}
    code, out = _replan(week_dir, tmp_path, [change])
    assert code == 0
    fri = json.loads((out / "fri" / "plan.json").read_text(encoding="utf-8"))
    assert "lift-1" not in {v["id"] for v in fri["vehicles"]}
    assert any(u["request"] == "c-am" for u in fri["unserved"])  # the wheelchair user: only lift-1 has a lift


def test_a_replanned_week_can_be_replanned_again(week_dir: Path, tmp_path: Path) -> None:
    """Tests that replan saves the changed scenario beside its plans, so a second change re-plans from there."""
    new = {"id": "e-am", "pickup": {"location": "home_b"}, "dropoff": {"location": "school"}, "days": ["mon"]}
    code, first = _replan(week_dir, tmp_path, [{"kind": "add", "request": new}])
    assert code == 0 and (first / "scenario.yaml").exists()
    second = tmp_path / "second"
    second.mkdir()
    code, out = _replan(first, second, [{"kind": "cancel", "request": "e-am"}])
    assert code == 0
    assert [(t["day"], t["request"], t["new_vehicle"]) for t in _changes(out)["trips"] if t["request"] == "e-am"] == [
        ("mon", "e-am", None)
    ]


def test_one_days_plan_from_solve_is_replanned_in_place_of_a_week(tmp_path: Path) -> None:
    """Tests replan on a `solve` folder: needs --scenario and --day; writes plan.json, stops.csv and changes.json."""
    scenario = FIXTURES / "ok_small.yaml"
    plan_dir = tmp_path / "day"
    assert (
        main(["solve", str(scenario), "--out", str(plan_dir), "--solution-limit", "10", "--quiet", "--no-cache"]) == 0
    )
    change = tmp_path / "change.yaml"
    change.write_text(yaml.safe_dump({"changes": [{"kind": "cancel", "request": "b"}]}), encoding="utf-8")
    out = tmp_path / "new"
    base = ["replan", str(plan_dir), "--change", str(change), "--out", str(out), "--solution-limit", "5"]
    assert main(base) == 2 and not out.exists()  # which scenario, which day: not in plan.json
    assert main([*base, "--scenario", str(scenario), "--day", "mon"]) == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    served = {rid for route in plan["routes"] for stop in route["stops"] for rid in stop["pickup"]}
    assert served == {"a", "c"} and (out / "stops.csv").exists()
    assert [(t["request"], t["cause"]) for t in _changes(out)["trips"] if t["new_vehicle"] is None] == [("b", "change")]
