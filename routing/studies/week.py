"""The coordinator's week: Monday to Friday with the same vehicle and the same times for recurring passengers.

Method (``method="template"``; a template after Tarantilis et al. 2012's template-based search for
the consistent VRP, with pins that roll forward):

1. **Template.** The route-bought requests of the passengers who travel every day of the week are
   planned as one day on the whole fleet: the *grundplan*. Each served request gets its vehicle and
   pickup time there — the time the family is told.
2. **Days, in order.** Each day starts from the day before (Monday from the template), with every
   recurring request that already has a vehicle and time *pinned*: to that vehicle
   (``Request.vehicles``) and a pickup window narrowed to that time ± the tolerance. The absent
   passengers drop out, the day's other trips are inserted and the search improves the day within
   those rules. A recurring passenger first planned on this day keeps this day's vehicle and time
   on the days after (``method="rolling"``: no template, Monday is planned free).
3. **Fallback.** A pinned request the day cannot serve so (a day-only institution time, a vehicle
   filled by passengers of that day) keeps its vehicle at any time in its own window, failing that
   its own rules only; the week says so for that passenger, with the reason.

Measured on the Fredensborg week (``benchmarks/WEEK.md``): a template of *every* recurring passenger
(the union of the week as one day) kept 99 % on one vehicle but cost ~20 % more than the days planned
apart, as each day runs routes sized for passengers who are not there; every-day passengers only, with
rolling pins, cost no more.

The same week is also planned day by day from scratch at the same time budget, so the cost of
consistency is measured, not assumed. Trips bought per trip (Flexkommune, private vognmænd) are not
routes: they are priced per trip and never pinned. Every day's plan is replayed by the checker
against the day's own rules (without the pins) before it is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from routing.check import CheckResult, check_plan
from routing.costing.params import Parameters
from routing.costing.plan_cost import Figures, PlanCost, PlanCoster, invoice_objective
from routing.exceptions import Interrupted, SolveError
from routing.matrix.provider import MatrixSet
from routing.model import PER_TRIP_CHANNELS, WEEKDAYS, Request, Scenario, TimeWindow
from routing.plan import Plan, Unserved
from routing.solve import stop
from routing.solve.params import SolveParams
from routing.solve.solve import solve
from routing.studies.consistency import (
    ConsistencySummary,
    PassengerWeek,
    measure,
    passenger_key,
    pickup_times,
    recurring_groups,
    summarise,
    travel_days,
)
from routing.units import format_clock

#: The working week a week plan covers.
WORKING_DAYS = WEEKDAYS[:5]
#: Share of the consistent week's budget spent on the template (measured on the Fredensborg week).
TEMPLATE_SHARE = 0.3
#: Least time for one solve, seconds.
MIN_SOLVE_S = 1.0


@dataclass(frozen=True)
class WeekSettings:
    """How to plan a week.

    ``time_limit_s`` bounds everything ``plan_week`` solves: half for the consistent week,
    half for the same week planned day by day (the comparison). ``solution_limit`` makes every
    solve deterministic (tests).
    """

    tolerance_s: int = 600
    time_limit_s: float = 60.0
    workers: int = 1
    seed: int = 0
    solution_limit: int | None = None
    compare: bool = True
    method: str = "template"


@dataclass
class DayPlan:
    """One day of a week: its route-bought scenario, the plan, the checker's verdict and the price."""

    day: str
    scenario: Scenario  # the day's route-bought requests on the whole fleet, with the day's own rules
    plan: Plan
    check: CheckResult
    cost: PlanCost  # routes and per-trip trips
    per_trip: dict[str, str]  # request id -> channel, priced per trip

    @property
    def routed(self) -> Figures:
        """Cost, km and vehicle-hours of the routes alone."""
        out = Figures()
        for rc in self.cost.routes:
            out.add(rc.figures)
        return out


@dataclass
class WeekPlan:
    """A planned week: the days, every recurring passenger's consistency, and the time it took."""

    method: str  # "template" or "independent"
    days: list[DayPlan]
    passengers: list[PassengerWeek]
    seconds: float
    template: Plan | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def consistency(self) -> ConsistencySummary:
        """The consistency figures."""
        return summarise(self.passengers)

    def total(self) -> Figures:
        """The week's cost, CO2, km and hours: routes and per-trip trips."""
        out = Figures()
        for d in self.days:
            fig = d.cost.total()
            out.add(fig)
            out.trips += fig.trips
        return out

    def routed(self) -> Figures:
        """The week's figures of the routes alone."""
        out = Figures()
        for d in self.days:
            out.add(d.routed)
        return out


