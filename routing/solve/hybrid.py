"""Hybrid backend for problems PyVRP cannot express (ride limits, enekørsel, not-together, skills).

1. Relax: drop those rules, keep every window tightened by them (implied windows),
   and let PyVRP's search route the relaxation for a share of the time — or take the
   routes of a given plan instead (``initial``).
2. Repair: replay each relaxed route exactly (``schedule``); while a route breaks a
   rule, take out the request that breaks it most (its longest ride over the limit,
   or the first occupancy breach); re-insert the requests taken out where they fit
   cheapest (``insertion``; idle vehicles count as empty routes).
3. Improve: a ruin-and-recreate search (``lns``) over exact routes.
4. Polish: hand the routes to OR-Tools as a warm start; its guided local search
   improves the plan until the deadline (skipped above ``POLISH_MAX_REQUESTS``).

Like every plan, the result is judged by the independent checker.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, RideTimeRule, Scenario
from routing.solve.backends.base import RawSolution, TimedStep
from routing.solve.backends.ortools import solve_ortools
from routing.solve.backends.pyvrp import solve_pyvrp
from routing.solve.objective import VehiclePrices
from routing.solve.params import SolveParams
from routing.solve.search.insertion import insert_requests
from routing.solve.search.lns import RouteCosts, improve
from routing.solve.search.schedule import Step, earliest_schedule, occupancy_problem
from routing.solve.search.tighten import tightened_windows

#: Share of the time limit given to the relaxed PyVRP search.
RELAXATION_SHARE = 0.1
#: Point in the time limit by which re-inserting repaired-out requests must stop when OR-Tools polishes after it.
INSERTION_SHARE = 0.5
#: Point in the time limit until which the ruin-and-recreate search improves the plan, for
#: even and odd seeds: portfolio workers alternate, so one of them gives OR-Tools' guided
#: local search a long polish from the LNS plan (strong on small instances).
LNS_SHARES = (0.93, 0.6)
#: Above this many requests OR-Tools' guided local search from the warm start overruns the time
#: limit (measured: a 3 234-request day stayed inside SolveFromAssignmentWithParameters for
#: minutes) and adds little; the LNS plan, already exact, is returned as it is.
POLISH_MAX_REQUESTS = 2000
#: LNS iterations per unit of ``solution_limit`` when the LNS plan is the result (no OR-Tools polish).
LNS_ITERATIONS_PER_SOLUTION = 20


def relax(scenario: Scenario, matrices: MatrixSet, requests: Sequence[Request]) -> tuple[Scenario, list[Request]]:
    """The relaxation PyVRP can express: no ride limits, enekørsel, not-together or skills; implied windows kept."""
    windows = tightened_windows(scenario, matrices, requests)
    relaxed = []
    for r in requests:
        pw, dw = windows[r.id]
        relaxed.append(
            replace(
                r,
                pickup=None if r.pickup is None else replace(r.pickup, window=pw),
                dropoff=replace(r.dropoff, window=dw),
                ride=RideTimeRule(),
                solo=False,
                not_with=frozenset(),
                skills=frozenset(),
            )
        )
    others = [r for r in scenario.requests if r.id not in windows]
    stripped = [replace(r, not_with=frozenset()) for r in others]
    return replace(scenario, requests=tuple(relaxed + stripped)), relaxed


def _steps(visits: list[TimedStep]) -> list[Step]:
    return [Step(v.request, v.kind) for v in visits if v.request is not None]


def repair(
    scenario: Scenario, matrices: MatrixSet, routes: dict[str, list[Step]]
) -> tuple[dict[str, list[Step]], list[str]]:
    """Make every route feasible by taking requests out; return the routes and the ids taken out."""
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
    vehicle: object,
    steps: list[Step],
    requests: dict[str, Request],
    limits: dict[str, int | None],
) -> str:
    """The request whose ride most exceeds its limit in the earliest ride-free schedule (else the last one)."""
    times = earliest_schedule(scenario, matrices, vehicle, steps, requests, limits, enforce_ride=False)  # type: ignore[arg-type]
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


def _raw_from_routes(
    scenario: Scenario,
    matrices: MatrixSet,
    routes: dict[str, list[Step]],
    requests: Sequence[Request],
    prices: VehiclePrices,
    source: str,
) -> RawSolution:
    """Exact routes as a backend result: earliest service starts, leaving each depot just in time.

    ``objective`` is the routes' cost under ``prices`` (as the LNS counts it), so portfolio
    workers that all skip the OR-Tools polish compare on one scale.
    """
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    costs = RouteCosts(scenario, matrices, prices)
    raw = RawSolution(
        status=f"SUCCESS (warm start: {source}; LNS plan, no OR-Tools polish)",
        found=True,
        warm_started=True,
        objective=0,
    )
    index = matrices.index()
    for vid, steps in routes.items():
        if not steps:
            continue
        vehicle = scenario.vehicle(vid)
        times = earliest_schedule(scenario, matrices, vehicle, steps, by_id, limits)
        if times is None:  # cannot happen for routes the insertion and LNS kept; never emit an unchecked route
            raise RuntimeError(f"route of {vid} has no schedule")
        raw.objective += int(round(costs.route(vid, steps, times)))  # type: ignore[operator]
        first = by_id[steps[0].request]
        first_visit = first.pickup if steps[0].kind == "pickup" else first.dropoff
        assert first_visit is not None
        dur = matrices.duration_s[scenario.vehicle_type(vehicle.type).profile]
        leave = max(times[0], times[1] - int(dur[index[vehicle.start], index[first_visit.location]]))
        visits = [TimedStep("start", vehicle.start, leave)]
        for k, step in enumerate(steps, start=1):
            r = by_id[step.request]
            visit = r.pickup if step.kind == "pickup" else r.dropoff
            assert visit is not None
            visits.append(TimedStep(step.kind, visit.location, times[k], step.request))
        visits.append(TimedStep("end", vehicle.end, times[-1]))
        raw.routes[vid] = visits
    served = {s.request for steps in routes.values() for s in steps}
    raw.dropped = [r.id for r in requests if r.id not in served]
    return raw


def solve_hybrid(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None = None,
) -> RawSolution:
    """Relax with PyVRP, repair, then polish with OR-Tools from that warm start (see the module doc).

    ``initial`` routes (vehicle id -> steps), when given, replace the PyVRP stage: they are
    repaired and completed the same way, so the search starts from them.
    """
    started = time.monotonic()
    budget = deadline - started
    prices = VehiclePrices.of(scenario, params.objective)
    source = "pyvrp+repair" if initial is None else "given plan"
    if initial is None:
        relaxed_scenario, relaxed = relax(scenario, matrices, requests)
        pyvrp_deadline = started + max(0.5, RELAXATION_SHARE * budget)
        # Warm-start mode: optional requests, and routes returned even when PyVRP could not make
        # them feasible; repair and insertion below make them exact.
        warm = solve_pyvrp(relaxed_scenario, matrices, relaxed, params, min(pyvrp_deadline, deadline), warm_start=True)
        given = {vid: _steps(visits) for vid, visits in warm.routes.items()} if warm.found else None
        missing = warm.dropped
    else:
        wanted = {r.id for r in requests}
        given = {vid: [s for s in steps if s.request in wanted] for vid, steps in initial.items()}
        placed = {s.request for steps in given.values() for s in steps}
        missing = [r.id for r in requests if r.id not in placed]
    if given is not None:
        initial, removed = repair(scenario, matrices, given)
        removed += missing
        # OR-Tools cannot price duty hours from the first stop (its span runs depot to depot), and
        # on very large days its polish overruns: then the LNS plan is the result, and insertion may
        # take the whole budget (serving a request is worth more than any improvement after it;
        # measured: a 3 303-request day left 235 requests at half its 180 s).
        exact_only = len(requests) > POLISH_MAX_REQUESTS or prices.any_first_stop
        insert_by = deadline if exact_only else started + INSERTION_SHARE * budget
        initial, left = insert_requests(scenario, matrices, initial, removed, insert_by, prices=prices)
        if not left and params.solution_limit is None:
            share = 1.0 if exact_only else LNS_SHARES[params.seed % len(LNS_SHARES)]
            initial, iterations = improve(scenario, matrices, initial, params, started + share * budget)
        elif not left and exact_only:
            # Bounded by count (deterministic): the LNS stands in for the OR-Tools polish's solution limit.
            initial, iterations = improve(
                scenario,
                matrices,
                initial,
                params,
                deadline,
                max_iterations=params.solution_limit * LNS_ITERATIONS_PER_SOLUTION,
            )
        if exact_only:
            # Exact as it stands; requests insertion could not place by its deadline are dropped
            # (the solve stage offers them idle vehicles, then lists them as not placed).
            return _raw_from_routes(scenario, matrices, initial, requests, prices, source)
    raw = solve_ortools(scenario, matrices, requests, params, deadline, initial=initial)
    raw.status = f"{raw.status} (warm start: {source if raw.warm_started else 'none'})"
    return raw
