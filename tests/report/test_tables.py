"""The coordinator's tables: ``stops.csv`` rows for a hand-made plan, and the console summary."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from routing import Plan, Quantities, Route, Stop, Unserved, Vehicle, VehicleType, build_matrices, check_plan
from routing.costing.vehicle_cost import price_plan_by_vehicle_types
from routing.model import Scenario
from routing.report.tables import STOP_COLUMNS, stops_csv, summary_table, write_stops_csv
from tests.helpers import at, planar, req

POINTS = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0)}
LIFT = VehicleType("lift", Quantities.of(seats=3, wheelchairs=1), profile="grid", skills=frozenset({"lift"}))


def scenario() -> Scenario:
    """A walker from a and a wheelchair user from b, both to s, and an enekørsel trip; one lift vehicle."""
    requests = [
        req("walker", "a", "s", dw=(35, 45)),
        req("wheel", "b", "s", dw=(35, 45), load={"seats": 0, "wheelchairs": 1}, skills=frozenset({"lift"})),
        req("alone", "s", "depot", solo=True),
    ]
    return planar(POINTS, requests, [LIFT], [Vehicle("v1", "lift", "depot", "depot")])


def plan() -> Plan:
    """Both to s, dropped off together at 35 min; 'alone' is left unserved."""
    route = Route(
        "v1",
        (
            Stop("depot", 0, 0),
            Stop("a", at(10), at(10), at(10), ("walker",)),
            Stop("b", at(20), at(21), at(20), ("wheel",)),
            Stop("s", at(31), at(35), at(35), (), ("walker", "wheel")),
            Stop("depot", at(65), at(65)),
        ),
    )
    return Plan((route,), (Unserved("alone", "not placed within the time limit"),))


def test_stops_csv_has_one_row_per_stop_in_route_order_with_load_and_notes() -> None:
    """Tests every row of stops.csv: times as clock and seconds, who boards and leaves, who is on board, and notes."""
    rows = list(csv.DictReader(io.StringIO(stops_csv(scenario(), plan()))))
    assert tuple(rows[0]) == STOP_COLUMNS
    picked = [
        (r["vehicle"], r["stop"], r["location"], r["arrival"], r["service_start"], r["departure"])
        + (r["pickup"], r["dropoff"], r["onboard_after"], r["notes"])
        for r in rows
    ]
    assert picked == [
        ("v1", "0", "depot", "00:00", "", "00:00", "", "", "0", ""),
        ("v1", "1", "a", "00:10", "00:10", "00:10", "walker", "", "1", ""),
        ("v1", "2", "b", "00:20", "00:20", "00:21", "wheel", "", "2", "wheel: wheelchairs=1, needs lift"),
        ("v1", "3", "s", "00:31", "00:35", "00:35", "", "walker;wheel", "0", ""),
        ("v1", "4", "depot", "01:05", "", "01:05", "", "", "0", ""),
    ]
    assert [(r["lat_or_x"], r["lon_or_y"]) for r in rows[:3]] == [("0.0", "0.0"), ("10.0", "0.0"), ("20.0", "0.0")]
    assert [r["arrival_s"] for r in rows] == [str(at(m)) for m in (0, 10, 20, 31, 65)]


def test_stops_csv_of_a_plan_without_routes_is_the_header_alone() -> None:
    """Tests that a plan serving nobody writes only the header row (no route, no stop)."""
    text = stops_csv(scenario(), Plan((), tuple(Unserved(r, "none") for r in ("walker", "wheel", "alone"))))
    assert text == ",".join(STOP_COLUMNS) + "\n"


def test_write_stops_csv_writes_the_same_text(tmp_path: Path) -> None:
    """Tests that the file written is exactly the table's text, folders created as needed."""
    path = tmp_path / "out" / "stops.csv"
    write_stops_csv(path, scenario(), plan())
    assert path.read_text(encoding="utf-8") == stops_csv(scenario(), plan())


def test_summary_table_reports_service_and_lists_the_unserved_with_reasons() -> None:
    """Tests that the console summary counts served and unserved, says the checker's verdict, and lists reasons."""
    s = scenario()
    result = check_plan(s, build_matrices(s), plan())
    assert result.is_feasible, result.violations
    lines = summary_table(s, plan(), result, price_plan_by_vehicle_types(s, result)).splitlines()
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in lines if not line.startswith(" "))
    assert rows["requests served / total"] == "2 / 3" and rows["unserved"] == "1"
    assert rows["vehicles used / available"] == "1 / 1" and rows["checker"] == "feasible"
    assert lines[-1] == "  unserved alone: not placed within the time limit"
