"""Asymmetric matrices (one-way streets) end to end: solver, checker and route distances read them by direction."""

from __future__ import annotations

import numpy as np
import pytest

from routing import SolveParams, check_plan, solve
from routing.matrix import MatrixSet
from tests.helpers import MIN, planar, req

IDS = ("depot", "a", "b")
#: A one-way ring depot -> a -> b -> depot: 5 minutes (1 km) a leg with it; against it, the way round
#: (10 minutes, 2 km), so the triangle inequality holds as on real roads.
RING_S = np.array([[0, 5, 10], [10, 0, 5], [5, 10, 0]], dtype=np.int64) * MIN
RING_M = np.array([[0, 1000, 2000], [2000, 0, 1000], [1000, 2000, 0]], dtype=np.int64)


def _matrices(duration: np.ndarray, distance: np.ndarray) -> MatrixSet:
    return MatrixSet(IDS, {"grid": distance}, {"grid": duration})


@pytest.mark.parametrize("backend", ["ortools", "pyvrp", "hybrid"])
def test_solver_checker_and_distances_respect_the_direction_of_travel(backend: str) -> None:
    """Tests a plan that is feasible only with the ring's direction: the checker rejects it on the transpose."""
    scenario = planar(
        {"depot": (0, 0), "a": (1, 0), "b": (2, 0)},
        [req("r1", "a", "b", dw=(0, 12)), req("r2", "b", "depot", pw=(0, 30))],
    )
    matrices = _matrices(RING_S, RING_M)
    plan = solve(scenario, matrices, SolveParams.of(scenario, backend=backend, solution_limit=10, time_limit_s=5))
    result = check_plan(scenario, matrices, plan)
    assert result.is_feasible, result.violations
    assert plan.served_ids == {"r1", "r2"}
    (route,) = [r for r in plan.routes if r.stops]
    places = [stop.location for stop in route.stops]
    assert [p for k, p in enumerate(places) if k == 0 or p != places[k - 1]] == ["depot", "a", "b", "depot"]
    assert result.routes[0].distance_m == 3000  # three legs with the ring, never 2 km against it
    transposed = check_plan(scenario, _matrices(RING_S.T.copy(), RING_M.T.copy()), plan)
    assert not transposed.is_feasible
