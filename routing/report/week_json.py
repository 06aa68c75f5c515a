"""``week.json`` (schema ``routing.week/1``), the per-day plan files and the console table of a planned week.

Layout of ``DIR``: ``week.json``; ``passengers.csv`` (one row per recurring passenger and day);
and per day ``DIR/<day>/plan.json`` + ``stops.csv``. Each day's plan inside ``week.json`` is the
same ``routing.plan/1`` document as its ``plan.json``. Money is the procurement cost of
``routing.costing.plan_cost`` (tariffs; every parameter listed under ``parameters``), except the
plans' own ``cost_dkk``, which are priced by vehicle type as ``plan.json`` documents.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from routing.costing.plan_cost import Figures
from routing.costing.vehicle_cost import price_plan_by_vehicle_types
from routing.files import write_atomic
from routing.model import Scenario, area_sort_key
from routing.report.json_shape import WEEK_DOC, check_shape
from routing.report.plan_json import plan_to_dict, read_json_document, write_plan_json
from routing.report.tables import write_stops_csv
from routing.studies.consistency import ConsistencySummary, PassengerWeek
from routing.studies.week import DayPlan, WeekPlan, WeekResult
from routing.units import format_clock

SCHEMA = "routing.week/1"


def _figures(fig: Figures) -> dict[str, float]:
    return {
        "cost_dkk": round(fig.cost_dkk, 2),
        "co2_kg": round(fig.co2_kg, 2),
        "km": round(fig.km, 1),
        "vehicle_hours": round(fig.vehicle_hours, 2),
    }


def _consistency(c: ConsistencySummary) -> dict[str, Any]:
    return {
        "recurring_passengers": c.passengers,
        "one_vehicle": c.one_vehicle,
        "one_vehicle_share": round(c.one_vehicle_share, 4),
        "within_tolerance": c.within_tolerance,
        "within_tolerance_share": round(c.within_tolerance_share, 4),
        "mean_spread_min": round(c.mean_spread_s / 60, 2),
        "max_spread_min": round(c.max_spread_s / 60, 2),
    }


def _passenger(pw: PassengerWeek) -> dict[str, Any]:
    return {
        "passenger": pw.passenger,
        "direction": pw.direction,
        "requests": list(pw.requests),
        "days": list(pw.days),
        "vehicles": pw.vehicles,
        "pickup_s": pw.times_s,
        "pickup": {d: None if t is None else format_clock(t) for d, t in pw.times_s.items()},
        "usual_s": pw.usual_s,
        "usual": None if pw.usual_s is None else format_clock(pw.usual_s),
        "spread_min": round(pw.spread_s / 60, 2),
        "one_vehicle": pw.one_vehicle,
        "within_tolerance": pw.within_tolerance,
        "why_not": pw.why_not,
    }


def day_document(d: DayPlan) -> dict[str, Any]:
    """The day's ``routing.plan/1`` document (checked: a ``DayPlan`` holds only plans the checker accepted)."""
    return plan_to_dict(d.scenario, d.plan, d.check, price_plan_by_vehicle_types(d.scenario, d.check))


def write_day_files(folder: Path, d: DayPlan) -> list[Path]:
    """The day's ``plan.json`` and ``stops.csv`` in ``folder``, as ``solve`` writes them."""
    write_plan_json(folder / "plan.json", d.scenario, d.plan, d.check, price_plan_by_vehicle_types(d.scenario, d.check))
    write_stops_csv(folder / "stops.csv", d.scenario, d.plan)
    return [folder / "plan.json", folder / "stops.csv"]


def _by_area_channel(wp: WeekPlan) -> list[dict[str, Any]]:
    """The week's figures per befordringsområde and channel (routes shared out by passenger, trips priced each)."""
    cells: dict[tuple[str | None, str], Figures] = {}
    for d in wp.days:
        for key, fig in d.cost.by_area_channel.items():
            cell = cells.setdefault(key, Figures())
            cell.add(fig)
            cell.trips += fig.trips
    return [
        {"area": area, "channel": channel, **_figures(fig), "trips": fig.trips}
        for (area, channel), fig in sorted(cells.items(), key=lambda kv: (area_sort_key(kv[0][0]), kv[0][1]))
    ]


def _summary(wp: WeekPlan) -> dict[str, Any]:
    total, routed = wp.total(), wp.routed()
    return {
        **_consistency(wp.consistency),
        "week": _figures(total),
        "routes": _figures(routed),
        "per_trip_dkk": round(total.cost_dkk - routed.cost_dkk, 2),
        "requests": sum(len(d.scenario.requests) + len(d.per_trip) for d in wp.days),
        "unserved": sum(len(d.plan.unserved) for d in wp.days),
        "seconds": round(wp.seconds, 1),
    }


