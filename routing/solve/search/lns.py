"""Ruin-and-recreate large neighbourhood search over exact, ride-time-aware routes.

Each iteration removes a handful of requests (at random, or a seed request and the
ones most related to it in place and time), re-inserts them with the cheapest
feasible insertion (``insertion``, exact schedule checks), and keeps the result under
a threshold-acceptance rule whose threshold shrinks to zero by the deadline. Every
state it holds is feasible, so stopping at any moment leaves a valid plan.

Its objective is the arc cost of the routes (distance, or the per-km price of each
vehicle type) plus fixed vehicle costs and, under the ``cost`` objective, the hourly price
of each route's duty (from leaving the depot for the first stop to the earliest return, or from
the first stop to the last where the deadhead is unpaid).
"""

from __future__ import annotations

import random
import time

from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.solve.objective import VehiclePrices
from routing.solve.params import SolveParams
from routing.solve.search.insertion import Inserter
from routing.solve.search.schedule import Step

#: Threshold at the start, as a share of the current cost; it falls linearly to 0. Portfolio
#: workers alternate between the two (an odd seed explores more widely).
START_THRESHOLDS = (0.01, 0.03)


class RouteCosts:
    """Arc, fixed and hourly costs of routes under the solve objective (``VehiclePrices``)."""

    def __init__(self, scenario: Scenario, matrices: MatrixSet, prices: VehiclePrices) -> None:
        self.scenario = scenario
        self.index = matrices.index()
        self.requests = {r.id: r for r in scenario.requests}
        self.duration = {v.id: matrices.duration_s[scenario.vehicle_type(v.type).profile] for v in scenario.vehicles}
        # One priced matrix per (profile, price): a day's fleet has hundreds of vehicles but a few types.
        priced: dict[tuple[str, float], object] = {}
        self.arc = {}
        for v in scenario.vehicles:
            key = (scenario.vehicle_type(v.type).profile, prices.per_m[v.id])
            if key not in priced:
                priced[key] = matrices.distance_m[key[0]] * key[1]
            self.arc[v.id] = priced[key]
        self.fixed, self.per_s, self.first_stop = prices.fixed, prices.per_s, prices.first_stop
        self.service = {r.id: (r.pickup.service_s if r.pickup else 0, r.dropoff.service_s) for r in scenario.requests}

    def route(self, vid: str, steps: list[Step], times: list[int] | None = None) -> float:
        """Cost of one route; ``times`` (its earliest schedule) adds the hourly price."""
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
        cost = float(arc[locs[:-1], locs[1:]].sum()) + self.fixed[vid]
        if self.per_s[vid] and times is not None:
            if self.first_stop[vid]:
                last = steps[-1]
                paid = times[-2] + self.service[last.request][0 if last.kind == "pickup" else 1] - times[1]
            else:
                paid = times[-1] - (times[1] - int(self.duration[vid][locs[0], locs[1]]))
            cost += self.per_s[vid] * paid
        return cost


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
    prices = VehiclePrices.of(scenario, params.objective)
    costs = RouteCosts(scenario, matrices, prices)
    state = Inserter(scenario, matrices, routes, prices)
    route_cost = {vid: costs.route(vid, steps, state.schedules[vid]) for vid, steps in state.current.items()}
    current_cost = sum(route_cost.values())
    best, best_cost = state.routes(), current_cost
    served = [scenario.request(s.request) for steps in state.current.values() for s in steps if s.kind == "dropoff"]
    if len(served) < 2:
        return best, 0
    owner = {s.request: vid for vid, steps in state.current.items() for s in steps}
    start = time.monotonic()
    # Progress (which shrinks the threshold) counts iterations when they are bounded: deterministic.
    by_time = max_iterations is None
    span = max(1e-6, deadline - start) if by_time else float(max_iterations or 1)
    iterations = 0
    low, high = 2, max(3, min(20, len(served) // 4))
    start_threshold = START_THRESHOLDS[params.seed % len(START_THRESHOLDS)]
    while time.monotonic() < deadline and (max_iterations is None or iterations < max_iterations):
        iterations += 1
        q = rng.randint(low, high)
        if rng.random() < 0.5:
            removed = set(_related(served, rng.choice(served), matrices, q))
        else:
            removed = {r.id for r in rng.sample(served, min(q, len(served)))}
        trial = state.copy()
        # Sorted before any random draw: a set of strings iterates in hash order, which differs per process.
        for vid in sorted({owner[rid] for rid in removed}):
            trial.set_route(vid, [s for s in trial.current[vid] if s.request not in removed])
        order = sorted(sorted(removed), key=lambda _: rng.random())
        if trial.insert(order, deadline, keep_order=True):
            continue
        changed = [vid for vid in trial.current if trial.current[vid] is not state.current[vid]]
        new_cost = {vid: costs.route(vid, trial.current[vid], trial.schedules[vid]) for vid in changed}
        cost = current_cost + sum(new_cost[vid] - route_cost[vid] for vid in changed)
        progress = ((time.monotonic() - start) if by_time else iterations) / span
        threshold = start_threshold * max(0.0, 1.0 - progress) * current_cost
        if cost < current_cost + threshold - 1e-9:
            state, current_cost = trial, cost
            route_cost.update(new_cost)
            for vid in changed:
                for s in state.current[vid]:
                    owner[s.request] = vid
            if cost < best_cost - 1e-9:
                best, best_cost = state.routes(), cost
    return best, iterations
