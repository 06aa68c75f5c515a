"""The solve stage: Scenario + MatrixSet + SolveParams → Plan.

1. Prove which requests cannot be served at all (``servability``) and set them aside.
2. Route the rest with the backend within the wall-clock limit.
3. Turn solver visits into stops (consecutive visits at one place become one stop).
4. Give any request the solver left out an idle vehicle that can serve it alone.
5. List every request not served, with the reason.

The plan is not trusted: callers pass it through ``routing.check.check_plan``.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from routing.exceptions import SolveError
from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.plan import Plan, Route, SolveStats, Stop, Unserved
from routing.solve.backends.base import Backend, RawSolution, TimedStep
from routing.solve.backends.ortools import solve_ortools
from routing.solve.backends.pyvrp import solve_pyvrp, solve_pyvrp_fleet, unsupported
from routing.solve.hybrid import solve_hybrid
from routing.solve.params import SolveParams
from routing.solve.search.schedule import Step
from routing.solve.search.servability import AloneSchedule, Servability, alone_schedule, check_servability


def solve(
    scenario: Scenario, matrices: MatrixSet, params: SolveParams | None = None, initial: Plan | None = None
) -> Plan:
    """Plan the scenario's requests on its fleet.

    Parameters
    ----------
    scenario
        The model.
    matrices
        Its travel matrices (``routing.matrix.build_matrices``).
    params
        Solver settings; default: the scenario's own.
    initial
        A plan to start from (e.g. today's plan, or the 2021 plans for indsats 11): its routes,
        as far as they are valid for this scenario (a route breaking a rule loses the requests
        that break it), seed the hybrid search instead of its PyVRP stage (with several workers,
        one of them still starts from scratch); requests it lacks are inserted.

    Returns
    -------
    Plan
        Routes, unserved requests with reasons, and solve statistics.

    Raises
    ------
    SolveError
        When no plan was found within the time limit (the solver returned
        nothing, or a plan with every servable request dropped).
    """
    params = params or SolveParams.of(scenario)
    started = time.monotonic()
    deadline = started + params.time_limit_s
    servability = check_servability(scenario, matrices)
    servable = [r for r in scenario.requests if servability[r.id].is_servable]
    unserved = [
        Unserved(r.id, f"infeasible on its own: {servability[r.id].reason}", "infeasible")
        for r in scenario.requests
        if not servability[r.id].is_servable
    ]

    routes: list[Route] = []
    stats = SolveStats(backend="none", status="NO_REQUESTS", params=params.as_dict())
    if servable:
        start = initial_steps(scenario, initial, {r.id for r in servable}) if initial is not None else None
        backend, raw = _run_backends(scenario, matrices, servable, params, deadline, start)
        if not raw.found or len(raw.dropped) == len(servable):
            raise SolveError(
                f"no plan found within the time limit ({params.time_limit_s:g} s; {backend} status {raw.status}): "
                "raise --time-limit, or split the scenario"
            )
        routes = [route_from_visits(scenario, matrices, vid, visits) for vid, visits in raw.routes.items()]
        rescued = _rescue(scenario, matrices, raw.dropped, {r.vehicle for r in routes}, servability)
        routes += rescued
        placed = {rid for route in rescued for rid in route.request_ids}
        unserved += [
            Unserved(
                rid,
                f"servable alone (e.g. by vehicle {servability[rid].vehicles[0]}) but not placed within the time limit; no idle vehicle could take it",
                "not_placed",
            )
            for rid in raw.dropped
            if rid not in placed
        ]
        stats = SolveStats(
            backend=backend,
            status=raw.status,
            wall_time_s=round(time.monotonic() - started, 3),
            build_time_s=round(raw.build_time_s, 3),
            first_solution_s=None if raw.first_solution_s is None else round(raw.first_solution_s, 3),
            num_solutions=raw.num_solutions,
            objective=raw.objective,
            params=params.as_dict(),
        )
    order = {v.id: i for i, v in enumerate(scenario.vehicles)}
    routes.sort(key=lambda route: order[route.vehicle])
    request_order = {r.id: i for i, r in enumerate(scenario.requests)}
    unserved.sort(key=lambda u: request_order[u.request])
    return Plan(tuple(routes), tuple(unserved), stats)


BACKENDS: dict[str, Backend] = {
    "ortools": solve_ortools,
    "pyvrp": solve_pyvrp,
    "pyvrp_fleet": solve_pyvrp_fleet,
    "hybrid": solve_hybrid,
}

#: The ``auto`` portfolio, per parallel worker in turn, for problems PyVRP cannot express.
DARP_PORTFOLIO = ("hybrid", "hybrid")
#: Above this many requests OR-Tools' own first-solution phase is too slow to be worth a core
#: (measured: 4-6 s at 200 requests, 18-25 s at 300, minutes beyond): every worker runs the hybrid.
PLAIN_ORTOOLS_MAX_REQUESTS = 250

#: Share of the remaining time kept back for the OR-Tools fallback when PyVRP goes first.
FALLBACK_RESERVE = 0.05


def initial_steps(scenario: Scenario, plan: Plan, servable: set[str]) -> dict[str, list[Step]]:
    """A plan's routes as visit sequences for the hybrid: this scenario's vehicles and servable requests only."""
    vehicles = {v.id for v in scenario.vehicles}
    out: dict[str, list[Step]] = {}
    for route in plan.routes:
        if route.vehicle not in vehicles:
            continue
        steps: list[Step] = []
        for stop in route.stops:
            steps += [Step(rid, "dropoff") for rid in stop.dropoff if rid in servable]
            steps += [
                Step(rid, "pickup")
                for rid in stop.pickup
                if rid in servable and scenario.request(rid).pickup is not None
            ]
        pickups = {s.request for s in steps if s.kind == "pickup"}
        drops = {s.request for s in steps if s.kind == "dropoff"}
        # A request counts only with both of its visits on this route (depot deliveries: the drop-off).
        steps = [
            s
            for s in steps
            if scenario.request(s.request).pickup is None or s.request in pickups and s.request in drops
        ]
        if steps:
            out[route.vehicle] = steps
    return out


def _run_backends(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: list[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None = None,
) -> tuple[str, RawSolution]:
    """Run the chosen backend(s): in ``auto``, PyVRP where it can express the problem, then OR-Tools.

    With ``initial`` routes every worker runs the hybrid: from them, except that with several
    workers the first starts from scratch (the better plan wins either way).
    """
    stages: list[tuple[str, ...]]
    if initial is not None:
        stages = [("hybrid",)]
    elif params.backend != "auto":
        stages = [(params.backend,)]
    elif not unsupported(scenario, requests):
        # Vehicles first: one search minimises the fleet, another (second core) only distance.
        first = ("pyvrp_fleet", "pyvrp") if params.objective == "vehicles_then_distance" else ("pyvrp",)
        stages = [first, ("ortools",)]
    elif len(requests) <= PLAIN_ORTOOLS_MAX_REQUESTS:
        stages = [DARP_PORTFOLIO]
    else:
        stages = [("hybrid",)]
    raw = RawSolution(status="NOT_RUN")
    for i, names in enumerate(stages):
        last = i == len(stages) - 1
        stop_at = deadline if last else deadline - FALLBACK_RESERVE * max(0.0, deadline - time.monotonic())
        name, raw = _portfolio(names, scenario, matrices, requests, params, stop_at, initial)
        if raw.found and len(raw.dropped) < len(requests):
            return name, raw
    return stages[-1][0], raw


def _one_search(
    args: tuple[str, Scenario, MatrixSet, list[Request], SolveParams, float, dict[str, list[Step]] | None],
) -> RawSolution:
    name, scenario, matrices, requests, params, deadline, initial = args
    if params.seed:
        # The seed also permutes the request order: another, equally valid search trajectory.
        requests = list(requests)
        random.Random(params.seed).shuffle(requests)
    if initial is not None:
        return solve_hybrid(scenario, matrices, requests, params, deadline, initial=initial)
    return BACKENDS[name](scenario, matrices, requests, params, deadline)


def _portfolio(
    names: tuple[str, ...],
    scenario: Scenario,
    matrices: MatrixSet,
    requests: list[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None = None,
) -> tuple[str, RawSolution]:
    """``params.workers`` independent searches in parallel processes, cycling through ``names``; the best wins.

    Searches of one backend compare by (dropped requests, objective); across backends the
    objective scales agree (same arc costs), except that OR-Tools adds drop penalties, which
    only ever count against a search that dropped more.
    """
    # With a given start and several workers, the first searches from scratch and the others from the start.
    starts = [None if w == 0 and params.workers > 1 else initial for w in range(params.workers)]
    jobs = [
        (
            names[w % len(names)],
            scenario,
            matrices,
            requests,
            replace(params, seed=params.seed + w, workers=1),
            deadline,
            starts[w],
        )
        for w in range(params.workers)
    ]
    if len(jobs) == 1:
        return jobs[0][0], _one_search(jobs[0])
    with ProcessPoolExecutor(max_workers=len(jobs), mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_one_search, jobs))

    def rank(pair: tuple[str, RawSolution]) -> tuple[object, ...]:
        raw = pair[1]
        fleet = len(raw.routes) if params.objective == "vehicles_then_distance" else 0
        return (not raw.found, len(raw.dropped), fleet, raw.objective if raw.objective is not None else 2**63)

    return min(zip((job[0] for job in jobs), results, strict=True), key=rank)


def route_from_visits(scenario: Scenario, matrices: MatrixSet, vehicle_id: str, visits: list[TimedStep]) -> Route:
    """Stops from solver visits: leave each stop right after service; wait, if at all, on arrival.

    Consecutive visits at one location form one stop, unless a pickup would come
    before a drop-off there (stops serve drop-offs first).
    """
    vehicle = scenario.vehicle(vehicle_id)
    profile = scenario.vehicle_type(vehicle.type).profile
    service = {r.id: (r.pickup.service_s if r.pickup else 0, r.dropoff.service_s) for r in scenario.requests}
    first, last = visits[0], visits[-1]
    depot_loads = tuple(v.request for v in visits if v.kind == "dropoff" and scenario.request(v.request).pickup is None)  # type: ignore[arg-type]
    stops: list[Stop] = [Stop(first.location, first.time_s, first.time_s, None, depot_loads)]  # type: ignore[arg-type]
    groups: list[list[TimedStep]] = []
    for visit in visits[1:-1]:
        group = groups[-1] if groups else None
        if (
            group
            and group[-1].location == visit.location
            and not (visit.kind == "dropoff" and any(g.kind == "pickup" for g in group))
        ):
            group.append(visit)
        else:
            groups.append([visit])
    for group in groups:
        prev = stops[-1]
        arrival = prev.departure_s + matrices.travel_s(profile, prev.location, group[0].location)
        end = group[-1]
        departure = end.time_s + service[end.request][0 if end.kind == "pickup" else 1]  # type: ignore[index]
        # Drop-offs first, then pickups, in the order served.
        drops = tuple(v.request for v in group if v.kind == "dropoff")
        picks = tuple(v.request for v in group if v.kind == "pickup")
        stops.append(Stop(group[0].location, arrival, departure, group[0].time_s, picks, drops))  # type: ignore[arg-type]
    prev = stops[-1]
    arrival = prev.departure_s + matrices.travel_s(profile, prev.location, last.location)
    stops.append(Stop(last.location, arrival, arrival))
    return Route(vehicle_id, tuple(stops))


def _rescue(
    scenario: Scenario, matrices: MatrixSet, dropped: list[str], used: set[str], servability: dict[str, Servability]
) -> list[Route]:
    """Give each dropped but servable request an idle vehicle that can serve it alone."""
    limits = ride_limits_s(scenario, matrices)
    idle = [v for v in scenario.vehicles if v.id not in used]
    routes: list[Route] = []
    for rid in dropped:
        request = scenario.request(rid)
        for v in idle:
            if v.id not in servability[rid].vehicles:
                continue
            plan = alone_schedule(scenario, matrices, request, v, limits[rid])
            if isinstance(plan, AloneSchedule):
                visits = [TimedStep("start", v.start, plan.leave_s)]
                if request.pickup is not None:
                    visits.append(TimedStep("pickup", request.pickup.location, plan.pickup_s, rid))
                visits += [
                    TimedStep("dropoff", request.dropoff.location, plan.dropoff_s, rid),
                    TimedStep("end", v.end, plan.back_s),
                ]
                routes.append(route_from_visits(scenario, matrices, v.id, visits))
                idle.remove(v)
                break
    return routes
