"""Adaptive ruin-and-recreate large neighbourhood search over exact, ride-time-aware routes.

After Ropke & Pisinger (2006): each iteration picks a removal operator (``removal``: random,
related, time band, worst, whole route) and a recreate operator (greedy cheapest feasible
insertion in random or window order, on the estimated costs or on noised ones; ``insertion``,
exact schedule checks) by roulette wheels whose weights follow the operators' recent scores,
removes a handful of requests, re-inserts them, takes the result to a local optimum of tail
exchanges (``tails``: two routes cut where nobody is on board swap their rests; only pairs with a
route the recreate changed are rated) and keeps it under a threshold-acceptance rule whose
threshold shrinks to zero by the deadline. Every route it builds joins a pool; at set points
the cheapest plan made of pooled routes (``recombine``, set partitioning) replaces the current
one when it beats the best. Every state it holds is feasible, so stopping at any moment leaves
a valid plan.

Its objective is the solve's (``routing.solve.objective``): each route priced by
``Objective.route_cost`` on its earliest schedule, leaving the depot just in time for the first
stop (the same times ``hybrid`` returns, so the price the portfolio sees is the one searched).
"""

from __future__ import annotations

import random
import time
from collections import ChainMap
from collections.abc import Callable, Sequence

import numpy as np

from routing.matrix.provider import MatrixSet
from routing.model import Scenario
from routing.solve.objective import Objective
from routing.solve.params import SolveParams
from routing.solve.progress import report
from routing.solve.search import removal
from routing.solve.search.insertion import Inserter
from routing.solve.search.recombine import RoutePool
from routing.solve.search.removal import Relatedness, RemovalContext
from routing.solve.search.schedule import Step
from routing.solve.search.tails import TailCache, exchange_tails
from routing.solve.stop import past


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
    return RoutePricer(objective, scenario, matrices, [s.request for s in steps])(vid, steps, times)


class RoutePricer:
    """``route_cost`` with the lookups of visits and vehicles done once (a search prices thousands of routes).

    Parameters
    ----------
    objective, scenario, matrices
        As ``route_cost``.
    request_ids
        The requests it will price (default: all).
    """

    def __init__(
        self, objective: Objective, scenario: Scenario, matrices: MatrixSet, request_ids: Sequence[str] | None = None
    ) -> None:
        self.objective = objective
        self.scenario = scenario
        self.matrices = matrices
        self.index = index = matrices.index()
        requests = scenario.requests if request_ids is None else [scenario.request(rid) for rid in request_ids]
        #: (request id, kind) -> matrix index and service time of the visit.
        self.visits: dict[tuple[str, str], tuple[int, int]] = {}
        for r in requests:
            for kind, visit in (("pickup", r.pickup), ("dropoff", r.dropoff)):
                if visit is not None:
                    self.visits[(r.id, kind)] = (index[visit.location], visit.service_s)
        self.depots: dict[str, tuple[int, int, np.ndarray]] = {}

    def _depots(self, vid: str) -> tuple[int, int, np.ndarray]:
        """The vehicle's start and end depot (matrix index) and duration matrix."""
        known = self.depots.get(vid)
        if known is None:
            v = self.scenario.vehicle(vid)
            profile = self.scenario.vehicle_type(v.type).profile
            known = self.depots[vid] = (self.index[v.start], self.index[v.end], self.matrices.duration_s[profile])
        return known

    def __call__(self, vid: str, steps: list[Step], times: list[int] | None) -> int:
        """The price of one route (``route_cost``)."""
        if not steps:
            return 0
        start, end, dur = self._depots(vid)
        visits = [self.visits[(s.request, s.kind)] for s in steps]
        locs = [start, *(at for at, _ in visits), end]
        objective = self.objective
        if times is None:
            return objective.route_cost(vid, locs, 0)
        leave = max(times[0], times[1] - int(dur[start, locs[1]]))
        paid = objective.paid_duty_s(vid, leave, times[1], times[-2] + visits[-1][1], times[-1])
        return objective.route_cost(vid, locs, paid)


#: Scores of an iteration's operators (Ropke & Pisinger 2006): a new best plan, a new plan better
#: than the current one, a new worse plan accepted; nothing otherwise.
SCORE_BEST, SCORE_BETTER, SCORE_ACCEPTED = 33.0, 9.0, 13.0
#: Iterations per segment, after which the weights move ``REACTION`` of the way to the segment's mean score.
SEGMENT, REACTION = 100, 0.1


