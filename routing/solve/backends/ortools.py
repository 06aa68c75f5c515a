"""OR-Tools backend: builds one RoutingModel from the model and returns plain visits.

This is the only module that imports ortools. All arc costs and transit times
are registered as matrices (one per vehicle type / profile) and all demands as
vectors: no Python callback runs inside the search.

Node layout: depot nodes first (one per distinct depot location), then per
request its pickup node (pickup-and-drop-off requests) and its drop-off node.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.limits import max_duration_s, ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.solve.backends.base import RawSolution, TimedStep
from routing.solve.objective import Objective
from routing.solve.params import SolveParams
from routing.solve.search.schedule import Step
from routing.solve.search.tighten import search_windows
from routing.solve.stop import left as stop_left
from routing.solve.stop import ortools_limit, past

_STATUS = {
    0: "NOT_SOLVED",
    1: "SUCCESS",
    2: "PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED",
    3: "FAIL",
    4: "FAIL_TIMEOUT",
    5: "INVALID",
    6: "INFEASIBLE",
    7: "OPTIMAL",
}


@dataclass
class _Nodes:
    """Node-indexed data of one model.

    Depot nodes come first; then each request's pickup node (pairs only) and drop-off node.
    """

    locations: list[int]  # matrix index of each node
    service_s: list[int]
    depot_of: dict[str, int]  # depot location id -> node
    requests: list[Request]
    pickup: list[int | None]  # per request: pickup node, None for a depot delivery
    dropoff: list[int]  # per request: drop-off node
    owner: dict[int, tuple[int, str]]  # request node -> (request position, "pickup" | "dropoff")

    @property
    def pairs(self) -> list[tuple[int, int, int]]:
        """``(position, pickup node, drop-off node)`` of every pickup-and-drop-off request."""
        return [(k, p, self.dropoff[k]) for k, p in enumerate(self.pickup) if p is not None]


def _nodes(scenario: Scenario, matrices: MatrixSet, requests: Sequence[Request]) -> _Nodes:
    index = matrices.index()
    depot_of: dict[str, int] = {}
    for v in scenario.vehicles:
        for loc in (v.start, v.end):
            depot_of.setdefault(loc, len(depot_of))
    nodes = _Nodes([index[loc] for loc in depot_of], [0] * len(depot_of), depot_of, list(requests), [], [], {})
    for k, r in enumerate(requests):
        for kind, visit in (("pickup", r.pickup), ("dropoff", r.dropoff)):
            if visit is None:
                nodes.pickup.append(None)
                continue
            node = len(nodes.locations)
            nodes.locations.append(index[visit.location])
            nodes.service_s.append(visit.service_s)
            nodes.owner[node] = (k, kind)
            (nodes.pickup if kind == "pickup" else nodes.dropoff).append(node)
    return nodes


def _index_manager(scenario: Scenario, nodes: _Nodes) -> pywrapcp.RoutingIndexManager:
    starts = [nodes.depot_of[v.start] for v in scenario.vehicles]
    ends = [nodes.depot_of[v.end] for v in scenario.vehicles]
    return pywrapcp.RoutingIndexManager(len(nodes.locations), len(scenario.vehicles), starts, ends)


def _arc_costs(routing: pywrapcp.RoutingModel, scenario: Scenario, objective: Objective, nodes: _Nodes) -> None:
    """Arc costs and fixed costs of the objective: one priced transit matrix per vehicle type."""
    loc = np.asarray(nodes.locations)
    by_type: dict[str, int] = {}
    for vt in scenario.vehicle_types:
        vehicle = next((v for v in scenario.vehicles if v.type == vt.id), None)
        if vehicle is not None:
            arcs = objective.arcs(vehicle.id)[np.ix_(loc, loc)]
            by_type[vt.id] = routing.RegisterTransitMatrix(arcs.tolist())
    for v_idx, v in enumerate(scenario.vehicles):
        routing.SetArcCostEvaluatorOfVehicle(by_type[v.type], v_idx)
        fixed = objective.prices[v.id].fixed
        if fixed:
            routing.SetFixedCostOfVehicle(fixed, v_idx)


def _time_dimension(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    scenario: Scenario,
    matrices: MatrixSet,
    nodes: _Nodes,
    params: SolveParams,
    objective: Objective,
) -> pywrapcp.RoutingDimension:
    """Travel time plus service time at the origin, with waiting as slack; the duty price as span cost.

    The span runs depot to depot: duty priced from the first stop is beyond it
    (``Objective.unsupported_terms``), and such vehicles are priced from the depot here.
    """
    loc = np.asarray(nodes.locations)
    service = np.asarray(nodes.service_s, dtype=np.int64)[:, None]
    by_profile: dict[str, int] = {}
    for profile in sorted({vt.profile for vt in scenario.vehicle_types}):
        transit = matrices.duration_s[profile][np.ix_(loc, loc)] + service
        by_profile[profile] = routing.RegisterTransitMatrix(transit.tolist())
    transits = [by_profile[scenario.vehicle_type(v.type).profile] for v in scenario.vehicles]
    routing.AddDimensionWithVehicleTransits(transits, scenario.horizon_s, scenario.horizon_s, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    # Implied windows (ride limits, direct times, shifts) prune the search without cutting any plan.
    windows = search_windows(scenario, matrices, nodes.requests, params.implied_windows)
    for node, (k, kind) in nodes.owner.items():
        r = nodes.requests[k]
        pickup_window, dropoff_window = windows[r.id]
        w = pickup_window if kind == "pickup" else dropoff_window
        assert w is not None
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(w.start_s, w.end_s)
    for v_idx, v in enumerate(scenario.vehicles):
        for index in (routing.Start(v_idx), routing.End(v_idx)):
            time_dim.CumulVar(index).SetRange(v.shift.start_s, v.shift.end_s)
        longest = max_duration_s(scenario, v)
        if longest is not None:
            time_dim.SetSpanUpperBoundForVehicle(longest, v_idx)
        per_s = objective.prices[v.id].per_s
        if per_s > 0:
            time_dim.SetSpanCostCoefficientForVehicle(per_s, v_idx)
    return time_dim


def _vector_dimension(
    routing: pywrapcp.RoutingModel, name: str, demand: list[int], capacities: list[int], start_free: bool = False
) -> None:
    callback = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, not start_free, name)
    if start_free:
        # The vehicle leaves with its depot deliveries on board and returns empty.
        dim = routing.GetDimensionOrDie(name)
        for v_idx in range(len(capacities)):
            dim.CumulVar(routing.End(v_idx)).SetValue(0)


def _load_dimensions(routing: pywrapcp.RoutingModel, scenario: Scenario, nodes: _Nodes) -> None:
    """One capacity dimension per load dimension, plus *enekørsel* and *not together* dimensions."""
    has_pairs = bool(nodes.pairs)
    for dim in scenario.dimensions:
        demand = [0] * len(nodes.locations)
        for k, r in enumerate(nodes.requests):
            q, p = r.load.get(dim), nodes.pickup[k]
            if p is not None:
                demand[p], demand[nodes.dropoff[k]] = q, -q
            else:
                # Depot deliveries: pure VRP loads accumulate; mixed with pairs they are unloaded.
                demand[nodes.dropoff[k]] = -q if has_pairs else q
        if any(demand):
            caps = [scenario.vehicle_type(v.type).capacity.get(dim) for v in scenario.vehicles]
            start_free = has_pairs and any(p is None for p in nodes.pickup)
            _vector_dimension(routing, f"load:{dim}", demand, caps, start_free)
    # Enekørsel: a solo passenger weighs the whole capacity, everyone else 1 (pairs only; validated).
    if any(r.solo for r in nodes.requests):
        big = len(nodes.requests) + 1
        demand = [0] * len(nodes.locations)
        for k, p, d in nodes.pairs:
            weight = big if nodes.requests[k].solo else 1
            demand[p], demand[d] = weight, -weight
        _vector_dimension(routing, "solo", demand, [big] * len(scenario.vehicles))
    # Not together: one unit-capacity dimension per pair.
    position = {r.id: k for k, r in enumerate(nodes.requests)}
    for a, b in sorted(scenario.not_together_pairs()):
        if a in position and b in position:
            demand = [0] * len(nodes.locations)
            for k in (position[a], position[b]):
                pickup = nodes.pickup[k]
                assert pickup is not None, "not-together requests are pickup-and-drop-off pairs (validated)"
                demand[pickup], demand[nodes.dropoff[k]] = 1, -1
            _vector_dimension(routing, f"apart:{a}|{b}", demand, [1] * len(scenario.vehicles))


def _pickup_delivery(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time_dim: pywrapcp.RoutingDimension,
    nodes: _Nodes,
    penalty: int,
) -> None:
    """Pairs on one vehicle, pickup first; each visit droppable at ``penalty`` (the objective's unserved term)."""
    solver = routing.solver()
    for _, pickup, dropoff in nodes.pairs:
        p, d = manager.NodeToIndex(pickup), manager.NodeToIndex(dropoff)
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(time_dim.CumulVar(p) <= time_dim.CumulVar(d))
    for node in nodes.owner:
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)


