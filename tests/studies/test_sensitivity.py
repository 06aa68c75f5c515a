"""Sensitivity sweeps: compared scenarios, one-at-a-time ranges, seed spread, break-even, their files and errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import main
from routing.exceptions import ScenarioError
from routing.scenario.extends import read_base
from routing.scenario.overrides import variant
from routing.scenario.write import write_scenario
from routing.solve import stop
from routing.studies.sensitivity import _zero
from routing.studies.sweep_file import read_sweep
from tests.helpers import FIXTURES

WEEK_SMALL = FIXTURES / "week_small.yaml"
FK = "costing.channels.flexkommune.base_per_trip"


@pytest.fixture(autouse=True)
def no_stop() -> Iterator[None]:
    stop.clear()
    yield
    stop.clear()


def _routed(folder: Path, base_per_trip: float | None = None) -> Path:
    """week_small with the Flexkommune doctor trip bought on the routes instead (as indsats 12 moves trips)."""
    keys: dict[str, object] = {"requests[4].channel": "flexrute"}
    if base_per_trip is not None:
        keys[FK] = base_per_trip
    path = folder / "routed.yaml"
    write_scenario(path, variant(read_base(WEEK_SMALL), str(WEEK_SMALL), keys), "test: the doctor trip routed")
    return path


def _sweep(folder: Path, body: str) -> Path:
    path = folder / "sens.yaml"
    head = f"schema: routing.sweep/1\nbase: {WEEK_SMALL}\ncompare: [routed.yaml]\ndays: [tue]\nsolution_limit: 3\n"
    path.write_text(head + body, encoding="utf-8")
    return path


STUDY = f"""plans: solve
sensitivity:
  change: 0.5
  seeds: [1, 2]
  parameters:
    - {FK}
    - name: flexrute_hourly
      paths:
        - costing.channels.flexrute.price_per_vehicle_hour.taxi
        - costing.channels.flexrute.price_per_vehicle_hour.liftbil
  break_even:
    scenario: routed.yaml
    path: {FK}
    values: [0, 40, 1000]
"""


def test_a_sensitivity_sweep_plans_centre_seeds_sides_and_break_even_in_every_scenario(tmp_path: Path) -> None:
    """Tests the points: centre per seed, each parameter at its own value x 0.5 and x 1.5, break-even points."""
    _routed(tmp_path, base_per_trip=60)  # the compared scenario's own price: its centre
    sweep = read_sweep(_sweep(tmp_path, STUDY))
    names = [p.name for p in sweep.points]
    assert names[:2] == ["centre-seed1@week_small.yaml", "centre-seed2@week_small.yaml"]
    by = {p.name: p for p in sweep.points}
    assert by["base_per_trip-50pct@week_small.yaml"].overrides == {FK: 40}
    assert by["base_per_trip-50pct@routed.yaml"].overrides == {FK: 30}  # its own 60, halved
    assert by["flexrute_hourly+50pct@routed.yaml"].overrides == {
        "costing.channels.flexrute.price_per_vehicle_hour.taxi": 570,
        "costing.channels.flexrute.price_per_vehicle_hour.liftbil": 705,
    }
    assert {p.seed for p in sweep.points if "centre" not in p.name} == {1}
    # The two scenarios' own values differ, so every break-even value is a point of its own in both.
    assert {n for n in names if n.startswith("base_per_trip=")} == {
        f"base_per_trip={v}@{s}" for v in (0, 40, 1000) for s in ("week_small.yaml", "routed.yaml")
    }
    assert len(names) == 2 * (2 + 4) + 2 * 3


def test_break_even_values_a_side_point_plans_already_are_not_planned_twice(tmp_path: Path) -> None:
    """Tests that a break-even value equal to the centre or a parameter's low point reuses that point."""
    _routed(tmp_path)
    sweep = read_sweep(_sweep(tmp_path, STUDY.replace("[0, 40, 1000]", "[0, 40, 80]")))
    names = {p.name for p in sweep.points}
    assert "base_per_trip=0@routed.yaml" in names
    assert not any(n.startswith(("base_per_trip=40", "base_per_trip=80")) for n in names)


