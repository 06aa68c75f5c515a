"""Limits derived from the model and the matrices, shared by solver, pre-checks and checker.

These are rules of the model (not solver internals): the effective maximum
ride time of each request and the effective maximum duration of each vehicle.
"""

from __future__ import annotations

from routing.matrix.provider import MatrixSet
from routing.model import Scenario, Vehicle


def ride_limits_s(scenario: Scenario, matrices: MatrixSet) -> dict[str, int | None]:
    """Maximum ride time per request id in seconds (None = no limit).

    Relative rules use the direct time on the scenario's reference profile, so a
    request's limit does not depend on which vehicle serves it.
    """
    index = matrices.index()
    durations = matrices.duration_s[scenario.reference_profile]
    limits: dict[str, int | None] = {}
    for r in scenario.requests:
        # Depot deliveries allow only absolute limits (validated), so their direct time is moot.
        direct = 0 if r.pickup is None else int(durations[index[r.pickup.location], index[r.dropoff.location]])
        limits[r.id] = r.ride.limit_s(direct)
    return limits


def max_duration_s(scenario: Scenario, vehicle: Vehicle) -> int | None:
    """Effective maximum route duration of a vehicle: the tighter of its own and its type's."""
    limits = [x for x in (vehicle.max_duration_s, scenario.vehicle_type(vehicle.type).max_duration_s) if x is not None]
    return min(limits) if limits else None
