"""Coordinator and console tables: ``stops.csv`` (the vognløb) and the plan summary."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from routing.check import CheckResult
from routing.costing.vehicle_cost import VehicleTypeCost
from routing.files import write_atomic
from routing.model import Scenario
from routing.plan import Plan
from routing.units import format_clock

STOP_COLUMNS = (
    "vehicle",
    "stop",
    "location",
    "name",
    "lat_or_x",
    "lon_or_y",
    "arrival",
    "service_start",
    "departure",
    "arrival_s",
    "departure_s",
    "pickup",
    "dropoff",
    "onboard_after",
    "notes",
)


def stops_csv(scenario: Scenario, plan: Plan) -> str:
    """One row per stop of every route, in route order: the coordinator's vognløb list."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STOP_COLUMNS)
    requests = {r.id: r for r in scenario.requests}
    for route in plan.routes:
        onboard: list[str] = []
        for k, stop in enumerate(route.stops):
            onboard = [r for r in onboard if r not in stop.dropoff] + list(stop.pickup)
            loc = scenario.location(stop.location)
            notes = []
            for rid in stop.pickup:
                r = requests[rid]
                extras = [f"{dim}={n}" for dim, n in r.load if n and dim != "seats"]
                extras += ["enekørsel"] if r.solo else []
                extras += [f"needs {s}" for s in sorted(r.skills)]
                if extras:
                    notes.append(f"{rid}: {', '.join(extras)}")
            a, b = loc.coords
            writer.writerow(
                [
                    route.vehicle,
                    k,
                    stop.location,
                    loc.name,
                    a,
                    b,
                    format_clock(stop.arrival_s),
                    "" if stop.service_start_s is None else format_clock(stop.service_start_s),
                    format_clock(stop.departure_s),
                    stop.arrival_s,
                    stop.departure_s,
                    ";".join(stop.pickup),
                    ";".join(stop.dropoff),
                    len(onboard),
                    "; ".join(notes),
                ]
            )
    return out.getvalue()


def write_stops_csv(path: str | Path, scenario: Scenario, plan: Plan) -> None:
    """Write ``stops.csv`` atomically."""
    write_atomic(path, stops_csv(scenario, plan))


def summary_table(scenario: Scenario, plan: Plan, result: CheckResult, cost: VehicleTypeCost) -> str:
    """A short plain-text summary of a checked plan.

    Parameters
    ----------
    scenario
        The scenario the plan was checked against.
    plan
        The plan.
    result
        The checker's result (served, distance, hours, rides).
    cost
        The plan priced by its vehicle types (``routing.costing.vehicle_cost``); not an invoice.

    Returns
    -------
    str
        Aligned ``label  value`` lines, then one line per unserved request.
    """
    s = result.summary(plan, scenario)
    planar = scenario.is_planar
    rows = [
        ("scenario", scenario.name),
        ("requests served / total", f"{s['served']} / {s['requests']}"),
        ("unserved", f"{s['unserved']}"),
        ("vehicles used / available", f"{s['vehicles_used']} / {s['vehicles_available']}"),
        ("distance", f"{s['distance_m']} units" if planar else f"{s['distance_m'] / 1000:.1f} km"),
        ("vehicle hours", f"{s['duration_s']} units" if planar else f"{s['duration_s'] / 3600:.2f} h"),
        ("vehicle-type cost (not an invoice)", f"{cost.total_dkk:.2f} DKK"),
        ("mean / max ride", f"{s['mean_ride_s'] / 60:.1f} / {s['max_ride_s'] / 60:.1f} min"),
        ("waiting with passengers on board", f"{s['wait_onboard_s'] / 60:.1f} min"),
        ("solve time", f"{plan.stats.wall_time_s:.2f} s ({plan.stats.backend}, {plan.stats.status})"),
        ("checker", "feasible" if result.is_feasible else f"{len(result.violations)} VIOLATIONS"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    for u in plan.unserved:
        lines.append(f"  unserved {u.request}: {u.reason}")
    return "\n".join(lines)
