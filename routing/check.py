"""Independent feasibility checker: replays a plan against the model.

Written from the model's rules, not from any solver: it knows nothing of
OR-Tools. ``check_plan(scenario, matrices, plan)`` recomputes everything from
those three objects and returns the violations found and the plan's metrics.

Replay rules (the plan semantics of ``plan.json``):

- a route runs from its vehicle's start depot to its end depot; the vehicle
  leaves the start no earlier than its shift starts and reaches the end no later
  than the shift ends, within its maximum duration;
- between stops the vehicle needs at least the matrix travel time on its profile;
- at a stop, service begins at ``service_start_s`` (or on arrival) and serves the
  drop-offs, then the pickups, in the listed order; each begins no earlier than
  its window opens and must begin no later than it closes; the vehicle leaves no
  earlier than the last service ends;
- load per dimension never exceeds capacity; a request is picked up before it
  is dropped off, on the same route; ride time = arrival at the drop-off stop −
  departure from the pickup stop, at most the request's limit;
- the vehicle has the skills the passenger needs; an *enekørsel* passenger is
  alone on board; *not together* passengers are never on board at once;
- every request is served exactly once or listed once as unserved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from routing.limits import max_duration_s, ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, Vehicle, Visit
from routing.plan import Plan, Route
from routing.units import format_clock

#: Every cause a ``Violation`` may have (VROOM's vocabulary where it has one); a test holds the
#: checker to exactly this list.
CAUSES = (
    "structure",
    "unknown",
    "travel",
    "time_order",
    "delay",
    "shift",
    "duration",
    "load",
    "precedence",
    "pairing",
    "max_ride_time",
    "skills",
    "vehicle",
    "solo",
    "not_together",
    "coverage",
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: its cause, where (route and/or request) and by how much."""

    cause: str
    route: str | None
    request: str | None
    message: str
    amount: int = 0

    def __str__(self) -> str:
        where = " ".join(
            x
            for x in (f"route {self.route}" if self.route else "", f"request {self.request}" if self.request else "")
            if x
        )
        return f"[{self.cause}] {where}: {self.message}"


@dataclass(frozen=True, slots=True)
class RouteMetrics:
    """Figures of one route, recomputed by the checker: distance, duration and rides (no money).

    ``duration_s`` runs from the departure at the start depot to the arrival at the end depot;
    money is the costing layer's (``routing.costing``), priced from these figures.
    """

    vehicle: str
    distance_m: int
    duration_s: int
    num_requests: int
    ride_times_s: dict[str, int]
    wait_onboard_s: int


