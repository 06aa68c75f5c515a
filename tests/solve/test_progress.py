"""Progress of a solve: the phases and the best objective reach a listener, and the command line's bar shows them."""

from __future__ import annotations

import pytest

from routing import SolveParams
from routing.solve.progress import listening, report
from tests.helpers import planar, req, solve_checked

POINTS = {"depot": (0, 0), "a": (4, 0), "b": (8, 1), "c": (3, 5), "s": (10, 10)}


def test_a_listener_hears_the_phases_and_a_falling_best_objective() -> None:
    """Tests that a hybrid solve reports servability, its search, insertion and improvement, with bests that fall."""
    requests = [req(r, r, "s", pw=(0, 90), ride=60) for r in ("a", "b", "c")]
    heard: list[tuple[str, int | None]] = []
    with listening(lambda phase, best: heard.append((phase, best))):
        solve_checked(planar(POINTS, requests), SolveParams(solution_limit=20, backend="hybrid"))
    phases = [p for p, _ in heard]
    assert phases[0] == "servability" and phases[1].startswith("search (hybrid, 1 worker")
    assert "repair and insert" in phases
    bests = [b for _, b in heard if b is not None]
    assert bests == sorted(bests, reverse=True)
    report("after", 1)  # nobody listens any more: nothing happens
    assert heard[-1][0] != "after"


def test_the_solve_bar_shows_elapsed_time_the_phase_and_the_best_in_kroner(capsys: pytest.CaptureFixture[str]) -> None:
    """Tests the command line's bar: it draws on stderr, names the phase, converts cost units to kr."""
    import time

    from routing.bars import solve_bar

    with solve_bar(3, disable=False, priced=True):
        report("improve", 123_400_000)
        time.sleep(0.7)
    err = capsys.readouterr().err
    assert "/3 s" in err and "improve" in err and "best 1,234 kr." in err
    with solve_bar(3, disable=True, priced=True):
        report("improve", 1)
    assert capsys.readouterr().err == ""


def _reports(best: int) -> int:
    report("improve", best)
    report("improve", best + 5)  # a worse one later does not raise the shared best
    return best


def test_forked_workers_share_their_best_objective_with_the_listener() -> None:
    """Tests that a forked worker's bests reach the parent (the lowest of all), not the parent's sink."""
    from routing.run.fork import ForkExecutor
    from routing.solve.progress import workers_best

    heard: list[tuple[str, int | None]] = []
    with listening(lambda phase, best: heard.append((phase, best))):
        assert workers_best() is None
        assert dict(ForkExecutor(2).map(_reports, [700, 500])) == {0: 700, 1: 500}
        assert workers_best() == 500
    assert heard == []  # the workers' phases stay in the workers
    assert workers_best() is None  # nobody listens any more
    assert dict(ForkExecutor(1).map(_reports, [1])) == {0: 1}  # and a worker forked then has nowhere to report
    assert workers_best() is None


def test_the_step_bar_counts_steps_and_shows_each_steps_best_from_its_workers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Tests the week and compare bar: steps counted, the running step named, a worker's best shown, reset per step."""
    import time

    from routing.bars import step_bar
    from routing.run.fork import ForkExecutor

    with step_bar(2, "day", disable=False, priced=True) as steps:
        steps.begin("mon route")
        list(ForkExecutor(1).map(_reports, [500_000_000]))
        time.sleep(0.7)
        steps.done()
        steps.begin("tue route")
        time.sleep(0.7)
        steps.done()
    err = capsys.readouterr().err
    assert "2/2" in err and "mon route best 5,000 kr." in err
    assert "tue route best" not in err  # tue's solve has reported nothing: mon's best is not carried over
    with step_bar(2, "day", disable=True, priced=True) as steps:
        steps.begin("mon")
        steps.done()
    assert capsys.readouterr().err == ""
