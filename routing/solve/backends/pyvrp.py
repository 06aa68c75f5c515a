"""PyVRP backend (the only module that imports pyvrp) for the problems PyVRP can express.

PyVRP (MIT licence) runs an iterated local search that is far stronger than
OR-Tools' local search on classic VRPTW and PDPTW. It expresses time windows,
multiple load dimensions, pickup-and-delivery shipments, depot deliveries,
heterogeneous fleets with several depots, shifts, maximum durations and fixed,
per-distance and per-duration costs. It cannot express maximum ride times,
enekørsel, not-together rules or vehicle skills: ``unsupported`` says which,
and the solve stage then uses OR-Tools instead.

Costs come from the one objective (``routing.solve.objective``): its priced integer arc
matrices are PyVRP's distance matrices (one per (profile, price), unit distance cost 1), its
fixed prices and per-second duty prices PyVRP's fixed and unit duration costs. PyVRP's duration
runs depot to depot (see ``Objective.unsupported_terms``).
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from routing.limits import max_duration_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, Vehicle
from routing.solve.backends.base import RawSolution, TimedStep
from routing.solve.objective import Objective
from routing.solve.params import SolveParams
from routing.solve.search.schedule import Step
from routing.solve.stop import requested as stop_requested


class _FeasibleFound:
    """Stopping criterion: stop once the search holds a feasible solution (its cost is finite)."""

    def __call__(self, best_cost: float) -> bool:
        return best_cost < np.iinfo(np.int64).max


def _runtime(seconds: float) -> pyvrp.stop.StoppingCriterion:
    """Stop after ``seconds``, or as soon as a stop is asked for (Ctrl-C: the best solution is kept)."""
    return MultipleCriteria([MaxRuntime(max(0.01, seconds)), _stop_asked])


def _stop_asked(best_cost: float) -> bool:
    return stop_requested()


def _without_smallest_route(data: pyvrp.ProblemData, solution: pyvrp.Solution) -> pyvrp.Solution:
    """``solution`` minus its route with the fewest stops; PyVRP's search reinserts those requests."""
    routes = sorted(solution.routes(), key=len)[1:]
    kept = [
        pyvrp.Route(data, [pyvrp.Activity(a.type, a.idx) for a in r.schedule() if not a.is_depot()], r.vehicle_type())
        for r in routes
    ]
    return pyvrp.Solution(data, kept)