class Wheel:
    """Roulette wheel over operators whose weights follow their recent scores (adaptive LNS).

    Parameters
    ----------
    names
        The operators.
    """

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.weights = [1.0] * len(names)
        self.scores = [0.0] * len(names)
        self.uses = [0] * len(names)

    def pick(self, rng: random.Random) -> int:
        """An operator's index, chosen with probability proportional to its weight."""
        x = rng.random() * sum(self.weights)
        for k, w in enumerate(self.weights):
            x -= w
            if x < 0:
                return k
        return len(self.weights) - 1

    def reward(self, k: int, score: float) -> None:
        """Count one use of operator ``k`` and its score."""
        self.uses[k] += 1
        self.scores[k] += score

    def update(self, reaction: float = REACTION) -> None:
        """End a segment: move each used operator's weight towards its mean score; reset the counts."""
        for k, used in enumerate(self.uses):
            if used:
                self.weights[k] = max(0.01, (1 - reaction) * self.weights[k] + reaction * self.scores[k] / used)
        self.scores = [0.0] * len(self.names)
        self.uses = [0] * len(self.names)


def _removal_operators(rel: Relatedness) -> dict[str, Callable[[RemovalContext, int, random.Random], list[str]]]:
    return {
        "random": removal.random_removal,
        "related": lambda ctx, q, rng: removal.related_removal(ctx, q, rng, rel),
        "time_band": lambda ctx, q, rng: removal.time_band_removal(ctx, q, rng, rel),
        "worst": removal.worst_removal,
        "route": removal.route_removal,
    }


#: Recreate orders: the removed requests in random order, or by their first window's opening.
#: ``regret`` (``Inserter.insert_regret``) may be added: measured no better at equal time (it costs
#: 1.5-2.7 times a greedy iteration; one 60-s run each of Fredensborg's joint Tuesday, one worker:
#: 21.74 with it, 21.58 mio kr./yr without; Cordeau's six largest at 8 s: no difference beyond noise).
#: Each order also noised (``*_noise``): every candidate position's estimated cost moved by up to
#: ``INSERTION_NOISE`` of itself, so the cheapest is likeliest, not certain (Ropke & Pisinger's
#: noise, which lets the search leave a deep local optimum). Measured on Cordeau a/b with >= 48
#: requests, same start plans: mean gap 0.66 / 0.48 % -> 0.44 / 0.45 % at 2 000 iterations (seeds
#: 0 / 1), 0.69 -> 0.46 % at 10 s per instance (seed 0); noise 0.1 gave 0.49 %, 0.6 gave 0.42 % and
#: noised orders alone (no plain ones on the wheel) 0.50 % (2 000 iterations, seed 0). In the full
#: pipeline at 30 s (warm start, 25 s of LNS) and on Fredensborg's joint Tuesday: no change beyond
#: run-to-run noise (Cordeau >= 48: 0.23 vs 0.21 %; Tuesday at 60 s: 21.41 vs 21.44 mio kr./yr).
INSERTIONS: tuple[str, ...] = ("random_order", "window_order", "random_order_noise", "window_order_noise")
INSERTION_NOISE = 0.3


def _recreate(trial: Inserter, how: str, removed: list[str], rng: random.Random, deadline: float) -> list[str]:
    """Re-insert ``removed`` into ``trial`` the way ``how`` names (``INSERTIONS``); return the ids left over."""
    noise = INSERTION_NOISE if how.endswith("_noise") else 0.0
    if how.startswith("random_order"):
        order = sorted(removed, key=lambda _: rng.random())
        return trial.insert(order, deadline, keep_order=True, noise=noise, rng=rng)
    if how == "regret":
        return trial.insert_regret(removed, deadline)
    return trial.insert(removed, deadline, noise=noise, rng=rng)


def threshold_share(start: float, progress: float, power: float) -> float:
    """The acceptance threshold, as a share of the plan's cost, at ``progress`` (0 to 1) of the search.

    ``start`` at the start, 0 at the end and after, falling as ``(1 - progress) ** power``
    (``Pipeline.lns_threshold_power``).
    """
    return float(start * max(0.0, 1.0 - progress) ** power)


