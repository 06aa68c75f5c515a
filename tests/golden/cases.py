"""The golden cases: fixed scenarios solved with a fixed seed under a solution limit, as sorted JSON.

A case's JSON holds what a change to the engine would show first: every route's stops (place,
times, who boards and leaves) and the unserved requests with their reasons. Statistics that
depend on the machine (wall time) are left out. The stored files are ``tests/golden/<case>.json``;
regenerate them with ``python -m tests.golden.update`` (or run the tests with ``UPDATE_GOLDEN=1``)
and review the diff before committing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from routing import Plan, SolveParams, build_matrices, check_plan, load_scenario, solve
from routing.model import Scenario
from tests.helpers import DEMO, ROOT

GOLDEN_DIR = Path(__file__).resolve().parent
CORDEAU_A2_16 = ROOT / "benchmarks" / "data" / "cordeau_darp" / "instances" / "a2-16.txt"
#: Generous: the solution limits end every search long before, on any machine.
TIME_LIMIT_S = 600.0


def plan_to_golden(plan: Plan) -> dict[str, object]:
    """The routes and unserved requests of a plan as plain, sorted data (no timings of the machine)."""
    routes = [
        {
            "vehicle": route.vehicle,
            "stops": [
                [s.location, s.arrival_s, s.service_start_s, s.departure_s, list(s.pickup), list(s.dropoff)]
                for s in route.stops
            ],
        }
        for route in sorted(plan.routes, key=lambda r: r.vehicle)
    ]
    unserved = sorted([u.request, u.code, u.reason] for u in plan.unserved)
    return {"routes": routes, "unserved": unserved}


def _solve_checked(scenario: Scenario, params: SolveParams) -> dict[str, object]:
    """Solve, assert the checker accepts the plan, and return its golden form."""
    matrices = build_matrices(scenario)
    plan = solve(scenario, matrices, params)
    result = check_plan(scenario, matrices, plan)
    assert result.is_feasible, "\n".join(map(str, result.violations))
    return plan_to_golden(plan)


def demo() -> dict[str, object]:
    """The embedded demo day with its own solver settings, seed 1, one worker and 20 solutions."""
    scenario = load_scenario(DEMO)
    params = SolveParams.of(scenario, seed=1, workers=1, solution_limit=20, time_limit_s=TIME_LIMIT_S)
    return _solve_checked(scenario, params)


def cordeau_a2_16() -> dict[str, object]:
    """Cordeau's a2-16 (2 vehicles, 16 requests) with the benchmark's engine settings on one worker, 100 solutions."""
    from benchmarks.readers import read_cordeau

    params = SolveParams(
        time_limit_s=TIME_LIMIT_S,
        solution_limit=100,
        seed=1,
        workers=1,
        objective="distance",
        first_solution="LOCAL_CHEAPEST_INSERTION",
    )
    return _solve_checked(read_cordeau(CORDEAU_A2_16), params)


CASES: dict[str, Callable[[], dict[str, object]]] = {"demo": demo, "cordeau_a2-16": cordeau_a2_16}


def golden_path(case: str) -> Path:
    """The stored file of a case."""
    return GOLDEN_DIR / f"{case}.json"


def dumps(data: dict[str, object]) -> str:
    """Sorted JSON with one stop (or unserved request) per line, so a diff shows which stops changed."""

    def item(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    routes = data["routes"]
    unserved = data["unserved"]
    assert isinstance(routes, list) and isinstance(unserved, list)
    lines = ["{", ' "routes": [']
    for i, route in enumerate(routes):
        stops = route["stops"]
        lines.append(f'  {{"vehicle": {item(route["vehicle"])}, "stops": [')
        lines += [f"   {item(stop)}" + ("," if j < len(stops) - 1 else "") for j, stop in enumerate(stops)]
        lines.append("  ]}" + ("," if i < len(routes) - 1 else ""))
    lines.append(" ],")
    lines.append(' "unserved": [')
    lines += [f"  {item(u)}" + ("," if k < len(unserved) - 1 else "") for k, u in enumerate(unserved)]
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"