def _load_bound(data: pyvrp.ProblemData) -> int:
    """Fewest vehicles the total load allows (one vehicle type)."""
    capacity = data.vehicle_type(0).capacity
    totals = np.zeros(len(capacity), dtype=np.int64)
    for c in data.clients():
        totals += np.maximum(np.asarray(c.delivery, dtype=np.int64), np.asarray(c.pickup, dtype=np.int64))
    for s in data.shipments():
        totals += np.asarray(s.amount, dtype=np.int64)
    return max(1, *(int(-(-t // max(1, q))) for t, q in zip(totals, capacity, strict=True)))


def _minimise_fleet(data: pyvrp.ProblemData, params: SolveParams, deadline: float) -> pyvrp.Result:
    """Vehicles first, then distance: a distance search, a descent in fleet size, a final search.

    The descent drops the smallest route of the best plan and lets PyVRP reinsert its requests
    with one vehicle fewer, stopping that try at the first feasible plan; a try that fails within
    its slice (half of the time left before the final search) ends the descent. The final
    search continues from the best plan at the smallest fleet found.
    """
    total = deadline - time.monotonic()
    final_at = deadline - params.pipeline.pyvrp_final_share * total
    result = pyvrp.solve(
        data,
        stop=_runtime(params.pipeline.pyvrp_distance_share * total),
        seed=params.seed,
        display=params.log_search,
    )
    best = result.best
    if not (best.is_feasible() and best.is_complete()):
        return pyvrp.solve(
            data,
            stop=_runtime(deadline - time.monotonic() - 0.05),
            seed=params.seed,
            display=params.log_search,
        )
    fleet_data = data
    floor = _load_bound(data)
    while best.num_routes() > floor:
        slice_s = final_at - time.monotonic()
        if slice_s < 0.05:
            break
        fewer = data.replace(vehicle_types=[data.vehicle_type(0).replace(num_available=best.num_routes() - 1)])
        trial = pyvrp.solve(
            fewer,
            stop=MultipleCriteria([_runtime(slice_s), _FeasibleFound()]),
            seed=params.seed,
            display=params.log_search,
            initial_solution=_without_smallest_route(fewer, best),
        )
        if not (trial.best.is_feasible() and trial.best.is_complete()):
            break
        best, fleet_data = trial.best, fewer
    # The search starts from (and so never ends worse than) the best plan at the smallest fleet.
    return pyvrp.solve(
        fleet_data,
        stop=_runtime(deadline - time.monotonic() - 0.05),
        seed=params.seed,
        display=params.log_search,
        initial_solution=best,
    )


def _initial_solution(
    data: pyvrp.ProblemData,
    initial: dict[str, list[Step]],
    group_members: list[list[Vehicle]],
    client_of: list[str],
    shipment_of: list[str],
) -> pyvrp.Solution | None:
    """Given routes as a PyVRP solution (None when PyVRP rejects them); requests not routed here are left out."""
    group = {v.id: g for g, members in enumerate(group_members) for v in members}
    client = {rid: k for k, rid in enumerate(client_of)}
    shipment = {rid: k for k, rid in enumerate(shipment_of)}
    routes = []
    for vid, steps in initial.items():
        activities = []
        for s in steps:
            if s.request in client:
                activities.append(pyvrp.Activity(pyvrp.ActivityType.CLIENT, client[s.request]))
            elif s.request in shipment:
                kind = pyvrp.ActivityType.PICKUP if s.kind == "pickup" else pyvrp.ActivityType.DELIVERY
                activities.append(pyvrp.Activity(kind, shipment[s.request]))
        if activities and vid in group:
            routes.append(pyvrp.Route(data, activities, group[vid]))
    try:
        return pyvrp.Solution(data, routes)
    except (ValueError, RuntimeError, IndexError):
        return None


def unsupported(scenario: Scenario, requests: Sequence[Request]) -> str:
    """Why PyVRP cannot express this problem ('' when it can)."""
    if any(r.ride.is_limited for r in requests):
        return "maximum ride times"
    if any(r.solo for r in requests):
        return "enekørsel"
    if any(r.not_with for r in requests):
        return "not-together rules"
    common = (
        frozenset.intersection(*(scenario.vehicle_type(v.type).skills for v in scenario.vehicles))
        if scenario.vehicles
        else frozenset()
    )
    if any(not r.skills <= common for r in requests):
        return "vehicle skills"
    if any(r.vehicles for r in requests):
        return "requests pinned to vehicles"
    return ""


class _Kind(NamedTuple):
    """Vehicles PyVRP can treat as one vehicle type: same type, depots, shift and longest duty."""

    type: str
    start: str
    end: str
    shift_start_s: int
    shift_end_s: int
    longest_s: int | None


def _group_key(scenario: Scenario, v: Vehicle) -> _Kind:
    return _Kind(v.type, v.start, v.end, v.shift.start_s, v.shift.end_s, max_duration_s(scenario, v))


def solve_pyvrp_fleet(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None = None,
) -> RawSolution:
    """PyVRP with a route-minimisation stage (hierarchical objective): see ``solve_pyvrp``."""
    return solve_pyvrp(scenario, matrices, requests, params, deadline, initial, minimise_fleet=True)


def _requests(
    requests: Sequence[Request], index: dict[str, int], dims: tuple[str, ...], prize: int, warm_start: bool
) -> tuple[list[pyvrp.Client], list[pyvrp.Shipment], list[str], list[str]]:
    """Depot deliveries as PyVRP clients, pickup-and-drop-off trips as shipments, with their request ids."""
    clients: list[pyvrp.Client] = []
    shipments: list[pyvrp.Shipment] = []
    client_of: list[str] = []
    shipment_of: list[str] = []
    for r in requests:
        amounts = [r.load.get(d) for d in dims]
        w = r.dropoff.effective_window
        if r.pickup is None:
            clients.append(
                pyvrp.Client(
                    location=index[r.dropoff.location],
                    delivery=amounts,
                    service_duration=r.dropoff.service_s,
                    tw_early=w.start_s,
                    tw_late=w.end_s,
                    prize=prize,
                    required=not warm_start,
                    name=r.id,
                )
            )
            client_of.append(r.id)
        else:
            pw = r.pickup.effective_window
            shipments.append(
                pyvrp.Shipment(
                    pickup_location=index[r.pickup.location],
                    delivery_location=index[r.dropoff.location],
                    pickup_tw_early=pw.start_s,
                    pickup_tw_late=pw.end_s,
                    pickup_service_duration=r.pickup.service_s,
                    delivery_tw_early=w.start_s,
                    delivery_tw_late=w.end_s,
                    delivery_service_duration=r.dropoff.service_s,
                    amount=amounts,
                    prize=prize,
                    required=not warm_start,
                    name=r.id,
                )
            )
            shipment_of.append(r.id)
    return clients, shipments, client_of, shipment_of


def solve_pyvrp(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None = None,
    minimise_fleet: bool = False,
    warm_start: bool = False,
) -> RawSolution:
    """Solve with PyVRP; ``found`` is False unless PyVRP returns a complete, feasible solution.

    ``initial`` routes, when given, are PyVRP's initial solution (requests they lack are
    inserted by its search; routes PyVRP rejects, e.g. more than a vehicle kind has, mean a
    start from scratch, and ``status`` says so). Not with ``minimise_fleet``.

    With ``minimise_fleet`` (objective ``vehicles_then_distance``, one vehicle kind) a first
    distance search is followed by a search with one vehicle fewer than it used, kept if feasible.
    With ``warm_start`` the result only seeds another search that repairs it: every request
    carries a prize above any cost of serving it instead of being required, so a tight problem
    still yields a partial plan (``dropped`` lists the rest), and PyVRP's best routes are returned
    even when they break a rule (``status`` says so). PyVRP's search can stay stuck on such
    routes when some vehicle types lack a load dimension (wheelchair places: PyVRP issue #842).
    The warm-start search runs, however briefly, even when the model build used up its time
    (the hybrid bounds it in a process of its own).
    """
    started = time.monotonic()
    raw = RawSolution()
    why = unsupported(scenario, requests)
    if why:
        raw.status = f"UNSUPPORTED: {why}"
        return raw
    index = matrices.index()
    dims = scenario.dimensions
    objective = Objective.of(scenario, matrices, params.objective, requests)
    # One PyVRP profile per priced arc matrix: its distance is the objective's arc cost.
    arc_keys = objective.arc_keys
    locations = [pyvrp.Location(x=0, y=0, name=loc) for loc in matrices.location_ids]

    depot_ids = list(dict.fromkeys(loc for v in scenario.vehicles for loc in (v.start, v.end)))
    depot_pos = {loc: i for i, loc in enumerate(depot_ids)}
    depots = [pyvrp.Depot(location=index[loc], name=loc) for loc in depot_ids]

    prize = objective.prize() if warm_start else 0
    clients, shipments, client_of, shipment_of = _requests(requests, index, dims, prize, warm_start)

    groups: dict[_Kind, list[Vehicle]] = defaultdict(list)
    for v in scenario.vehicles:
        groups[_group_key(scenario, v)].append(v)
    # Vehicles first: for one vehicle kind a route-minimisation stage caps the fleet (below) instead
    # of the objective's weight per vehicle, which distorts PyVRP's penalty management there
    # (Li & Lim lc204: 735 vs 590.6 at 10 s).
    fleet_stage = params.objective == "vehicles_then_distance" and len(groups) == 1
    vehicle_types = []
    group_members: list[list[Vehicle]] = []
    for group, members in groups.items():
        vt = scenario.vehicle_type(group.type)
        price = objective.prices[members[0].id]
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=[vt.capacity.get(d) for d in dims],
                start_depot=depot_pos[group.start],
                end_depot=depot_pos[group.end],
                fixed_cost=0 if fleet_stage else price.fixed,
                tw_early=group.shift_start_s,
                tw_late=group.shift_end_s,
                shift_duration=group.longest_s if group.longest_s is not None else np.iinfo(np.int64).max,
                unit_distance_cost=1,
                unit_duration_cost=price.per_s,
                profile=arc_keys.index(price.arc_key),
                name=group.type,
            )
        )
        group_members.append(members)
    # PyVRP's stubs type a matrix's shape as int; the arrays are plain 2-D int64.
    distances: list[Any] = [np.ascontiguousarray(objective.arcs_for(key), dtype=np.int64) for key in arc_keys]
    durations: list[Any] = [np.ascontiguousarray(matrices.duration_s[key[0]], dtype=np.int64) for key in arc_keys]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=distances,
        duration_matrices=durations,
        shipments=shipments,
    )
    raw.build_time_s = time.monotonic() - started
    budget = deadline - time.monotonic() - 0.05
    if budget <= 0 and not warm_start:
        raw.status = "NO_TIME_LEFT_AFTER_MODEL_BUILD"
        return raw

    def stop(seconds: float) -> pyvrp.stop.StoppingCriterion:
        criterion = _runtime(seconds)
        if params.solution_limit is not None:
            iterations = params.solution_limit * params.pipeline.pyvrp_iterations_per_solution
            return MultipleCriteria([criterion, MaxIterations(iterations)])
        return criterion

    rejected = False
    with warnings.catch_warnings():
        # PyVRP warns when its penalty bounds bind; the result is checked anyway.
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        minimise_fleet = (
            minimise_fleet
            and params.objective == "vehicles_then_distance"
            and len(vehicle_types) == 1
            and params.solution_limit is None
        )
        if minimise_fleet:
            result = _minimise_fleet(data, params, deadline)
        else:
            start = _initial_solution(data, initial, group_members, client_of, shipment_of) if initial else None
            rejected = bool(initial) and start is None
            result = pyvrp.solve(
                data,
                stop=stop(deadline - time.monotonic() - 0.05),
                seed=params.seed,
                display=params.log_search,
                initial_solution=start,
            )
    best = result.best
    raw.num_solutions = result.num_iterations
    raw.objective = int(result.cost()) if best.is_feasible() else None
    if not warm_start and (not best.is_feasible() or not best.is_complete()) or best.num_routes() == 0:
        raw.status = "PYVRP_INFEASIBLE" if not best.is_feasible() else "PYVRP_INCOMPLETE"
        return raw
    raw.status = "SUCCESS" if best.is_feasible() else "PYVRP_INFEASIBLE_WARM_START"
    raw.warm_started = bool(initial) and not rejected
    if rejected:
        raw.status += " (initial routes rejected)"
    raw.found = True
    used = [0] * len(group_members)
    served: set[str] = set()
    for route in best.routes():
        g = route.vehicle_type()
        vehicle = group_members[g][used[g]]
        used[g] += 1
        visits = []
        for act in route.schedule():
            if act.is_depot():
                continue
            if act.is_client():
                rid, kind = client_of[act.idx], "dropoff"
            else:
                rid, kind = shipment_of[act.idx], "pickup" if act.is_pickup() else "dropoff"
            request = scenario.request(rid)
            served.add(rid)
            visits.append(TimedStep(kind, getattr(request, kind).location, int(act.start_time), rid))
        raw.routes[vehicle.id] = [
            TimedStep("start", vehicle.start, int(route.start_time())),
            *visits,
            TimedStep("end", vehicle.end, int(route.end_time())),
        ]
    raw.dropped = [r.id for r in requests if r.id not in served]
    raw.first_solution_s = raw.build_time_s
    return raw
