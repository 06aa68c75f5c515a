"""Sweeps: sweep files and their errors, point scenarios, resuming, stopping, and `cli.py sweep` end to end."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import main
from routing.exceptions import ScenarioError
from routing.scenario.build import load_scenario
from routing.scenario.extends import read_base
from routing.scenario.overrides import BadOverride, variant
from routing.solve import stop
from routing.studies.comparison import evaluate
from routing.studies.sweep import run_sweep
from routing.studies.sweep_file import read_sweep
from tests.helpers import FIXTURES

WEEK_SMALL = FIXTURES / "week_small.yaml"
#: A 2 x 2 grid on week_small: a tariff (changes the invoice) and a vehicle type's hourly cost (the objective).
GRID = f"""schema: routing.sweep/1
base: {WEEK_SMALL}
days: [tue]
solution_limit: 3
grid:
  costing.channels.flexkommune.base_per_trip: [80, 60]
  vehicle_types[1].cost_per_hour_dkk: [470, 400]
"""


@pytest.fixture(autouse=True)
def no_stop() -> Iterator[None]:
    stop.clear()
    yield
    stop.clear()


def _write(folder: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "sweep.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_variant_copies_the_base_list_and_merges_costing_key_by_key() -> None:
    """Tests that vehicle_types[1].x copies the base's list with one item changed, and costing keys are merged."""
    base = read_base(WEEK_SMALL)
    point = variant(base, "week_small.yaml", {"vehicle_types[1].fuel": "electric", "costing.channels.x.y": 1})
    assert point["extends"] == "week_small.yaml"
    assert [t["id"] for t in point["vehicle_types"]] == ["taxi", "liftbus"]
    assert point["vehicle_types"][1]["fuel"] == "electric" and "fuel" not in point["vehicle_types"][0]
    assert point["costing"] == {"channels": {"x": {"y": 1}}}
    assert "fuel" not in base["vehicle_types"][1]  # the base is not changed
    with pytest.raises(BadOverride, match=r"no item \[5\]"):
        variant(base, "x", {"vehicle_types[5].fuel": "electric"})


def test_cli_sweep_plans_a_2x2_grid_and_each_point_is_an_ordinary_scenario(tmp_path: Path) -> None:
    """Tests `cli.py sweep` end to end: 4 points, their JSON, sweep.csv/.md, and a point re-run by hand agrees."""
    out = tmp_path / "out"
    assert main(["sweep", str(_write(tmp_path, GRID)), "--out", str(out), "--executor", "local:1", "--quiet"]) == 0
    names = sorted(p.stem for p in (out / "points").glob("*.json"))
    assert len(names) == 4
    rows = _rows(out)
    totals = {r["point"]: float(r["cost_dkk"]) for r in rows if r["area"] == "total" and r["channel"] == "all"}
    assert sorted(totals) == names
    assert {r["seed"] for r in rows} == {"0"}  # week_small's own seed (no seeds: given)
    cheap = [n for n in names if "base_per_trip=60" in n]
    dear = [n for n in names if "base_per_trip=80" in n]
    assert max(totals[n] for n in cheap) < min(totals[n] for n in dear)  # a cheaper per-trip tariff costs less
    table = (out / "sweep.md").read_text(encoding="utf-8")
    assert all(n in table for n in names) and "saving vs first" in table
    # The point's scenario file, evaluated by hand with its own solver block, gives the same figures.
    record = json.loads((out / "points" / f"{names[0]}.json").read_text(encoding="utf-8"))
    by_hand = evaluate(out / record["scenario"], ("tue",), None, None, replan=True)
    assert round(by_hand.total.cost_dkk, 6) == record["total"]["cost_dkk"]
    assert load_scenario(out / record["scenario"]).solver["solution_limit"] == 3


