"""Plan and price a week scenario the way it is bought: siloed as in 2021, or jointly optimised.

- ``silo`` (the 2021 baseline): route-bought trips (Flexrute, egne vogne) are planned
  separately per befordringsområde, channel and institution (the school, day centre or
  workshop at the trip's far end), on the vehicles of that channel — as separate contracts
  and institutions plan them today;
- ``joint`` (indsats 11, route count and composition): all route-bought trips of the day are
  planned together on the whole fleet, across areas and channels.

Trips bought per trip (Flexkommune, private vognmænd) are priced trip by trip in both modes;
demand that is counted but not routed (Flexhandicap, refusion; ``meta.unrouted_demand``) is
priced per trip. Every plan is replayed by the checker before it is priced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from routing.check import CheckResult, check_plan
from routing.costing import tariffs as t
from routing.costing.params import Parameters
from routing.costing.plan_cost import Figures, PlanCost, PlanCoster, invoice_objective
from routing.exceptions import Problem, ScenarioError, SolveError
from routing.matrix.provider import MatrixSet
from routing.model import PER_TRIP_CHANNELS, ROUTED_CHANNELS, Request, Scenario, Vehicle, area_sort_key
from routing.plan import Plan, Unserved
from routing.solve.params import SolveParams
from routing.solve.solve import solve

MODES = ("silo", "joint")
#: Least time for one solve (a silo's share of the day's budget is proportional to its requests).
MIN_SILO_SECONDS = 2.0
#: Silos of at most this many requests are solved to a solution limit instead of a time limit.
SMALL_SILO = 12
SMALL_SILO_SOLUTIONS = 30


@dataclass
class DayOutcome:
    """One day planned and priced."""

    day: str
    cost: PlanCost
    plans: list[tuple[str, Scenario, Plan]]  # (silo key, sub-scenario, plan)
    checks: list[CheckResult] = field(default_factory=list)  # the checker's result of each plan, in order
    unserved: list[Unserved] = field(default_factory=list)
    loaded: int = 0  # silos whose stored plan was used
    solved: int = 0

    @property
    def served(self) -> int:
        """Number of requests the day's plans serve."""
        return sum(len(p.served_ids) for _, _, p in self.plans)


def institution(scenario: Scenario, r: Request) -> str:
    """The trip's institution: the end that is not a home (the drop-off when neither or both are)."""
    ends = [r.dropoff.location] + ([r.pickup.location] if r.pickup else [])
    away = [loc for loc in ends if scenario.location(loc).kind != "home"]
    return away[0] if away else r.dropoff.location


def _channel(scenario: Scenario, v: Vehicle) -> str:
    return scenario.vehicle_type(v.type).channel or "flexrute"