class PlanSummary(TypedDict):
    """Totals of a plan as the checker recomputes them (``CheckResult.summary``); times in seconds."""

    requests: int
    served: int
    unserved: int
    vehicles_used: int
    vehicles_available: int
    distance_m: int
    duration_s: int
    mean_ride_s: float
    max_ride_s: int
    wait_onboard_s: int
    feasible: bool


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Violations (empty: feasible) and recomputed metrics of a plan."""

    violations: tuple[Violation, ...]
    routes: tuple[RouteMetrics, ...] = ()
    ride_limits_s: dict[str, int | None] = field(default_factory=dict)

    @property
    def is_feasible(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def summary(self, plan: Plan, scenario: Scenario) -> PlanSummary:
        """Totals of the plan as recomputed here."""
        rides = [t for m in self.routes for t in m.ride_times_s.values()]
        served = sum(m.num_requests for m in self.routes)
        return {
            "requests": len(scenario.requests),
            "served": served,
            "unserved": len(plan.unserved),
            "vehicles_used": sum(1 for m in self.routes if m.num_requests),
            "vehicles_available": len(scenario.vehicles),
            "distance_m": sum(m.distance_m for m in self.routes),
            "duration_s": sum(m.duration_s for m in self.routes),
            "mean_ride_s": round(sum(rides) / len(rides), 1) if rides else 0.0,
            "max_ride_s": max(rides, default=0),
            "wait_onboard_s": sum(m.wait_onboard_s for m in self.routes),
            "feasible": self.is_feasible,
        }


@dataclass(slots=True)
class _ReplayState:
    """What a route replay carries from stop to stop."""

    onboard: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    picked_at: dict[str, int] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    rides: dict[str, int] = field(default_factory=dict)
    distance_m: int = 0
    wait_onboard_s: int = 0


class _RouteReplay:
    """Replays one route and collects its violations."""

    def __init__(
        self, scenario: Scenario, matrices: MatrixSet, limits: dict[str, int | None], route: Route, vehicle: Vehicle
    ) -> None:
        self.s, self.m, self.limits, self.route, self.v = scenario, matrices, limits, route, vehicle
        self.vt = scenario.vehicle_type(vehicle.type)
        self.found: list[Violation] = []

    def flag(self, cause: str, message: str, request: str | None = None, amount: int = 0) -> None:
        # A state that persists over several stops is reported once, where it starts.
        if cause in ("load", "solo", "not_together") and any(
            f.cause == cause and f.request == request for f in self.found
        ):
            return
        self.found.append(Violation(cause, self.route.vehicle, request, message, amount))

    def run(self, requests: dict[str, Request], index: dict[str, int]) -> RouteMetrics:
        """Replay the route stop by stop; violations go to ``found``, the figures are returned."""
        route, stops = self.route, self.route.stops
        if len(stops) < 2:
            self.flag("structure", "a route needs at least its start and end depot stops")
            return RouteMetrics(route.vehicle, 0, 0, 0, {}, 0)
        self._check_depots(requests)
        if not self._locations_known(index):
            return RouteMetrics(route.vehicle, 0, 0, 0, {}, 0)
        self._check_shift_start()
        state = _ReplayState()
        for k in range(len(stops)):
            self._replay_stop(k, requests, index, state)
        duration = self._check_end(state)
        return RouteMetrics(
            route.vehicle, state.distance_m, duration, len(state.picked_at), state.rides, state.wait_onboard_s
        )

    def _check_depots(self, requests: dict[str, Request]) -> None:
        """Start and end at the vehicle's depots, which serve only depot deliveries boarding at the start."""
        v, stops = self.v, self.route.stops
        if stops[0].location != v.start:
            self.flag("structure", f"starts at {stops[0].location!r}, not at the vehicle's start depot {v.start!r}")
        if stops[-1].location != v.end:
            self.flag("structure", f"ends at {stops[-1].location!r}, not at the vehicle's end depot {v.end!r}")
        if stops[0].dropoff or stops[-1].pickup or stops[-1].dropoff:
            self.flag("structure", "depot stops serve nobody, except depot deliveries boarding at the start")
        for k, stop in enumerate(stops):
            for rid in stop.pickup:
                request = requests.get(rid)
                if request is not None and request.pickup is None and k != 0:
                    self.flag(
                        "structure", f"depot delivery {rid} must board at the start depot (stop 0), not stop {k}", rid
                    )
                if request is not None and request.pickup is not None and k == 0:
                    self.flag(
                        "structure", f"{rid} is picked up at {request.pickup.location!r}, not at the start depot", rid
                    )

    def _locations_known(self, index: dict[str, int]) -> bool:
        """Flag every stop at a location the matrices do not know; true when there is none."""
        unknown = [stop for stop in self.route.stops if stop.location not in index]
        for stop in unknown:
            self.flag("unknown", f"unknown location {stop.location!r}")
        return not unknown

    def _check_shift_start(self) -> None:
        """The vehicle leaves its start depot no earlier than its shift starts."""
        first, shift = self.route.stops[0], self.v.shift
        if first.departure_s < shift.start_s:
            self.flag(
                "shift",
                f"leaves the depot at {format_clock(first.departure_s)}, "
                f"before the shift starts ({format_clock(shift.start_s)})",
                amount=shift.start_s - first.departure_s,
            )

    def _replay_stop(self, k: int, requests: dict[str, Request], index: dict[str, int], state: _ReplayState) -> None:
        """Replay stop ``k``: the trip to it, then its drop-offs and pickups in the listed order."""
        stop = self.route.stops[k]
        self._check_arrival(k, index, state)
        t = stop.arrival_s if stop.service_start_s is None else stop.service_start_s
        if t < stop.arrival_s:
            self.flag(
                "time_order",
                f"stop {k}: service starts ({format_clock(t)}) "
                f"before the vehicle arrives ({format_clock(stop.arrival_s)})",
            )
        first_start: int | None = None
        had_riders = bool(state.onboard)
        for kind, rid in [("dropoff", r) for r in stop.dropoff] + [("pickup", r) for r in stop.pickup]:
            request = requests.get(rid)
            if request is None:
                self.flag("unknown", f"stop {k} names unknown request {rid!r}", rid)
                continue
            start, t = self._serve(k, kind, request, t)
            first_start = start if first_start is None else first_start
            if kind == "pickup":
                self._pick_up(k, request, state)
            else:
                self._drop_off(k, request, state)
            self._occupancy(state.onboard, requests, k, rid)
        if stop.departure_s < t:
            self.flag(
                "time_order",
                f"stop {k} at {stop.location!r}: leaves {format_clock(stop.departure_s)}, "
                f"before service ends ({format_clock(t)})",
                amount=t - stop.departure_s,
            )
        if first_start is not None and had_riders:
            state.wait_onboard_s += max(0, first_start - stop.arrival_s)

    def _check_arrival(self, k: int, index: dict[str, int], state: _ReplayState) -> None:
        """Stop ``k`` departs after it arrives, and no earlier than the trip from the previous stop allows."""
        stops, profile = self.route.stops, self.vt.profile
        stop = stops[k]
        if stop.departure_s < stop.arrival_s:
            self.flag(
                "time_order",
                f"stop {k} at {stop.location!r} departs ({format_clock(stop.departure_s)}) "
                f"before it arrives ({format_clock(stop.arrival_s)})",
            )
        if k == 0:
            return
        prev = stops[k - 1]
        i, j = index[prev.location], index[stop.location]
        state.distance_m += int(self.m.distance_m[profile][i, j])
        need = prev.departure_s + int(self.m.duration_s[profile][i, j])
        if stop.arrival_s < need:
            self.flag(
                "travel",
                f"stop {k} at {stop.location!r}: arrives {format_clock(stop.arrival_s)}, "
                f"but the trip from {prev.location!r} ends {format_clock(need)} at the earliest",
                amount=need - stop.arrival_s,
            )

    def _serve(self, k: int, kind: str, request: Request, t: int) -> tuple[int, int]:
        """Serve one pickup or drop-off at stop ``k`` from time ``t``; returns when it starts and when it ends."""
        stop, rid = self.route.stops[k], request.id
        visit = (request.pickup or Visit(self.v.start)) if kind == "pickup" else request.dropoff
        if visit.location != stop.location:
            self.flag(
                "structure",
                f"{kind} of {rid} belongs at {visit.location!r}, not at stop {k} ({stop.location!r})",
                rid,
            )
        window = visit.effective_window
        start = max(t, window.start_s)
        if start > window.end_s:
            self.flag(
                "delay",
                f"{kind} starts {format_clock(start)}, after its window closes ({format_clock(window.end_s)})",
                rid,
                start - window.end_s,
            )
        return start, start + visit.service_s

    def _pick_up(self, k: int, request: Request, state: _ReplayState) -> None:
        """Board ``request`` at stop ``k``: once only, and on a vehicle with the skills it needs."""
        rid, vt = request.id, self.vt
        if rid in state.picked_at or rid in state.done:
            self.flag("coverage", "picked up more than once", rid)
        if not request.skills <= vt.skills:
            self.flag(
                "skills",
                f"needs {sorted(request.skills - vt.skills)}, which vehicle type {vt.id!r} lacks",
                rid,
            )
        if not request.allows(self.route.vehicle):
            self.flag("vehicle", f"may only ride with {sorted(request.vehicles)}", rid)
        state.picked_at[rid] = k
        state.onboard[rid] = None

    def _drop_off(self, k: int, request: Request, state: _ReplayState) -> None:
        """Set ``request`` down at stop ``k``: it must be on board; its ride time is checked against its limit."""
        rid = request.id
        if rid not in state.onboard:
            self.flag("precedence", "dropped off without being on board (pickup missing or later)", rid)
            return
        del state.onboard[rid]
        state.done.add(rid)
        stops = self.route.stops
        ride = stops[k].arrival_s - stops[state.picked_at[rid]].departure_s
        state.rides[rid] = ride
        limit = self.limits.get(rid)
        if limit is not None and ride > limit:
            self.flag(
                "max_ride_time",
                f"rides {ride / 60:.1f} min, above its limit of {limit / 60:.1f} min",
                rid,
                ride - limit,
            )

    def _check_end(self, state: _ReplayState) -> int:
        """Nobody left on board, back within the shift and the maximum duration; returns the route's duration."""
        v, stops = self.v, self.route.stops
        for rid in state.onboard:
            self.flag("pairing", "picked up but never dropped off on this route", rid)
        last = stops[-1]
        if last.arrival_s > v.shift.end_s:
            self.flag(
                "shift",
                f"returns at {format_clock(last.arrival_s)}, after the shift ends ({format_clock(v.shift.end_s)})",
                amount=last.arrival_s - v.shift.end_s,
            )
        duration = last.arrival_s - stops[0].departure_s
        longest = max_duration_s(self.s, v)
        if longest is not None and duration > longest:
            self.flag(
                "duration",
                f"lasts {duration / 60:.1f} min, above the maximum of {longest / 60:.1f} min",
                amount=duration - longest,
            )
        return duration

    def _occupancy(self, onboard: dict[str, None], requests: dict[str, Request], k: int, rid: str) -> None:
        """Capacity, enekørsel and not-together after one action."""
        riders = [requests[r] for r in onboard]
        for dim in {d for r in riders for d in r.load.dimensions}:
            used = sum(r.load.get(dim) for r in riders)
            cap = self.vt.capacity.get(dim)
            if used > cap:
                self.flag("load", f"stop {k}: {used} {dim} on board, capacity {cap}", rid, used - cap)
        if len(riders) > 1:
            for r in riders:
                if r.solo:
                    self.flag(
                        "solo",
                        f"stop {k}: must ride alone (enekørsel) but shares the vehicle with {len(riders) - 1} other(s)",
                        r.id,
                    )
            ids = set(onboard)
            for r in riders:
                for other in sorted(r.not_with & ids):
                    if r.id < other or other not in requests or r.id not in requests[other].not_with:
                        self.flag("not_together", f"stop {k}: on board together with {other}", r.id)