class _Recombiner:
    """The search's route pool and the points at which it is recombined (``Pipeline.lns_recombine_at``).

    Parameters
    ----------
    state
        The search's start: the kinds of vehicles, the pinned requests and the first routes.
    prices
        The start's route prices.
    points
        Points of the search (shares of its time or iterations) at which to recombine.
    seconds
        Longest a recombination may take; None: to the search's deadline (runs bounded by count).
    """

    def __init__(self, state: Inserter, prices: dict[str, int], points: Sequence[float], seconds: float | None) -> None:
        self.pool = RoutePool(state.kind, (rid for rid, r in state.requests.items() if r.vehicles))
        self.pool.add_routes(state.current, prices, state.current)
        self.points = list(points)
        self.seconds = seconds

    def due(
        self,
        progress: float,
        state: Inserter,
        best: dict[str, list[Step]],
        best_price: int,
        best_pending: Sequence[str],
        cost_of: RoutePricer,
        deadline: float,
    ) -> tuple[Inserter, dict[str, int]] | None:
        """At the next point: the pool's cheapest plan serving the requests of ``best``, if cheaper.

        ``best_price`` is the best's price: its routes and the penalty of ``best_pending``, unplaced.
        Returned as a search state (from ``state``, every route replaced) with its route prices; None
        before the next point, and when no cheaper plan was found.
        """
        reached = False
        while self.points and progress >= self.points[0]:
            self.points.pop(0)
            reached = True
        if not reached:
            return None
        below = best_price - state.objective.unserved_price(best_pending)
        until = deadline if self.seconds is None else min(deadline, time.monotonic() + self.seconds)
        found = self.pool.recombine({s.request for steps in best.values() for s in steps}, below, until)
        if found is None:
            return None
        new = state.copy()
        for vid, steps in new.current.items():
            routes = found[1].get(vid, [])
            if routes != steps:
                new.set_route(vid, routes)
        prices = {vid: cost_of(vid, steps, new.schedules[vid]) for vid, steps in new.current.items()}
        return (new, prices) if sum(prices.values()) < below else None


def _progress(start: float, iterations: int, span: float, by_time: bool) -> float:
    """Share of the search done: of its time since ``start``, or of its iterations when bounded by count."""
    return ((time.monotonic() - start) if by_time else iterations) / span


