"""Feasibility and earliest schedule of one visit sequence, for repairs and warm starts.

Times of a fixed sequence obey difference constraints only (travel and service
between consecutive visits, windows, shift, maximum duration, maximum ride time
``T_drop - T_pick - service_pick <= limit``), so a longest-path Bellman-Ford pass
decides feasibility exactly and yields the earliest schedule. Load, skills,
enekørsel and not-together are checked along the sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.limits import max_duration_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, Vehicle
from routing.solve.search.jit import kernel


@dataclass(frozen=True, slots=True)
class Step:
    """One visit of a sequence: a request's pickup or drop-off."""

    request: str
    kind: str  # "pickup" | "dropoff"


def occupancy_problem(
    scenario: Scenario, vehicle: Vehicle, steps: Sequence[Step], requests: dict[str, Request]
) -> str | None:
    """The first occupancy rule the sequence breaks (load, skills, pin, enekørsel, not together, pairing), or None."""
    vt = scenario.vehicle_type(vehicle.type)
    onboard = {r.id: r for s in steps for r in [requests[s.request]] if r.pickup is None}
    for r in onboard.values():
        if not r.skills <= vt.skills or not r.allows(vehicle.id):
            return r.id
    for s in steps:
        r = requests[s.request]
        if s.kind == "pickup":
            if not r.skills <= vt.skills or not r.allows(vehicle.id):
                return r.id
            onboard[r.id] = r
        else:
            if r.id not in onboard:
                return r.id
            del onboard[r.id]
            continue
        riders = list(onboard.values())
        for dim in r.load.dimensions:
            if sum(x.load.get(dim) for x in riders) > vt.capacity.get(dim):
                return r.id
        if len(riders) > 1 and any(x.solo for x in riders):
            return r.id
        others = [x for x in riders if x is not r]
        if any(x.id in r.not_with or r.id in x.not_with for x in others):
            return r.id
    return next(iter(onboard), None)


def earliest_schedule(
    scenario: Scenario,
    matrices: MatrixSet,
    vehicle: Vehicle,
    steps: Sequence[Step],
    requests: dict[str, Request],
    limits: dict[str, int | None],
    enforce_ride: bool = True,
) -> list[int] | None:
    """Earliest service start per node (start depot, each step, end depot), or None if no schedule fits.

    Parameters
    ----------
    enforce_ride
        Include the maximum ride times (False: windows, shift and duration only).
    """
    vt = scenario.vehicle_type(vehicle.type)
    index = matrices.index()
    dur = matrices.duration_s[vt.profile]
    locs = [vehicle.start]
    service = [0]
    lower = [vehicle.shift.start_s]
    upper = [vehicle.shift.end_s]
    position: dict[tuple[str, str], int] = {}
    for k, s in enumerate(steps, start=1):
        r = requests[s.request]
        visit = r.pickup if s.kind == "pickup" else r.dropoff
        assert visit is not None
        locs.append(visit.location)
        service.append(visit.service_s)
        window = visit.effective_window
        lower.append(window.start_s)
        upper.append(window.end_s)
        position[(s.request, s.kind)] = k
    locs.append(vehicle.end)
    service.append(0)
    lower.append(vehicle.shift.start_s)
    upper.append(vehicle.shift.end_s)
    n = len(locs)
    legs = [service[k] + int(dur[index[locs[k]], index[locs[k + 1]]]) for k in range(n - 1)]
    back: list[tuple[int, int, int]] = []
    longest = max_duration_s(scenario, vehicle)
    if longest is not None:
        back.append((n - 1, 0, -longest))
    if enforce_ride:
        for (rid, kind), k in position.items():
            limit = limits.get(rid)
            if kind == "dropoff" and limit is not None and (rid, "pickup") in position:
                p = position[(rid, "pickup")]
                back.append((k, p, -(limit + service[p])))
    return earliest_times(lower, upper, legs, back)


def earliest_times(
    lower: list[int], upper: list[int], legs: list[int], back: Sequence[tuple[int, int, int]]
) -> list[int] | None:
    """The least times ``t`` with ``lower <= t <= upper`` along a chain, or None if there are none.

    Constraints: ``t[k + 1] >= t[k] + legs[k]`` (travel and service along the sequence) and, for
    each ``(k, p, w)`` of ``back``, ``t[p] >= t[k] + w`` with ``p < k`` (maximum ride and route
    duration, as negative weights back along the chain). Solved by ``earliest_array``.

    Parameters
    ----------
    lower, upper
        Earliest and latest time per node.
    legs
        Per consecutive pair: the least time between them (one fewer than the nodes).
    back
        Edges back along the chain.

    Returns
    -------
    list[int] | None
        The earliest time per node, or None when no times fit.
    """
    ok, t = earliest_array(
        np.array(lower, dtype=np.int64),
        np.array(upper, dtype=np.int64),
        np.array(legs, dtype=np.int64),
        np.array(back, dtype=np.int64).reshape(len(back), 3),
    )
    return t.tolist() if ok else None


@kernel
def earliest_array(lower: np.ndarray, upper: np.ndarray, legs: np.ndarray, back: np.ndarray) -> tuple[bool, np.ndarray]:
    """``earliest_times`` on int64 arrays (``back``: one ``(k, p, w)`` row per edge): whether times fit, and them.

    Bellman-Ford in this edge order: each round sweeps the chain from the earliest node a back edge
    moved (nothing before it changed), then the back edges; an infeasible system exceeds an upper
    bound or never settles.
    """
    t = lower.copy()
    n = len(t)
    start = 0
    for _ in range(n + 1):
        for k in range(start, n - 1):
            x = t[k] + legs[k]
            if x > t[k + 1]:
                if x > upper[k + 1]:
                    return False, t
                t[k + 1] = x
        lowest = n
        for e in range(back.shape[0]):
            k, p = back[e, 0], back[e, 1]
            x = t[k] + back[e, 2]
            if x > t[p]:
                if x > upper[p]:
                    return False, t
                t[p] = x
                lowest = min(lowest, p)
        if lowest == n:
            return True, t
        start = lowest
    return False, t
