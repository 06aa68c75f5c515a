"""Comparison tables from a hand-built ``ScenarioResult``: rows, CSV and Markdown, numbers checked by hand."""

from __future__ import annotations

import csv
import io

from routing.costing.params import Param
from routing.costing.plan_cost import Figures
from routing.report.comparison_tables import comparison_csv, comparison_markdown, comparison_rows, parameters_csv
from routing.studies.comparison import ScenarioResult, saving_dkk


def _result(name: str, mode: str, cost: float, co2_kg: float, km: float, hours: float) -> ScenarioResult:
    """One area (7), one channel (flexrute), its roll-ups; 20 trips served and 2 unserved a year."""
    res = ScenarioResult(name, f"{name}.yaml", mode, ("tue",))
    for key in (("7", "flexrute"), ("7", "all"), ("total", "flexrute"), ("total", "all")):
        res.figures[key] = Figures(cost_dkk=cost, co2_kg=co2_kg, km=km, vehicle_hours=hours)
        res.served[key] = 20.4
        res.unserved[key] = 2.0
    res.rides_min = [10.0, 20.0, 30.0]
    res.vehicles_max = 3
    res.params["tariffs.flexrute.hour"] = Param("tariffs.flexrute.hour", 455.5, "Movia 2021")
    return res


def _pair() -> list[ScenarioResult]:
    return [
        _result("base", "silo", 1_250_000.0, 2_500.0, 123.44, 10.005),
        _result("joint", "joint", 1_000_000.456, 2_000.0, 100.0, 8.0),
    ]


def test_rows_round_and_save_against_the_first_scenario() -> None:
    """Tests the long rows: order (area cells, then totals), rounding, trips = served + unserved, saving vs first."""
    rows = comparison_rows(_pair())
    assert [(r["scenario"], r["area"], r["channel"]) for r in rows] == [
        ("base", "7", "all"),
        ("base", "7", "flexrute"),
        ("base", "total", "all"),
        ("base", "total", "flexrute"),
        ("joint", "7", "all"),
        ("joint", "7", "flexrute"),
        ("joint", "total", "all"),
        ("joint", "total", "flexrute"),
    ]
    base, joint = rows[1], rows[5]
    assert base == {
        "scenario": "base",
        "area": "7",
        "channel": "flexrute",
        "cost_dkk": 1_250_000.0,
        "co2_kg": 2_500.0,
        "vehicle_hours": 10.01,  # 10.005 -> 2 decimals (binary 10.00500000000000078 rounds up)
        "km": 123.4,
        "served": 20,
        "unserved": 2,
        "trips": 22,  # 20.4 + 2.0 rounded
        "saving_vs_first_dkk": 0.0,
    }
    assert joint["cost_dkk"] == 1_000_000.46
    assert joint["saving_vs_first_dkk"] == 249_999.54  # 1 250 000 - 1 000 000.456
    assert saving_dkk(*_pair(), ("total", "all")) == 1_250_000.0 - 1_000_000.456


def test_csv_has_the_columns_and_the_rows() -> None:
    """Tests that the CSV text is the rows under the header, as strings."""
    rows = list(csv.DictReader(io.StringIO(comparison_csv(_pair()))))
    assert len(rows) == 8
    assert rows[5]["scenario"] == "joint" and rows[5]["cost_dkk"] == "1000000.46"
    assert rows[5]["saving_vs_first_dkk"] == "249999.54" and rows[5]["trips"] == "22"


def test_markdown_tables_in_mio_kr() -> None:
    """Tests the Markdown: cost per area and total in mio kr., saving, channel totals and operations."""
    md = comparison_markdown(_pair(), "python cli.py compare a b")
    lines = md.splitlines()
    assert "Command: `python cli.py compare a b`." in lines[2]
    assert "| area | base | joint |" in lines
    assert "| 7 | 1.25 | 1.00 |" in lines
    assert "| **total** | **1.25** | **1.00** |" in lines
    assert "| saving vs first | 0.00 | 0.25 |" in lines
    assert "| flexrute | 1.25 | 1.00 |" in lines
    assert "| planning | silo | joint |" in lines
    assert "| CO2, t/year | 2.5 | 2.0 |" in lines
    assert "| km/year | 123 | 100 |" in lines
    assert "| vognløb (routes) on the busiest planned day | 3 | 3 |" in lines
    assert "| trips served/year | 20 | 20 |" in lines
    assert "| trips unserved/year | 2 | 2 |" in lines
    assert "| mean / max ride, min | 20.0 / 30.0 | 20.0 / 30.0 |" in lines
    assert not any(line.startswith("| flexkommune") for line in lines)  # channels without figures are left out


def test_parameters_csv_lists_every_parameter_with_its_source() -> None:
    """Tests one row per scenario and parameter, with value and source."""
    text = parameters_csv(_pair())
    assert text.splitlines() == [
        "scenario,parameter,value,source",
        "base,tariffs.flexrute.hour,455.5,Movia 2021",
        "joint,tariffs.flexrute.hour,455.5,Movia 2021",
    ]
