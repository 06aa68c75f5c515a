"""Cheapest feasible insertion of requests into fixed routes, checked exactly.

For each request (earliest window first) every position pair in every route whose
time span can hold it is priced by added distance; candidates are then checked in
order of cost with the exact scheduler, and the first feasible one is taken. Routes
include idle vehicles (empty routes), so a request that fits nowhere else starts a
vehicle of its own when the fleet has one to spare.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, Vehicle
from routing.solve.schedule import Step, earliest_schedule, occupancy_problem
from routing.solve.tighten import tightened_windows


def _locations(vehicle: Vehicle, steps: Sequence[Step], requests: dict[str, Request]) -> list[str]:
    locs = [vehicle.start]
    for s in steps:
        visit = requests[s.request].pickup if s.kind == "pickup" else requests[s.request].dropoff
        assert visit is not None
        locs.append(visit.location)
    locs.append(vehicle.end)
    return locs


def insert_requests(
    scenario: Scenario,
    matrices: MatrixSet,
    routes: dict[str, list[Step]],
    request_ids: Sequence[str],
    deadline: float,
) -> tuple[dict[str, list[Step]], list[str]]:
    """Insert ``request_ids`` into ``routes`` (vehicle id → steps) where they fit best; return the routes and the ids left over.

    Stops early at ``deadline``; whatever is not inserted by then is returned as left over.
    """
    requests = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    windows = tightened_windows(scenario, matrices, [requests[rid] for rid in request_ids])
    index = matrices.index()
    current = {v.id: list(routes.get(v.id, [])) for v in scenario.vehicles}
    schedules = {vid: earliest_schedule(scenario, matrices, scenario.vehicle(vid), steps, requests, limits) for vid, steps in current.items()}
    left: list[str] = []

    def window_start(rid: str) -> int:
        pw, dw = windows[rid]
        return (pw or dw).start_s

    for rid in sorted(request_ids, key=window_start):
        if time.monotonic() > deadline:
            left.append(rid)
            continue
        request = requests[rid]
        pw, dw = windows[rid]
        candidates: list[tuple[int, str, int, int]] = []
        for vid, steps in current.items():
            times = schedules[vid]
            if times is None:
                continue
            vehicle = scenario.vehicle(vid)
            if not request.skills <= scenario.vehicle_type(vehicle.type).skills:
                continue
            dist = matrices.distance_m[scenario.vehicle_type(vehicle.type).profile]
            dur = matrices.duration_s[scenario.vehicle_type(vehicle.type).profile]
            locs = [index[x] for x in _locations(vehicle, steps, requests)]
            d_loc = index[request.dropoff.location]
            n = len(steps)
            if request.pickup is None:
                pick_positions: list[int | None] = [None]
            else:
                p_loc = index[request.pickup.location]
                assert pw is not None
                # Position i: between node i and node i+1 of [start, *steps, end].
                pick_positions = [i for i in range(n + 1) if times[i] + int(dur[locs[i], p_loc]) <= pw.end_s]
            for i in pick_positions:
                for j in range(0 if i is None else i, n + 1):
                    if times[j] + int(dur[locs[j], d_loc]) > dw.end_s:
                        break
                    if i is None:
                        added = int(dist[locs[j], d_loc] + dist[d_loc, locs[j + 1]] - dist[locs[j], locs[j + 1]])
                    elif i == j:
                        added = int(dist[locs[i], p_loc] + dist[p_loc, d_loc] + dist[d_loc, locs[i + 1]] - dist[locs[i], locs[i + 1]])
                    else:
                        added = int(
                            dist[locs[i], p_loc] + dist[p_loc, locs[i + 1]] - dist[locs[i], locs[i + 1]] + dist[locs[j], d_loc] + dist[d_loc, locs[j + 1]] - dist[locs[j], locs[j + 1]]
                        )
                    candidates.append((added, vid, -1 if i is None else i, j))
        candidates.sort()
        for _, vid, i, j in candidates:
            steps = current[vid]
            trial = list(steps)
            trial.insert(j, Step(rid, "dropoff"))
            if i >= 0:
                trial.insert(i, Step(rid, "pickup"))
            vehicle = scenario.vehicle(vid)
            if occupancy_problem(scenario, vehicle, trial, requests) is not None:
                continue
            times = earliest_schedule(scenario, matrices, vehicle, trial, requests, limits)
            if times is not None:
                current[vid] = trial
                schedules[vid] = times
                break
        else:
            left.append(rid)
    return {vid: steps for vid, steps in current.items() if steps}, left