def _ride_time_limits(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time_dim: pywrapcp.RoutingDimension,
    nodes: _Nodes,
    limits: dict[str, int | None],
) -> None:
    """Start of drop-off service minus departure from pickup within the ride limit (Cordeau's definition)."""
    solver = routing.solver()
    for k, pickup, dropoff in nodes.pairs:
        r = nodes.requests[k]
        limit = limits[r.id]
        if limit is not None and r.pickup is not None:
            p, d = manager.NodeToIndex(pickup), manager.NodeToIndex(dropoff)
            solver.Add(time_dim.CumulVar(d) - time_dim.CumulVar(p) <= limit + r.pickup.service_s)


def _allowed_vehicles(
    routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, scenario: Scenario, nodes: _Nodes
) -> None:
    """Skills, room and pins: only vehicles that offer both, and that the request allows, may serve it."""
    types = {v.type for v in scenario.vehicles}
    for k, r in enumerate(nodes.requests):
        # Per vehicle type first: the fleet is scanned only for requests some type cannot take.
        able = {
            t
            for t in types
            if r.skills <= scenario.vehicle_type(t).skills and r.load.fits_in(scenario.vehicle_type(t).capacity)
        }
        if able == types and not r.vehicles:
            continue
        allowed = [v_idx for v_idx, v in enumerate(scenario.vehicles) if v.type in able and r.allows(v.id)]
        if len(allowed) < len(scenario.vehicles):
            for node in (n for n in (nodes.pickup[k], nodes.dropoff[k]) if n is not None):
                # SetAllowedVehiclesForIndex takes no Python list in OR-Tools 9.15; -1 keeps the node droppable.
                routing.VehicleVar(manager.NodeToIndex(node)).SetValues([-1, *allowed])


