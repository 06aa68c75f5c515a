"""CI subset of the benchmarks: a few instances per family, short limits, feasibility and a loose gap bound.

A regression that breaks feasibility or loses far more than the expected quality fails CI.
Solution limits would not make these fast and meaningful, so the bounds are loose and the
time limits short; the real measurements live in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from benchmarks.readers import DATA, family
from cli import main

CASES = [
    ("solomon", ["C101", "R101"], 3.0, 2.0),
    ("lilim", ["lc101", "lr101"], 3.0, 3.0),
    ("cordeau", ["a2-16", "b2-16"], 3.0, 2.0),
    ("homberger", ["c1_2_1", "r2_2_1"], 6.0, 5.0),
]
#: Vehicles-first families: the fleet may exceed the best known by at most this many (r2_2_1: a
#: distance search alone uses 12 vehicles, the fleet descent 4-5 of the best known 4).
HIERARCHICAL_FLEET_SLACK = {"lilim": 1, "homberger": 1}


@pytest.mark.parametrize(("name", "instances", "seconds", "max_gap"), CASES)
def test_bench_subset_is_feasible_within_a_loose_gap(
    tmp_path: Path, name: str, instances: list[str], seconds: float, max_gap: float
) -> None:
    """Tests that 'cli.py bench' solves a few instances per family feasibly, near the best known, with .sol files."""
    fam = family(name)
    files = [str(DATA / fam.folder / "instances" / f"{i}.txt") for i in instances]
    out = tmp_path / "results.csv"
    assert (
        main(
            [
                "bench",
                name,
                *files,
                "--time-limit",
                str(seconds),
                "--out",
                str(out),
                "--routes-dir",
                str(tmp_path / "sol"),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(out.open()))
    assert [r["instance"] for r in rows] == instances
    for row in rows:
        assert row["feasible"] == "yes", row
        assert float(row["gap_pct"]) <= max_gap, row
        if name in HIERARCHICAL_FLEET_SLACK:
            assert int(row["vehicles"]) <= int(row["bks_vehicles"]) + HIERARCHICAL_FLEET_SLACK[name], row
        sol = (tmp_path / "sol" / f"{row['instance']}.sol").read_text().splitlines()
        assert sol[-1].startswith("Cost ") and sol[0].startswith("Route #1: ")


def test_bks_solutions_pass_the_checker() -> None:
    """Tests the checker and readers against published routes: Solomon C101's BKS file replays feasibly at its cost."""
    from benchmarks.harness import instance_distance
    from benchmarks.readers import read_instance
    from routing import Plan, Route, Stop, build_matrices, check_plan

    fam = family("solomon")
    scenario = read_instance(fam, DATA / fam.folder / "instances" / "C101.txt")
    matrices = build_matrices(scenario)
    lines = (DATA / fam.folder / "solutions" / "C101.sol").read_text().splitlines()
    routes = []
    index = matrices.index()
    dur = matrices.duration_s["euclid"]
    requests = {r.id: r for r in scenario.requests}
    for k, line in enumerate(text for text in lines if text.startswith("Route")):
        customers = line.split(":")[1].split()
        vehicle = scenario.vehicles[k]
        stops = [Stop("0", 0, 0, None, tuple(customers))]
        t, here = 0, "0"
        for c in customers:
            arrive = t + int(dur[index[here], index[c]])
            start = max(arrive, requests[c].dropoff.window.start_s)  # type: ignore[union-attr]
            t = start + requests[c].dropoff.service_s
            stops.append(Stop(c, arrive, t, start, (), (c,)))
            here = c
        back = t + int(dur[index[here], index["0"]])
        stops.append(Stop("0", back, back))
        routes.append(Route(vehicle.id, tuple(stops)))
    plan = Plan(tuple(routes))
    assert check_plan(scenario, matrices, plan).is_feasible
    assert instance_distance(scenario, matrices, plan, fam) == pytest.approx(827.3)


def test_a_missing_optional_solver_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests that running VROOM without its package stops before any instance with the install command, rather
    than writing a row of failed instances."""
    from benchmarks.harness import run_family

    monkeypatch.setitem(sys.modules, "vroom", None)  # import vroom then raises ImportError
    fam = family("solomon")
    with pytest.raises(ImportError, match=r"pip install -e '\.\[bench\]'"):
        run_family(fam, fam.instances[:1], 1.0, tmp_path / "out.csv", None, solver="vroom")
    assert not (tmp_path / "out.csv").exists()
