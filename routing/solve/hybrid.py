"""The hybrid pipeline, for problems PyVRP cannot express (ride limits, enekørsel, not-together, skills).

Stages, in ``SolveParams.pipeline.hybrid_stages`` order, with their time shares from the same place:

1. relax (``search/relax``): drop those rules, keep the windows they imply, and let PyVRP's
   search route the relaxation for ``relaxation_share`` of the time — or take the routes of a
   given plan instead (``initial``). When PyVRP returns nothing, or its set-up alone would
   outlast the time left (``relaxation_setup_estimate_s``), or it has not returned by
   ``relaxation_stop_share`` (it runs in a process of its own and is stopped there), insertion
   builds the plan from empty routes. Neither applies in runs bounded by ``solution_limit``.
2. repair (``search/repair``): replay each relaxed route exactly; while a route breaks a rule,
   take out the request that breaks it most.
3. insert (``search/insertion``): re-insert the requests taken out where they add least to the
   objective (idle vehicles count as empty routes), until ``insertion_share``.
4. improve (``search/lns``): ruin and recreate over exact routes, with set-partitioning
   recombination of the routes it meets (``search/recombine``), until ``lns_shares``.
5. polish: hand the routes to OR-Tools as a warm start; its guided local search improves the
   plan until the deadline. Skipped where OR-Tools cannot price the objective
   (``Objective.unsupported_terms("ortools")``), above ``polish_max_requests``, when the time
   left cannot hold its model build (``polish_build_estimate_s``; not checked in runs bounded
   by ``solution_limit``) or when insertion left requests on a large problem: the exact LNS
   plan is then the result. So is it when the polish ends without a plan serving as many.

Time limit: every stage stops at the deadline or fits in the time left (the PyVRP relaxation
and the OR-Tools model build cannot be interrupted); whatever happens, the best exact plan
found so far is returned, with the requests not yet placed dropped (the solve stage lists them).

Every stage prices plans with the one objective (``routing.solve.objective``). Like every plan,
the result is judged by the independent checker.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.run.fork import can_fork
from routing.solve.backends.base import RawSolution, TimedStep
from routing.solve.backends.ortools import solve_ortools
from routing.solve.backends.pyvrp import solve_pyvrp
from routing.solve.objective import Objective
from routing.solve.params import Pipeline, SolveParams
from routing.solve.processes import call_stoppable
from routing.solve.progress import report
from routing.solve.search.insertion import insert_requests
from routing.solve.search.lns import improve
from routing.solve.search.recombine import RoutePool
from routing.solve.search.relax import relax
from routing.solve.search.repair import repair
from routing.solve.search.schedule import Step, earliest_schedule
from routing.solve.stop import left as stop_left


def _steps(visits: list[TimedStep]) -> list[Step]:
    return [Step(v.request, v.kind) for v in visits if v.request is not None]


def raw_from_routes(
    scenario: Scenario,
    matrices: MatrixSet,
    routes: dict[str, list[Step]],
    requests: Sequence[Request],
    objective: Objective,
    source: str,
    why: str,
) -> RawSolution:
    """Exact routes as a backend result: earliest service starts, leaving each depot just in time.

    ``objective`` is the plan's price under the one objective (as the LNS counts it); ``why``
    says why OR-Tools did not polish it.
    """
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    raw = RawSolution(
        status=f"SUCCESS (warm start: {source}; LNS plan, no OR-Tools polish: {why})", found=True, warm_started=True
    )
    index = matrices.index()
    for vid, steps in routes.items():
        if not steps:
            continue
        vehicle = scenario.vehicle(vid)
        times = earliest_schedule(scenario, matrices, vehicle, steps, by_id, limits)
        if times is None:  # cannot happen for routes the insertion and LNS kept; never emit an unchecked route
            raise RuntimeError(f"route of {vid} has no schedule")
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
    raw.objective = objective.price(raw.routes, raw.dropped)
    return raw


def _no_polish(params: SolveParams, num_requests: int, objective: Objective) -> str:
    """Why OR-Tools does not polish the plan ('' when it does)."""
    unsupported = objective.unsupported_terms("ortools")
    if "polish" not in params.pipeline.hybrid_stages:
        return "not among the stages"
    if unsupported:
        return "; ".join(unsupported.values())
    if num_requests > params.pipeline.polish_max_requests:
        return f"more than {params.pipeline.polish_max_requests} requests"
    return ""


def polish_build_estimate_s(pipe: Pipeline, requests: Sequence[Request], num_depots: int) -> float:
    """Estimated seconds OR-Tools needs to build its model for ``requests`` (it cannot be interrupted).

    Parameters
    ----------
    pipe
        The pipeline settings (``polish_build_s_per_million_arcs``).
    requests
        The requests the model routes (one node per visit).
    num_depots
        Distinct depot locations (one node each).

    Returns
    -------
    float
        Seconds: the model's matrices are nodes x nodes.
    """
    nodes = num_depots + sum(len(r.visits) for r in requests)
    return pipe.polish_build_s_per_million_arcs * nodes * nodes / 1e6


def relaxation_setup_estimate_s(pipe: Pipeline, requests: Sequence[Request]) -> float:
    """Estimated seconds PyVRP needs before its first result on the relaxation (it cannot be interrupted).

    Parameters
    ----------
    pipe
        The pipeline settings (``relaxation_setup_s_per_million_pairs``).
    requests
        The requests of the relaxation (one PyVRP client per visit).

    Returns
    -------
    float
        Seconds: its neighbour lists and first local search grow with the square of the visits.
    """
    visits = sum(len(r.visits) for r in requests)
    return pipe.relaxation_setup_s_per_million_pairs * visits * visits / 1e6


def _polish_misfit(params: SolveParams, build_s: float, deadline: float) -> str:
    """Why the time left cannot hold the OR-Tools polish ('' when it can, or when bounded by count)."""
    if params.solution_limit is not None:
        return ""  # bounded by count: the same stages whatever the clock says (deterministic)
    left = stop_left(deadline)
    if left < _POLISH_ROOM * build_s:
        return f"its model build (about {build_s:.1f} s) does not fit in the {max(0.0, left):.1f} s left"
    return ""


#: The polish needs room for its model build and as much again for half of it to search.
_POLISH_ROOM = 1.5


def solve_hybrid(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None = None,
) -> RawSolution:
    """Run the hybrid pipeline (see the module doc) on ``requests`` before ``deadline``.

    The result carries the LNS's route pool (``RawSolution.pool``) for ``recombine_searches``.
    """
    pools: list[RoutePool] = []
    raw = _hybrid(scenario, matrices, requests, params, deadline, initial, pools)
    raw.pool = pools[-1] if pools else None
    return raw


def recombine_searches(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    objective: Objective,
    raws: Sequence[RawSolution],
    deadline: float,
) -> RawSolution | None:
    """The cheapest plan made of the routes that parallel searches met, if cheaper than all of theirs.

    The searches' pools (``RawSolution.pool``, each shortlisted by its search) are merged and
    recombined (``RoutePool.recombine``) over the requests the cheapest plan serves: every pooled
    route was feasible on its kind of vehicle, so the result is too, and serves the same requests.
    None with fewer than two pools, or when no cheaper plan was found by ``deadline``.
    """
    found = [raw for raw in raws if raw.found]
    pools = [raw.pool for raw in found if raw.pool is not None]
    if len(pools) < 2:
        return None
    prices = [objective.price(raw.routes, raw.dropped) for raw in found]
    price = min(prices)
    best = found[prices.index(price)]
    union = RoutePool(pools[0].kind, pools[0].pinned)
    for pool in pools:
        union.merge(pool)
    chosen = union.recombine(best.served(), price - objective.unserved_price(best.dropped), deadline)
    if chosen is None:
        return None
    raw = raw_from_routes(scenario, matrices, chosen[1], requests, objective, "parallel searches", "recombined")
    if raw.objective is None or raw.objective >= price:
        return None
    raw.status = f"SUCCESS (the routes of {len(pools)} parallel searches recombined: {price} -> {raw.objective})"
    return raw


def _hybrid(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None,
    pools: list[RoutePool],
) -> RawSolution:
    """The pipeline of ``solve_hybrid``; the LNS appends its route pool to ``pools``.

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    requests
        The requests to route.
    params
        Settings, with the stages and time shares in ``params.pipeline``.
    deadline
        ``time.monotonic()`` value by which the solve must be over.
    initial
        Routes (vehicle id -> steps) to start from instead of the relaxation: they are repaired
        and completed the same way.

    Returns
    -------
    RawSolution
        The plan found, with its status naming the start and whether OR-Tools polished it.
    """
    pipe = params.pipeline
    started = time.monotonic()
    budget = deadline - started
    objective = Objective.of(scenario, matrices, params.objective, requests)
    source = "pyvrp+repair" if initial is None else "given plan"
    if initial is None:
        setup_s = relaxation_setup_estimate_s(pipe, requests)
        if params.solution_limit is None and setup_s > deadline - time.monotonic():
            # PyVRP could not even finish its set-up in time: insertion alone uses the time.
            warm = RawSolution(status=f"NOT_RUN: its set-up (about {setup_s:.0f} s) exceeds the time left")
        else:
            report("relax (PyVRP)")
            relaxed_scenario, relaxed = relax(scenario, matrices, requests, params.implied_windows)
            pyvrp_deadline = min(deadline, started + max(0.5, pipe.relaxation_share * budget))
            # Warm-start mode: optional requests, and routes returned even when PyVRP could not make
            # them feasible; repair and insertion below make them exact.
            args = (relaxed_scenario, matrices, relaxed, params, pyvrp_deadline, None, False, True)
            if params.solution_limit is not None or not can_fork():
                # Bounded by count, or on a worker that may not fork (a Dask worker is a daemon
                # process): PyVRP runs here, to its own limit.
                warm = solve_pyvrp(*args)
            else:
                # PyVRP may overrun any limit it is given (set-up and a first full local search):
                # in a process of its own, stopped at the stop share (measured: 33 s for a 3-s
                # budget at 3 300 requests on a busy machine).
                stop_at = max(pyvrp_deadline, started + pipe.relaxation_stop_share * budget)
                returned, warm = call_stoppable(solve_pyvrp, args, stop_at)
                if not returned:
                    warm = RawSolution(status=f"STOPPED after {stop_at - started:.1f} s")
        if warm.found:
            given = {vid: _steps(visits) for vid, visits in warm.routes.items()}
        elif params.solution_limit is None or deadline <= time.monotonic():
            # No relaxed routes (no time left for PyVRP, or none found): insertion builds the plan
            # from empty routes, within the deadline, instead of OR-Tools from scratch, whose first
            # solution cannot be interrupted (measured: 66 s over a 15-s budget at 1 600 requests).
            given, source = {}, f"insertion; PyVRP relaxation {warm.status}"
        else:
            given = None
        missing = warm.dropped if warm.found else [r.id for r in requests]
    else:
        wanted = {r.id for r in requests}
        given = {vid: [s for s in steps if s.request in wanted] for vid, steps in initial.items()}
        placed = {s.request for steps in given.values() for s in steps}
        missing = [r.id for r in requests if r.id not in placed]
    build_s = polish_build_estimate_s(pipe, requests, len({loc for v in scenario.vehicles for loc in (v.start, v.end)}))
    if given is None:
        start = None
    else:
        start, removed = repair(scenario, matrices, given)
        removed += missing
        # Without the polish the LNS plan is the result, and insertion may take the whole budget
        # (serving a request is worth more than any improvement after it; measured: a 3 303-request
        # day left 235 requests at half its 180 s).
        why = _no_polish(params, len(requests), objective) or _polish_misfit(params, build_s, deadline)
        exact_only = bool(why)
        insert_by = deadline if exact_only else started + pipe.insertion_share * budget
        report("repair and insert")
        start, left = insert_requests(
            scenario,
            matrices,
            start,
            removed,
            insert_by,
            objective=objective,
            implied_windows=params.implied_windows,
        )
        if (
            left
            and not exact_only
            and params.solution_limit is None
            and len(requests) > pipe.plain_ortools_max_requests
        ):
            # OR-Tools inserting many requests at this size ignores its time limit (measured: 239 of
            # 1 600 left, 273 s over a 4-s budget): insertion places them, and the plan stays exact.
            why, exact_only = f"{len(left)} requests still to insert at {len(requests)} requests", True
            start, left = insert_requests(
                scenario, matrices, start, left, deadline, objective=objective, implied_windows=params.implied_windows
            )
        if "improve" in pipe.hybrid_stages:
            # Requests insertion could not place go into the LNS too: ruin and recreate makes room for them.
            report("improve")
            if params.solution_limit is None:
                share = 1.0 if exact_only else pipe.lns_shares[params.seed % len(pipe.lns_shares)]
                start, _ = improve(
                    scenario,
                    matrices,
                    start,
                    params,
                    started + share * budget,
                    objective=objective,
                    unplaced=left,
                    pools=pools,
                )
            elif exact_only:
                # Bounded by count (deterministic): the LNS stands in for the OR-Tools polish's solution limit.
                iterations = params.solution_limit * pipe.lns_iterations_per_solution
                start, _ = improve(
                    scenario,
                    matrices,
                    start,
                    params,
                    deadline,
                    max_iterations=iterations,
                    objective=objective,
                    unplaced=left,
                    pools=pools,
                )
            on_routes = {s.request for steps in start.values() for s in steps}
            left = [rid for rid in left if rid not in on_routes]
        why = why or _polish_misfit(params, build_s, deadline)
        if why:
            # Exact as it stands; requests insertion could not place by its deadline are dropped
            # (the solve stage offers them idle vehicles, then lists them as not placed).
            raw = raw_from_routes(scenario, matrices, start, requests, objective, source, why)
            raw.timed_out = bool(left)
            return raw
    report("polish (OR-Tools)" if start is not None else "search (OR-Tools)")
    raw = solve_ortools(scenario, matrices, requests, params, deadline, initial=start)
    if start is not None and params.solution_limit is None and _worse(raw, start, requests):
        # The polish ran out of time (or failed): the exact plan it started from is the best found.
        return raw_from_routes(
            scenario, matrices, start, requests, objective, source, f"it ended without a better plan ({raw.status})"
        )
    raw.status = f"{raw.status} (warm start: {source if raw.warm_started else 'none'})"
    return raw


def _worse(raw: RawSolution, start: dict[str, list[Step]], requests: Sequence[Request]) -> bool:
    """Whether OR-Tools' answer is missing, or serves fewer requests than the plan it started from."""
    served = {s.request for steps in start.values() for s in steps}
    return not raw.found or len(raw.dropped) > len(requests) - len(served)
