"""Plan assembly: solver visits into routes and stops, rescue of dropped requests, plans into start routes."""

from __future__ import annotations

from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Scenario
from routing.plan import Plan, Route, Stop
from routing.solve.backends.base import TimedStep
from routing.solve.search.schedule import Step
from routing.solve.search.servability import AloneSchedule, Servability, alone_schedule


def initial_steps(scenario: Scenario, plan: Plan, servable: set[str]) -> dict[str, list[Step]]:
    """A plan's routes as visit sequences to start a search from: this scenario's vehicles and servable requests only.

    Parameters
    ----------
    scenario
        The scenario being solved.
    plan
        The plan to start from (e.g. today's plan).
    servable
        Ids of the requests being routed.

    Returns
    -------
    dict[str, list[Step]]
        Steps per vehicle id; a request counts only with all of its visits on one route.
    """
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


def _request_of(visit: TimedStep) -> str:
    """The request a pickup or drop-off visit serves."""
    if visit.request is None:
        raise RuntimeError(f"a {visit.kind} visit at {visit.location} names no request")
    return visit.request


def route_from_visits(scenario: Scenario, matrices: MatrixSet, vehicle_id: str, visits: list[TimedStep]) -> Route:
    """Stops from solver visits: leave each stop right after service; wait, if at all, on arrival.

    Consecutive visits at one location form one stop, unless a pickup would come
    before a drop-off there (stops serve drop-offs first).

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    vehicle_id
        The vehicle.
    visits
        Its visits as a backend returns them (start, service starts, end).

    Returns
    -------
    Route
        The route with arrival and departure per stop.
    """
    vehicle = scenario.vehicle(vehicle_id)
    profile = scenario.vehicle_type(vehicle.type).profile
    # Service times of this route's requests only (all requests per route: quadratic on a large day).
    riders = [scenario.request(v.request) for v in visits if v.request is not None]
    service = {r.id: (r.pickup.service_s if r.pickup else 0, r.dropoff.service_s) for r in riders}
    first, last = visits[0], visits[-1]
    served = [(v, _request_of(v)) for v in visits[1:-1]]
    depot_loads = tuple(rid for v, rid in served if v.kind == "dropoff" and scenario.request(rid).pickup is None)
    stops: list[Stop] = [Stop(first.location, first.time_s, first.time_s, None, depot_loads)]
    groups: list[list[TimedStep]] = []
    for visit, _ in served:
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
        departure = end.time_s + service[_request_of(end)][0 if end.kind == "pickup" else 1]
        # Drop-offs first, then pickups, in the order served.
        drops = tuple(_request_of(v) for v in group if v.kind == "dropoff")
        picks = tuple(_request_of(v) for v in group if v.kind == "pickup")
        stops.append(Stop(group[0].location, arrival, departure, group[0].time_s, picks, drops))
    prev = stops[-1]
    arrival = prev.departure_s + matrices.travel_s(profile, prev.location, last.location)
    stops.append(Stop(last.location, arrival, arrival))
    return Route(vehicle_id, tuple(stops))


def rescue(
    scenario: Scenario, matrices: MatrixSet, dropped: list[str], used: set[str], servability: dict[str, Servability]
) -> dict[str, list[TimedStep]]:
    """Give each dropped but servable request an idle vehicle that can serve it alone.

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    dropped
        Requests the backend left out.
    used
        Vehicles that already have a route.
    servability
        Which vehicles can serve each request alone (``check_servability``).

    Returns
    -------
    dict[str, list[TimedStep]]
        Visits per newly used vehicle.
    """
    limits = ride_limits_s(scenario, matrices)
    idle = [v for v in scenario.vehicles if v.id not in used]
    routes: dict[str, list[TimedStep]] = {}
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
                routes[v.id] = visits
                idle.remove(v)
                break
    return routes
