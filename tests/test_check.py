"""The checker: a valid hand-made plan passes; each kind of broken plan is reported with its cause."""

from __future__ import annotations

import pytest

from routing import (
    Plan,
    Quantities,
    Route,
    Stop,
    TimeWindow,
    Unserved,
    Vehicle,
    VehicleType,
    build_matrices,
    check_plan,
)
from tests.helpers import at, planar, req

# depot (0,0) -- a (10,0) -- b (20,0) -- s (30,0); 1 unit = 1 minute.
POINTS = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0)}
TYPES = [
    VehicleType("car", Quantities.of(seats=2, wheelchairs=0), profile="grid", cost_per_hour_dkk=60, cost_per_km_dkk=0),
    VehicleType("lift", Quantities.of(seats=2, wheelchairs=1), profile="grid", skills=frozenset({"lift"})),
]
VEHICLES = [
    Vehicle("v1", "car", "depot", "depot", TimeWindow(0, at(200)), max_duration_s=at(150)),
    Vehicle("v2", "lift", "depot", "depot"),
]


def scenario(**changes: object):  # type: ignore[no-untyped-def]
    """Two passengers a→s and b→s, windows at s 35-45, ride limit 30 min."""
    requests = [
        req("r1", "a", "s", dw=(35, 45), ride=30, **changes.get("r1", {})),
        req("r2", "b", "s", dw=(35, 45), ride=30, **changes.get("r2", {})),
    ]  # type: ignore[arg-type]
    return planar(POINTS, requests, TYPES, VEHICLES)


def stop(
    loc: str, arr: float, dep: float, pick: tuple[str, ...] = (), drop: tuple[str, ...] = (), start: float | None = None
) -> Stop:
    return Stop(loc, at(arr), at(dep), None if start is None else at(start), pick, drop)


def good_route() -> Route:
    return Route(
        "v1",
        (
            stop("depot", 0, 0),
            stop("a", 10, 10, ("r1",)),
            stop("b", 20, 20, ("r2",)),
            stop("s", 30, 35, (), ("r1", "r2"), start=35),
            stop("depot", 65, 65),
        ),
    )


def causes(plan: Plan, **changes: object) -> set[str]:
    s = scenario(**changes)
    result = check_plan(s, build_matrices(s), plan)
    return {v.cause for v in result.violations}


def test_checker_accepts_a_valid_hand_made_plan() -> None:
    """Tests that a correct plan has no violations and its metrics are recomputed."""
    s = scenario()
    result = check_plan(s, build_matrices(s), Plan((good_route(),)))
    assert result.is_feasible, result.violations
    (m,) = result.routes
    assert m.distance_m == 60 * 60  # 60 minutes of travel = 60 units x scale 60
    assert m.duration_s == at(65)
    assert m.ride_times_s == {"r1": at(20), "r2": at(10)}
    assert m.num_requests == 2 and m.wait_onboard_s == at(5)  # both wait 30 -> 35 at s for its window


@pytest.mark.parametrize(
    ("route", "unserved", "expected"),
    [
        (
            Route(
                "v1",
                (
                    stop("depot", 0, 0),
                    stop("a", 5, 5, ("r1",)),
                    stop("s", 25, 35, (), ("r1",), start=35),
                    stop("depot", 65, 65),
                ),
            ),
            ("r2",),
            "travel",
        ),
        (
            Route(
                "v1",
                (
                    stop("depot", 0, 0),
                    stop("a", 10, 10, ("r1",)),
                    stop("s", 50, 50, (), ("r1",)),
                    stop("depot", 80, 80),
                ),
            ),
            ("r2",),
            "delay",
        ),
        (
            Route(
                "v1",
                (
                    stop("depot", 0, 0),
                    stop("a", 10, 10, ("r1",)),
                    stop("s", 30, 36, (), ("r1",), start=35),
                    stop("depot", 66, 60),
                ),
            ),
            ("r2",),
            "time_order",
        ),
    ],
)
def test_checker_reports_timing_violations(route: Route, unserved: tuple[str, ...], expected: str) -> None:
    """Tests that too-fast travel, a missed window and departure before arrival are reported."""
    plan = Plan((route,), tuple(Unserved(u, "test") for u in unserved))
    assert expected in causes(plan)


def test_checker_reports_shift_and_duration_violations() -> None:
    """Tests that leaving before the shift, returning after it and overlong duties are reported."""
    early = Route(
        "v1",
        (
            stop("depot", -0.0, 0),
            stop("a", 10, 10, ("r1",)),
            stop("s", 30, 35, (), ("r1",), start=35),
            stop("depot", 65, 65),
        ),
    )
    s = scenario()
    shifted = _with_shift(s, TimeWindow(at(5), at(60)))
    result = check_plan(shifted, build_matrices(shifted), Plan((early,), (Unserved("r2", "test"),)))
    assert {"shift"} <= {v.cause for v in result.violations}
    long_route = Route(
        "v1",
        (
            stop("depot", 0, 0),
            stop("a", 10, 10, ("r1",)),
            stop("s", 30, 35, (), ("r1",), start=35),
            stop("depot", 160, 160),
        ),
    )
    assert "duration" in causes(Plan((long_route,), (Unserved("r2", "test"),)))


def _with_shift(s, shift):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(s, vehicles=(replace(s.vehicles[0], shift=shift), s.vehicles[1]))


