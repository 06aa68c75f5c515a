"""The solve stage: Scenario + MatrixSet + SolveParams → Plan.

1. Prove which requests cannot be served at all (``servability``) and set them aside.
2. Route the rest with the backend(s) within the wall-clock limit (a large day, when
   ``SolveParams.decompose`` asks, in parts solved in parallel and merged: ``decompose``): in ``auto``, PyVRP where it
   can express the problem (OR-Tools as fallback), else a portfolio of hybrid pipelines
   (``hybrid.py``); the backend order and shares are ``SolveParams.pipeline``. Parallel workers'
   results are ranked by the one objective's price (``Objective.price``); parallel hybrid
   searches' route pools are first recombined into one plan (``hybrid.recombine_searches``).
3. Turn solver visits into stops (``assemble``: consecutive visits at one place become one stop).
4. Give any request the solver left out an idle vehicle that can serve it alone.
5. List every request not served, with the reason.

The plan is not trusted: callers pass it through ``routing.check.check_plan``.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from functools import partial

from routing.exceptions import Interrupted, SolveError
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.plan import Plan, Route, SolveStats, Unserved
from routing.run.fork import ForkExecutor, can_fork
from routing.solve import stop
from routing.solve.assemble import initial_steps, rescue, route_from_visits
from routing.solve.backends.base import Backend, RawSolution
from routing.solve.backends.ortools import solve_ortools
from routing.solve.backends.pyvrp import solve_pyvrp, solve_pyvrp_fleet, unsupported
from routing.solve.decompose import MIN_PART_S, PartResult, PartTask, part_count, solve_decomposed
from routing.solve.hybrid import recombine_searches, solve_hybrid
from routing.solve.objective import Objective
from routing.solve.params import BACKENDS, SolveParams
from routing.solve.progress import report
from routing.solve.search import pricing, splice, tails
from routing.solve.search.recombine import MAX_COLUMNS
from routing.solve.search.schedule import Step
from routing.solve.search.servability import check_servability


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
        Solver settings; default: the scenario's own (``SolveParams.of(scenario)``).
    initial
        A plan to start from (e.g. today's plan, or the 2021 plans for indsats 11): its routes go
        to the backend as ``initial`` (under ``auto``: the hybrid, which repairs them and inserts
        the requests they lack instead of running its PyVRP stage; with several workers, one of
        them still starts from scratch).

    Returns
    -------
    Plan
        Routes, unserved requests with reasons, and solve statistics.

    Raises
    ------
    SolveError
        When no plan was found within the time limit (the solver returned
        nothing, or a plan with every servable request dropped, unless the deadline cut the
        hybrid pipeline short: its best exact plan by then is returned, possibly empty, with
        every request it did not place offered an idle vehicle or listed as not placed).
    """
    params = params or SolveParams.of(scenario)
    warm_up()
    started = time.monotonic()
    deadline = started + params.time_limit_s
    report("servability")
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
        if start is None and part_count(params, len(servable)) > 1:
            backend = "decomposed"
            raw, _ = solve_decomposed(scenario, matrices, servable, params, deadline, _solve_part)
        else:
            backend, raw = _run_backends(scenario, matrices, servable, params, deadline, start)
        # A plan dropping every request is no plan, unless the deadline cut it short: then the
        # requests get idle vehicles below, or are listed as not placed (the best plan by then).
        if stop.requested() and (not raw.found or len(raw.dropped) == len(servable)):
            raise Interrupted(f"stopped on request after {time.monotonic() - started:.1f} s, before any plan was found")
        if not raw.found or (len(raw.dropped) == len(servable) and not raw.timed_out):
            raise SolveError(
                f"no plan found within the time limit ({params.time_limit_s:g} s; {backend} status {raw.status}): "
                "raise --time-limit, or split the scenario"
            )
        rescued = rescue(scenario, matrices, raw.dropped, set(raw.routes), servability)
        visits = {**raw.routes, **rescued}
        routes = [route_from_visits(scenario, matrices, vid, steps) for vid, steps in visits.items()]
        placed = {v.request for steps in rescued.values() for v in steps if v.request is not None}
        not_placed = [rid for rid in raw.dropped if rid not in placed]
        by_when = "before the solve was stopped (Ctrl-C)" if stop.requested() else "within the time limit"
        unserved += [
            Unserved(
                rid,
                f"servable alone (e.g. by vehicle {servability[rid].vehicles[0]}) but not placed {by_when}; "
                "no idle vehicle could take it",
                "not_placed",
            )
            for rid in not_placed
        ]
        stats = SolveStats(
            backend=backend,
            status=raw.status,
            wall_time_s=round(time.monotonic() - started, 3),
            build_time_s=round(raw.build_time_s, 3),
            first_solution_s=None if raw.first_solution_s is None else round(raw.first_solution_s, 3),
            num_solutions=raw.num_solutions,
            objective=Objective.of(scenario, matrices, params.objective, servable).price(visits, not_placed),
            params=params.as_dict(),
            interrupted=stop.requested(),
        )
    order = {v.id: i for i, v in enumerate(scenario.vehicles)}
    routes.sort(key=lambda route: order[route.vehicle])
    request_order = {r.id: i for i, r in enumerate(scenario.requests)}
    unserved.sort(key=lambda u: request_order[u.request])
    return Plan(tuple(routes), tuple(unserved), stats)