def plan_day(
    week: Scenario,
    day: str,
    matrices: MatrixSet,
    params: Parameters,
    mode: str,
    solve_params: SolveParams,
    progress: Callable[[str], None] | None = None,
    stored: dict[str, Plan] | None = None,
) -> DayOutcome:
    """Plan ``day`` of ``week`` in ``mode`` and price it (``solve_params.time_limit_s`` is the day's budget).

    ``stored`` (silo key -> plan) supplies plans made earlier instead of solving; each is still
    replayed by the checker against this scenario, and a silo without one is solved.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    scenario = week.for_day(day)
    if solve_params.objective == "cost":
        scenario = invoice_objective(scenario, params)  # the solver optimises what the routes will be invoiced
    coster = PlanCoster(scenario, matrices, params, policy="vehicle")
    routed = [r for r in scenario.requests if (r.channel or "flexrute") in ROUTED_CHANNELS]
    per_trip = {r.id: r.channel for r in scenario.requests if r.channel in PER_TRIP_CHANNELS}
    groups: dict[str, tuple[list[Request], list[Vehicle]]] = {}
    if mode == "joint":
        groups["all"] = (routed, list(scenario.vehicles))
    else:
        by_key: dict[tuple[str | None, str, str], list[Request]] = defaultdict(list)
        for r in routed:
            by_key[(r.area, r.channel or "flexrute", institution(scenario, r))].append(r)
        for (area, channel, place), reqs in sorted(by_key.items(), key=lambda kv: _silo_order(kv[0])):
            # Stored plans are keyed so (e.g. area7-flexrute-<place>); trips without an area are area0.
            groups[f"area{area if area is not None else 0}-{channel}-{place}"] = (
                reqs,
                [v for v in scenario.vehicles if _channel(scenario, v) == channel],
            )
    total_requests = max(1, sum(len(reqs) for reqs, _ in groups.values()))
    outcome = DayOutcome(day, PlanCost(), [])
    for key, (reqs, vehicles) in groups.items():
        if not reqs:
            continue
        sub = scenario.restricted(reqs, vehicles)
        budget = max(MIN_SILO_SECONDS, solve_params.time_limit_s * len(reqs) / total_requests)
        kept = stored.get(key) if stored else None
        if kept is not None and kept.served_ids | {u.request for u in kept.unserved} == {r.id for r in reqs}:
            plan = kept  # made earlier for exactly these requests; the checker below still judges it
            outcome.loaded += 1
        else:
            outcome.solved += 1
            if progress:
                progress(f"{day} {key}: {len(reqs)} requests, {budget:.0f} s")
            silo_params = replace(solve_params, time_limit_s=budget)
            if len(reqs) <= SMALL_SILO and silo_params.solution_limit is None:
                # A handful of trips: a few solutions are as good as a full search, in a fraction of the time.
                silo_params = replace(silo_params, solution_limit=SMALL_SILO_SOLUTIONS, time_limit_s=max(budget, 10.0))
            # Joint planning starts from the silo plans made earlier (the 2021 plans for indsats 11), if any.
            start = merge_silo_plans(sub, list(stored.values())) if mode == "joint" and stored else None
            plan = _solve_silo(sub, matrices, silo_params, reqs, start)
        result = check_plan(sub, matrices, plan)
        if not result.is_feasible:
            raise RuntimeError(f"internal error: the checker rejected the {key} plan of {day}: {result.violations[:3]}")
        outcome.plans.append((key, sub, plan))
        outcome.checks.append(result)
        outcome.unserved.extend(plan.unserved)
        _merge(outcome.cost, PlanCoster(sub, matrices, params, policy="vehicle").cost(plan))
    _merge(outcome.cost, coster.cost(Plan(()), trips=per_trip))
    return outcome


def _silo_order(key: tuple[str | None, str, str]) -> tuple[object, ...]:
    area, channel, place = key
    return (area_sort_key(area), channel, place)


def merge_silo_plans(scenario: Scenario, plans: list[Plan]) -> Plan:
    """Silo plans as one plan on ``scenario``'s fleet: each route moves to an unused vehicle.

    Silo plans reuse vehicle ids across silos (each silo is planned on the whole channel fleet).
    A route goes to an unused vehicle of its vehicle's kind (type, depots, shift, duration), else
    to an unused vehicle of the same type and depots whose shift covers the route; a route with
    neither is not carried over, and its requests are left to the solver's insertion.
    """

    def kind(v: Vehicle) -> tuple[object, ...]:
        return (v.type, v.start, v.end, v.shift, v.max_duration_s)

    vehicles = {v.id: v for v in scenario.vehicles}
    used: set[str] = set()
    routes = []
    for plan in plans:
        for route in plan.routes:
            own = vehicles.get(route.vehicle)
            if own is None:
                continue
            first, last = route.stops[0].departure_s, route.stops[-1].arrival_s
            same_kind = [v for v in scenario.vehicles if v.id not in used and kind(v) == kind(own)]
            covering = [
                v
                for v in scenario.vehicles
                if v.id not in used
                and (v.type, v.start, v.end) == (own.type, own.start, own.end)
                and v.shift.start_s <= first
                and last <= v.shift.end_s
                and (v.max_duration_s is None or last - first <= v.max_duration_s)
            ]
            chosen = (same_kind or sorted(covering, key=lambda v: v.shift.end_s - v.shift.start_s))[:1]
            if chosen:
                used.add(chosen[0].id)
                routes.append(replace(route, vehicle=chosen[0].id))
    return Plan(tuple(routes))


def _solve_silo(
    sub: Scenario, matrices: MatrixSet, params: SolveParams, reqs: list[Request], start: Plan | None = None
) -> Plan:
    try:
        return solve(sub, matrices, params, initial=start)
    except SolveError:
        try:  # a small silo can need more than its share: one retry with three times the budget
            return solve(sub, matrices, replace(params, time_limit_s=3 * params.time_limit_s), initial=start)
        except SolveError as exc:
            return Plan((), tuple(Unserved(r.id, f"no plan within the time limit: {exc}", "not_placed") for r in reqs))


def _merge(into: PlanCost, other: PlanCost) -> None:
    into.routes.extend(other.routes)
    into.requests.update(other.requests)
    for key, fig in other.by_area_channel.items():
        into.book(key, fig)
    for path, p in other.params.items():
        into.params.setdefault(path, p)


def meta_by_area(scenario: Scenario, key: str) -> dict[str, Any]:
    """The table ``meta[key]`` keyed by area id, e.g. ``meta.operating_days_per_year``.

    The keys are the scenario's own area ids (``Request.area``); a YAML number key reads as its text.

    Parameters
    ----------
    scenario
        The scenario whose ``meta`` holds the table.
    key
        The table's name under ``meta``.

    Returns
    -------
    dict[str, Any]
        Area id -> value; empty when the scenario gives no such table.

    Raises
    ------
    ScenarioError
        When ``meta[key]`` is given but is not a mapping (E019).
    """
    table = scenario.meta.get(key) or {}
    if not isinstance(table, Mapping):
        raise ScenarioError(
            [Problem("E019", f"meta.{key}", f"{table!r} is not a mapping", "Give area id: value pairs.")]
        )
    return {str(area): value for area, value in table.items()}


def unrouted_cost(week: Scenario, params: Parameters) -> PlanCost:
    """Weekly cost of demand counted but not routed (``meta.unrouted_demand``): Flexhandicap and refusion trips.

    ``meta.unrouted_demand`` maps an area id to ``flexhandicap_trips_per_week`` and ``refusion_trips_per_week``.
    """
    out = PlanCost()
    flexhandicap, refusion = t.flexhandicap_trip(params), t.refusion_counted_trip(params)
    for area, spec in meta_by_area(week, "unrouted_demand").items():
        for channel, trips, price in (
            ("flexhandicap", spec.get("flexhandicap_trips_per_week", 0), flexhandicap),
            ("refusion", spec.get("refusion_trips_per_week", 0), refusion),
        ):
            if trips:
                out.book((area, channel), Figures(cost_dkk=price.dkk * float(trips), trips=int(round(float(trips)))))
                out.use(price.params)
    return out