class _Savings:
    """Priced-arc saving per served request (``worst`` removal), recomputed only for routes that changed."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[list[Step], dict[str, float]]] = {}

    def of(self, state: Inserter) -> dict[str, float]:
        out: dict[str, float] = {}
        for vid, steps in state.current.items():
            cached = self.cache.get(vid)
            if cached is None or cached[0] is not steps:
                loc = state.profiles[vid].loc.tolist()
                cached = self.cache[vid] = (steps, removal.route_savings(steps, loc, state.arcs[vid]))
            out.update(cached[1])
        return out


def improve(
    scenario: Scenario,
    matrices: MatrixSet,
    routes: dict[str, list[Step]],
    params: SolveParams,
    deadline: float,
    max_iterations: int | None = None,
    objective: Objective | None = None,
    weights: dict[str, float] | None = None,
    unplaced: Sequence[str] = (),
    pools: list[RoutePool] | None = None,
) -> tuple[dict[str, list[Step]], int]:
    """Improve feasible routes by adaptive ruin and recreate, placing the ``unplaced`` requests where it can.

    Each iteration picks a removal operator (``removal``) and a recreate order (``INSERTIONS``) by
    roulette wheels whose weights follow the operators' scores (Ropke & Pisinger 2006), removes
    ``q`` requests, re-inserts them with the cheapest feasible insertion and keeps the result under
    a threshold-acceptance rule whose threshold (``pipeline.lns_start_thresholds``, a share of the
    current cost) shrinks to zero by the deadline as a power (``pipeline.lns_threshold_power``) of the time left.
    At the points ``pipeline.lns_recombine_at`` the routes met so far are recombined (``recombine``).

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
    weights
        If given, filled with each operator's weight at the end (removal and recreate operators by name).
    unplaced
        Requests not on the routes (insertion found no place for them): each iteration offers them
        with the removed ones, and the plan's price counts each still unplaced at the objective's penalty,
        so ruin and recreate makes room for them.
    pools
        If given, the search's route pool is appended to it at the end (every route the search met:
        ``solve._portfolio`` recombines the routes of its parallel searches).

    Returns
    -------
    tuple[dict[str, list[Step]], int]
        The best routes found and the iterations run.
    """
    rng = random.Random(params.seed)
    objective = objective or Objective.of(scenario, matrices, params.objective)
    state = Inserter(scenario, matrices, routes, objective, params.implied_windows)

    cost_of = RoutePricer(objective, scenario, matrices)

    route_costs = {vid: cost_of(vid, steps, state.schedules[vid]) for vid, steps in state.current.items()}
    tails, tail_cache = params.pipeline.lns_tail_exchange, TailCache()
    if tails:
        exchange_tails(state, cost_of, route_costs, deadline, cache=tail_cache)
    pending = list(unplaced)
    current_cost = sum(route_costs.values()) + objective.unserved_price(pending)
    best, best_cost, best_pending = state.routes(), current_cost, pending
    owner = state.owners()
    served = sorted(owner)
    if len(served) < 2:
        return best, 0
    operators = _removal_operators(Relatedness([scenario.request(rid) for rid in served], matrices))
    removals, insertions = Wheel(tuple(operators)), Wheel(INSERTIONS)
    savings = _Savings()
    start = time.monotonic()
    # Progress (which shrinks the threshold) counts iterations when they are bounded: deterministic.
    by_time = max_iterations is None
    span = max(1e-6, deadline - start) if by_time else float(max_iterations or 1)
    iterations = 0
    low, high = 2, max(3, min(20, len(served) // 4))
    thresholds = params.pipeline.lns_start_thresholds
    start_threshold = thresholds[params.seed % len(thresholds)]
    power = params.pipeline.lns_threshold_power
    seen = {current_cost}
    pipe = params.pipeline
    recombiner = _Recombiner(
        state, route_costs, pipe.lns_recombine_at, pipe.lns_recombine_share * span if by_time else None
    )

    while not past(deadline) and (max_iterations is None or iterations < max_iterations):
        progress = _progress(start, iterations, span, by_time)
        better = recombiner.due(progress, state, best, best_cost, best_pending, cost_of, deadline)
        if better is not None:  # the best's requests served by cheaper routes: the new current and best
            state, route_costs, pending = better[0], better[1], list(best_pending)
            current_cost = best_cost = sum(route_costs.values()) + objective.unserved_price(pending)
            best, owner = state.routes(), state.owners()
            report("improve", int(best_cost))
        iterations += 1
        if iterations % SEGMENT == 0:
            removals.update()
            insertions.update()
        r_op, i_op = removals.pick(rng), insertions.pick(rng)
        ctx = RemovalContext(state.current, owner, served, lambda: savings.of(state))
        removed = operators[removals.names[r_op]](ctx, rng.randint(low, high), rng)
        trial = state.copy()
        taken = set(removed)
        for vid in sorted({owner[rid] for rid in removed}):
            trial.remove(vid, taken)
        score = 0.0
        still = _recreate(trial, insertions.names[i_op], removed + pending, rng, deadline)
        if not taken.intersection(still):  # every removed request back; unplaced ones may stay out
            changed = [vid for vid in trial.current if trial.current[vid] is not state.current[vid]]
            new_cost = {vid: cost_of(vid, trial.current[vid], trial.schedules[vid]) for vid in changed}
            if tails:  # the recreated routes' tails exchanged with any route's, to a local optimum
                # Reads fall through to the current prices; the exchanged routes' new prices land in new_cost.
                trial_costs = ChainMap(new_cost, route_costs)
                _, moved = exchange_tails(trial, cost_of, trial_costs, deadline, focus=set(changed), cache=tail_cache)
                changed = sorted(set(changed) | moved)
            recombiner.pool.add_routes(trial.current, new_cost, changed)
            placed_now = objective.unserved_price(pending) - objective.unserved_price(still)
            cost = current_cost + sum(new_cost[vid] - route_costs[vid] for vid in changed) - placed_now
            # A share of the routes' cost (the penalty of unplaced requests would widen it to anything).
            routes_cost = current_cost - objective.unserved_price(pending)
            threshold = (
                threshold_share(start_threshold, _progress(start, iterations, span, by_time), power) * routes_cost
            )
            if cost < current_cost + threshold - 1e-9:
                if cost not in seen:
                    score = SCORE_BEST if cost < best_cost else SCORE_BETTER if cost < current_cost else SCORE_ACCEPTED
                state, current_cost, pending = trial, cost, still
                route_costs.update(new_cost)
                for vid in changed:
                    for s in state.current[vid]:
                        owner[s.request] = vid
                if cost < best_cost - 1e-9:
                    best, best_cost, best_pending = state.routes(), cost, pending
                    report("improve", int(best_cost))
            seen.add(cost)
        removals.reward(r_op, score)
        insertions.reward(i_op, score)
    _fill_weights(weights, removals, insertions)
    if pools is not None:
        pools.append(recombiner.pool)
    return best, iterations


def _fill_weights(weights: dict[str, float] | None, removals: Wheel, insertions: Wheel) -> None:
    """Each operator's weight at the end, by name, into ``weights`` (when asked for)."""
    if weights is not None:
        weights.update(zip(removals.names, removals.weights, strict=True))
        weights.update(zip(insertions.names, insertions.weights, strict=True))
