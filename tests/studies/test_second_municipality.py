"""A second municipality runs without touching code: its own area ids, tariff table and transforms.

"Nordby" is written here, in the test: three areas that are not Fredensborg's numbers ("north",
"A2", "x-9"), a tariff table with its own values and sources, a few places (lat/lon), a week of
requests and one vehicle. ``solve`` plans a day; ``compare`` prices a base and a variant that
extends it (a costing override and a transform of its own, named ``module:function``). The tariffs
make every compared figure hand-computable: Flexrute is paid a minimum of 2 hours per duty (the
one route a day is shorter), Flexkommune has no per-km part, Flexhandicap is a flat net price.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import main

ROOT = Path(__file__).resolve().parents[2]

TARIFFS = """\
# Nordby Kommune's tariff table (a test fixture: values and sources are Nordby's own).
deflator_2024_to_2021: 1.0                # assumption (Nordby prices are already at the study's level)
channels:
  flexrute:
    price_per_vehicle_hour: {taxi: 300, storvogn: 350, liftbil: 400, midibus: 450}   # sourced (Nordby contract)
    min_paid_hours_per_duty: 2.0          # sourced (Nordby route contract 2025, minimum per duty)
    price_index: 1.0                      # assumption
    admin_factor: 1.1                     # sourced (Nordby trafikselskab, administration 10 %)
    deadhead_paid: false                  # sourced (Nordby route contract 2025)
  flexkommune:
    base_per_trip: 100                    # sourced (Nordby flex price list 2025)
    per_km_direct: 0                      # sourced (same: flat price inside the municipality)
    wheelchair_multiplier: 1.5            # assumption
    admin_factor: 1.05                    # sourced (Nordby trafikselskab)
  flexhandicap:
    net_cost_per_trip: 150                # derived (Nordby budget 2025 / trips)
  private_vognmand:
    tariff_2024:                          # sourced (Nordby taxi 2025)
      alm_vogn: {start: 40, per_km: 10, per_min: 5}
      storvogn: {start: 60, per_km: 15, per_min: 6}
    seated_mix_alm_storvogn: [0.5, 0.5]   # assumption
    wheelchair_multiplier_on_storvogn: 1.3   # assumption
    tender_price_factor: 1.0              # assumption
    price_cap_per_hour_lever: null        # assumption (no cap)
  own_vehicles:
    driver_cost_per_hour: 250             # assumption
    vehicle_cost_per_km: 3.0              # assumption
    daily_fixed_cost: 0                   # assumption
  user_payment:
    day_centre_per_trip: 0                # assumption (none)
    day_centre_area: null                 # assumption (none)
  refusion:
    statens_takst: {2021: {hoej: 3.5}}    # sourced (Nordby uses the state rate)
    avg_reimbursed_trip: 20               # assumption (Nordby's average reimbursed trip)
vehicle_types:
  taxi: {diesel_l_per_100km: 6.0, ev_kwh_per_km: 0.2}       # assumption (Nordby fleet)
  liftbil: {diesel_l_per_100km: 10.0, ev_kwh_per_km: 0.3}   # assumption (Nordby fleet)
emission_factors:
  diesel_kg_co2_per_l: 2.5                # assumption (Nordby climate plan)
  petrol_kg_co2_per_l: 2.3                # assumption (same)
  hvo_kg_co2e_per_l: 0.4                  # assumption (same)
  charging_loss_factor: 1.1               # assumption
  grid_dk2_g_per_kwh_default: 50          # assumption (Nordby grid mix)
  grid_dk2_hourly_g_per_kwh: null         # assumption (no hourly profile)
"""

WEEK = ["mon", "tue", "wed", "thu", "fri"]


def _base() -> str:
    pupils = "\n".join(
        f"  - {{id: n{k}, area: north, channel: flexrute, days: {WEEK}, "
        f"pickup: {{location: home-n{k}, window: ['07:00', '08:00']}}, dropoff: {{location: school, "
        f"window: ['07:30', '08:30']}}}}"
        for k in (1, 2, 3)
    )
    return f"""\
name: nordby
description: Nordby Kommune, a small test municipality.
defaults: {{service_min: 1}}
locations:
  - {{id: depot, lat: 56.000, lon: 10.000}}
  - {{id: school, lat: 56.010, lon: 10.010, kind: school}}
  - {{id: home-n1, lat: 56.005, lon: 10.000, kind: home}}
  - {{id: home-n2, lat: 56.000, lon: 10.012, kind: home}}
  - {{id: home-n3, lat: 56.012, lon: 9.998, kind: home}}
  - {{id: home-a2, lat: 55.995, lon: 10.005, kind: home}}
  - {{id: clinic, lat: 56.020, lon: 10.020, kind: clinic}}
  - {{id: home-x9, lat: 56.008, lon: 10.015, kind: home}}
  - {{id: centre-x9, lat: 56.015, lon: 10.005, kind: day_centre}}
vehicle_types:
  - {{id: minicar, capacity: {{seats: 4}}, channel: flexrute}}
vehicles:
  - {{id: v-north, type: minicar, start: depot, shift: ['06:45', '14:00']}}
requests:
{pupils}
  - {{id: a2-out, area: A2, channel: flexkommune, days: {WEEK},
      pickup: {{location: home-a2, window: ['09:00', '10:00']}}, dropoff: {{location: clinic}}}}
  - {{id: a2-back, area: A2, channel: flexkommune, days: {WEEK},
      pickup: {{location: clinic, window: ['12:00', '13:00']}}, dropoff: {{location: home-a2}}}}
  - {{id: x9, area: x-9, channel: flexhandicap, days: {WEEK},
      pickup: {{location: home-x9, window: ['10:00', '11:00']}}, dropoff: {{location: centre-x9}}}}