def test_cli_sweep_writes_the_sensitivity_study(tmp_path: Path) -> None:
    """Tests `cli.py sweep` on a study end to end: ranges, tornado, break-even where the saving is zero."""
    _routed(tmp_path)
    out = tmp_path / "out"
    assert main(["sweep", str(_sweep(tmp_path, STUDY)), "--out", str(out), "--executor", "local:2", "--quiet"]) == 0
    data = json.loads((out / "sensitivity.json").read_text(encoding="utf-8"))
    assert data["schema"] == "routing.sensitivity/1" and data["base"] == "week_small.yaml"
    (r,) = data["ranges"]
    swings = {s["parameter"]: s for s in r["swings"]}
    # A dearer Flexkommune trip makes routing it save more; the hourly price makes the route dearer.
    assert swings["base_per_trip"]["saving_high"] > r["centre"] > swings["base_per_trip"]["saving_low"]
    assert swings["flexrute_hourly"]["saving_high"] < swings["flexrute_hourly"]["saving_low"]
    assert r["low"] <= min(r["seed_savings"]) and r["high"] >= max(r["seed_savings"])
    assert r["main_driver"] in swings and r["text"].startswith(f"{r['centre'] / 1e6:+.2f} mio kr.")
    be = data["break_even"]
    assert be["values"] == [0, 40, 80, 120, 1000]  # 80: the centre; 40, 120: the parameter's low and high
    savings = be["savings"]
    assert savings == sorted(savings)  # the saving grows with the trip's price
    # Routing one trip costs a vehicle hour: it pays only above a high trip price, found between two points.
    assert savings[0] < 0 < savings[-1] and not be["extrapolated"]
    assert 120 < be["value"] < 1000
    for name in ("tornado.png", "break_even.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (out / "sensitivity.md").read_text(encoding="utf-8")
    assert "## routed.yaml" in table and "Break-even" in table and "| base_per_trip | assumption |" in table
    with (out / "sweep.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["scenario"] for r in rows} == {"week_small.yaml", "routed.yaml"}
    assert "saving vs base" in (out / "sweep.md").read_text(encoding="utf-8")


def test_a_break_even_outside_the_planned_values_is_found_on_the_line_and_says_so() -> None:
    """Tests the zero crossing: between two values when the saving changes sign, else extrapolated."""
    assert _zero([0, 10, 20], [-5, 5, 15]) == (5.0, False)
    value, extrapolated = _zero([10, 20], [5, 15])
    assert extrapolated and value == pytest.approx(5.0)
    assert _zero([10, 20], [3, 3]) == (None, False)


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        (STUDY.replace("change: 0.5", "change: 1.5"), "E808", "sensitivity.change"),
        (STUDY.replace("seeds: [1, 2]", "seeds: [1, 1]"), "E808", "sensitivity.seeds"),
        (STUDY.replace(f"    - {FK}\n", "    - meta.x\n"), "E808", "sensitivity.parameters[0].paths"),
        (STUDY.replace(FK + "\n", "costing.channels.flexkommune.nope\n", 1), "E808", "sensitivity.parameters[0]"),
        (STUDY.replace("scenario: routed.yaml", "scenario: other.yaml"), "E808", "sensitivity.break_even.scenario"),
        (STUDY.replace("[0, 40, 1000]", "[0]"), "E808", "sensitivity.break_even.values"),
        (STUDY.replace("  change: 0.5", "  chnage: 0.5"), "E808", "sensitivity.chnage"),
        (STUDY.replace("plans: solve", "plans: cached"), "E809", "plans"),
        (STUDY + "grid: {solver.seed: [1]}\n", "E804", "grid"),
        (STUDY + "seeds: [1]\n", "E804", "seeds"),
    ],
    ids=[
        "change",
        "seeds",
        "not-costing",
        "not-in-table",
        "break-even-scenario",
        "break-even-values",
        "unknown-key",
        "plans",
        "grid-beside",
        "seeds-beside",
    ],
)
def test_bad_sensitivity_blocks_give_their_codes(tmp_path: Path, body: str, code: str, where: str) -> None:
    """Tests that each defect of a sensitivity block or compare list is reported with its code and key path."""
    _routed(tmp_path)
    with pytest.raises(ScenarioError) as info:
        read_sweep(_sweep(tmp_path, body))
    assert (code, where) in [(p.code, p.path) for p in info.value.problems], info.value.problems


def test_a_compared_file_that_does_not_exist_is_e809(tmp_path: Path) -> None:
    """Tests that compare names every missing file with its position."""
    with pytest.raises(ScenarioError) as info:
        read_sweep(_sweep(tmp_path, "grid: {solver.metaheuristic: [GUIDED_LOCAL_SEARCH]}\n"))
    assert [(p.code, p.path) for p in info.value.problems] == [("E809", "compare[0]")]


def test_stored_plans_stay_found_from_a_file_in_another_folder(tmp_path: Path) -> None:
    """Tests that a base's ``meta.plans`` is made absolute for files extending it (a sweep's points live elsewhere)."""
    base = tmp_path / "a" / "base.yaml"
    base.parent.mkdir()
    base.write_text(WEEK_SMALL.read_text(encoding="utf-8") + "meta: {plans: base_plans.json.gz}\n", encoding="utf-8")
    assert read_base(base)["meta"]["plans"] == str(tmp_path / "a" / "base_plans.json.gz")