def test_a_sweep_resumes_and_plans_only_the_missing_point(tmp_path: Path) -> None:
    """Tests resume: with one point file deleted, a re-run plans that point alone and sweep.csv has no duplicates."""
    sweep = read_sweep(_write(tmp_path, GRID.replace("grid:", "seeds: [1, 2]\ngrid:")))
    out = tmp_path / "out"
    first = run_sweep(sweep, out, "local:1")
    assert (first.solved, first.reused) == (8, 0)
    assert not (out / "sweep.csv").exists()  # run_sweep writes the points; the command line writes the tables
    gone = sorted((out / "points").glob("*.json"))[2]
    gone.unlink()
    lines: list[str] = []
    out_args = ["sweep", str(sweep.path), "--out", str(out), "--executor", "local:1"]
    again = run_sweep(sweep, out, "local:1", log=lines.append)
    assert (again.solved, again.reused) == (1, 7)
    assert "8 points: 7 done already (resumed), 1 to plan" in lines[0]
    assert gone.exists()
    assert main([*out_args, "--quiet"]) == 0  # a third run: everything resumed, the tables written
    rows = _rows(out)
    keys = [(r["point"], r["area"], r["channel"]) for r in rows]
    assert len(keys) == len(set(keys)) and len({r["point"] for r in rows}) == 8
    assert {r["seed"] for r in rows} == {"1", "2"}


def test_a_stop_request_keeps_the_points_done(tmp_path: Path) -> None:
    """Tests Ctrl-C: no more points are submitted, those done keep their files, and the next run resumes."""
    sweep = read_sweep(_write(tmp_path, GRID))
    out = tmp_path / "out"

    def stop_after_first(line: str) -> None:
        if "kr./year" in line:
            stop.request()

    run = run_sweep(sweep, out, "local:1", log=stop_after_first)
    assert run.interrupted and len(run.records) == 1 and len(list((out / "points").glob("*.json"))) == 1
    stop.clear()
    resumed = run_sweep(sweep, out, "local:1")
    assert (resumed.reused, resumed.solved) == (1, 3) and resumed.is_complete


def test_a_sweep_gives_the_same_figures_on_a_local_pool_and_on_dask(tmp_path: Path) -> None:
    """Tests that the points' figures do not depend on the executor (local:1 and dask-local:2)."""
    sweep = read_sweep(_write(tmp_path, GRID))
    local = run_sweep(sweep, tmp_path / "local", "local:1").records
    dask = run_sweep(sweep, tmp_path / "dask", "dask-local:2").records
    assert [r["executor"] for r in dask] == ["dask-local:2"] * 4
    assert [(r["name"], r["figures"]) for r in local] == [(r["name"], r["figures"]) for r in dask]


def _kill_workers() -> int:
    """SIGKILL this process's worker processes: its descendants without children of their own (a Dask nanny keeps
    its worker; the local pool's forks are leaves), except multiprocessing's resource tracker. Returns how many."""
    import psutil

    killed = 0
    for child in psutil.Process().children(recursive=True):
        try:
            if child.children() or "resource_tracker" in " ".join(child.cmdline()):
                continue
            child.kill()
            killed += 1
        except psutil.NoSuchProcess:
            continue
    return killed


@pytest.mark.parametrize("url", ["local:2", "dask-local:2"])
def test_a_worker_killed_mid_sweep_costs_a_retry_and_every_point_comes_once(tmp_path: Path, url: str) -> None:
    """Tests that killing the workers while points run loses nothing: every point is written once, none twice."""
    sweep = read_sweep(_write(tmp_path, GRID.replace("grid:", "seeds: [1, 2]\ngrid:")))
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_after_first(line: str) -> None:
        if "kr./year" in line and not killed:
            killed.append(_kill_workers())

    run = run_sweep(sweep, out, url, log=kill_after_first)
    assert killed and killed[0] >= 1
    assert run.is_complete and run.solved == 8 and not run.interrupted
    assert sorted(p.name for p in (out / "points").glob("*.json")) == sorted(f"{p.name}.json" for p in sweep.points)
    assert main(["sweep", str(sweep.path), "--out", str(out), "--executor", url, "--quiet"]) == 0  # all resumed
    keys = [(r["point"], r["area"], r["channel"]) for r in _rows(out)]
    assert len(keys) == len(set(keys)) and len({k[0] for k in keys}) == 8
    clean = run_sweep(sweep, tmp_path / "clean", "local:1").records
    assert [(r["name"], r["figures"]) for r in run.records] == [(r["name"], r["figures"]) for r in clean]