solver: {{solution_limit: 5, seed: 0, workers: 1}}
costing: {{table: nordby_tariffs.yaml}}
meta:
  planning: joint
  operating_days_per_year: {{north: 200, A2: 250, x-9: 100}}
  unrouted_demand:
    x-9: {{flexhandicap_trips_per_week: 7, refusion_trips_per_week: 5}}
"""


VARIANT = """\
extends: base/nordby.yaml
transforms: ['nordby_rules:all_electric']
name: nordby-electric
costing:
  channels: {flexkommune: {base_per_trip: 120}}
"""

RULES = '''\
def all_electric(data):
    """Nordby's own transform: every vehicle electric."""
    for vt in data["vehicle_types"]:
        vt["fuel"] = "electric"
    return data
'''


@pytest.fixture
def nordby(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Nordby's files: base scenario and tariffs in base/, a variant beside, its transform module importable."""
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "nordby.yaml").write_text(_base(), encoding="utf-8")
    (tmp_path / "base" / "nordby_tariffs.yaml").write_text(TARIFFS, encoding="utf-8")
    (tmp_path / "electric.yaml").write_text(VARIANT, encoding="utf-8")
    (tmp_path / "nordby_rules.py").write_text(RULES, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("nordby_rules", None)


def test_solve_plans_a_day_of_a_municipality_with_its_own_area_ids(nordby: Path) -> None:
    """Tests that ``solve --day`` runs on Nordby and plan.json names its areas as written."""
    out = nordby / "out"
    args = ["solve", str(nordby / "base" / "nordby.yaml"), "--day", "mon", "--out", str(out)]
    assert main([*args, "--solution-limit", "5", "--no-cache", "--quiet"]) == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["area"] for r in plan["requests"]} == {
        "n1": "north",
        "n2": "north",
        "n3": "north",
        "a2-out": "A2",
        "a2-back": "A2",
        "x9": "x-9",
    }
    served = {rid for route in plan["routes"] for stop in route["stops"] for rid in stop["pickup"]}
    assert {"n1", "n2", "n3"} <= served


def test_compare_prices_a_municipality_by_its_own_tariffs_and_areas(nordby: Path) -> None:
    """Tests ``compare`` on a base and a variant that extends it: rows per Nordby area, figures from Nordby's table.

    Two planned days (mon, tue), each scaled by the area's operating days over 2:

    - north, Flexrute: one route a day, shorter than the 2-hour minimum: 2 h x 300 x 1.0 x 1.1 = 660 kr./day,
      x 200 days = 132 000;
    - A2, Flexkommune: 2 trips a day x 100 x 1.05 = 210 kr./day, x 250 days = 52 500 (variant: base 120, 63 000);
    - x-9, Flexhandicap: 1 trip a day x 150 x 100 days = 15 000, plus the counted 7 trips a week
      x 150 x 365/7 = 54 750;  x-9, refusion: 5 trips a week x 20 x 100/5 = 2 000.
    """
    out = nordby / "compare"
    scenarios = [str(nordby / "base" / "nordby.yaml"), str(nordby / "electric.yaml")]
    assert main(["compare", *scenarios, "--days", "mon,tue", "--time-limit", "10", "--out", str(out), "--quiet"]) == 0
    rows = list(csv.DictReader((out / "comparison.csv").open(encoding="utf-8")))
    cost = {(r["scenario"], r["area"], r["channel"]): float(r["cost_dkk"]) for r in rows}
    expected = {
        ("north", "flexrute"): 132_000.0,
        ("A2", "flexkommune"): 52_500.0,
        ("x-9", "flexhandicap"): 69_750.0,
        ("x-9", "refusion"): 2_000.0,
    }
    for (area, channel), dkk in expected.items():
        assert cost[("nordby", area, channel)] == pytest.approx(dkk), (area, channel)
    assert cost[("nordby", "total", "all")] == pytest.approx(sum(expected.values()))
    assert cost[("nordby-electric", "A2", "flexkommune")] == pytest.approx(63_000.0)
    assert cost[("nordby-electric", "north", "flexrute")] == pytest.approx(132_000.0)
    saving = {(r["scenario"], r["area"], r["channel"]): float(r["saving_vs_first_dkk"]) for r in rows}
    assert saving[("nordby-electric", "A2", "flexkommune")] == pytest.approx(-10_500.0)
    # Areas in the order of routing.model.area_sort_key (text ids alphabetically), the totals last.
    base_areas = [r["area"] for r in rows if r["scenario"] == "nordby"]
    assert list(dict.fromkeys(base_areas)) == ["A2", "north", "x-9", "total"]
    co2 = {(r["scenario"], r["area"], r["channel"]): float(r["co2_kg"]) for r in rows}
    assert co2[("nordby-electric", "north", "flexrute")] < co2[("nordby", "north", "flexrute")]
    markdown = (out / "comparison.md").read_text(encoding="utf-8")
    assert all(f"| {area} |" in markdown for area in ("A2", "north", "x-9"))
    params = list(csv.reader((out / "parameters.csv").open(encoding="utf-8")))
    used = {(row[0], row[1]): (row[2], row[3]) for row in params[1:]}
    assert used[("nordby", "channels.flexkommune.base_per_trip")] == (
        "100",
        "sourced (Nordby flex price list 2025)",
    )
    value, source = used[("nordby-electric", "channels.flexkommune.base_per_trip")]
    assert value == "120" and source.startswith("scenario ") and source.endswith("electric.yaml")
    assert used[("nordby-electric", "channels.flexrute.min_paid_hours_per_duty")][1].startswith("sourced (Nordby")