def test_checker_reports_capacity_violation() -> None:
    """Tests that more load than seats is reported as a load violation."""
    plan = Plan((good_route(),))
    assert "load" in causes(plan, r2={"load": {"seats": 2}})


def test_checker_reports_precedence_and_pairing() -> None:
    """Tests that a drop-off before its pickup and a passenger never dropped off are reported."""
    backwards = Route(
        "v1",
        (
            stop("depot", 0, 0),
            stop("s", 30, 35, (), ("r1",), start=35),
            stop("a", 55, 55, ("r1",)),
            stop("depot", 65, 65),
        ),
    )
    found = causes(Plan((backwards,), (Unserved("r2", "test"),)))
    assert {"precedence", "pairing"} <= found


def test_checker_reports_max_ride_time() -> None:
    """Tests that a ride above the limit is reported with the excess."""
    slow = Route(
        "v1",
        (
            stop("depot", 0, 0),
            stop("a", 10, 10, ("r1",)),
            stop("b", 20, 30, ("r2",)),
            stop("s", 40, 41, (), ("r1", "r2"), start=40),
            stop("depot", 71, 71),
        ),
    )
    s = scenario()
    result = check_plan(s, build_matrices(s), Plan((slow,)))
    assert result.is_feasible, result.violations  # exactly 30 min is allowed
    slower = Route(
        "v1",
        (
            stop("depot", 0, 0),
            stop("a", 10, 10, ("r1",)),
            stop("b", 20, 31, ("r2",)),
            stop("s", 41, 41, (), ("r1", "r2")),
            stop("depot", 71, 71),
        ),
    )
    result = check_plan(s, build_matrices(s), Plan((slower,)))
    assert [(v.cause, v.request, v.amount) for v in result.violations] == [("max_ride_time", "r1", at(1))]


def test_checker_reports_missing_skill() -> None:
    """Tests that a passenger needing a lift in a car without one is reported."""
    assert "skills" in causes(Plan((good_route(),)), r1={"skills": frozenset({"lift"})})


def test_checker_reports_enekoersel_and_not_together() -> None:
    """Tests that sharing the vehicle with an enekørsel passenger or a not-together partner is reported."""
    assert "solo" in causes(Plan((good_route(),)), r1={"solo": True})
    assert "not_together" in causes(Plan((good_route(),)), r2={"not_with": frozenset({"r1"})})


def test_checker_reports_coverage_problems() -> None:
    """Tests that a forgotten request, a request served and unserved, and an unknown unserved id are reported."""
    only_r1 = Route(
        "v1",
        (
            stop("depot", 0, 0),
            stop("a", 10, 10, ("r1",)),
            stop("s", 30, 35, (), ("r1",), start=35),
            stop("depot", 65, 65),
        ),
    )
    assert "coverage" in causes(Plan((only_r1,)))
    assert "coverage" in causes(Plan((good_route(),), (Unserved("r1", "test"),)))
    assert "unknown" in causes(Plan((only_r1,), (Unserved("r2", "x"), Unserved("ghost", "x"))))


def test_checker_reports_structure_and_unknown_ids() -> None:
    """Tests wrong depots, unknown vehicles and a vehicle used twice."""
    wrong_depot = Route(
        "v1",
        (stop("a", 0, 0), stop("a", 0, 0, ("r1",)), stop("s", 20, 35, (), ("r1",), start=35), stop("depot", 65, 65)),
    )
    assert "structure" in causes(Plan((wrong_depot,), (Unserved("r2", "x"),)))
    ghost = Route("v9", good_route().stops)
    assert "unknown" in causes(Plan((ghost,)))
    twice = Plan((good_route(), Route("v1", (stop("depot", 0, 0), stop("depot", 0, 0)))))
    assert "structure" in causes(twice)


def _causes_in_checker_source() -> set[str]:
    """Every cause string the checker's code passes to ``flag`` or ``Violation``."""
    import ast
    import inspect

    import routing.check

    found: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(routing.check))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first = node.args[0]
        if name in ("flag", "Violation") and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
    return found


def test_checker_causes_are_exactly_the_documented_vocabulary() -> None:
    """Tests that every cause the checker reports is in ``check.CAUSES``, and every listed cause is reported."""
    from routing.check import CAUSES

    used = _causes_in_checker_source()
    assert len(used) > 10  # the walk found the checker's calls
    assert used == set(CAUSES), (sorted(used - set(CAUSES)), sorted(set(CAUSES) - used))
    assert len(CAUSES) == len(set(CAUSES))


def test_checker_reports_no_money() -> None:
    """Tests that the checker's route metrics and summary carry no price (money is the costing layer's)."""
    from dataclasses import fields

    from routing.check import RouteMetrics

    s = scenario()
    result = check_plan(s, build_matrices(s), Plan((good_route(),)))
    assert not [f.name for f in fields(RouteMetrics) if "dkk" in f.name or "cost" in f.name]
    assert not [k for k in result.summary(Plan((good_route(),)), s) if "dkk" in k or "cost" in k]


def test_checker_imports_neither_solver_nor_costing() -> None:
    """Tests that the checker stands apart from what it checks and from money: no import of solve or costing."""
    import ast
    import inspect

    import routing.check

    imported = {
        node.module or ""
        for node in ast.walk(ast.parse(inspect.getsource(routing.check)))
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(ast.parse(inspect.getsource(routing.check)))
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "routing.model" in imported  # the walk sees the imports
    assert not [m for m in imported if m.startswith(("routing.solve", "routing.costing", "routing.report"))]