@pytest.mark.parametrize("url", ["local:2", "dask-local:2"])
def test_ctrl_c_on_a_terminal_stops_a_sweep_quietly_and_the_next_run_resumes(tmp_path: Path, url: str) -> None:
    """Tests a real Ctrl-C: SIGINT to the whole process group (the workers of a LocalCluster too) after the first
    point: exit 130 within seconds, no traceback from any process, the points done kept; the same command resumes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    path = _write(tmp_path, GRID.replace("grid:", "seeds: [1, 2, 3, 4]\ngrid:"))
    out = tmp_path / "out"
    command = [sys.executable, "cli.py", "sweep", str(path), "--out", str(out), "--executor", url, "--no-cache"]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(command, cwd=root, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "kr./year" in line:
            os.killpg(proc.pid, signal.SIGINT)
            break
    signalled = time.monotonic()
    err = "".join(seen) + proc.stderr.read()
    assert proc.wait(timeout=60) == 130, err
    assert time.monotonic() - signalled < 15
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    done = len(list((out / "points").glob("*.json")))
    assert 1 <= done < 16 and "interrupted:" in err
    assert main(["sweep", str(path), "--out", str(out), "--executor", "local:2", "--quiet"]) == 0
    assert len({r["point"] for r in _rows(out)}) == 16


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (GRID + "sedes: [1]\n", "E801"),
        (GRID.replace(f"base: {WEEK_SMALL}", "base: nowhere.yaml"), "E802"),
        (GRID.replace(f"base: {WEEK_SMALL}\n", ""), "E802"),
        (GRID.replace("vehicle_types[1].cost_per_hour_dkk", "vehicle_types[1]..cost"), "E803"),
        (GRID.replace("vehicle_types[1].cost_per_hour_dkk", "vehicle_types[7].cost_per_hour_dkk"), "E803"),
        (GRID.replace("[470, 400]", "[]"), "E804"),
        (GRID.split("grid:")[0] + "grid: {}\n", "E804"),
        (GRID.replace("[470, 400]", "470"), "E805"),
        (GRID.replace("days: [tue]", "days: tue"), "E805"),
        (
            GRID.replace("days: [tue]", "days: [tue]\nseeds: [1]").replace(
                "vehicle_types[1].cost_per_hour_dkk", "solver.seed"
            ),
            "E806",
        ),
        (GRID.replace("schema: routing.sweep/1", "schema: routing.sweep/9"), "E800"),
    ],
    ids=[
        "unknown-key",
        "base-missing",
        "no-base",
        "bad-path",
        "path-not-in-base",
        "empty-list",
        "empty-grid",
        "not-a-list",
        "days-not-a-list",
        "seed-twice",
        "schema",
    ],
)
def test_bad_sweep_files_give_their_codes_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, code: str
) -> None:
    """Tests that each defect of a sweep file is its E8xx code, on stderr with the key path, and exit 2."""
    path = _write(tmp_path, text)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    detail = json.loads(err.strip().splitlines()[-1])
    assert code in [p["code"] for p in detail["problems"]], err
    assert not (tmp_path / "out" / "points").exists()


def test_read_sweep_collects_every_problem(tmp_path: Path) -> None:
    """Tests that a sweep file with several defects lists them all at once."""
    path = _write(tmp_path, "schema: routing.sweep/1\ndays: [funday]\ngrid: {a..b: 3}\n")
    with pytest.raises(ScenarioError) as info:
        read_sweep(path)
    assert sorted(p.code for p in info.value.problems) == ["E802", "E803", "E805", "E806", "E806"]
