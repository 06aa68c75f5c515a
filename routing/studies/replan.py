"""Re-plan a planned week after changes, disturbing as few passengers as possible.

The days a change touches are planned again from their previous plan (``week._consistent_day``):
every untouched passenger trip is pinned to its previous vehicle and its previous pickup time ±
the week's tolerance, and on the day being driven the pickups before ``freeze_until`` are pinned to
their vehicle and exact time. Only what the change names — added, cancelled, moved trips, and the
trips of a vehicle that is no longer there — is free. A pinned trip is freed only when the day
cannot serve it otherwise (first its time, then its vehicle): disruption is priced above any saving
a move of an untouched passenger could bring, so the search never moves one to save money. Days no
change touches keep their plan (checked again against the new week).

Every moved trip is reported with its cause: ``change`` (named by the change, or on a vehicle
taken away), ``feasibility`` (freed because the day could not serve it pinned) or ``improvement``
(re-timed by the search within its tolerance, on the same vehicle).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from routing.costing.params import Parameters
from routing.exceptions import Problem, ScenarioError
from routing.matrix.provider import MatrixSet
from routing.model import PER_TRIP_CHANNELS, Scenario
from routing.plan import Plan
from routing.report.json_shape import PLAN_DOC, check_shape
from routing.report.plan_json import routes_from_dict
from routing.studies.changes import ChangeSet
from routing.studies.consistency import measure, passenger_key, pickup_times
from routing.studies.week import (
    DayPlan,
    WeekPlan,
    WeekResult,
    WeekSettings,
    _consistent_day,
    _Planner,
    week_days,
)
from routing.units import format_clock

CAUSES = ("change", "feasibility", "improvement")


@dataclass(frozen=True)
class TripChange:
    """One passenger trip of one day whose vehicle or pickup time changed (or that was added or cancelled)."""

    day: str
    request: str
    passenger: str
    direction: str
    old_vehicle: str | None
    new_vehicle: str | None
    old_s: int | None
    new_s: int | None
    cause: str
    why: str

    @property
    def delta_s(self) -> int | None:
        """New minus old pickup time (None unless served both before and after)."""
        return None if self.old_s is None or self.new_s is None else self.new_s - self.old_s


@dataclass
class Disruption:
    """How much a re-plan disturbs: counts over passenger trips (one request on one day)."""

    untouched: int = 0  # trips served before that no change names
    kept: int = 0  # of those: same vehicle and pickup within the tolerance
    vehicle_changed: int = 0
    beyond_tolerance: int = 0
    sum_abs_delta_s: int = 0
    max_abs_delta_s: int = 0
    routes_touched: int = 0  # vehicle-days whose sequence of visits changed
    arcs_changed: int = 0  # successor pairs (visit -> next visit) of the old plans that are gone

    @property
    def kept_share(self) -> float:
        """Share of untouched trips that keep vehicle and time (1 when there are none)."""
        return self.kept / self.untouched if self.untouched else 1.0


@dataclass
class ReplanResult:
    """The re-planned week, every changed trip, the disruption figures, and which days were planned again."""

    week: WeekResult
    changes: list[TripChange]
    disruption: Disruption
    days_solved: tuple[str, ...]
    seconds: float
    unserved: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # day -> [(request, reason)]


def _sequence(plan: Plan) -> dict[str, list[tuple[str, str]]]:
    """Vehicle -> its visits in order as (request, pickup/dropoff)."""
    return {
        route.vehicle: [
            (rid, kind)
            for stop in route.stops
            for kind, ids in (("d", stop.dropoff), ("p", stop.pickup))
            for rid in ids
        ]
        for route in plan.routes
    }


def _keep_unchanged(previous: Plan, plan: Plan) -> Plan:
    """``plan`` with each route whose visits are those of its previous route in the same order given back as it was.

    The search reschedules every route under its pins; a route nobody changed keeps its old times.
    """
    old_routes = {r.vehicle: r for r in previous.routes}
    old_seq, new_seq = _sequence(previous), _sequence(plan)
    routes = tuple(
        old_routes[r.vehicle] if r.vehicle in old_routes and old_seq[r.vehicle] == new_seq[r.vehicle] else r
        for r in plan.routes
    )
    return replace(plan, routes=routes)


def _arcs(plan: Plan) -> set[tuple[str, tuple[str, str], tuple[str, str]]]:
    return {(vid, seq[k], seq[k + 1]) for vid, seq in _sequence(plan).items() for k in range(len(seq) - 1)}


def _kept_by_vehicle_out(old: Scenario, plan: Plan, matrices: MatrixSet, vehicle: str, from_s: int) -> set[str]:
    """Requests of ``vehicle``'s route it can still serve when it must be back at its depot by ``from_s``.

    The route is cut after the last stop with nobody on board from which the depot is reached in time.
    """
    route = next((r for r in plan.routes if r.vehicle == vehicle), None)
    if route is None or from_s <= 0:
        return set()
    v = old.vehicle(vehicle)
    dur = matrices.duration_s[old.vehicle_type(v.type).profile]
    index = matrices.index()
    onboard: set[str] = set()
    done: set[str] = set()
    kept: set[str] = set()
    for stop in route.stops[1:-1]:
        onboard -= set(stop.dropoff)
        done |= set(stop.dropoff)
        onboard |= set(stop.pickup)
        back = stop.departure_s + int(dur[index[stop.location], index[v.end]])
        if not onboard and back <= from_s:
            kept = set(done)
    return kept


class _Day:
    """One day's re-plan: the previous plan and its times, the pins, and what the change frees."""

    def __init__(self, old: Scenario, previous: Plan, changes: ChangeSet, day: str, matrices: MatrixSet) -> None:
        self.day, self.previous = day, previous
        self.before = pickup_times(old, previous)
        self.freed: dict[str, str] = {}  # request -> why the change frees it
        for out in changes.vehicles_out:
            if out.day != day:
                continue
            kept = _kept_by_vehicle_out(old, previous, matrices, out.vehicle, out.from_s)
            when = f"from {format_clock(out.from_s)}" if out.from_s else "all day"
            for rid, (vid, _) in self.before.items():
                if vid == out.vehicle and rid not in kept:
                    self.freed[rid] = f"vehicle {out.vehicle} unavailable {when}"
        for rid, (what, days) in changes.touched.items():
            if day in days:
                self.freed.setdefault(rid, what)

    def pins(self, new_ids: set[str], changes: ChangeSet) -> tuple[dict[str, tuple[str, int]], dict[str, int]]:
        """Pins (request -> previous vehicle and time) of the untouched trips, and the frozen ones' zero tolerance."""
        at = {rid: placed for rid, placed in self.before.items() if rid in new_ids and rid not in self.freed}
        frozen: dict[str, int] = {}
        if changes.day == self.day and changes.freeze_until_s is not None:
            frozen = {rid: 0 for rid, (_, t) in at.items() if t < changes.freeze_until_s}
        return at, frozen


