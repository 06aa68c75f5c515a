"""Service consistency of a week's plans: the same vehicle and the same pickup time for every recurring passenger.

A *recurring passenger* is one person travelling in one direction on several days: the requests
sharing ``Request.passenger`` (each request its own passenger where none is given) and a
direction — from home (pickup at a location of kind ``home``), to home (drop-off at home), or, for a
trip with no home end, the request itself. Only route-bought trips count (Flexrute, egne vogne):
per-trip channels are not routes.

For each such passenger and each day they travel, the figures are the vehicle and the pickup time
(start of service at the pickup; at the drop-off for a depot delivery) in the day's plan. Their
*usual time* is the time of the week's template where the planner made one (the time the family
is told), else the middle of their earliest and latest time; they are *within tolerance* when every
day's time is at most ``tolerance_s`` from it, and have *one vehicle* when every day uses the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from routing.model import PER_TRIP_CHANNELS, Request, Scenario
from routing.plan import Plan


def direction(scenario: Scenario, r: Request) -> str:
    """``from_home``, ``to_home``, or the request id for a trip with no home end."""
    if r.pickup is not None and scenario.location(r.pickup.location).kind == "home":
        return "from_home"
    if scenario.location(r.dropoff.location).kind == "home":
        return "to_home"
    return r.id


def passenger_key(scenario: Scenario, r: Request) -> tuple[str, str]:
    """(passenger, direction) of a request; the request id stands in for a missing passenger."""
    return (r.passenger or r.id, direction(scenario, r))


def recurring_groups(week: Scenario, days: tuple[str, ...]) -> dict[tuple[str, str], list[Request]]:
    """Route-bought requests by recurring passenger: those travelling on at least two of ``days``.

    Parameters
    ----------
    week
        The week scenario (requests with their weekday patterns).
    days
        The days planned.

    Returns
    -------
    dict
        (passenger, direction) -> their requests, in scenario order.
    """
    groups: dict[tuple[str, str], list[Request]] = defaultdict(list)
    for r in week.requests:
        if r.channel not in PER_TRIP_CHANNELS:
            groups[passenger_key(week, r)].append(r)
    return {key: reqs for key, reqs in groups.items() if len(travel_days(reqs, days)) >= 2}


def travel_days(requests: list[Request], days: tuple[str, ...]) -> list[str]:
    """The days of ``days`` on which any of ``requests`` recurs (empty ``Request.days``: every day)."""
    return [d for d in days if any(not r.days or d in r.days for r in requests)]


@dataclass
class PassengerWeek:
    """One recurring passenger's week: vehicle and pickup time per day, and how consistent they are."""

    passenger: str
    direction: str
    requests: tuple[str, ...]
    days: tuple[str, ...]
    vehicles: dict[str, str | None] = field(default_factory=dict)  # day -> vehicle (None: not served)
    times_s: dict[str, int | None] = field(default_factory=dict)  # day -> pickup time
    usual_s: int | None = None
    one_vehicle: bool = False
    within_tolerance: bool = False
    why_not: list[str] = field(default_factory=list)

    @property
    def spread_s(self) -> int:
        """Latest minus earliest pickup time over the days served (0 when served on one day or none)."""
        times = [t for t in self.times_s.values() if t is not None]
        return max(times) - min(times) if times else 0


def pickup_times(scenario: Scenario, plan: Plan) -> dict[str, tuple[str, int]]:
    """Request id -> (vehicle, start of service at its pickup; at its drop-off for a depot delivery).

    Visits at one stop are served in turn, drop-offs first, each from the later of the time the
    previous one ends and its window's start (``docs/plan-format.md``; the checker replays the same).
    """
    out: dict[str, tuple[str, int]] = {}
    for route in plan.routes:
        for stop in route.stops:
            t = stop.service_start_s if stop.service_start_s is not None else stop.arrival_s
            for kind, rid in [("dropoff", r) for r in stop.dropoff] + [("pickup", r) for r in stop.pickup]:
                r = scenario.request(rid)
                visit = r.pickup if kind == "pickup" else r.dropoff
                if visit is None:  # a depot delivery boards at the start depot: its time is the drop-off's
                    continue
                start = max(t, visit.effective_window.start_s)
                t = start + visit.service_s
                if kind == "pickup" or r.pickup is None:
                    out[rid] = (route.vehicle, start)
    return out


