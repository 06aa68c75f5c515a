"""Ruin-and-recreate large neighbourhood search over exact, ride-time-aware routes.

Each iteration removes a handful of requests (at random, or a seed request and the
ones most related to it in place and time), re-inserts them with the cheapest
feasible insertion (``insertion``, exact schedule checks), and keeps the result under
a threshold-acceptance rule whose threshold shrinks to zero by the deadline. Every
state it holds is feasible, so stopping at any moment leaves a valid plan.

Its objective is the solve's (``routing.solve.objective``): each route priced by
``Objective.route_cost`` on its earliest schedule, leaving the depot just in time for the first
stop (the same times ``hybrid`` returns, so the price the portfolio sees is the one searched).
"""

from __future__ import annotations

import random
import time

from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.solve.objective import Objective
from routing.solve.params import SolveParams
from routing.solve.search.insertion import Inserter
from routing.solve.search.schedule import Step


def route_cost(
    objective: Objective,
    scenario: Scenario,
    matrices: MatrixSet,
    vid: str,
    steps: list[Step],
    times: list[int] | None,
) -> int:
    """Price of one route on its earliest schedule ``times`` (start depot, each step, end depot).

    Parameters
    ----------
    objective
        The solve's objective.
    scenario, matrices
        The model and its matrices.
    vid
        The vehicle.
    steps
        Its visits; an empty route costs nothing.
    times
        Earliest service start per node (``schedule.earliest_schedule``); None (no schedule):
        the route is priced without its duty.

    Returns
    -------
    int
        Cost units, as ``Objective.route_price`` prices the route's visits leaving the depot just in time.
    """
    if not steps:
        return 0
    v = scenario.vehicle(vid)
    index = matrices.index()
    locs = [index[v.start]]
    for s in steps:
        r = scenario.request(s.request)
        visit = r.pickup if s.kind == "pickup" else r.dropoff
        assert visit is not None
        locs.append(index[visit.location])
    locs.append(index[v.end])
    if times is None:
        return objective.route_cost(vid, locs, 0)
    last = scenario.request(steps[-1].request)
    last_visit = last.pickup if steps[-1].kind == "pickup" else last.dropoff
    assert last_visit is not None
    dur = matrices.duration_s[scenario.vehicle_type(v.type).profile]
    leave = max(times[0], times[1] - int(dur[locs[0], locs[1]]))
    paid = objective.paid_duty_s(vid, leave, times[1], times[-2] + last_visit.service_s, times[-1])
    return objective.route_cost(vid, locs, paid)


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
    objective: Objective | None = None,
) -> tuple[dict[str, list[Step]], int]:
    """Improve complete feasible routes by ruin and recreate.

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    routes
        Steps per vehicle id, complete and feasible.
    params
        Settings: seed, objective, implied windows and the start thresholds (``pipeline``).
    deadline
        ``time.monotonic()`` value to stop at.
    max_iterations
        Stop after this many iterations (deterministic). Default: only the deadline.
    objective
        The solve's objective (default: ``Objective.of(scenario, matrices, params.objective)``).

    Returns
    -------
    tuple[dict[str, list[Step]], int]
        The best routes found and the iterations run.
    """
    rng = random.Random(params.seed)
    objective = objective or Objective.of(scenario, matrices, params.objective)
    state = Inserter(scenario, matrices, routes, objective, params.implied_windows)

    def cost_of(vid: str, steps: list[Step], times: list[int] | None) -> int:
        return route_cost(objective, scenario, matrices, vid, steps, times)

    route_costs = {vid: cost_of(vid, steps, state.schedules[vid]) for vid, steps in state.current.items()}
    current_cost = sum(route_costs.values())
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
    thresholds = params.pipeline.lns_start_thresholds
    start_threshold = thresholds[params.seed % len(thresholds)]
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
        new_cost = {vid: cost_of(vid, trial.current[vid], trial.schedules[vid]) for vid in changed}
        cost = current_cost + sum(new_cost[vid] - route_costs[vid] for vid in changed)
        progress = ((time.monotonic() - start) if by_time else iterations) / span
        threshold = start_threshold * max(0.0, 1.0 - progress) * current_cost
        if cost < current_cost + threshold - 1e-9:
            state, current_cost = trial, cost
            route_costs.update(new_cost)
            for vid in changed:
                for s in state.current[vid]:
                    owner[s.request] = vid
            if cost < best_cost - 1e-9:
                best, best_cost = state.routes(), cost
    return best, iterations
