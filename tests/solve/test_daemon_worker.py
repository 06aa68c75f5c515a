"""A time-limited solve inside a daemon process (as on a Dask worker) plans without forking."""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

from routing import SolveParams, build_matrices, load_scenario, solve
from tests.helpers import FIXTURES


def _solve_in(conn: Connection, workers: int = 1) -> None:
    scenario = load_scenario(FIXTURES / "week_small.yaml").for_day("tue")
    params = SolveParams(time_limit_s=2.0, workers=workers, log_search=False)
    plan = solve(scenario, build_matrices(scenario), params)
    conn.send((len(plan.routes), len(plan.unserved), [u.reason for u in plan.unserved], plan.stats.status))


def test_a_time_limited_hybrid_solve_runs_in_a_daemon_process() -> None:
    """Tests the hybrid's PyVRP stage in a process that may not fork: it runs in-process and a plan comes back."""
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_solve_in, args=(send,), daemon=True)
    process.start()
    assert receive.poll(60), "no answer from the daemon process"
    routes, unserved, reasons, _ = receive.recv()
    process.join(10)
    assert process.exitcode == 0 and routes >= 1 and unserved == 0, reasons


def test_a_portfolio_in_a_daemon_process_searches_once_and_says_so() -> None:
    """Tests that two workers asked for in a process that may not fork give one search's plan, not an error."""
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_solve_in, args=(send, 2), daemon=True)
    process.start()
    assert receive.poll(60), "no answer from the daemon process"
    routes, unserved, reasons, status = receive.recv()
    process.join(10)
    assert process.exitcode == 0 and routes >= 1 and unserved == 0, reasons
    assert "one search of 2: a daemon process" in status