#: The function behind each backend name of ``params.BACKENDS`` (``auto`` is the choice among them).
SEARCHES: dict[str, Backend] = {
    "ortools": solve_ortools,
    "pyvrp": solve_pyvrp,
    "pyvrp_fleet": solve_pyvrp_fleet,
    "hybrid": solve_hybrid,
}
assert set(SEARCHES) == set(BACKENDS) - {"auto"}, "every backend name has one search, and no search is unnamed"


#: The engine behind each backend, for ``Objective.unsupported_terms`` (the hybrid handles its own).
_ENGINE = {"pyvrp_fleet": "pyvrp"}


def _run_backends(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: list[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None = None,
) -> tuple[str, RawSolution]:
    """Run the chosen backend(s): in ``auto``, PyVRP where it can express the problem, then OR-Tools.

    With ``initial`` routes, ``auto`` runs the hybrid, which starts from them.
    """
    pipe = params.pipeline
    stages: list[tuple[str, ...]]
    if params.backend != "auto":
        stages = [(params.backend,)]
    elif initial is not None:
        stages = [("hybrid",)]
    elif not unsupported(scenario, requests):
        # Vehicles first: one search minimises the fleet, another (second core) only distance.
        first = ("pyvrp_fleet", "pyvrp") if params.objective == "vehicles_then_distance" else ("pyvrp",)
        stages = [first, ("ortools",)]
    elif len(requests) <= pipe.plain_ortools_max_requests:
        stages = [pipe.darp_portfolio]
    else:
        stages = [("hybrid",)]
    objective = Objective.of(scenario, matrices, params.objective, requests)
    raw = RawSolution(status="NOT_RUN")
    for i, names in enumerate(stages):
        last = i == len(stages) - 1
        stop_at = deadline if last else deadline - pipe.fallback_reserve * max(0.0, deadline - time.monotonic())
        report(f"search ({' + '.join(names)}, {params.workers} worker{'s' if params.workers > 1 else ''})")
        name, raw = _portfolio(names, scenario, matrices, requests, params, stop_at, objective, initial)
        # A backend that cannot price a term searched a nearby objective; the plan is priced exactly anyway.
        unpriced = objective.unsupported_terms(_ENGINE.get(name, name))
        if unpriced:
            raw.status += f" (searched without: {'; '.join(unpriced.values())})"
        if raw.found and len(raw.dropped) < len(requests):
            return name, raw
    return stages[-1][0], raw


def warm_up() -> None:
    """Compile the search's kernels (once per installation, seconds), else load them from the cache.

    Called where a search's clock is about to start (``solve``, a decomposed part on its worker), so
    no time limit pays for it; forked workers inherit what the parent loaded.
    """
    pricing.warm_up()
    splice.warm_up()
    tails.warm_up()


def _solve_part(task: PartTask) -> PartResult:
    """Solve one part of a decomposed day on a worker (``routing.solve.decompose``): the usual backends.

    Its time limit counts from its start on the worker, and never past ``task.until`` (wall clock).
    """
    warm_up()  # a worker process of its own (a Dask worker on another machine may have no kernel cache yet)
    started = time.monotonic()
    limit = min(task.params.time_limit_s, task.until - time.time())
    deadline = started + max(MIN_PART_S, limit)
    requests = list(task.scenario.requests)
    _, raw = _run_backends(task.scenario, task.matrices, requests, task.params, deadline)
    routes = {
        vid: [Step(v.request, v.kind) for v in visits if v.request is not None]
        for vid, visits in (raw.routes.items() if raw.found else ())
    }
    placed = {s.request for steps in routes.values() for s in steps}
    dropped = tuple(r.id for r in requests if r.id not in placed)
    return PartResult(task.index, routes, dropped, raw.status, round(time.monotonic() - started, 3))


def _one_search(
    args: tuple[str, Scenario, MatrixSet, list[Request], SolveParams, float, dict[str, list[Step]] | None],
) -> RawSolution:
    name, scenario, matrices, requests, params, deadline, initial = args
    if params.seed:
        # The seed also permutes the request order: another, equally valid search trajectory.
        requests = list(requests)
        random.Random(params.seed).shuffle(requests)
    return SEARCHES[name](scenario, matrices, requests, params, deadline, initial)


def _shortlisted(
    args: tuple[str, Scenario, MatrixSet, list[Request], SolveParams, float, dict[str, list[Step]] | None],
    until: float,
) -> RawSolution:
    """``_one_search`` on a portfolio worker; its route pool cut to ``RoutePool.shortlist`` by ``until``."""
    raw = _one_search(args)
    if raw.found and raw.pool is not None:
        raw.pool = raw.pool.shortlist(raw.served(), MAX_COLUMNS, until)
    return raw


def _portfolio(
    names: tuple[str, ...],
    scenario: Scenario,
    matrices: MatrixSet,
    requests: list[Request],
    params: SolveParams,
    deadline: float,
    objective: Objective,
    initial: dict[str, list[Step]] | None = None,
) -> tuple[str, RawSolution]:
    """``params.workers`` independent searches in parallel processes, cycling through ``names``; the cheapest wins.

    Hybrid searches stop ``lns_recombine_share`` of the time early and send back a shortlist of
    the routes they met; a plan recombined from them (``recombine_searches``) wins when cheaper.
    Results are ranked by ``objective.price`` of their routes and dropped requests (not by the
    numbers the backends report, which price some terms differently: see
    ``Objective.unsupported_terms``). The penalty per unserved request ranks fewer drops first.
    """
    # With a given start and several workers, the first searches from scratch and the others from the start.
    starts = [None if w == 0 and params.workers > 1 else initial for w in range(params.workers)]
    # Parallel LNS searches leave a share of the time to recombine the routes they met (``recombine_searches``).
    pipe = params.pipeline
    pooled = params.workers > 1 and all(name == "hybrid" for name in names) and bool(pipe.lns_recombine_at)
    pooled = pooled and can_fork()
    timed = pooled and params.solution_limit is None
    reserve = pipe.lns_recombine_share * max(0.0, deadline - time.monotonic()) if timed else 0.0
    jobs = [
        (
            names[w % len(names)],
            scenario,
            matrices,
            requests,
            replace(params, seed=params.seed + w, workers=1),
            deadline - reserve,
            starts[w],
        )
        for w in range(params.workers)
    ]
    if len(jobs) == 1:
        return jobs[0][0], _one_search(jobs[0])
    if not can_fork():
        # A daemon process (a Dask worker) may not fork the portfolio's workers: the first one searches alone.
        raw = _one_search(jobs[0])
        raw.status += f" (one search of {len(jobs)}: a daemon process, such as a Dask worker, cannot fork the others)"
        return jobs[0][0], raw
    # The searches inherit the scenario and matrices through fork (never pickled); all run at once.
    # Each sends back its plan and a shortlist of its routes (the whole pool may be large).
    search = partial(_shortlisted, until=deadline - reserve / 2) if pooled else _one_search
    with ForkExecutor(len(jobs)) as executor:
        done: dict[int, RawSolution] = dict(executor.map(search, jobs))
    if not done:
        # A stop asked for before any search started: the first one, here, returns at once as it would alone.
        return jobs[0][0], _one_search(jobs[0])
    if pooled and not stop.requested():  # (a stop returns the best plan at once)
        report("recombine the searches' routes")
        raws = [done[w] for w in sorted(done)]
        merged = recombine_searches(scenario, matrices, requests, objective, raws, deadline)
        if merged is not None:
            report("recombine the searches' routes", merged.objective)
            return names[0], merged

    def rank(pair: tuple[str, RawSolution]) -> tuple[bool, int]:
        raw = pair[1]
        return (not raw.found, objective.price(raw.routes, raw.dropped) if raw.found else 0)

    # In job order (ties go to the first search); only the searches that started (a stop may cut the starting short).
    return min(((jobs[w][0], done[w]) for w in sorted(done)), key=rank)