def check_plan(scenario: Scenario, matrices: MatrixSet, plan: Plan) -> CheckResult:
    """Replay a plan against the model and report every violation.

    Parameters
    ----------
    scenario
        The model the plan claims to solve.
    matrices
        The travel matrices of that model.
    plan
        The plan, from any solver or made by hand.

    Returns
    -------
    CheckResult
        Violations (empty when feasible) and recomputed per-route metrics.
    """
    requests = {r.id: r for r in scenario.requests}
    vehicles = {v.id: v for v in scenario.vehicles}
    index = matrices.index()
    limits = ride_limits_s(scenario, matrices)
    violations: list[Violation] = []
    metrics: list[RouteMetrics] = []
    seen_vehicles: set[str] = set()
    for route in plan.routes:
        vehicle = vehicles.get(route.vehicle)
        if vehicle is None:
            violations.append(Violation("unknown", route.vehicle, None, f"unknown vehicle {route.vehicle!r}"))
            continue
        if route.vehicle in seen_vehicles:
            violations.append(Violation("structure", route.vehicle, None, "the vehicle has more than one route"))
        seen_vehicles.add(route.vehicle)
        replay = _RouteReplay(scenario, matrices, limits, route, vehicle)
        metrics.append(replay.run(requests, index))
        violations += replay.found
    served: dict[str, int] = {}
    for route in plan.routes:
        for rid in route.request_ids:
            served[rid] = served.get(rid, 0) + 1
    unserved: dict[str, int] = {}
    for u in plan.unserved:
        unserved[u.request] = unserved.get(u.request, 0) + 1
        if u.request not in requests:
            violations.append(
                Violation("unknown", None, u.request, "listed as unserved but not a request of the scenario")
            )
    for rid in requests:
        count = served.get(rid, 0) + unserved.get(rid, 0)
        if count == 0:
            violations.append(Violation("coverage", None, rid, "neither served nor listed as unserved"))
        elif served.get(rid, 0) and unserved.get(rid, 0):
            violations.append(Violation("coverage", None, rid, "both served and listed as unserved"))
        elif count > 1 and not any(v.cause == "coverage" and v.request == rid for v in violations):
            violations.append(Violation("coverage", None, rid, f"accounted for {count} times"))
    return CheckResult(tuple(violations), tuple(metrics), limits)
