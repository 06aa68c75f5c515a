"""Decomposition of a day: the split, the merged plan, determinism across executors, the setting's validation."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from routing import Plan, Quantities, Scenario, SolveParams, Vehicle, VehicleType, build_matrices, load_scenario, solve
from routing.exceptions import ScenarioError
from routing.solve.decompose import part_count, split_day, sub_problem
from tests.helpers import FIXTURES, planar, req, solve_checked

#: Two towns 60 minutes apart, each with a school (the anchor) and a depot.
TOWNS = {"west": (0.0, 0.0), "east": (60.0, 0.0)}


def _day(per_town: int = 12, seed: int = 3) -> Scenario:
    """Morning trips to each town's school and afternoon trips home, a fleet at both depots.

    One request is pinned to a vehicle (``vehicles:``); one is unservable (its window closes
    before any vehicle can reach it).
    """
    rng = random.Random(seed)
    points: dict[str, tuple[float, float]] = {}
    requests = []
    for town, (x, y) in TOWNS.items():
        points[f"school_{town}"] = (x, y)
        points[f"depot_{town}"] = (x + 1, y + 1)
        for k in range(per_town):
            home = f"home_{town}_{k}"
            points[home] = (x + rng.uniform(-8, 8), y + rng.uniform(-8, 8))
            requests.append(req(f"{town}_{k}_am", home, f"school_{town}", dw=(480, 500), ride=40))
            requests.append(req(f"{town}_{k}_pm", f"school_{town}", home, pw=(900, 915), ride=40))
    requests.append(req("pinned", "home_west_0", "school_east", pw=(600, 700), ride=90, vehicles=frozenset({"w1"})))
    requests.append(req("too_early", "home_east_1", "school_west", dw=(0, 1), ride=90))
    car = VehicleType("car", Quantities.of(seats=4), profile="grid", cost_per_hour_dkk=300)
    fleet = [Vehicle(f"w{i}", "car", "depot_west", "depot_west") for i in range(1, 7)]
    fleet += [Vehicle(f"e{i}", "car", "depot_east", "depot_east") for i in range(1, 7)]
    return planar(points, requests, types=(car,), vehicles=fleet, solution_limit=3)


def _params(scenario: Scenario, **overrides: object) -> SolveParams:
    return SolveParams.of(scenario, **{"decompose": 4, "executor": "local:2", **overrides})


def _routes(plan: Plan) -> list[tuple[str, tuple[str, ...]]]:
    return [(route.vehicle, tuple(s.location for s in route.stops)) for route in plan.routes]


def test_the_split_puts_every_request_in_one_part_and_every_vehicle_in_at_most_one() -> None:
    """Tests that each free request is in exactly one part, the pinned one in the seams', and no vehicle twice."""
    day = _day()
    matrices = build_matrices(day)
    split = split_day(day, matrices, day.requests, 4)
    counts = Counter(rid for part in split.parts for rid in part.requests)
    assert set(counts.values()) == {1}
    assert set(counts) | set(split.seams) == {r.id for r in day.requests}
    assert split.seams == ("pinned",)
    vehicles = Counter(vid for part in split.parts for vid in part.vehicles)
    assert set(vehicles.values()) == {1}
    assert len(split.parts) == 4 and all(part.vehicles for part in split.parts)
    # One town's trips stay together: a part holds trips to or from one school only.
    for part in split.parts:
        schools = {v.location for rid in part.requests for v in day.request(rid).visits if "school" in v.location}
        assert len(schools) == 1


def test_a_sub_problem_holds_its_part_alone_with_its_matrices_sliced() -> None:
    """Tests that a part's scenario has its requests, vehicles and locations only, with the same travel times."""
    day = _day()
    matrices = build_matrices(day)
    part = split_day(day, matrices, day.requests, 4).parts[0]
    sub, sliced = sub_problem(day, matrices, part, "part 1")
    assert tuple(r.id for r in sub.requests) == part.requests
    assert tuple(v.id for v in sub.vehicles) == part.vehicles
    assert len(sliced.location_ids) < len(matrices.location_ids)
    for a in sliced.location_ids:
        for b in sliced.location_ids:
            assert sliced.travel_s("grid", a, b) == matrices.travel_s("grid", a, b)