def _schedule_finalizers(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time_dim: pywrapcp.RoutingDimension,
    scenario: Scenario,
    nodes: _Nodes,
) -> None:
    """Leave depots late, return early, pick up late and drop off early: short duties and rides."""
    # Order matters: return as early as possible first, then leave as late as that allows.
    for v_idx in range(len(scenario.vehicles)):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v_idx)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v_idx)))
    for node, (_, kind) in nodes.owner.items():
        if kind == "pickup":
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(manager.NodeToIndex(node)))
        else:
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(manager.NodeToIndex(node)))


def _search_parameters(params: SolveParams, seconds: float) -> pywrapcp.DefaultRoutingSearchParameters:
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, params.first_solution)
    search.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic)
    search.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.log_search = params.log_search
    return search


def _extract(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time_dim: pywrapcp.RoutingDimension,
    solution: pywrapcp.Assignment,
    scenario: Scenario,
    nodes: _Nodes,
    raw: RawSolution,
) -> None:
    served: set[int] = set()
    for v_idx, v in enumerate(scenario.vehicles):
        index = routing.Start(v_idx)
        if routing.IsEnd(solution.Value(routing.NextVar(index))):
            continue
        visits = [TimedStep("start", v.start, solution.Value(time_dim.CumulVar(index)))]
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            k, kind = nodes.owner[manager.IndexToNode(index)]
            r = nodes.requests[k]
            served.add(k)
            visits.append(TimedStep(kind, getattr(r, kind).location, solution.Value(time_dim.CumulVar(index)), r.id))
            index = solution.Value(routing.NextVar(index))
        visits.append(TimedStep("end", v.end, solution.Value(time_dim.CumulVar(index))))
        raw.routes[v.id] = visits
    raw.dropped = [r.id for k, r in enumerate(nodes.requests) if k not in served]


