"""The plan: what a solver (or a coordinator by hand) proposes. Plain ids and seconds, no solver objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop of a route.

    ``arrival_s``: the vehicle arrives; ``service_start_s``: service begins (not
    before the windows of the requests served here open); ``departure_s``: the
    vehicle leaves. At one stop, drop-offs are served before pickups, each in
    the order listed. Times are seconds since midnight.
    """

    location: str
    arrival_s: int
    departure_s: int
    service_start_s: int | None = None
    pickup: tuple[str, ...] = ()
    dropoff: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    """One vehicle's vognløb: its stops from start depot to end depot."""

    vehicle: str
    stops: tuple[Stop, ...]

    @property
    def request_ids(self) -> tuple[str, ...]:
        """Requests picked up on this route, in pickup order."""
        return tuple(r for stop in self.stops for r in stop.pickup)


@dataclass(frozen=True, slots=True)
class Unserved:
    """A request the plan does not serve, with the reason.

    ``code`` is ``infeasible`` (proven unservable on its own by a direct check)
    or ``not_placed`` (servable alone, but not placed within the time limit).
    """

    request: str
    reason: str
    code: str = "not_placed"


@dataclass(frozen=True, slots=True)
class SolveStats:
    """How the plan was found: backend, settings, timings and search counts."""

    backend: str = "manual"
    status: str = ""
    wall_time_s: float = 0.0
    build_time_s: float = 0.0
    first_solution_s: float | None = None
    num_solutions: int = 0
    objective: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    #: The search was stopped on request (Ctrl-C, SIGTERM) before its time limit: the best plan by then.
    interrupted: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    """A set of routes plus every request not served, with the reason."""

    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...] = ()
    stats: SolveStats = field(default_factory=SolveStats)

    @property
    def served_ids(self) -> set[str]:
        """Ids of requests picked up on some route."""
        return {r for route in self.routes for r in route.request_ids}
