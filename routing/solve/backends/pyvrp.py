"""PyVRP backend (the only module that imports pyvrp) for the problems PyVRP can express.

PyVRP (MIT licence) runs an iterated local search that is far stronger than
OR-Tools' local search on classic VRPTW and PDPTW. It expresses time windows,
multiple load dimensions, pickup-and-delivery shipments, depot deliveries,
heterogeneous fleets with several depots, shifts, maximum durations and fixed,
per-distance and per-duration costs. It cannot express maximum ride times,
enekørsel, not-together rules or vehicle skills: ``unsupported`` says which,
and the solve stage then uses OR-Tools instead.
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, Vehicle
from routing.solve.backends.base import RawSolution, TimedStep
from routing.solve.params import SolveParams
from routing.units import COST_UNITS_PER_DKK, METRES_PER_KM, SECONDS_PER_HOUR

#: Iterations per unit of ``solution_limit`` when a run is bounded by count (tests).
ITERATIONS_PER_SOLUTION = 50
#: Share of the time the first, distance-only search gets under a hierarchical objective.
DISTANCE_SHARE = 0.15
#: Share of the time kept for the final search at the smallest fleet found.
FINAL_SHARE = 0.3


class _FeasibleFound:
    """Stopping criterion: stop once the search holds a feasible solution (its cost is finite)."""

    def __call__(self, best_cost: float) -> bool:
        return best_cost < np.iinfo(np.int64).max


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
    final_at = deadline - FINAL_SHARE * total
    result = pyvrp.solve(
        data, stop=MaxRuntime(max(0.01, DISTANCE_SHARE * total)), seed=params.seed, display=params.log_search
    )
    best = result.best
    if not (best.is_feasible() and best.is_complete()):
        return pyvrp.solve(
            data,
            stop=MaxRuntime(max(0.01, deadline - time.monotonic() - 0.05)),
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
            stop=MultipleCriteria([MaxRuntime(slice_s), _FeasibleFound()]),
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
        stop=MaxRuntime(max(0.01, deadline - time.monotonic() - 0.05)),
        seed=params.seed,
        display=params.log_search,
        initial_solution=best,
    )


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
    return ""


def _prize(scenario: Scenario, matrices: MatrixSet, profiles: list[str], params: SolveParams) -> int:
    """A prize per optional request above the most serving it could add to the objective (a vehicle of its own)."""
    longest_m = max(int(matrices.distance_m[p].max()) for p in profiles)
    longest_s = max(int(matrices.duration_s[p].max()) for p in profiles)
    worst = 0
    for vt in scenario.vehicle_types:
        if params.objective == "cost":
            per_m = vt.cost_per_km_dkk * COST_UNITS_PER_DKK / METRES_PER_KM + 1
            per_s = vt.cost_per_hour_dkk * COST_UNITS_PER_DKK / SECONDS_PER_HOUR
            fixed = vt.fixed_cost_dkk * COST_UNITS_PER_DKK
        else:
            per_m, per_s, fixed = 1.0, 0.0, 0.0
        worst = max(worst, int(fixed + 4 * longest_m * per_m + 4 * longest_s * per_s))
    return 10 * worst + 1


def _group_key(scenario: Scenario, v: Vehicle) -> tuple[object, ...]:
    from routing.limits import max_duration_s

    return (v.type, v.start, v.end, v.shift.start_s, v.shift.end_s, max_duration_s(scenario, v))


def solve_pyvrp_fleet(
    scenario: Scenario, matrices: MatrixSet, requests: Sequence[Request], params: SolveParams, deadline: float
) -> RawSolution:
    """PyVRP with a route-minimisation stage (hierarchical objective): see ``solve_pyvrp``."""
    return solve_pyvrp(scenario, matrices, requests, params, deadline, minimise_fleet=True)


def solve_pyvrp(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    params: SolveParams,
    deadline: float,
    minimise_fleet: bool = False,
    warm_start: bool = False,
) -> RawSolution:
    """Solve with PyVRP; ``found`` is False unless PyVRP returns a complete, feasible solution.

    With ``minimise_fleet`` (objective ``vehicles_then_distance``, one vehicle kind) a first
    distance search is followed by a search with one vehicle fewer than it used, kept if feasible.
    With ``warm_start`` the result only seeds another search that repairs it: every request
    carries a prize above any cost of serving it instead of being required, so a tight problem
    still yields a partial plan (``dropped`` lists the rest), and PyVRP's best routes are returned
    even when they break a rule (``status`` says so). PyVRP's search can stay stuck on such
    routes when some vehicle types lack a load dimension (wheelchair places: PyVRP issue #842).
    """
    started = time.monotonic()
    raw = RawSolution()
    why = unsupported(scenario, requests)
    if why:
        raw.status = f"UNSUPPORTED: {why}"
        return raw
    index = matrices.index()
    dims = scenario.dimensions
    profiles = sorted({vt.profile for vt in scenario.vehicle_types})
    locations = [pyvrp.Location(x=0, y=0, name=loc) for loc in matrices.location_ids]

    depot_ids = list(dict.fromkeys(loc for v in scenario.vehicles for loc in (v.start, v.end)))
    depot_pos = {loc: i for i, loc in enumerate(depot_ids)}
    depots = [pyvrp.Depot(location=index[loc], name=loc) for loc in depot_ids]

    clients, shipments, client_of, shipment_of = [], [], [], []
    prize = _prize(scenario, matrices, profiles, params) if warm_start else 0
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

    groups: dict[tuple[object, ...], list[Vehicle]] = defaultdict(list)
    for v in scenario.vehicles:
        groups[_group_key(scenario, v)].append(v)
    # Vehicles first: for one vehicle kind a route-minimisation stage caps the fleet (below); a huge
    # fixed cost per vehicle distorts PyVRP's penalty management (Li & Lim lc204: 735 vs 590.6 at 10 s).
    vehicle_weight = 0
    single_type = len({_group_key(scenario, v) for v in scenario.vehicles}) == 1
    if params.objective == "vehicles_then_distance" and not single_type:
        vehicle_weight = max(int(matrices.distance_m[p].max(axis=1).sum()) + 1 for p in profiles)
    vehicle_types = []
    group_members: list[list[Vehicle]] = []
    for (type_id, start, end, shift_start, shift_end, longest), members in groups.items():
        vt = scenario.vehicle_type(str(type_id))
        if params.objective == "cost":
            fixed = int(round(vt.fixed_cost_dkk * COST_UNITS_PER_DKK))
            per_m = int(round(vt.cost_per_km_dkk * COST_UNITS_PER_DKK / METRES_PER_KM)) + 1
            per_s = int(round(vt.cost_per_hour_dkk * COST_UNITS_PER_DKK / SECONDS_PER_HOUR))
        else:
            fixed, per_m, per_s = vehicle_weight, 1, 0
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=[vt.capacity.get(d) for d in dims],
                start_depot=depot_pos[str(start)],
                end_depot=depot_pos[str(end)],
                fixed_cost=fixed,
                tw_early=int(shift_start),  # type: ignore[call-overload]
                tw_late=int(shift_end),  # type: ignore[call-overload]
                shift_duration=int(longest) if longest is not None else np.iinfo(np.int64).max,  # type: ignore[call-overload]
                unit_distance_cost=per_m,
                unit_duration_cost=per_s,
                profile=profiles.index(vt.profile),
                name=str(type_id),
            )
        )
        group_members.append(members)
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[np.ascontiguousarray(matrices.distance_m[p], dtype=np.int64) for p in profiles],
        duration_matrices=[np.ascontiguousarray(matrices.duration_s[p], dtype=np.int64) for p in profiles],
        shipments=shipments,
    )
    raw.build_time_s = time.monotonic() - started
    budget = deadline - time.monotonic() - 0.05
    if budget <= 0:
        raw.status = "NO_TIME_LEFT_AFTER_MODEL_BUILD"
        return raw

    def stop(seconds: float) -> pyvrp.stop.StoppingCriterion:
        criterion = MaxRuntime(max(0.01, seconds))
        if params.solution_limit is not None:
            return MultipleCriteria([criterion, MaxIterations(params.solution_limit * ITERATIONS_PER_SOLUTION)])
        return criterion

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
            result = pyvrp.solve(
                data, stop=stop(deadline - time.monotonic() - 0.05), seed=params.seed, display=params.log_search
            )
    best = result.best
    raw.num_solutions = result.num_iterations
    raw.objective = int(result.cost()) if best.is_feasible() else None
    if not warm_start and (not best.is_feasible() or not best.is_complete()) or best.num_routes() == 0:
        raw.status = "PYVRP_INFEASIBLE" if not best.is_feasible() else "PYVRP_INCOMPLETE"
        return raw
    raw.status = "SUCCESS" if best.is_feasible() else "PYVRP_INFEASIBLE_WARM_START"
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
