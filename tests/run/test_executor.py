"""The executors: a local pool, a Dask cluster and forked tasks give the same results, and survive a dead worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from routing.exceptions import ScenarioError
from routing.run import open_executor
from routing.run.executor import Executor
from routing.studies.comparison import evaluate
from tests.helpers import FIXTURES


def square_after_a_while(n: int) -> int:
    """A small deterministic task (top level: picklable by reference)."""
    return sum(i * i for i in range(n * 1000)) % 1_000_003


def dies_once(task: tuple[str, int]) -> int:
    """A task whose worker process dies on its first attempt (the marker file remembers the attempt)."""
    marker, n = task
    if n == 2 and not os.path.exists(marker):
        Path(marker).write_text("died once", encoding="utf-8")
        os._exit(1)
    return n * 10


def yearly_total(path: str) -> tuple[float, float, float, float]:
    """A real evaluate of a small scenario (one day, a solution limit): cost, CO2, hours and km a year."""
    result = evaluate(path, ("mon",), 30.0, None, workers=1, solution_limit=5)
    total = result.total
    return (round(total.cost_dkk, 6), round(total.co2_kg, 6), round(total.vehicle_hours, 6), round(total.km, 6))


def may_fork(_: int) -> bool:
    """Whether the task's process may start processes of its own (a daemon may not)."""
    from routing.run.fork import can_fork

    return can_fork()


def sleeps(seconds: float) -> float:
    """A task that takes its time."""
    import time

    time.sleep(seconds)
    return seconds


@pytest.fixture(scope="module", params=["local:2", "dask-local:2", "fork:2"])
def executor(request: pytest.FixtureRequest) -> Iterator[Executor[object]]:
    with open_executor(request.param) as ex:
        yield ex


def test_executors_return_every_result_once_with_its_item_index(executor: Executor[object]) -> None:
    """Tests that map yields (index, result) for every item exactly once, the same on both executors."""
    got = dict(executor.map(square_after_a_while, range(8)))
    assert got == {i: square_after_a_while(i) for i in range(8)}


def test_executors_give_the_same_evaluate_figures_as_a_plain_call(executor: Executor[object]) -> None:
    """Tests that a real evaluate (ok_small, week_small; a solution limit) gives the same figures on an executor."""
    paths = [str(FIXTURES / "ok_small.yaml"), str(FIXTURES / "week_small.yaml")]
    got = dict(executor.map(yearly_total, paths))
    assert got == {i: yearly_total(p) for i, p in enumerate(paths)}


def test_a_task_whose_worker_died_runs_again_and_every_result_comes_once(
    executor: Executor[object], tmp_path: Path
) -> None:
    """Tests that a worker killed mid-task (os._exit on the first attempt) costs a retry, not a result."""
    marker = str(tmp_path / f"died-{executor.url.replace(':', '-')}")
    got = list(executor.map(dies_once, [(marker, n) for n in range(5)]))
    assert Path(marker).exists()
    assert sorted(i for i, _ in got) == [0, 1, 2, 3, 4]
    assert dict(got) == {n: n * 10 for n in range(5)}


def test_a_task_may_fork_on_every_executor(executor: Executor[object]) -> None:
    """Tests that no executor runs tasks in daemon processes: a solve there can stop an overrunning PyVRP stage."""
    assert dict(executor.map(may_fork, range(2))) == {0: True, 1: True}


def test_after_a_stop_the_fork_executor_yields_the_running_tasks_and_starts_no_more() -> None:
    """Tests ``finishes_on_stop``: the task running at the stop is yielded, the one not started is not."""
    from routing.solve import stop

    with open_executor("fork:2") as ex:
        got = []
        try:
            for i, value in ex.map(sleeps, [0.05, 0.6, 0.05, 0.05]):
                got.append(i)
                if len(got) == 2:  # the first and the third have ended, the second still runs
                    stop.request()
        finally:
            stop.clear()
    assert got == [0, 2, 1]


@pytest.mark.parametrize("url", ["local:0", "ftp://x", "dask://nohost", "dask-local:0", "fork:0"])
def test_a_bad_executor_url_is_an_input_error(url: str) -> None:
    """Tests that an executor URL of no known form is E807 on --executor."""
    with pytest.raises(ScenarioError) as info:
        open_executor(url)
    assert [p.code for p in info.value.problems] == ["E807"]
