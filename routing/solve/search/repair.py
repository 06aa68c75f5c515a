"""Repair: make relaxed routes exact by taking requests out until every route keeps every rule.

While a route breaks a rule, the request that breaks it most is taken out: the first
occupancy breach (load, skills, enekørsel, not together, pairing), else the longest ride
over its limit in the earliest schedule that ignores ride limits. The requests taken out
are re-inserted by ``insertion``.
"""

from __future__ import annotations

from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, Vehicle
from routing.solve.search.schedule import Step, earliest_schedule, occupancy_problem


def repair(
    scenario: Scenario, matrices: MatrixSet, routes: dict[str, list[Step]]
) -> tuple[dict[str, list[Step]], list[str]]:
    """Make every route feasible by taking requests out.

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    routes
        Steps per vehicle id, possibly breaking rules.

    Returns
    -------
    tuple[dict[str, list[Step]], list[str]]
        The feasible, non-empty routes and the ids taken out.
    """
    requests = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    vehicles = {v.id: v for v in scenario.vehicles}
    removed: list[str] = []
    fixed: dict[str, list[Step]] = {}
    for vid, steps in routes.items():
        vehicle = vehicles[vid]
        steps = list(steps)
        while steps:
            victim = occupancy_problem(scenario, vehicle, steps, requests)
            if victim is None and earliest_schedule(scenario, matrices, vehicle, steps, requests, limits) is not None:
                break
            if victim is None:
                victim = _worst_ride(scenario, matrices, vehicle, steps, requests, limits)
            removed.append(victim)
            steps = [s for s in steps if s.request != victim]
        if steps:
            fixed[vid] = steps
    return fixed, removed


def _worst_ride(
    scenario: Scenario,
    matrices: MatrixSet,
    vehicle: Vehicle,
    steps: list[Step],
    requests: dict[str, Request],
    limits: dict[str, int | None],
) -> str:
    """The request whose ride most exceeds its limit in the earliest ride-free schedule (else the last one)."""
    times = earliest_schedule(scenario, matrices, vehicle, steps, requests, limits, enforce_ride=False)
    if times is None:
        return steps[-1].request
    at = {(s.request, s.kind): times[k + 1] for k, s in enumerate(steps)}
    worst, worst_excess = steps[-1].request, -1
    for s in steps:
        limit = limits.get(s.request)
        r = requests[s.request]
        if s.kind == "dropoff" and limit is not None and r.pickup is not None and (s.request, "pickup") in at:
            excess = at[(s.request, "dropoff")] - at[(s.request, "pickup")] - r.pickup.service_s - limit
            if excess > worst_excess:
                worst, worst_excess = s.request, excess
    return worst
