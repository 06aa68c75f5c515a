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

import numpy as np

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
    keep_order: bool = False,
) -> tuple[dict[str, list[Step]], list[str]]:
    """Insert ``request_ids`` into ``routes`` (vehicle id → steps) where they fit best; return the routes and the ids left over.

    Requests go in order of their earliest window unless ``keep_order``. Stops early at
    ``deadline``; whatever is not inserted by then is returned as left over.
    """
    requests = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    windows = tightened_windows(scenario, matrices, [requests[rid] for rid in request_ids])
    index = matrices.index()
    current = {v.id: list(routes.get(v.id, [])) for v in scenario.vehicles}
    schedules = {vid: earliest_schedule(scenario, matrices, scenario.vehicle(vid), steps, requests, limits) for vid, steps in current.items()}
    nodes = {vid: np.array([index[x] for x in _locations(scenario.vehicle(vid), steps, requests)]) for vid, steps in current.items()}
    left: list[str] = []

    def window_start(rid: str) -> int:
        pw, dw = windows[rid]
        return (pw or dw).start_s

    for rid in list(request_ids) if keep_order else sorted(request_ids, key=window_start):
        if time.monotonic() > deadline:
            left.append(rid)
            continue
        request = requests[rid]
        pw, dw = windows[rid]
        costs, owners, picks, drops, route_ids = [], [], [], [], []
        d_loc = index[request.dropoff.location]
        p_loc = index[request.pickup.location] if request.pickup is not None else None
        for vid, steps in current.items():
            times = schedules[vid]
            vehicle = scenario.vehicle(vid)
            vt = scenario.vehicle_type(vehicle.type)
            if times is None or not request.skills <= vt.skills or not request.load.fits_in(vt.capacity):
                continue
            dist, dur = matrices.distance_m[vt.profile], matrices.duration_s[vt.profile]
            loc = nodes[vid]
            t = np.asarray(times[:-1])
            here, after = loc[:-1], loc[1:]
            base = dist[here, after]
            drop_ok = t + dur[here, d_loc] <= dw.end_s
            cost_d = dist[here, d_loc] + dist[d_loc, after] - base
            if p_loc is None:
                j = np.flatnonzero(drop_ok)
                costs.append(cost_d[j])
                picks.append(np.full(len(j), -1))
                drops.append(j)
            else:
                assert pw is not None
                pick_ok = t + dur[here, p_loc] <= pw.end_s
                cost_p = dist[here, p_loc] + dist[p_loc, after] - base
                pair = cost_p[:, None] + cost_d[None, :]
                same = dist[here, p_loc] + dist[p_loc, d_loc] + dist[d_loc, after] - base
                np.fill_diagonal(pair, same)
                ok = np.triu(pick_ok[:, None] & drop_ok[None, :])
                i, j = np.nonzero(ok)
                costs.append(pair[i, j])
                picks.append(i)
                drops.append(j)
            owners.append(np.full(len(costs[-1]), len(owners)))
            route_ids.append(vid)
        placed = False
        if costs:
            all_costs = np.concatenate(costs)
            owner = np.concatenate(owners)
            pick_at = np.concatenate(picks)
            drop_at = np.concatenate(drops)
            for k in np.argsort(all_costs, kind="stable"):
                vid = route_ids[int(owner[k])]
                i, j = int(pick_at[k]), int(drop_at[k])
                trial = list(current[vid])
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
                    nodes[vid] = np.array([index[x] for x in _locations(vehicle, trial, requests)])
                    placed = True
                    break
        if not placed:
            left.append(rid)
    return {vid: steps for vid, steps in current.items() if steps}, left
