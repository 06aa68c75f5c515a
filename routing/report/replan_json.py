"""``changes.json`` (schema ``routing.changes/1``) and the console table of a re-plan.

``replan`` writes the new week as ``week`` does (``week.json``, ``passengers.csv``, per day
``plan.json`` + ``stops.csv``) and beside it ``changes.json``: every passenger trip whose vehicle
or pickup time changed, by how much and why, and the disruption figures (``docs/week-format.md``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from routing.files import write_atomic
from routing.model import Scenario
from routing.report.week_json import write_day_files, write_week
from routing.studies.replan import ReplanResult, TripChange
from routing.units import format_clock

SCHEMA = "routing.changes/1"


def _clock(t: int | None) -> str | None:
    return None if t is None else format_clock(t)


def _trip(c: TripChange) -> dict[str, Any]:
    return {
        "day": c.day,
        "request": c.request,
        "passenger": c.passenger,
        "direction": c.direction,
        "old_vehicle": c.old_vehicle,
        "new_vehicle": c.new_vehicle,
        "old_pickup": _clock(c.old_s),
        "new_pickup": _clock(c.new_s),
        "delta_min": None if c.delta_s is None else round(c.delta_s / 60, 2),
        "cause": c.cause,
        "why": c.why,
    }


def changes_to_dict(result: ReplanResult, change_file: str) -> dict[str, Any]:
    """The ``routing.changes/1`` document: disruption figures, then every changed trip."""
    d = result.disruption
    return {
        "schema": SCHEMA,
        "change_file": change_file,
        "days_planned_again": list(result.days_solved),
        "seconds": round(result.seconds, 2),
        "disruption": {
            "untouched_trips": d.untouched,
            "untouched_kept": d.kept,
            "untouched_kept_share": round(d.kept_share, 4),
            "vehicle_changed": d.vehicle_changed,
            "beyond_tolerance": d.beyond_tolerance,
            "sum_abs_delta_min": round(d.sum_abs_delta_s / 60, 2),
            "max_abs_delta_min": round(d.max_abs_delta_s / 60, 2),
            "routes_touched": d.routes_touched,
            "arcs_changed": d.arcs_changed,
        },
        "trips": [_trip(c) for c in result.changes],
        "unserved": {
            day: [{"request": r, "reason": why} for r, why in items] for day, items in result.unserved.items()
        },
    }


def write_replan(
    out: str | Path, week: Scenario, result: ReplanResult, change_file: str, source: dict[str, str]
) -> list[Path]:
    """Write the new week and ``changes.json`` into ``out``, each file atomically; return the files written."""
    written = write_week(out, week, result.week, source)
    path = Path(out) / "changes.json"
    write_atomic(path, json.dumps(changes_to_dict(result, change_file), indent=1, ensure_ascii=False) + "\n")
    return [*written, path]


def write_replan_day(out: str | Path, result: ReplanResult, change_file: str) -> list[Path]:
    """Write one re-planned day as ``solve`` does (``plan.json``, ``stops.csv``) and ``changes.json``."""
    (day,) = result.week.consistent.days
    out = Path(out)
    written = write_day_files(out, day)
    write_atomic(
        out / "changes.json", json.dumps(changes_to_dict(result, change_file), indent=1, ensure_ascii=False) + "\n"
    )
    return [*written, out / "changes.json"]


def replan_table(result: ReplanResult, limit: int = 30) -> str:
    """The console summary: disruption figures, then the changed trips (at most ``limit``; all in changes.json)."""
    d = result.disruption
    lines = [
        f"days planned again: {', '.join(result.days_solved) or 'none'} ({result.seconds:.1f} s)",
        f"untouched trips keeping vehicle and time: {d.kept} / {d.untouched} ({d.kept_share:.1%})",
        f"vehicle changed: {d.vehicle_changed}; pickup moved beyond tolerance: {d.beyond_tolerance}; "
        f"|Δt| sum {d.sum_abs_delta_s / 60:.0f} min, max {d.max_abs_delta_s / 60:.0f} min; "
        f"routes touched: {d.routes_touched}; successor arcs changed: {d.arcs_changed}",
    ]
    shown = [c for c in result.changes if c.cause != "improvement" or (c.delta_s is not None and abs(c.delta_s) >= 60)]
    rows = [["day", "trip", "vehicle", "pickup", "Δ min", "cause", "why"]]
    for c in shown[:limit]:
        vehicle = (
            c.old_vehicle if c.old_vehicle == c.new_vehicle else f"{c.old_vehicle or '-'} -> {c.new_vehicle or '-'}"
        )
        pickup = f"{_clock(c.old_s) or '-'} -> {_clock(c.new_s) or '-'}"
        delta = "" if c.delta_s is None else f"{c.delta_s / 60:+.0f}"
        rows.append([c.day, c.request, str(vehicle), pickup, delta, c.cause, c.why])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1])
    if len(shown) > limit:
        lines.append(f"... and {len(shown) - limit} more in changes.json")
    for day, items in result.unserved.items():
        for rid, why in items:
            lines.append(f"unserved {day} {rid}: {why}")
    return "\n".join(lines)
