"""Ruin-and-recreate large neighbourhood search over exact, ride-time-aware routes.

Each iteration removes a handful of requests (at random, or a seed request and the
ones most related to it in place and time), re-inserts them with the cheapest
feasible insertion (``insertion``, exact schedule checks), and keeps the result under
a threshold-acceptance rule whose threshold shrinks to zero by the deadline. Every
state it holds is feasible, so stopping at any moment leaves a valid plan.

Its objective is the arc cost of the routes (distance, or the per-km price of each
vehicle type) plus fixed vehicle costs; hourly costs are left to the OR-Tools polish.
"""

from __future__ import annotations

import math
import random
import time

import numpy as np

from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.solve.insertion import insert_requests
from routing.solve.params import SolveParams
from routing.solve.schedule import Step
from routing.units import COST_UNITS_PER_DKK, METRES_PER_KM

#: Threshold at the start, as a share of the current cost; it falls linearly to 0.
START_THRESHOLD = 0.01


class _Costs:
    """Arc and fixed costs of routes under the solve objective."""

    def __init__(self, scenario: Scenario, matrices: MatrixSet, params: SolveParams) -> None:
        self.scenario = scenario
        self.index = matrices.index()
        self.requests = {r.id: r for r in scenario.requests}
        self.arc: dict[str, np.ndarray] = {}
        self.fixed: dict[str, int] = {}
        for v in scenario.vehicles:
            vt = scenario.vehicle_type(v.type)
            dist = matrices.distance_m[vt.profile]
            if params.objective == "cost":
                per_m = vt.cost_per_km_dkk * COST_UNITS_PER_DKK / METRES_PER_KM
                self.arc[v.id] = dist * (1.0 + per_m)
                self.fixed[v.id] = int(round(vt.fixed_cost_dkk * COST_UNITS_PER_DKK))
            else:
                self.arc[v.id] = dist
                self.fixed[v.id] = 0

    def route(self, vid: str, steps: list[Step]) -> float:
        if not steps:
            return 0.0
        v = self.scenario.vehicle(vid)
        locs = [self.index[v.start]]
        for s in steps:
            r = self.requests[s.request]
            visit = r.pickup if s.kind == "pickup" else r.dropoff
            locs.append(self.index[visit.location])  # type: ignore[union-attr]
        locs.append(self.index[v.end])
        arc = self.arc[vid]
        return float(arc[locs[:-1], locs[1:]].sum()) + self.fixed[vid]

    def total(self, routes: dict[str, list[Step]]) -> float:
        return sum(self.route(vid, steps) for vid, steps in routes.items())


def _related(requests: list[Request], seed: Request, matrices: MatrixSet, count: int) -> list[str]:
    """The ``count`` requests most related to ``seed`` (close pickups and drop-offs, close windows)."""
    index = matrices.index()
    dur = next(iter(matrices.duration_s.values()))

    def where(r: Request) -> tuple[int, int, int]:
        first = r.pickup or r.dropoff
        return index[first.location], index[r.dropoff.location], first.effective_window.start_s

    sp, sd, st = where(seed)
    scored = []
    for r in requests:
        p, d, t = where(r)
        scored.append((int(dur[sp, p]) + int(dur[sd, d]) + abs(t - st) // 4, r.id))
    scored.sort()
    return [rid for _, rid in scored[:count]]


def improve(
    scenario: Scenario,
    matrices: MatrixSet,
    routes: dict[str, list[Step]],
    params: SolveParams,
    deadline: float,
    max_iterations: int | None = None,
) -> tuple[dict[str, list[Step]], int]:
    """Improve complete feasible ``routes`` until ``deadline`` (or ``max_iterations``); return the best routes and the iterations run."""
    rng = random.Random(params.seed)
    costs = _Costs(scenario, matrices, params)
    current = {vid: list(steps) for vid, steps in routes.items() if steps}
    current_cost = costs.total(current)
    best, best_cost = dict(current), current_cost
    served = [scenario.request(s.request) for steps in current.values() for s in steps if s.kind == "dropoff"]
    if len(served) < 2:
        return best, 0
    start = time.monotonic()
    span = max(1e-6, deadline - start) if math.isfinite(deadline) else float(max_iterations or 1)
    iterations = 0
    low, high = 2, max(3, min(20, len(served) // 4))
    while time.monotonic() < deadline and (max_iterations is None or iterations < max_iterations):
        iterations += 1
        q = rng.randint(low, high)
        if rng.random() < 0.5:
            removed = set(_related(served, rng.choice(served), matrices, q))
        else:
            removed = {r.id for r in rng.sample(served, min(q, len(served)))}
        ruined = {vid: [s for s in steps if s.request not in removed] for vid, steps in current.items()}
        order = sorted(removed, key=lambda _: rng.random())
        candidate, left = insert_requests(scenario, matrices, ruined, order, deadline, keep_order=True)
        if left:
            continue
        cost = costs.total(candidate)
        progress = ((time.monotonic() - start) if math.isfinite(deadline) else iterations) / span
        threshold = START_THRESHOLD * max(0.0, 1.0 - progress) * current_cost
        if cost < current_cost + threshold - 1e-9:
            current, current_cost = candidate, cost
            if cost < best_cost - 1e-9:
                best, best_cost = candidate, cost
    return best, iterations

