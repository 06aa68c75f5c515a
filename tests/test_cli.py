"""The command line: solve writes a checked plan.json and stops.csv; check judges plans; errors exit right."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli import main
from tests.helpers import DEMO, FIXTURES, ROOT


def run(*args: str) -> int:
    """Run the command line in-process; return its exit code."""
    return main(list(args))


@pytest.fixture(scope="module")
def demo_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Solve the embedded demo once (solution limit: deterministic)."""
    out = tmp_path_factory.mktemp("demo")
    assert (
        run("solve", "--out", str(out), "--solution-limit", "40", "--time-limit", "120", "--no-cache", "--quiet") == 0
    )
    return out


def test_solve_demo_writes_plan_json_of_the_schema(demo_plan: Path) -> None:
    """Tests the routing.plan/1 contents promised by the interface."""
    plan = json.loads((demo_plan / "plan.json").read_text())
    assert plan["schema"] == "routing.plan/1"
    assert {"routes", "requests", "vehicles", "unserved", "summary"} <= plan.keys()
    stop = plan["routes"][0]["stops"][1]
    assert {"location", "lat", "lon", "arrival_s", "departure_s", "pickup", "dropoff"} <= stop.keys()
    assert {"vehicle", "stops", "distance_m", "duration_s"} <= plan["routes"][0].keys()
    request = plan["requests"][0]
    assert {"id", "pickup_window_s", "dropoff_window_s", "max_ride_s", "load", "solo", "not_with"} <= request.keys()
    assert {"id", "capacity", "shift_s"} <= plan["vehicles"][0].keys()
    assert plan["summary"]["feasible"] is True
    # Every request that can be served is served in the demo.
    assert plan["summary"]["served"] == len(plan["requests"]) and plan["unserved"] == []


def test_stops_csv_lists_every_pickup(demo_plan: Path) -> None:
    """Tests that the vognløb CSV names every request once as a pickup."""
    rows = list(csv.DictReader((demo_plan / "stops.csv").open()))
    picked = [r for row in rows for r in row["pickup"].split(";") if r]
    plan = json.loads((demo_plan / "plan.json").read_text())
    assert sorted(picked) == sorted(r["id"] for r in plan["requests"])


def test_check_accepts_the_solved_plan_and_rejects_a_tampered_one(
    demo_plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tests 'cli.py check': exit 0 for the engine's plan, 1 with the violations for a broken copy."""
    scenario = str(DEMO)
    assert run("check", scenario, str(demo_plan / "plan.json"), "--no-cache") == 0
    plan = json.loads((demo_plan / "plan.json").read_text())
    route = plan["routes"][0]
    route["stops"][1]["arrival_s"] -= 3600  # faster than the road allows
    moved = route["stops"][1]["pickup"] or route["stops"][1]["dropoff"]
    assert moved
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(plan))
    capsys.readouterr()
    assert run("check", scenario, str(tampered), "--no-cache") == 1
    assert "[travel]" in capsys.readouterr().out


def test_bad_input_exits_2_with_json_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tests that an input error exits 2 and ends stderr with a JSON line naming the problems."""
    code = run("solve", str(ROOT / "tests" / "fixtures" / "unknown_key.yaml"), "--out", str(tmp_path))
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    detail = json.loads(err[-1])
    assert detail["error"] == "input" and detail["problems"][0]["path"] == "requests[0].pickup.windw"
    assert not (tmp_path / "plan.json").exists()


def test_no_plan_within_the_time_limit_exits_3_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tests that a search ending without any plan is reported with exit 3, never written as a plan.

    The search is made to end planless by count, not by a clock too short for this machine: OR-Tools
    starts from 'all unperformed' and stops at its first solution.
    """
    data = yaml.safe_load((FIXTURES / "ok_small.yaml").read_text(encoding="utf-8"))
    data["solver"] = {"backend": "ortools", "solution_limit": 1}
    scenario = tmp_path / "planless.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    strategy = ["--first-solution", "ALL_UNPERFORMED", "--metaheuristic", "GREEDY_DESCENT"]
    code = run("solve", str(scenario), *strategy, "--out", str(tmp_path / "out"), "--no-cache")
    assert code == 3
    assert "no plan found within the time limit" in capsys.readouterr().err
    assert not (tmp_path / "out" / "plan.json").exists()