def _initial_assignment(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    scenario: Scenario,
    nodes: _Nodes,
    initial: dict[str, list[Step]],
    search: object,
) -> pywrapcp.Assignment | None:
    """The warm-start routes as an OR-Tools assignment (None if OR-Tools rejects them)."""
    position = {r.id: k for k, r in enumerate(nodes.requests)}
    routes = []
    for v in scenario.vehicles:
        route = []
        for step in initial.get(v.id, []):
            k = position.get(step.request)
            node = None if k is None else (nodes.pickup[k] if step.kind == "pickup" else nodes.dropoff[k])
            if node is not None:
                route.append(manager.NodeToIndex(node))
        routes.append(route)
    routing.CloseModelWithParameters(search)
    return routing.ReadAssignmentFromRoutes(routes, True)


def _out_of_time(raw: RawSolution, started: float) -> RawSolution:
    raw.build_time_s = time.monotonic() - started
    raw.status = "NO_TIME_LEFT_DURING_MODEL_BUILD"
    return raw


def solve_ortools(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    params: SolveParams,
    deadline: float,
    initial: dict[str, list[Step]] | None = None,
) -> RawSolution:
    """Solve the routing model for ``requests`` with OR-Tools.

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    requests
        The requests to route (those proven unservable are left out by the caller).
    params
        Solver settings.
    deadline
        ``time.monotonic()`` value by which the whole solve must be over.
    initial
        Optional warm start: steps per vehicle id (must be feasible; requests left
        out of it start unperformed and the search may insert them).

    Returns
    -------
    RawSolution
        Visits per used vehicle with service start times, dropped request ids and search facts.
    """
    started = time.monotonic()
    raw = RawSolution()
    nodes = _nodes(scenario, matrices, requests)
    manager = _index_manager(scenario, nodes)
    routing = pywrapcp.RoutingModel(manager)
    objective = Objective.of(scenario, matrices, params.objective, requests)
    _arc_costs(routing, scenario, objective, nodes)
    # The build cannot be interrupted, but it can stop between its long steps (seconds each at
    # 1 600 requests) once the deadline has passed: no search could run anyway.
    if past(deadline):
        return _out_of_time(raw, started)
    time_dim = _time_dimension(routing, manager, scenario, matrices, nodes, params, objective)
    if past(deadline):
        return _out_of_time(raw, started)
    _load_dimensions(routing, scenario, nodes)
    _pickup_delivery(routing, manager, time_dim, nodes, objective.unserved_per_visit)
    _ride_time_limits(routing, manager, time_dim, nodes, ride_limits_s(scenario, matrices))
    _allowed_vehicles(routing, manager, scenario, nodes)
    _schedule_finalizers(routing, manager, time_dim, scenario, nodes)
    raw.build_time_s = time.monotonic() - started

    remaining = stop_left(deadline)
    # OR-Tools may overrun its own limit by finishing a neighbourhood: keep a margin.
    budget = remaining - max(0.05, 0.04 * remaining)
    if budget <= 0:
        raw.status = "NO_TIME_LEFT_AFTER_MODEL_BUILD"
        return raw

    def on_solution() -> None:
        raw.num_solutions += 1
        if raw.first_solution_s is None:
            raw.first_solution_s = time.monotonic() - started

    routing.AddAtSolutionCallback(on_solution)
    # The end of the budget (and Ctrl-C) end the search with its best solution, checked at every step.
    routing.AddSearchMonitor(ortools_limit(routing.solver(), time.monotonic() + budget))
    search = _search_parameters(params, budget)
    start = _initial_assignment(routing, manager, scenario, nodes, initial, search) if initial else None
    raw.warm_started = start is not None
    if start is not None:
        solution = routing.SolveFromAssignmentWithParameters(start, search)
    else:
        solution = routing.SolveWithParameters(search)
    raw.status = _STATUS.get(routing.status(), str(routing.status()))
    if solution is None:
        return raw
    raw.found = True
    raw.objective = solution.ObjectiveValue()
    _extract(routing, manager, time_dim, solution, scenario, nodes, raw)
    return raw
