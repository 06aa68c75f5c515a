"""Direct proofs that a request cannot be served at all, whatever the other requests do.

A request is *servable alone* by a vehicle when that vehicle, doing nothing else,
can leave its depot, pick the passenger up, drop them off and return within
every window, the ride-time limit, its shift and maximum duration, with the
skills and room required. A request no vehicle can serve alone is infeasible on
its own; the solver never sees it, and the plan lists it with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.limits import max_duration_s, ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, Vehicle, Visit
from routing.units import format_clock


@dataclass(frozen=True, slots=True)
class Servability:
    """Which vehicles can serve a request alone, or why none can."""

    request: str
    vehicles: tuple[str, ...]
    reason: str = ""

    @property
    def is_servable(self) -> bool:
        """True when at least one vehicle can serve the request alone."""
        return bool(self.vehicles)


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:.0f} min"


@dataclass(frozen=True, slots=True)
class AloneSchedule:
    """Times of a vehicle serving one request alone: leave depot, start pickup, start drop-off, back."""

    leave_s: int
    pickup_s: int
    dropoff_s: int
    back_s: int


def alone_schedule(
    scenario: Scenario, matrices: MatrixSet, r: Request, v: Vehicle, limit: int | None
) -> AloneSchedule | str:
    """The schedule of vehicle ``v`` serving ``r`` alone, or the reason it cannot."""
    return _alone(scenario, matrices, matrices.index(), r, v, limit)


def _alone(
    scenario: Scenario, matrices: MatrixSet, index: dict[str, int], r: Request, v: Vehicle, limit: int | None
) -> AloneSchedule | str:
    """Schedule when vehicle ``v`` can serve ``r`` alone, else why not."""
    vt = scenario.vehicle_type(v.type)
    dur = matrices.duration_s[vt.profile]
    pickup = r.pickup or Visit(v.start)  # a depot delivery boards at the start depot
    start, pick, drop, end = (index[x] for x in (v.start, pickup.location, r.dropoff.location, v.end))
    to_pick, direct, to_end = int(dur[start, pick]), int(dur[pick, drop]), int(dur[drop, end])
    sp, sd = pickup.service_s, r.dropoff.service_s
    wp, wd = pickup.effective_window, r.dropoff.effective_window
    if limit is not None and direct > limit:
        return (
            f"its direct trip ({_minutes(direct)} on profile {vt.profile!r}) already exceeds "
            f"its maximum ride time ({_minutes(limit)})"
        )
    earliest_pick = max(v.shift.start_s + to_pick, wp.start_s)
    # Pick up as late as the windows and the shift allow, to keep the ride short.
    bounds = {
        f"vehicle {v.id} cannot reach the pickup before its window closes ({format_clock(wp.end_s)})": wp.end_s,
        f"the drop-off window closes ({format_clock(wd.end_s)}) before vehicle {v.id} can get there": wd.end_s
        - sp
        - direct,
        f"vehicle {v.id} cannot return to its depot before its shift ends "
        f"({format_clock(v.shift.end_s)})": v.shift.end_s - to_end - sd - direct - sp,
    }
    latest_pick = min(bounds.values())
    if latest_pick < earliest_pick:
        return next(why for why, bound in bounds.items() if bound < earliest_pick)
    drop_start = max(latest_pick + sp + direct, wd.start_s)
    ride = drop_start - latest_pick - sp
    if limit is not None and ride > limit:
        return f"the windows force a ride of {_minutes(ride)}, above the maximum ride time ({_minutes(limit)})"
    back = drop_start + sd + to_end
    if back > v.shift.end_s:
        return (
            f"waiting for the drop-off window keeps vehicle {v.id} out past its shift end "
            f"({format_clock(v.shift.end_s)})"
        )
    longest = max_duration_s(scenario, v)
    leave = max(v.shift.start_s, latest_pick - to_pick)
    if longest is not None and back - leave > longest:
        return (
            f"the trip takes vehicle {v.id} {_minutes(back - leave)}, above its maximum duration ({_minutes(longest)})"
        )
    return AloneSchedule(leave, latest_pick, drop_start, back)


def check_servability(scenario: Scenario, matrices: MatrixSet) -> dict[str, Servability]:
    """For every request, the vehicles that can serve it alone, or the reason none can.

    Parameters
    ----------
    scenario, matrices
        The model and its travel matrices.

    Returns
    -------
    dict
        Request id → ``Servability``.
    """
    index = matrices.index()
    limits = ride_limits_s(scenario, matrices)
    # Vehicles alike in type, depots, shift and duration give the same answer: check one of each.
    # Grouped once for all requests (the groups keep the fleet's order).
    groups: dict[tuple[object, ...], list[Vehicle]] = {}
    for v in scenario.vehicles:
        groups.setdefault((v.type, v.start, v.end, v.shift, max_duration_s(scenario, v)), []).append(v)
    result: dict[str, Servability] = {}
    for r in scenario.requests:
        pinned = [[v for v in g if r.allows(v.id)] for g in groups.values()] if r.vehicles else list(groups.values())
        pinned = [g for g in pinned if g]
        if not pinned:
            reason = f"it may only ride with {', '.join(sorted(r.vehicles))}, and none of them is in the fleet"
            result[r.id] = Servability(r.id, (), reason)
            continue
        skilled = [g for g in pinned if r.skills <= scenario.vehicle_type(g[0].type).skills]
        roomy = [g for g in skilled if r.load.fits_in(scenario.vehicle_type(g[0].type).capacity)]
        if not skilled:
            result[r.id] = Servability(r.id, (), f"no vehicle has the skill(s) {', '.join(sorted(r.skills))}")
            continue
        if not roomy:
            result[r.id] = Servability(
                r.id, (), f"no vehicle with the skills needed has room for the load {r.load.as_dict()}"
            )
            continue
        able: list[str] = []
        reasons: list[str] = []
        for members in roomy:
            why = _alone(scenario, matrices, index, r, members[0], limits[r.id])
            if isinstance(why, str):
                reasons.append(why)
            else:
                able.extend(v.id for v in members)
        reason = (
            ""
            if able
            else (reasons[0] if len(set(reasons)) == 1 else f"no vehicle can serve it alone; e.g. {reasons[0]}")
        )
        result[r.id] = Servability(r.id, tuple(able), reason)
    return result
