"""Interruption, output folders and internal errors: Ctrl-C keeps the best plan; nothing is half-written or shown raw.

A stop request is what SIGINT/SIGTERM become (``routing.solve.stop``); the tests send the real signal
to this process where the command line must handle it, and call ``stop.request`` where only the
solve's answer to it is under test.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest

from cli import main
from routing import SolveParams, build_matrices, load_scenario, solve
from routing.exceptions import Interrupted
from routing.files import writing_to
from routing.solve import progress, stop
from tests.helpers import DEMO


@pytest.fixture(autouse=True)
def _no_stop_left_over() -> object:
    stop.clear()
    yield
    stop.clear()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_solve_writes_the_best_plan_marked_interrupted(tmp_path: Path, signum: int) -> None:
    """Tests that SIGINT/SIGTERM during a 60-s solve, once it has a plan, stop it: exit 130, a checked plan with
    interrupted: true. (The signal follows the search's first best, not a fixed delay: a cold start on a busy
    machine can take longer than any fixed delay to the first plan.)"""
    out = tmp_path / "out"
    sent = threading.Event()
    before = signal.getsignal(signal.SIGINT)  # the default handler, or SIG_IGN when started in the background

    def signal_at_first_best(phase: str, best: int | None) -> None:
        if best is not None and not sent.is_set():
            sent.set()
            os.kill(os.getpid(), signum)

    with progress.listening(signal_at_first_best):
        argv = ["solve", str(DEMO), "--out", str(out), "--time-limit", "60", "--workers", "1", "--quiet", "--no-report"]
        code = main(argv)
    assert sent.is_set()
    assert code == 130
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["interrupted"] is True and doc["solve"]["wall_time_s"] < 10
    assert main(["check", str(DEMO), str(out / "plan.json")]) == 0  # the checker accepts what was written
    assert signal.getsignal(signal.SIGINT) is before  # the handlers are put back


def test_a_sigterm_during_a_two_worker_solve_keeps_the_best_of_the_searches(tmp_path: Path) -> None:
    """Tests the portfolio on the fork executor: SIGTERM, forwarded to both searches once one has a plan, ends
    each with its best; the command waits for them and writes a checked plan marked interrupted."""
    import time

    out = tmp_path / "out"
    sent = threading.Event()

    def signal_at_a_workers_first_best() -> None:
        deadline = time.monotonic() + 50
        while progress.workers_best() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        sent.set()
        os.kill(os.getpid(), signal.SIGTERM)

    with progress.listening(lambda phase, best: None):
        watcher = threading.Thread(target=signal_at_a_workers_first_best, daemon=True)
        watcher.start()
        argv = ["solve", str(DEMO), "--out", str(out), "--time-limit", "60", "--workers", "2", "--quiet", "--no-report"]
        code = main(argv)
        watcher.join()
    assert sent.is_set() and code == 130
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["interrupted"] is True and doc["solve"]["wall_time_s"] < 15
    assert main(["check", str(DEMO), str(out / "plan.json")]) == 0


def test_a_plan_not_interrupted_says_so() -> None:
    """Tests that an ordinary solve's plan.json carries interrupted: false."""
    from routing.report.plan_json import plan_to_dict

    scenario = load_scenario(DEMO)
    matrices = build_matrices(scenario, None)
    plan = solve(scenario, matrices, SolveParams.of(scenario, solution_limit=5))
    from routing import check_plan
    from routing.costing.vehicle_cost import price_plan_by_vehicle_types

    result = check_plan(scenario, matrices, plan)
    assert plan_to_dict(scenario, plan, result, price_plan_by_vehicle_types(scenario, result))["interrupted"] is False


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stop_before_the_search_ends_it_at_once_with_every_request_accounted_for(workers: int) -> None:
    """Tests a stop asked for before the hybrid starts (one search, or a portfolio whose searches never start): it
    returns within a second; each request is served or unserved with the stop named as the reason; the checker
    accepts the plan."""
    from routing import check_plan

    scenario = load_scenario(DEMO)
    matrices = build_matrices(scenario, None)
    stop.request()
    plan = solve(scenario, matrices, SolveParams.of(scenario, time_limit_s=30, backend="hybrid", workers=workers))
    assert plan.stats.interrupted and plan.stats.wall_time_s < 1.0
    assert check_plan(scenario, matrices, plan).is_feasible
    assert len(plan.served_ids) + len(plan.unserved) == len(scenario.requests)
    assert all("stopped (Ctrl-C)" in u.reason for u in plan.unserved if u.code == "not_placed")