def test_the_decomposed_plan_is_feasible_and_serves_every_servable_request() -> None:
    """Tests that the merged, seam-improved plan passes the checker; only the unservable request is unserved."""
    day = _day()
    plan, _ = solve_checked(day, _params(day))
    assert plan.stats.backend == "decomposed"
    assert "4 of 4 parts" in plan.stats.status
    assert [(u.request, u.code) for u in plan.unserved] == [("too_early", "infeasible")]
    assert "pinned" in plan.served_ids


def test_parts_left_without_vehicles_are_placed_by_the_seams_step() -> None:
    """Tests more parts than vehicles: the parts without any are not solved, and the seams step places their trips."""
    day = _day()
    matrices = build_matrices(day)
    split = split_day(day, matrices, day.requests, 16)
    assert any(not part.vehicles for part in split.parts)
    plan, _ = solve_checked(day, _params(day, decompose=16))
    assert [u.request for u in plan.unserved] == ["too_early"]


def test_the_decomposed_plan_is_the_same_on_the_local_pool_and_on_dask() -> None:
    """Tests that a fixed seed and solution limit give the same plan whichever executor solves the parts."""
    day = _day()
    matrices = build_matrices(day)
    local = solve(day, matrices, _params(day, seed=5))
    dask = solve(day, matrices, _params(day, seed=5, executor="dask-local:2"))
    assert _routes(local) == _routes(dask)
    assert local.stats.objective == dask.stats.objective


def test_part_count_follows_the_setting() -> None:
    """Tests off, auto (below and above its threshold) and a number of parts."""
    day = _day()
    params = SolveParams.of(day)
    assert part_count(params, 5000) == 1
    auto = replace(params, decompose="auto")
    assert part_count(auto, 4000) == 1
    assert part_count(auto, 13_500) == 14
    assert part_count(replace(params, decompose=6), 3) == 3
    assert SolveParams(decompose=False).decompose == "off"  # YAML reads an unquoted off as false


@pytest.mark.parametrize(
    ("setting", "code", "path"),
    [
        ({"decompose": "many"}, "E509", "SolveParams.decompose"),
        ({"decompose": 1}, "E509", "SolveParams.decompose"),
        ({"decompose": 100_000}, "E509", "SolveParams.decompose"),
        ({"decompose": True}, "E509", "SolveParams.decompose"),
        ({"executor": "ftp://cluster"}, "E519", "SolveParams.executor"),
        ({"executor": "local:0"}, "E519", "SolveParams.executor"),
    ],
)
def test_bad_settings_are_refused_with_their_key(setting: dict[str, object], code: str, path: str) -> None:
    """Tests the E509 and E519 problems: the key, the value and what is expected."""
    with pytest.raises(ScenarioError) as caught:
        SolveParams.from_mapping(setting)
    (problem,) = caught.value.problems
    assert (problem.code, problem.path) == (code, path)
    assert repr(next(iter(setting.values()))) in problem.cause


def test_a_bad_decompose_in_a_scenario_file_is_located(tmp_path: Path) -> None:
    """Tests that solver.decompose in a file is refused at load with the file and the key path."""
    text = (FIXTURES / "ok_small.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bad.yaml"
    bad = text.replace("solver: {time_limit_s: 30,", "solver: {decompose: sometimes, time_limit_s: 30,")
    assert bad != text
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "E509" in message and "solver.decompose" in message and "'sometimes'" in message
    assert "bad.yaml" in message


def test_solve_command_decomposes_on_request_and_refuses_a_bad_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tests ``solve --decompose 2 --executor local:2`` (a checked plan) and ``--decompose sometimes`` (E509)."""
    from cli import main

    week = str(FIXTURES / "week_small.yaml")
    out = tmp_path / "out"
    args = ["solve", week, "--day", "mon", "--out", str(out), "--no-cache", "--no-report", "--quiet"]
    assert main([*args, "--decompose", "2", "--executor", "local:2"]) == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["solve"]["backend"] == "decomposed"
    assert main([*args, "--decompose", "sometimes"]) == 2
    detail = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert detail["problems"][0]["code"] == "E509"
