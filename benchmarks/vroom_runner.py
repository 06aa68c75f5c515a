"""VROOM side by side (optional ``bench`` extra: ``pip install -e '.[bench]'``).

Only for benchmark comparisons: VROOM expresses VRPTW and PDPTW (jobs and shipments)
but not maximum ride times. Its routes are turned into a ``Plan`` by the engine's own
conversion and judged by the same checker as every other solver.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from routing.matrix.provider import MatrixSet
from routing.model import Scenario
from routing.plan import Plan, SolveStats, Unserved
from routing.solve.assemble import route_from_visits
from routing.solve.backends.base import TimedStep


def solve_vroom(
    scenario: Scenario, matrices: MatrixSet, time_limit: float, exploration_level: int = 5, threads: int = 1
) -> Plan:
    """Solve with VROOM on ``threads`` threads and return the plan; raises if VROOM cannot express the problem."""
    import vroom

    if any(r.ride.is_limited for r in scenario.requests):
        raise NotImplementedError("VROOM cannot express maximum ride times")
    index = matrices.index()
    profile = scenario.reference_profile
    problem = vroom.Input()
    problem.set_durations_matrix(profile, np.asarray(matrices.duration_s[profile], dtype=np.uint32))
    problem.set_costs_matrix(profile, np.asarray(matrices.distance_m[profile], dtype=np.uint32))
    dims = scenario.dimensions
    weight = 0
    if scenario.solver.get("objective") == "vehicles_then_distance":
        weight = int(matrices.distance_m[profile].max(axis=1).sum()) + 1
    for j, v in enumerate(scenario.vehicles, start=1):
        vt = scenario.vehicle_type(v.type)
        problem.add_vehicle(
            vroom.Vehicle(
                j,
                start=index[v.start],
                end=index[v.end],
                profile=profile,
                capacity=[vt.capacity.get(d) for d in dims],
                time_window=vroom.TimeWindow(v.shift.start_s, v.shift.end_s),
                costs=vroom.VehicleCosts(fixed=weight),
                max_travel_time=vt.max_duration_s,
            )
        )
    for k, r in enumerate(scenario.requests):
        amount = [r.load.get(d) for d in dims]
        w = r.dropoff.effective_window
        if r.pickup is None:
            problem.add_job(
                vroom.Job(
                    k + 1,
                    location=index[r.dropoff.location],
                    delivery=amount,
                    default_service=r.dropoff.service_s,
                    time_windows=[vroom.TimeWindow(w.start_s, w.end_s)],
                )
            )
        else:
            pw = r.pickup.effective_window
            problem.add_shipment(
                vroom.ShipmentStep(
                    k + 1,
                    location=index[r.pickup.location],
                    default_service=r.pickup.service_s,
                    time_windows=[vroom.TimeWindow(pw.start_s, pw.end_s)],
                ),
                vroom.ShipmentStep(
                    k + 1,
                    location=index[r.dropoff.location],
                    default_service=r.dropoff.service_s,
                    time_windows=[vroom.TimeWindow(w.start_s, w.end_s)],
                ),
                amount=vroom.Amount(amount),
            )
    solution = problem.solve(
        exploration_level=exploration_level, nb_threads=threads, timeout=timedelta(seconds=time_limit)
    )
    steps = solution.routes
    routes = []
    served: set[str] = set()
    for vehicle_id, group in steps.groupby("vehicle_id", sort=True):
        vehicle = scenario.vehicles[int(vehicle_id) - 1]
        visits: list[TimedStep] = []
        for step in group.itertuples():
            start = int(step.arrival) + int(step.waiting_time)
            if step.type == "start":
                visits.append(TimedStep("start", vehicle.start, int(step.arrival)))
            elif step.type == "end":
                visits.append(TimedStep("end", vehicle.end, int(step.arrival)))
            else:
                request = scenario.requests[int(step.id) - 1]
                kind = "pickup" if step.type == "pickup" else "dropoff"
                served.add(request.id)
                visits.append(TimedStep(kind, getattr(request, kind).location, start, request.id))
        routes.append(route_from_visits(scenario, matrices, vehicle.id, visits))
    unserved = tuple(
        Unserved(r.id, "not assigned by VROOM", "not_placed") for r in scenario.requests if r.id not in served
    )
    return Plan(tuple(routes), unserved, SolveStats(backend="vroom", status="SUCCESS"))