def measure(
    week: Scenario,
    plans: Mapping[str, Plan],
    tolerance_s: int,
    usual_s: Mapping[tuple[str, str], int] | None = None,
    reasons: Mapping[tuple[str, str], list[str]] | None = None,
) -> list[PassengerWeek]:
    """Every recurring passenger's week in ``plans`` (day -> plan of that day's route-bought requests).

    Parameters
    ----------
    week
        The week scenario.
    plans
        The plan of each day planned.
    tolerance_s
        How far from the usual time a pickup may be.
    usual_s
        The usual time per passenger (the template's); the middle of their times where absent.
    reasons
        Per passenger, what the planner found when it could not keep them consistent.

    Returns
    -------
    list[PassengerWeek]
        In the order of the scenario's requests.
    """
    days = tuple(plans)
    timed = {day: pickup_times(week, plan) for day, plan in plans.items()}
    unserved = {day: {u.request: u.reason for u in plan.unserved} for day, plan in plans.items()}
    out = []
    for key, reqs in recurring_groups(week, days).items():
        pw = PassengerWeek(key[0], key[1], tuple(r.id for r in reqs), tuple(travel_days(reqs, days)))
        for day in pw.days:
            rid = next(r.id for r in reqs if not r.days or day in r.days)
            vehicle, start = timed[day].get(rid, (None, None))
            pw.vehicles[day], pw.times_s[day] = vehicle, start
            if vehicle is None:
                pw.why_not.append(f"{day}: not served ({unserved[day].get(rid, 'not in the plan')})")
        times = [t for t in pw.times_s.values() if t is not None]
        given = (usual_s or {}).get(key)
        pw.usual_s = given if given is not None else ((min(times) + max(times)) // 2 if times else None)
        served = [v for v in pw.vehicles.values() if v is not None]
        pw.one_vehicle = len(served) == len(pw.days) and len(set(served)) == 1
        pw.within_tolerance = len(times) == len(pw.days) and all(
            abs(t - pw.usual_s) <= tolerance_s for t in times if pw.usual_s is not None
        )
        pw.why_not.extend((reasons or {}).get(key, []))
        if not pw.within_tolerance and not pw.why_not:
            pw.why_not.append(_why_apart(reqs, pw, tolerance_s))
        out.append(pw)
    return out


def _why_apart(requests: list[Request], pw: PassengerWeek, tolerance_s: int) -> str:
    """Why a passenger served every day is not within tolerance, when no planner step said so."""
    windows = {
        (r.pickup or r.dropoff).effective_window for r in requests if any(not r.days or d in r.days for d in pw.days)
    }
    spread = f"pickup times {pw.spread_s / 60:.0f} min apart"
    if len(windows) > 1:
        days = ", ".join(f"{r.id}: {', '.join(d for d in pw.days if not r.days or d in r.days)}" for r in requests)
        return f"{spread}: its own trips differ by day ({days}), so one time ±{tolerance_s // 60} min fits none"
    return f"{spread}, more than ±{tolerance_s // 60} min around any one time"


@dataclass(frozen=True)
class ConsistencySummary:
    """The week's consistency in figures."""

    passengers: int
    one_vehicle: int
    within_tolerance: int
    mean_spread_s: float
    max_spread_s: int

    @property
    def one_vehicle_share(self) -> float:
        """Share of recurring passengers with one vehicle all week (1 when there are none)."""
        return self.one_vehicle / self.passengers if self.passengers else 1.0

    @property
    def within_tolerance_share(self) -> float:
        """Share of recurring passengers within the time tolerance every day (1 when there are none)."""
        return self.within_tolerance / self.passengers if self.passengers else 1.0


def summarise(weeks: list[PassengerWeek]) -> ConsistencySummary:
    """Counts, shares and spreads over the recurring passengers."""
    spreads = [pw.spread_s for pw in weeks]
    return ConsistencySummary(
        passengers=len(weeks),
        one_vehicle=sum(pw.one_vehicle for pw in weeks),
        within_tolerance=sum(pw.within_tolerance for pw in weeks),
        mean_spread_s=sum(spreads) / len(spreads) if spreads else 0.0,
        max_spread_s=max(spreads, default=0),
    )
