"""The Cordeau reader reads both formats, told apart by row count: the 2006 a/b sets and the 2003 'pr' set."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.harness import instance_distance, load_bks
from benchmarks.readers import DATA, FAMILIES, family, read_cordeau, read_instance
from routing import SolveParams, check_plan
from routing.model import Scenario
from tests.helpers import solve_checked

#: A pr-format file (Cordeau & Laporte 2003): header ``K 2n T Q L``, then 2n+1 rows and no end depot.
#: Three requests, two vehicles of 3 seats, T=480, L=30; request 2 carries two people.
PR_TEXT = """\
2 6 480 3 30
  0    0.000    0.000  0  0    0 1440
  1    2.000    1.000  3  1    0 1440
  2   -3.000    2.000  3  2    0 1440
  3    1.000   -4.000  3  1   60   90
  4    6.000    2.000  3 -1   30   60
  5   -5.000    6.000  3 -2   40   80
  6    3.000   -7.000  3 -1    0 1440
"""


def _shape(scenario: Scenario) -> dict[str, object]:
    vt = scenario.vehicle_types[0]
    request = scenario.requests[0]
    return {
        "vehicle_types": len(scenario.vehicle_types),
        "same_fleet": len({(v.type, v.start, v.end, v.shift) for v in scenario.vehicles}) == 1,
        "paired": all(r.pickup is not None and r.pickup.location != r.dropoff.location for r in scenario.requests),
        "ride_limited": all(r.ride.absolute_s is not None for r in scenario.requests),
        "capacity_dims": tuple(vt.capacity.as_dict()),
        "load_dims": tuple(request.load.as_dict()),
        "has_max_duration": vt.max_duration_s is not None,
    }


def test_pr_format_reads_requests_windows_ride_limit_fleet_and_duration(tmp_path: Path) -> None:
    """Tests a synthetic pr file: 3 requests paired i / n+i, K=2 vehicles of Q=3, T and L scaled, depot as end."""
    path = tmp_path / "tiny-pr.txt"
    path.write_text(PR_TEXT)
    scale = FAMILIES["cordeau"].scale
    scenario = read_cordeau(path)
    assert [r.id for r in scenario.requests] == ["1", "2", "3"]
    assert [(r.pickup.location, r.dropoff.location) for r in scenario.requests if r.pickup] == [
        ("1", "4"),
        ("2", "5"),
        ("3", "6"),
    ]
    assert [r.load.get("seats") for r in scenario.requests] == [1, 2, 1]
    third = scenario.requests[2]
    assert third.pickup is not None and (third.pickup.window.start_s, third.pickup.window.end_s) == (
        60 * scale,
        90 * scale,
    )
    assert third.pickup.service_s == 3 * scale
    assert all(r.ride.absolute_s == 30 * scale for r in scenario.requests)
    assert len(scenario.vehicles) == 2
    assert all(v.start == "0" and v.end == "0" for v in scenario.vehicles)  # no end-depot row: back to node 0
    vt = scenario.vehicle_types[0]
    assert vt.capacity.get("seats") == 3 and vt.max_duration_s == 480 * scale
    assert scenario.vehicles[0].shift.end_s == 1440 * scale
    assert {loc.id for loc in scenario.locations} == {str(i) for i in range(7)}
    assert "pr (2003)" in scenario.description


def test_pr_and_ab_files_read_to_the_same_model_shape(tmp_path: Path) -> None:
    """Tests a2-16 (a/b, 2n+2 rows, end-depot row) and a pr file read to the same kind of model."""
    path = tmp_path / "tiny-pr.txt"
    path.write_text(PR_TEXT)
    ab = read_cordeau(DATA / "cordeau_darp" / "instances" / "a2-16.txt")
    pr = read_cordeau(path)
    assert len(ab.requests) == 16 and len(ab.vehicles) == 2
    assert ab.vehicles[0].start == "0" and ab.vehicles[0].end == "33"  # a/b: the end depot is row 2n+1
    assert "a/b (2006)" in ab.description
    assert _shape(ab) == _shape(pr)
    assert ab.solver == pr.solver


def test_pr_synthetic_instance_is_solved_and_passes_the_checker(tmp_path: Path) -> None:
    """Tests the synthetic pr instance: every request served, rides within L, the checker accepts the plan."""
    path = tmp_path / "tiny-pr.txt"
    path.write_text(PR_TEXT)
    scenario = read_cordeau(path)
    plan, matrices = solve_checked(
        scenario,
        SolveParams(
            time_limit_s=60, solution_limit=50, objective="distance", first_solution="LOCAL_CHEAPEST_INSERTION"
        ),
    )
    assert not plan.unserved
    result = check_plan(scenario, matrices, plan)
    assert result.is_feasible
    assert max(t for m in result.routes for t in m.ride_times_s.values()) <= 30 * FAMILIES["cordeau"].scale
    assert all(route.stops[0].location == "0" and route.stops[-1].location == "0" for route in plan.routes)
    assert instance_distance(scenario, matrices, plan, FAMILIES["cordeau"]) > 0


def test_a_row_count_that_fits_neither_format_is_refused(tmp_path: Path) -> None:
    """Tests a file with one row too many for pr and too few for a/b: a clear error, not a silent misread."""
    path = tmp_path / "bad.txt"
    path.write_text(PR_TEXT + "  7    1.000    1.000  0  0    0 1440\n")
    with pytest.raises(ValueError, match="neither Cordeau format"):
        read_cordeau(path)


def test_the_vendored_pr_set_reads_with_its_reference_values() -> None:
    """Tests the 20 vendored pr instances: 24-144 requests, K as in the header, a reference value for each."""
    fam = family("cordeau_pr")
    assert family("pr") is fam
    files = fam.instances
    assert [f.stem for f in files] == [f"pr{i:02d}" for i in range(1, 21)]
    bks = load_bks(fam)
    sizes = []
    for f in files:
        scenario = read_instance(fam, f)
        vehicles, distance = bks[f.stem]
        assert vehicles == len(scenario.vehicles) and distance is not None and distance > 0
        sizes.append(len(scenario.requests))
    assert min(sizes) == 24 and max(sizes) == 144


def test_the_literature_optima_are_the_gap_reference_of_the_ab_set() -> None:
    """Tests load_bks for Cordeau a/b: bks_literature.csv's distances (31 of 32) over bks.csv's, K kept."""
    bks = load_bks(family("cordeau"))
    assert len(bks) == 32 and sum(1 for _, d in bks.values() if d) == 31
    assert bks["a6-72"] == (6, 916.05) and bks["a3-18"] == (3, 300.48)
    assert bks["b4-24"] == (4, None)