def replan_week(
    old: Scenario,
    new: Scenario,
    previous: dict[str, Plan],
    usual: dict[tuple[str, str], int],
    changes: ChangeSet,
    matrices: MatrixSet,
    params: Parameters,
    settings: WeekSettings,
    route_all: bool = False,
) -> ReplanResult:
    """Re-plan the days of ``previous`` that ``changes`` touch, on the new week ``new``.

    Parameters
    ----------
    old, new
        The week before and after the changes (``apply_changes``).
    previous
        Day -> the plan of that day's route-bought requests (from ``week.json``).
    usual
        (passenger, direction) -> usual pickup time, from the week plan.
    changes
        What changed.
    matrices
        Travel matrices covering both weeks' locations.
    params
        Cost parameters.
    settings
        Tolerance, time limit (for all the days planned again), workers, seed, solution limit.
    route_all
        The plans route every request, per-trip channels too (one day's plan made by ``solve``).

    Returns
    -------
    ReplanResult
        The new week (every day checked), the changed trips with causes, and the disruption.
    """
    started = time.monotonic()
    planner = _Planner(new, matrices, params, settings, None)
    planner.route_all = route_all
    for out in changes.vehicles_out:
        planner.vehicle_ends[(out.day, out.vehicle)] = out.from_s
    # Insertion only, from the previous plan, one search: untouched routes stay as they were.
    pipeline = replace(planner.solve_params.pipeline, hybrid_stages=("relax", "repair", "insert"))
    planner.solve_params = replace(planner.solve_params, backend="hybrid", workers=1, pipeline=pipeline)
    days_out = {out.day for out in changes.vehicles_out}
    counts: dict[str, int] = {}
    for day in previous:
        ids = {r.id for r in planner.routed(day)[0]}
        served = previous[day].served_ids | {u.request for u in previous[day].unserved}
        driving = changes.day == day and changes.freeze_until_s is not None
        if day in days_out or driving or ids != served or any(day in days for _, days in changes.touched.values()):
            counts[day] = len(ids)
    deadline = started + settings.time_limit_s
    day_plans: list[DayPlan] = []
    trips: list[TripChange] = []
    disruption = Disruption()
    reasons: dict[tuple[str, str], list[str]] = {}
    solved: list[str] = []
    new_ids = {r.id for r in new.requests}
    for day in previous:
        state = _Day(old, previous[day], changes, day, matrices)
        if day in counts:
            ids = {r.id for r in planner.routed(day)[0]}
            at, frozen = state.pins(ids, changes)
            solved.append(day)
            budget = planner.budget(deadline, counts, day)
            del counts[day]
            plan, why = _consistent_day(planner, day, budget, previous[day], at, frozen)
            plan = planner.day_plan(day, plan.scenario, _keep_unchanged(previous[day], plan.plan), plan.per_trip)
        else:
            requests, per_trip = planner.routed(day)
            plan = planner.day_plan(day, planner.for_day(day).restricted(requests), previous[day], per_trip)
            why = []
        day_plans.append(plan)
        feasibility = dict(why)
        for rid, text in why:
            reasons.setdefault(passenger_key(new, new.request(rid)), []).append(text)
        _compare(old, new, state, plan.plan, feasibility, settings.tolerance_s, trips, disruption, new_ids)
    passengers = measure(new, {d.day: d.plan for d in day_plans}, settings.tolerance_s, usual, reasons)
    seconds = time.monotonic() - started
    week = WeekResult(WeekPlan("replan", day_plans, passengers, seconds), None, settings)
    unserved = {d.day: [(u.request, u.reason) for u in d.plan.unserved] for d in day_plans if d.plan.unserved}
    return ReplanResult(week, trips, disruption, tuple(solved), seconds, unserved)