def test_a_stop_before_any_plan_is_interrupted_with_nothing_to_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that a stop with no plan found yet (the search returned none) ends the solve with Interrupted."""
    import importlib

    from routing.solve.backends.base import RawSolution

    module = importlib.import_module("routing.solve.solve")
    monkeypatch.setattr(module, "_run_backends", lambda *args, **kw: ("hybrid", RawSolution(status="STOPPED")))
    scenario = load_scenario(DEMO)
    stop.request()
    with pytest.raises(Interrupted, match="before any plan was found"):
        solve(scenario, build_matrices(scenario, None), SolveParams.of(scenario, time_limit_s=30))


def test_a_second_run_on_the_same_out_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tests the output-folder lock: while one run holds --out, another is refused with E690 and writes nothing."""
    out = tmp_path / "out"
    with writing_to(out):
        assert main(["solve", str(DEMO), "--out", str(out), "--solution-limit", "5", "--quiet"]) == 2
        assert "E690" in capsys.readouterr().err
        assert not any(out.iterdir())
    assert main(["solve", str(DEMO), "--out", str(out), "--solution-limit", "5", "--quiet", "--no-report"]) == 0


def test_a_folder_made_for_a_run_that_failed_is_not_left_behind(tmp_path: Path) -> None:
    """Tests that bad input leaves no empty --out folder."""
    out = tmp_path / "never"
    assert main(["solve", str(tmp_path / "missing.yaml"), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()


def test_an_internal_error_prints_one_line_and_logs_the_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tests that a bug ends with exit 1, a one-line message naming the log, and the full trace in that log."""
    import routing.cli

    def broken(args: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(routing.cli, "_cmd_check", broken)
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(DEMO), "plan.json"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error: ZeroDivisionError: a bug" in err
    detail = json.loads(err.strip().splitlines()[-1])
    log = Path(detail["log"])
    assert log.is_absolute() or (tmp_path / log).exists()
    text = (tmp_path / log).read_text(encoding="utf-8") if not log.is_absolute() else log.read_text(encoding="utf-8")
    assert "Traceback" in text and "ZeroDivisionError: a bug" in text and "command: " in text


def test_a_signal_during_week_keeps_the_days_planned_by_then(tmp_path: Path) -> None:
    """Tests Ctrl-C during `week`: exit 130, week.json interrupted with the days done (each checked), no comparison."""
    from tests.helpers import FIXTURES

    out = tmp_path / "week"
    timer = threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        args = ["--out", str(out), "--time-limit", "200", "--method", "rolling", "--quiet"]
        code = main(["week", str(FIXTURES / "week_small.yaml"), *args])
    finally:
        timer.cancel()
    assert code == 130
    doc = json.loads((out / "week.json").read_text(encoding="utf-8"))
    assert doc["interrupted"] is True and "day_by_day" not in doc
    assert 1 <= len(doc["days"]) < 5
    last = list(doc["days"])[-1]
    assert doc["days"][last]["plan"]["interrupted"] is True
    assert all(not day["plan"]["violations"] for day in doc["days"].values())


def test_a_signal_during_compare_writes_no_partial_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tests Ctrl-C during `compare`: exit 130 within seconds, no comparison files (yearly figures need every day)."""
    out = tmp_path / "cmp"
    timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        code = main(["compare", str(DEMO), "--days", "mon,tue", "--time-limit", "60", "--out", str(out), "--quiet"])
    finally:
        timer.cancel()
    assert code == 130
    assert "a comparison's yearly figures need every day" in capsys.readouterr().err
    assert not out.exists()
