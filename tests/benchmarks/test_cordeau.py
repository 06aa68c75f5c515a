"""A Cordeau (2006) DARP instance solved feasibly with every ride-time limit respected."""

from __future__ import annotations

from pathlib import Path

from benchmarks.readers import FAMILIES, read_cordeau
from routing import SolveParams
from tests.helpers import solve_checked

INSTANCE = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "cordeau_darp" / "instances" / "a2-16.txt"


def test_cordeau_a2_16_is_solved_within_ride_limits_near_the_optimum() -> None:
    """Tests a2-16 (2 vehicles, 16 requests, L=30): all served, rides <= 30, distance near the optimum 294.25."""
    scenario = read_cordeau(INSTANCE)
    scale = FAMILIES["cordeau"].scale
    assert len(scenario.requests) == 16 and len(scenario.vehicles) == 2
    plan, matrices = solve_checked(
        scenario,
        SolveParams(
            time_limit_s=120, solution_limit=300, objective="distance", first_solution="LOCAL_CHEAPEST_INSERTION"
        ),
    )
    assert not plan.unserved
    from routing import check_plan

    result = check_plan(scenario, matrices, plan)
    assert max(t for m in result.routes for t in m.ride_times_s.values()) <= 30 * scale
    distance = sum(m.distance_m for m in result.routes) / scale
    assert distance <= 294.25 * 1.05  # loose quality guard; the benchmark measures the real gap