def _compare(
    old: Scenario,
    new: Scenario,
    state: _Day,
    plan: Plan,
    feasibility: dict[str, str],
    tolerance_s: int,
    trips: list[TripChange],
    disruption: Disruption,
    new_ids: set[str],
) -> None:
    """Add the day's changed trips and its disruption figures."""
    after = pickup_times(new, plan)
    old_arcs, new_arcs = _arcs(state.previous), _arcs(plan)
    disruption.arcs_changed += len(old_arcs - new_arcs)
    old_seq, new_seq = _sequence(state.previous), _sequence(plan)
    disruption.routes_touched += sum(old_seq.get(v) != new_seq.get(v) for v in set(old_seq) | set(new_seq))
    # Routes that take or lose a trip the change names: their other trips move because of the change.
    touched_routes = {placed[0] for rid in state.freed for placed in (state.before.get(rid), after.get(rid)) if placed}
    for rid in sorted(set(state.before) | set(after)):
        was, now = state.before.get(rid), after.get(rid)
        if was is not None and now is not None:
            delta = abs(now[1] - was[1])
            disruption.sum_abs_delta_s += delta
            disruption.max_abs_delta_s = max(disruption.max_abs_delta_s, delta)
            disruption.vehicle_changed += was[0] != now[0]
            disruption.beyond_tolerance += delta > tolerance_s
        if was is not None and rid not in state.freed:
            disruption.untouched += 1
            disruption.kept += now is not None and now[0] == was[0] and abs(now[1] - was[1]) <= tolerance_s
        if was == now:
            continue
        if rid in state.freed:
            cause, why = "change", state.freed[rid]
        elif was is not None and now is not None and was[0] == now[0] and now[0] in touched_routes:
            cause, why = "change", f"re-timed: its route ({now[0]}) takes or loses a changed trip"
        elif rid in feasibility:
            cause, why = "feasibility", feasibility[rid]
        elif now is None:
            cause, why = "feasibility", "not served after the change (see unserved)"
        else:
            cause, why = "improvement", "re-timed within its tolerance on the same vehicle"
        source = new if rid in new_ids else old
        passenger, direction = passenger_key(source, source.request(rid))
        trips.append(
            TripChange(
                state.day,
                rid,
                passenger,
                direction,
                was[0] if was else None,
                now[0] if now else None,
                was[1] if was else None,
                now[1] if now else None,
                cause,
                why,
            )
        )


def previous_plans(doc: dict[str, Any], old: Scenario, source: str, route_all: bool = False) -> dict[str, Plan]:
    """Each day's plan from a ``week.json`` document, refused with what differs if it is not of ``old``.

    The plan of a day must be of the week's route-bought requests of that day (``route_all``: all of
    them) on its fleet: the same request ids (served or unserved) and vehicle ids as the scenario gives.
    """
    problems: list[Problem] = []
    plans: dict[str, Plan] = {}
    vehicles = {v.id for v in old.vehicles}
    for day, entry in doc["days"].items():
        at = f"days.{day}.plan"
        if day not in week_days(old):
            problems.append(
                Problem("E720", f"days.{day}", "is not a day the scenario's requests travel", "Re-run week.")
            )
            continue
        check_shape(PLAN_DOC, entry["plan"], source, at)
        plan = routes_from_dict(entry["plan"], source, at)
        expected = {r.id for r in old.for_day(day).requests if route_all or r.channel not in PER_TRIP_CHANNELS}
        listed = {str(r["id"]) for r in entry["plan"].get("requests", [])}
        fleet = {str(v["id"]) for v in entry["plan"].get("vehicles", [])}
        # A day's fleet may lack vehicles a re-plan took off the road; never has others.
        for what, have, want in (("requests", listed, expected), ("vehicles", fleet, vehicles & fleet)):
            if have != want:
                extra, missing = sorted(have - want), sorted(want - have)
                parts = [f"{len(extra)} not in the scenario (e.g. {', '.join(extra[:3])})"] if extra else []
                parts += [f"{len(missing)} of the scenario missing (e.g. {', '.join(missing[:3])})"] if missing else []
                fix = "Give the scenario the week was planned with (--scenario), or plan the week again."
                problems.append(Problem("E720", f"{at}.{what}", "; ".join(parts), fix))
        plans[day] = plan
    if problems:
        raise ScenarioError(problems, source)
    return plans


def usual_times(doc: dict[str, Any]) -> dict[tuple[str, str], int]:
    """(passenger, direction) -> usual pickup time, from a ``week.json`` document."""
    return {
        (str(p["passenger"]), str(p["direction"])): int(p["usual_s"])
        for p in doc.get("passengers", [])
        if p.get("usual_s") is not None
    }