def test_unservable_request_is_listed_and_the_rest_planned(tmp_path: Path) -> None:
    """Tests that a wheelchair user with no lift vehicle is listed as unserved with the reason."""
    assert (
        run(
            "solve",
            str(ROOT / "tests" / "fixtures" / "wheelchair_without_lift_vehicle.yaml"),
            "--out",
            str(tmp_path),
            "--no-cache",
            "--quiet",
        )
        == 0
    )
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert [u["request"] for u in plan["unserved"]] == ["wheelchair"]
    assert "infeasible on its own" in plan["unserved"][0]["reason"]
    assert plan["summary"]["served"] == 1


def test_cli_runs_as_a_script(tmp_path: Path) -> None:
    """Tests the real entry point in a subprocess: its output reaches a pipe whole, its exit code the caller.

    (``run`` ends the process without Python's teardown: the buffered output must be flushed first.)
    """
    cache = tmp_path / "cache"
    args = [
        sys.executable,
        str(ROOT / "cli.py"),
        "solve",
        str(ROOT / "tests" / "fixtures" / "ok_small.yaml"),
        "--out",
        str(tmp_path / "out"),
        "--cache-dir",
        str(cache),
    ]
    for _ in range(2):  # second run loads the matrices from the cache
        done = subprocess.run(args, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert "feasible" in done.stdout and "wrote" in done.stdout.splitlines()[-1]
    assert list(cache.glob("*.npy"))
    bad = subprocess.run(args[:3] + [str(tmp_path / "missing.yaml")], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "E001" in bad.stderr and '"error": "input"' in bad.stderr


def test_generate_fredensborg_then_solve_one_day(tmp_path: Path) -> None:
    """Tests that `generate fredensborg` writes a loadable week whose `solve --day tue` plan the checker accepts."""
    week = tmp_path / "week.yaml"
    assert run("generate", "fredensborg", "--seed", "3", "--scale", "0.25", "--out", str(week), "--quiet") == 0
    assert week.read_text(encoding="utf-8").startswith(
        "# Generated by: python cli.py generate fredensborg --seed 3 --scale 0.25"
    )
    out = tmp_path / "tue"
    assert (
        run("solve", str(week), "--day", "tue", "--out", str(out), "--solution-limit", "20", "--no-cache", "--quiet")
        == 0
    )
    plan = json.loads((out / "plan.json").read_text())
    served = sum(1 for r in plan["requests"])
    assert served == plan["summary"]["requests"] and plan["summary"]["requests"] > 100
    assert plan["summary"]["served"] + plan["summary"]["unserved"] == plan["summary"]["requests"]
    assert run("check", str(week), str(out / "plan.json"), "--day", "tue", "--no-cache") == 0
    # Without --day the plan does not cover the week's other requests: check rejects it.
    assert run("check", str(week), str(out / "plan.json"), "--no-cache") == 1


def test_generate_rejects_a_bad_scale(tmp_path: Path) -> None:
    """Tests that a scale of 0 is refused as bad input (exit 2) and no file is written."""
    assert run("generate", "fredensborg", "--scale", "0", "--out", str(tmp_path / "w.yaml")) == 2
    assert not (tmp_path / "w.yaml").exists()


def test_week_writes_week_json_and_each_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tests that ``week`` on a small week writes week.json, passengers.csv and a checked plan per day."""
    out = tmp_path / "week"
    args = ["week", str(FIXTURES / "week_small.yaml"), "--out", str(out), "--solution-limit", "5", "--no-cache"]
    assert main(args) == 0
    doc = json.loads((out / "week.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "routing.week/1"
    assert list(doc["days"]) == ["mon", "tue", "wed", "thu", "fri"]
    assert doc["days"]["tue"]["per_trip"][0]["request"] == "doc-tue"
    assert {p["passenger"] for p in doc["passengers"]} == {"a", "b", "c"}
    assert all((out / day / "plan.json").exists() and (out / day / "stops.csv").exists() for day in doc["days"])
    assert "cost of consistency" in capsys.readouterr().out


def test_week_rejects_a_negative_tolerance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tests that a negative --tolerance-min exits 2 and writes nothing."""
    out = tmp_path / "week"
    assert main(["week", str(FIXTURES / "week_small.yaml"), "--out", str(out), "--tolerance-min", "-5"]) == 2
    assert "--tolerance-min" in capsys.readouterr().err
    assert not out.exists()