def week_to_dict(week: Scenario, result: WeekResult, source: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``routing.week/1`` document.

    Parameters
    ----------
    week
        The week scenario planned.
    result
        ``routing.studies.week.plan_week``'s result.
    source
        Where the week scenario came from (``scenario``: its path, ``sha256``: of its text), for ``replan``.

    Returns
    -------
    dict
        JSON-ready: settings, summary, cost of consistency, days (plan, per-trip trips, figures),
        passengers, and the day-by-day comparison's summary.
    """
    c, s = result.consistent, result.settings
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "scenario": week.name,
        "interrupted": result.interrupted,
        "source": source or {},
        "settings": {
            "method": s.method,
            "tolerance_min": s.tolerance_s / 60,
            "time_limit_s": s.time_limit_s,
            "workers": s.workers,
            "seed": s.seed,
            "solution_limit": s.solution_limit,
        },
        "summary": _summary(c),
        "days": {
            d.day: {
                "figures": _figures(d.cost.total()),
                "routes": _figures(d.routed),
                "per_trip": [
                    {"request": rid, "channel": ch, "cost_dkk": round(d.cost.requests[rid].cost_dkk, 2)}
                    for rid, ch in d.per_trip.items()
                ],
                "plan": day_document(d),
            }
            for d in c.days
        },
        "passengers": [_passenger(pw) for pw in c.passengers],
        "by_area_channel": _by_area_channel(c),
        "parameters": sorted({p for d in c.days for p in d.cost.params}),
    }
    if result.independent is not None:
        ind = result.independent
        base = ind.routed().cost_dkk
        extra = c.routed().cost_dkk - base
        doc["day_by_day"] = {
            "summary": _summary(ind),
            "days": {d.day: _figures(d.routed) for d in ind.days},
        }
        doc["cost_of_consistency"] = {
            "routes_dkk": round(extra, 2),
            "share_of_routes": round(extra / base, 4) if base else 0.0,
        }
    return doc


def read_week_json(path: str | Path) -> dict[str, Any]:
    """Read a ``week.json``: its schema, and the structure of what ``replan`` and ``report`` read.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    dict
        The document, of the shape ``routing.report.json_shape.WEEK_DOC`` (each day's plan
        ``PLAN_DOC``; settings, passengers and source as ``replan`` reads them).

    Raises
    ------
    ScenarioError
        E600–E602 (file, schema) or E601, E604–E609 (structure, with the path of each problem).
    """
    doc = read_json_document(path, SCHEMA, "Give a folder written by `week` or `replan`, or run `week` again.")
    check_shape(WEEK_DOC, doc, str(path))
    return doc


def passengers_csv(result: WeekResult) -> str:
    """One row per recurring passenger and day: vehicle, pickup time, usual time, within tolerance."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["passenger", "direction", "day", "vehicle", "pickup", "usual", "one_vehicle", "within_tolerance"])
    for pw in result.consistent.passengers:
        usual = "" if pw.usual_s is None else format_clock(pw.usual_s)
        for day in pw.days:
            t = pw.times_s.get(day)
            w.writerow(
                [
                    pw.passenger,
                    pw.direction,
                    day,
                    pw.vehicles.get(day) or "",
                    "" if t is None else format_clock(t),
                    usual,
                    int(pw.one_vehicle),
                    int(pw.within_tolerance),
                ]
            )
    return buf.getvalue()


def write_week(out: str | Path, week: Scenario, result: WeekResult, source: dict[str, str] | None = None) -> list[Path]:
    """Write ``week.json``, ``passengers.csv`` and ``<day>/plan.json`` + ``stops.csv``, each atomically.

    Returns
    -------
    list[Path]
        The files written.
    """
    out = Path(out)
    written = []
    for d in result.consistent.days:
        written += write_day_files(out / d.day, d)
    write_atomic(out / "passengers.csv", passengers_csv(result))
    doc = week_to_dict(week, result, source)
    write_atomic(out / "week.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return [*written, out / "passengers.csv", out / "week.json"]


def _row(name: str, wp: WeekPlan) -> list[str]:
    c, routed, total = wp.consistency, wp.routed(), wp.total()
    return [
        name,
        f"{routed.cost_dkk:,.0f}",
        f"{total.cost_dkk:,.0f}",
        f"{routed.km:,.0f}",
        f"{routed.vehicle_hours:,.1f}",
        f"{c.one_vehicle_share:.1%}",
        f"{c.within_tolerance_share:.1%}",
        f"{c.mean_spread_s / 60:.1f} / {c.max_spread_s / 60:.0f}",
        f"{sum(len(d.plan.unserved) for d in wp.days)}",
    ]


def week_table(result: WeekResult) -> str:
    """The console summary: the consistent week beside the week planned day by day, and what consistency costs."""
    head = [
        "plan",
        "routes kr.",
        "week kr.",
        "km",
        "veh.-h",
        "one vehicle",
        "within tol.",
        "spread mean/max",
        "unserved",
    ]
    rows = [head, _row(f"consistent ({result.settings.method})", result.consistent)]
    if result.independent is not None:
        rows.append(_row("day by day", result.independent))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        "  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths))) for r in rows
    ]
    c = result.consistent.consistency
    lines.append(
        f"recurring passengers: {c.passengers}; tolerance ±{result.settings.tolerance_s / 60:g} min; spread in minutes"
    )
    if result.independent is not None:
        base = result.independent.routed().cost_dkk
        extra = result.consistent.routed().cost_dkk - base
        lines.append(f"cost of consistency: {extra:+,.0f} kr. on the routes ({extra / base if base else 0:+.1%})")
    off = [pw for pw in result.consistent.passengers if pw.why_not]
    for pw in off[:10]:
        lines.append(f"  {pw.passenger} {pw.direction}: {'; '.join(pw.why_not)}")
    if len(off) > 10:
        lines.append(f"  ... and {len(off) - 10} more in week.json (passengers[].why_not)")
    return "\n".join(lines)
