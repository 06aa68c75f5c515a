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

    from routing.cli import _solve_bar

    with _solve_bar(3, disable=False, priced=True):
        report("improve", 123_400_000)
        time.sleep(0.7)
    err = capsys.readouterr().err
    assert "/3 s" in err and "improve" in err and "best 1,234 kr." in err
    with _solve_bar(3, disable=True, priced=True):
        report("improve", 1)
    assert capsys.readouterr().err == ""
