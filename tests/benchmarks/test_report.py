"""benchmarks.report compares the engine with the other solvers only at equal CPU (1 core with 1 core, 2 with 2)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks import report
from benchmarks.harness import COLUMNS, engine_params, run_family
from benchmarks.readers import family

#: Distances per run for a2-16 and a4-48 (a/b Cordeau; a4-48 has 48 requests).
DISTANCES = {
    "engine_1core": (294.25, 670.0),
    "ortools": (294.25, 680.0),
    "engine": (294.25, 668.82),
    "ortools_2cores": (294.25, 675.0),
}


def _write(results: Path, run: str, distances: tuple[float, float]) -> None:
    with (results / f"cordeau_{run}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for name, distance in zip(("a2-16", "a4-48"), distances, strict=True):
            writer.writerow(
                {
                    "instance": name,
                    "family": "cordeau",
                    "vehicles": 2,
                    "distance": f"{distance:.4f}",
                    "bks_vehicles": "",
                    "bks_distance": "",
                    "gap_pct": "",
                    "feasible": "yes",
                    "seconds": "30.0",
                }
            )


def test_rows_are_labelled_by_cores_and_compared_only_at_equal_cpu(tmp_path: Path) -> None:
    """Tests --no-run on CSVs of all four Cordeau runs: 1-core and 2-core rows, and no cross-core comparison."""
    for run, distances in DISTANCES.items():
        _write(tmp_path, run, distances)
    assert report.main(["--no-run", "--families", "cordeau", "--results", str(tmp_path)]) == 0
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| 1 | engine, 1 core (1 search) |" in text
    assert "| 2 | plain OR-Tools, best of 2 seeds in parallel (2 cores) |" in text
    one, two = text.split("At 1 core each:")[1].split("At 2 cores each:")
    assert "- engine, 1 core (1 search) vs plain OR-Tools 9.15 (registered matrix, GLS), 1 core:" in one
    assert "2 cores" not in one
    assert "- engine, 2 cores (2 parallel searches) vs plain OR-Tools, best of 2 seeds in parallel (2 cores):" in two
    assert "1 core" not in two.split("##")[0]
    # a4-48: 670 vs 680 at 1 core (-1.47 %), 668.82 vs 675 at 2 cores (-0.92 %); a2-16 equal.
    assert "(instances with ≥ 48 requests): mean distance difference -1.47 %" in one
    assert "(instances with ≥ 48 requests): mean distance difference -0.92 %" in two


def test_csvs_from_before_the_equal_cpu_rows_give_no_ratio(tmp_path: Path) -> None:
    """Tests the older CSV pair (engine on 2 cores, OR-Tools on 1): both shown, but no ratio between them."""
    _write(tmp_path, "engine", DISTANCES["engine"])
    _write(tmp_path, "ortools", DISTANCES["ortools"])
    assert report.main(["--families", "cordeau", "--results", str(tmp_path)]) == 0
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| 2 | engine, 2 cores (2 parallel searches) |" in text and "| 1 | plain OR-Tools" in text
    assert " vs " not in text
    assert "no comparison at equal CPU" in text


def test_peers_on_two_cores_run_two_seeds_and_the_default_stays_one() -> None:
    """Tests the solve settings: peers take 1 core unless given 2 (two seeds in parallel); the engine 2 by default."""
    fam = family("cordeau")
    assert engine_params(fam, "ortools", 30).workers == 1
    assert engine_params(fam, "pyvrp", 30).workers == 1
    assert engine_params(fam, "engine", 30).workers == 2
    two = engine_params(fam, "ortools", 30, workers=2)
    assert two.workers == 2 and two.backend == "ortools" and two.metaheuristic == "GUIDED_LOCAL_SEARCH"
    assert engine_params(fam, "engine", 30, workers=1).workers == 1


def test_parallel_instances_with_several_cores_each_are_refused(tmp_path: Path) -> None:
    """Tests run_family: two instances at a time cannot each fork two searches (pool workers have no children)."""
    fam = family("cordeau")
    with pytest.raises(ValueError, match="workers=1"):
        run_family(fam, fam.instances[:2], 1.0, tmp_path / "x.csv", None, "ortools", jobs=2, workers=2)


def test_instances_filter_and_runs_per_family() -> None:
    """Tests --instances (by file stem) and the runs of a family (no PyVRP or VROOM where ride times apply)."""
    fam = family("cordeau_pr")
    assert [f.stem for f in report.select(fam.instances, ["pr11", "pr01"])] == ["pr01", "pr11"]
    assert [r.name for r in report.runs_of("cordeau_pr")] == ["engine_1core", "ortools", "engine", "ortools_2cores"]
    assert [r.name for r in report.runs_of("solomon", cores=[2])] == [
        "engine",
        "ortools_2cores",
        "pyvrp_2cores",
        "vroom_2cores",
    ]


def _convergence_csv(path: Path, date: str, totals: dict[int, int]) -> None:
    lines = ["# python -m benchmarks.convergence", f"# {date}; x86_64, 2 cores"]
    lines.append("time_limit_s,workers,total_dkk,flexrute_dkk,vehicle_hours,km,unserved,wall_s")
    lines += [f"{limit},1,{total},1000000,20000,1000000,0,{limit}.4" for limit, total in totals.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_convergence_table_sets_each_limit_beside_the_earlier_curve(tmp_path: Path) -> None:
    """Tests that the convergence section shows the earlier engine's total at each limit and the change."""
    _convergence_csv(tmp_path / "convergence_tue.csv", "2026-12-03 03:00 UTC", {10: 21_000_000, 60: 20_000_000})
    assert not any("before" in line for line in report.convergence_table(tmp_path))
    _convergence_csv(tmp_path / "convergence_tue_before.csv", "2026-12-02 21:23 UTC", {10: 22_000_000})
    lines = report.convergence_table(tmp_path)
    assert any("2026-12-02 21:23 UTC" in line for line in lines)
    rows = {line.split("|")[1].strip(): line for line in lines if line.startswith("| 10 ") or line.startswith("| 60 ")}
    assert rows["10"].endswith("| 22.00 | -4.5 % |")
    assert rows["60"].endswith("| – | – |")  # no earlier row at that limit
