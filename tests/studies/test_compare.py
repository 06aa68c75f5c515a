"""Scenario transforms (indsatser), `extends`, and `cli.py compare` outputs on a small Fredensborg week."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cli import main
from routing.exceptions import ScenarioError
from routing.fredensborg.generate import generate_week
from routing.fredensborg.transforms import apply
from routing.scenario.build import load_scenario
from routing.scenario.write import write_scenario
from tests.helpers import DEMO


@pytest.fixture(scope="module")
def week_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fred")
    data = generate_week(seed=5, scale=0.25, baseline_2021=True)
    data["solver"] = {"solution_limit": 5, "objective": "cost"}  # deterministic, fast
    write_scenario(folder / "baseline.yaml", data)
    (folder / "indsats_11.yaml").write_text(
        "extends: baseline.yaml\ntransforms: [indsats_11]\nname: indsats-11\n", encoding="utf-8"
    )
    (folder / "ev_2030.yaml").write_text(
        "extends: baseline.yaml\ntransforms: [ev_2030, indsats_2]\nname: ev-2030\n", encoding="utf-8"
    )
    return folder


def test_transforms_change_the_scenario_not_code() -> None:
    """Tests that the indsats transforms rewrite a copy of the scenario (channels, fuels, prices), not the base."""
    base = generate_week(seed=5, scale=0.25)
    moved = apply(base, ["indsats_12"])
    before = sum(
        1 for r in base["requests"] if r["area"] in (8, 9, 10) and r["channel"] == "flexkommune" and len(r["days"]) >= 2
    )
    assert before > 0 and moved["meta"]["indsats_12_moved_requests"] == before
    assert not any(
        r["area"] in (8, 9, 10) and r["channel"] == "flexkommune" and len(r["days"]) >= 2 for r in moved["requests"]
    )
    assert base["requests"] != moved["requests"]  # apply copies; the base is untouched
    assert {vt["fuel"] for vt in apply(base, ["ev_2030"])["vehicle_types"]} == {"electric"}
    ev25 = {vt["id"]: vt["fuel"] for vt in apply(base, ["ev_2025"])["vehicle_types"]}
    assert ev25["taxi"] == "electric" and ev25["liftbil"] == "diesel"
    assert apply(base, ["indsats_2"])["costing"]["channels"]["private_vognmand"]["tender_price_factor"] == 0.775
    assert apply(base, ["indsats_11"])["meta"]["planning"] == "joint"


def test_extends_resolves_and_reports_errors(week_dir: Path, tmp_path: Path) -> None:
    """Tests that extends + transforms load, and an unknown transform (E016) or an extends loop (E017) is refused."""
    s = load_scenario(week_dir / "indsats_11.yaml")
    assert s.name == "indsats-11" and s.meta["planning"] == "joint" and s.requests
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {week_dir / 'baseline.yaml'}\ntransforms: [indsats_99]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"E016 transforms\[0\]: unknown transform 'indsats_99'"):
        load_scenario(bad)
    loop = tmp_path / "loop.yaml"
    loop.write_text("extends: loop.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="E017"):
        load_scenario(loop)


def test_compare_writes_every_output(week_dir: Path, tmp_path: Path) -> None:
    """Tests that compare writes the CSV, Markdown, XLSX, parameter table and charts with every area and channel."""
    out = tmp_path / "cmp"
    files = [str(week_dir / f) for f in ("baseline.yaml", "indsats_11.yaml", "ev_2030.yaml")]
    assert main(["compare", *files, "--days", "tue", "--out", str(out), "--no-cache", "--quiet"]) == 0
    for name in (
        "comparison.csv",
        "comparison.md",
        "comparison.xlsx",
        "parameters.csv",
        "cost_per_area.png",
        "co2_per_scenario.png",
    ):
        assert (out / name).stat().st_size > 0, name
    rows = list(csv.DictReader((out / "comparison.csv").open(encoding="utf-8")))
    assert {"scenario", "area", "channel", "cost_dkk", "co2_kg", "vehicle_hours", "km", "served", "unserved"} <= set(
        rows[0]
    )
    totals = {r["scenario"]: r for r in rows if r["area"] == "total" and r["channel"] == "all"}
    assert set(totals) == {"fredensborg-week-x0.25-baseline-2021", "indsats-11", "ev-2030"}
    # Areas add up to the total; EV 2030 emits less CO2 than the diesel baseline.
    base = "fredensborg-week-x0.25-baseline-2021"
    area_sum = sum(
        float(r["cost_dkk"])
        for r in rows
        if r["scenario"] == base and r["area"] not in ("total",) and r["channel"] == "all"
    )
    assert area_sum == pytest.approx(float(totals[base]["cost_dkk"]), rel=1e-6)
    assert float(totals["ev-2030"]["co2_kg"]) < 0.5 * float(totals[base]["co2_kg"])
    assert {r["channel"] for r in rows} <= {
        "flexrute",
        "flexkommune",
        "flexhandicap",
        "private",
        "own",
        "refusion",
        "all",
    }
    params = list(csv.DictReader((out / "parameters.csv").open(encoding="utf-8")))
    assert params and all(p["source"] for p in params)
    assert any(p["source"] == f"scenario {week_dir / 'ev_2030.yaml'}" for p in params)


def test_compare_rejects_bad_days(tmp_path: Path) -> None:
    """Tests that compare refuses a day list that is not weekday codes with exit 2."""
    assert main(["compare", str(DEMO), "--days", "monday", "--out", str(tmp_path)]) == 2