@dataclass
class WeekResult:
    """The consistent week and, when asked, the same week planned day by day."""

    consistent: WeekPlan
    independent: WeekPlan | None
    settings: WeekSettings
    #: Stopped on request (Ctrl-C): ``consistent`` holds the days planned by then (the last one's best plan).
    interrupted: bool = False


def week_days(week: Scenario) -> tuple[str, ...]:
    """The working days on which the scenario has any request."""
    return tuple(d for d in WORKING_DAYS if any(not r.days or d in r.days for r in week.requests))


class _Planner:
    """Shared state of one week's planning: the scenario as priced, matrices, cost parameters, settings."""

    def __init__(
        self,
        week: Scenario,
        matrices: MatrixSet,
        params: Parameters,
        settings: WeekSettings,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.week, self.matrices, self.params, self.settings = week, matrices, params, settings
        self.progress = progress or (lambda _: None)
        self.days = week_days(week)
        self.solve_params = SolveParams.of(week, time_limit_s=settings.time_limit_s, workers=settings.workers)
        self.solve_params = replace(self.solve_params, seed=settings.seed, solution_limit=settings.solution_limit)
        # The solver optimises what the routes will be invoiced, as the comparison does.
        self.priced = invoice_objective(week, params) if self.solve_params.objective == "cost" else week
        #: (day, vehicle id) -> the time the vehicle must be back by that day (0: not there at all).
        self.vehicle_ends: dict[tuple[str, str], int] = {}
        #: Route every request, whatever its channel (a plan made by ``solve`` for one day).
        self.route_all = False

    def for_day(self, day: str) -> Scenario:
        """The priced scenario of ``day``, with that day's fleet (``vehicle_ends``)."""
        scenario = self.priced.for_day(day)
        ends = {vid: end for (d, vid), end in self.vehicle_ends.items() if d == day}
        if not ends:
            return scenario
        fleet = [
            v if v.id not in ends else replace(v, shift=TimeWindow(v.shift.start_s, min(v.shift.end_s, ends[v.id])))
            for v in scenario.vehicles
            if v.id not in ends or ends[v.id] > v.shift.start_s  # out from before its shift: not there at all
        ]
        return scenario.restricted(scenario.requests, fleet)

    def routed(self, day: str) -> tuple[list[Request], dict[str, str]]:
        """The day's route-bought requests, and its per-trip ones (request id -> channel)."""
        scenario = self.for_day(day)
        per_trip = {
            r.id: str(r.channel) for r in scenario.requests if r.channel in PER_TRIP_CHANNELS and not self.route_all
        }
        return [r for r in scenario.requests if r.id not in per_trip], per_trip

    def solve(self, scenario: Scenario, budget: float, initial: Plan | None = None) -> Plan:
        """Solve within ``budget`` seconds (a retry with three times the budget if none is found)."""
        params = replace(self.solve_params, time_limit_s=max(MIN_SOLVE_S, budget))
        try:
            return solve(scenario, self.matrices, params, initial=initial)
        except SolveError:
            if stop.requested():
                raise Interrupted("stopped on request before this day had a plan") from None
            params = replace(params, time_limit_s=3 * params.time_limit_s)
            try:
                return solve(scenario, self.matrices, params, initial=initial)
            except SolveError as exc:
                reason = f"no plan within the time limit: {exc}"
                return Plan((), tuple(Unserved(r.id, reason, "not_placed") for r in scenario.requests))

    def day_plan(self, day: str, scenario: Scenario, plan: Plan, per_trip: dict[str, str]) -> DayPlan:
        """Check ``plan`` against the day's own rules and price it; a plan the checker rejects is a bug."""
        check = check_plan(scenario, self.matrices, plan)
        if not check.is_feasible:
            raise RuntimeError(f"internal error: the checker rejected the plan of {day}: {check.violations[:3]}")
        coster = PlanCoster(self.for_day(day), self.matrices, self.params, policy="vehicle")
        cost = coster.cost(plan, trips=per_trip)
        return DayPlan(day, scenario, plan, check, cost, per_trip)

    @staticmethod
    def budget(deadline: float, counts: dict[str, int], day: str) -> float:
        """The seconds left until ``deadline`` shared by ``day`` and the days after it by their requests.

        ``counts`` holds the days not yet planned, in order; time one day leaves unused goes to the rest.
        """
        left = max(0.0, deadline - time.monotonic())
        return left * counts[day] / max(1, sum(counts.values()))


def _pinned(r: Request, vehicle: str, at_s: int, tolerance_s: int) -> Request:
    """``r`` on ``vehicle`` only, its pickup (drop-off for a depot delivery) within ``at_s`` ± ``tolerance_s``."""
    visit = r.pickup if r.pickup is not None else r.dropoff
    own = visit.effective_window
    start, end = max(own.start_s, at_s - tolerance_s), min(own.end_s, at_s + tolerance_s)
    narrowed = replace(visit, window=TimeWindow(start, end)) if start <= end else visit
    if r.pickup is not None:
        return replace(r, pickup=narrowed, vehicles=frozenset({vehicle}))
    return replace(r, dropoff=narrowed, vehicles=frozenset({vehicle}))


def _template(planner: _Planner, budget: float) -> tuple[Plan, dict[str, tuple[str, int]]]:
    """Plan every recurring passenger's requests as one day: request id -> (vehicle, pickup time)."""
    groups = recurring_groups(planner.priced, planner.days)
    every_day = len(planner.days)
    requests = [r for reqs in groups.values() if len(travel_days(reqs, planner.days)) == every_day for r in reqs]
    if not requests:
        return Plan(()), {}
    scenario = planner.priced.restricted(requests)
    scenario = replace(scenario, requests=tuple(replace(r, days=frozenset()) for r in scenario.requests))
    planner.progress(f"template: {len(requests)} recurring requests, {budget:.0f} s")
    plan = planner.solve(scenario, budget)
    return plan, pickup_times(scenario, plan)


def _consistent_day(
    planner: _Planner,
    day: str,
    budget: float,
    start: Plan | None,
    at: dict[str, tuple[str, int]],
    tolerances: dict[str, int] | None = None,
) -> tuple[DayPlan, list[tuple[str, str]]]:
    """One day from ``start`` with its requests in ``at`` pinned; returns (day plan, [(request, why)]).

    Each pin is to the vehicle and time ± the tolerance (``tolerances`` per request, else the
    settings'). A pinned request the day cannot serve keeps its vehicle with its own window, and
    failing that its own rules only; the others stay pinned.
    """
    requests, per_trip = planner.routed(day)
    tol = planner.settings.tolerance_s
    own_tol = tolerances or {}
    pinned = {r.id: _pinned(r, *at[r.id], own_tol.get(r.id, tol)) if r.id in at else r for r in requests}
    own_rules = planner.for_day(day).restricted(requests)
    planner.progress(f"{day}: {len(requests)} route-bought requests ({sum(r.id in at for r in requests)} pinned)")
    plan = planner.solve(own_rules.restricted(pinned.values()), budget * 0.8, initial=start)
    why: list[tuple[str, str]] = []
    missed = {u.request for u in plan.unserved if u.request in at}
    if missed:
        # Same vehicle, any time in its own window.
        for rid in missed:
            pinned[rid] = replace(own_rules.request(rid), vehicles=frozenset({at[rid][0]}))
        plan = planner.solve(own_rules.restricted(pinned.values()), budget * 0.1, initial=plan)
        late = {u.request for u in plan.unserved if u.request in missed}
        for rid in sorted(missed - late):
            vehicle, when = at[rid]
            why.append(
                (rid, f"{day}: on {vehicle}, but not within ±{tol // 60} min of {format_clock(when)} (no room then)")
            )
        if late:
            # Its own rules only: any vehicle, any time in its window.
            for rid in late:
                pinned[rid] = own_rules.request(rid)
            plan = planner.solve(own_rules.restricted(pinned.values()), budget * 0.1, initial=plan)
            dropped = {u.request for u in plan.unserved}
            for rid in sorted(late):
                then = "not served (see the day's unserved)" if rid in dropped else "planned on another vehicle"
                why.append((rid, f"{day}: {at[rid][0]} has no room for it on this day: {then}"))
    return planner.day_plan(day, own_rules, plan, per_trip), why


def plan_week(
    week: Scenario,
    matrices: MatrixSet,
    params: Parameters,
    settings: WeekSettings,
    progress: Callable[[str], None] | None = None,
) -> WeekResult:
    """Plan the working week with consistent vehicles and times, and (``settings.compare``) without.

    Parameters
    ----------
    week
        A week scenario: requests with weekday patterns (``Request.days``), passengers, the fleet.
    matrices
        Its travel matrices.
    params
        Cost parameters (``Parameters.for_scenario``).
    settings
        Tolerance, time budget, workers, seed.
    progress
        Called with a line per solve.

    Returns
    -------
    WeekResult
        The consistent week and the day-by-day comparison.
    """
    planner = _Planner(week, matrices, params, settings, progress)
    share = 0.5 if settings.compare else 1.0
    consistent = _plan_consistent(planner, settings.time_limit_s * share)
    if stop.requested():
        return WeekResult(consistent, None, settings, interrupted=True)
    independent = _plan_independent(planner, settings.time_limit_s * share) if settings.compare else None
    return WeekResult(consistent, independent, settings, interrupted=stop.requested())


def _plan_consistent(planner: _Planner, budget: float) -> WeekPlan:
    started = time.monotonic()
    deadline = started + budget
    method = planner.settings.method
    groups = recurring_groups(planner.week, planner.days)
    recurring = {r.id for reqs in groups.values() for r in reqs}
    template, at = _template(planner, budget * TEMPLATE_SHARE) if method == "template" else (None, {})
    start = template
    counts = {day: len(planner.routed(day)[0]) for day in planner.days}
    days: list[DayPlan] = []
    reasons: dict[tuple[str, str], list[str]] = {}
    for day in planner.days:
        if stop.requested() and not days:
            raise Interrupted("stopped on request before any day was planned")
        try:
            day_plan, why = _consistent_day(planner, day, planner.budget(deadline, counts, day), start, at)
        except Interrupted:
            if not days:
                raise
            break  # stopped before this day had a plan: the week so far
        del counts[day]
        days.append(day_plan)
        # A recurring passenger keeps the vehicle and time of the first day they were planned on.
        for rid, placed in pickup_times(day_plan.scenario, day_plan.plan).items():
            if rid in recurring:
                at.setdefault(rid, placed)
        start = day_plan.plan
        for rid, text in why:
            reasons.setdefault(passenger_key(planner.week, planner.week.request(rid)), []).append(text)
        if stop.requested():
            break  # this day holds the best plan found by the stop; the days after it are not planned
    usual: dict[tuple[str, str], int] = {}
    for key, reqs in groups.items():
        times = [at[r.id][1] for r in reqs if r.id in at]
        if len(times) == 1:
            usual[key] = times[0]  # one template time: the usual time (several requests: the middle of theirs)
    plans = {d.day: d.plan for d in days}
    passengers = measure(planner.week, plans, planner.settings.tolerance_s, usual, reasons)
    for pw in passengers:
        if not any(rid in at for rid in pw.requests):
            pw.why_not.append("not served on any day, so no usual vehicle or time")
    return WeekPlan(method, days, passengers, time.monotonic() - started, template)


def _plan_independent(planner: _Planner, budget: float) -> WeekPlan:
    started = time.monotonic()
    deadline = started + budget
    routed = {day: planner.routed(day) for day in planner.days}
    counts = {day: len(reqs) for day, (reqs, _) in routed.items()}
    days = []
    for day, (requests, per_trip) in routed.items():
        seconds = planner.budget(deadline, counts, day)
        del counts[day]
        planner.progress(f"{day} day by day: {len(requests)} route-bought requests, {seconds:.0f} s")
        scenario = planner.for_day(day).restricted(requests)
        days.append(planner.day_plan(day, scenario, planner.solve(scenario, seconds), per_trip))
    plans = {d.day: d.plan for d in days}
    passengers = measure(planner.week, plans, planner.settings.tolerance_s)
    return WeekPlan("independent", days, passengers, time.monotonic() - started)
