"""Vognløb manifests: per vehicle and day, the duty a driver is handed, as CSV and as printable HTML.

A *duty* is one vehicle's route on one day: vehicle and type, duty start and end, distance and hours,
then each stop in order with its planned time and window, the place (name and coordinates), who is
picked up and set down, the load after the stop (seats, wheelchairs, ...), aids (wheelchair,
companion/ledsager), notes (enekørsel, not together with, arrive-by) and, in a week plan, each
passenger's usual time. Passengers are request ids only: no personal data exists or is invented.

The HTML is one A4 page per duty (print CSS), self-contained: no fonts, scripts or images fetched.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from routing.check import CheckResult
from routing.model import Request, Scenario
from routing.plan import Plan
from routing.units import format_clock

ATTRIBUTION = "Map data © OpenStreetMap contributors (ODbL); boundaries DAGI (SDFI)."
CSV_COLUMNS = (
    "day",
    "vehicle",
    "vehicle_type",
    "stop",
    "time",
    "window",
    "location",
    "name",
    "lat_or_x",
    "lon_or_y",
    "pick_up",
    "set_down",
    "load_after",
    "aids",
    "notes",
    "usual",
)


@dataclass(frozen=True)
class DutyStop:
    """One stop of a duty, as the driver reads it."""

    order: int
    location: str
    name: str
    coords: tuple[float, float]
    arrival_s: int
    time_s: int  # planned start of service (arrival at a depot)
    departure_s: int
    windows: tuple[str, ...]  # "rid: pickup 07:00-07:30" per visit with a window
    pick_up: tuple[str, ...]
    set_down: tuple[str, ...]
    load_after: dict[str, int]
    aids: tuple[str, ...]
    notes: tuple[str, ...]
    usual: tuple[str, ...]  # "rid 07:05" per pickup with a usual time (week plans)


@dataclass(frozen=True)
class Duty:
    """One vehicle's duty on one day (a vognløb)."""

    day: str
    vehicle: str
    vehicle_type: str
    type_label: str
    start_s: int
    end_s: int
    km: float | None
    hours: float
    passengers: int
    stops: tuple[DutyStop, ...] = field(default=())


def _aids(r: Request) -> list[str]:
    out = ["wheelchair"] if r.load.get("wheelchairs") else []
    out += ["companion (ledsager)"] * bool(r.load.get("companions"))
    out += [f"needs {s}" for s in sorted(r.skills)]
    return out


def _notes(r: Request, at_pickup: bool) -> list[str]:
    out = ["enekørsel (rides alone)"] if r.solo and at_pickup else []
    if r.not_with and at_pickup:
        out.append(f"not together with {', '.join(sorted(r.not_with))}")
    if not at_pickup and r.dropoff.window is not None:
        out.append(f"arrive by {format_clock(r.dropoff.window.end_s)}")
    return out


def duties(
    scenario: Scenario,
    plan: Plan,
    result: CheckResult,
    day: str = "",
    usual_s: Mapping[str, int] | None = None,
) -> list[Duty]:
    """Every route of ``plan`` as a duty, in the plan's vehicle order.

    Parameters
    ----------
    scenario
        The scenario the plan was checked against.
    plan
        The plan.
    result
        The checker's result (distance and duration per route).
    day
        The day's label (``mon`` ...; empty for a plan of no particular day).
    usual_s
        Request id -> usual pickup time (a week plan's), shown beside each pickup.

    Returns
    -------
    list[Duty]
        One per route that serves someone.
    """
    metrics = {m.vehicle: m for m in result.routes}
    requests = {r.id: r for r in scenario.requests}
    dims = scenario.dimensions
    out = []
    for route in plan.routes:
        if not route.request_ids:
            continue
        vehicle = scenario.vehicle(route.vehicle)
        vt = scenario.vehicle_type(vehicle.type)
        load = dict.fromkeys(dims, 0)
        stops = []
        for k, stop in enumerate(route.stops):
            windows, aids, notes, usual = [], [], [], []
            for rid in stop.dropoff:
                r = requests[rid]
                for dim in dims:
                    load[dim] -= r.load.get(dim)
                notes += [f"{rid}: {n}" for n in _notes(r, at_pickup=False)]
                if r.dropoff.window is not None:
                    windows.append(f"{rid} set down {r.dropoff.window.as_clock()}")
            for rid in stop.pickup:
                r = requests[rid]
                for dim in dims:
                    load[dim] += r.load.get(dim)
                aids += [f"{rid}: {a}" for a in _aids(r)]
                notes += [f"{rid}: {n}" for n in _notes(r, at_pickup=True)]
                if r.pickup is not None and r.pickup.window is not None:
                    windows.append(f"{rid} pick up {r.pickup.window.as_clock()}")
                if usual_s and rid in usual_s:
                    usual.append(f"{rid} {format_clock(usual_s[rid])}")
            loc = scenario.location(stop.location)
            stops.append(
                DutyStop(
                    k,
                    stop.location,
                    loc.name or stop.location,
                    loc.coords,
                    stop.arrival_s,
                    stop.service_start_s if stop.service_start_s is not None else stop.arrival_s,
                    stop.departure_s,
                    tuple(windows),
                    stop.pickup,
                    stop.dropoff,
                    {d: n for d, n in load.items() if n},
                    tuple(aids),
                    tuple(notes),
                    tuple(usual),
                )
            )
        m = metrics.get(route.vehicle)
        out.append(
            Duty(
                day,
                route.vehicle,
                vehicle.type,
                vt.label or vt.id,
                route.stops[0].departure_s,
                route.stops[-1].arrival_s,
                None if m is None or scenario.is_planar else m.distance_m / 1000,
                (route.stops[-1].arrival_s - route.stops[0].departure_s) / 3600,
                len(route.request_ids),
                tuple(stops),
            )
        )
    return out


def manifest_csv(all_duties: Sequence[Duty]) -> str:
    """One row per stop of every duty (``CSV_COLUMNS``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for d in all_duties:
        for s in d.stops:
            w.writerow(
                [
                    d.day,
                    d.vehicle,
                    d.vehicle_type,
                    s.order,
                    format_clock(s.time_s),
                    "; ".join(s.windows),
                    s.location,
                    s.name,
                    s.coords[0],
                    s.coords[1],
                    ";".join(s.pick_up),
                    ";".join(s.set_down),
                    " ".join(f"{k}={v}" for k, v in s.load_after.items()),
                    "; ".join(s.aids),
                    "; ".join(s.notes),
                    "; ".join(s.usual),
                ]
            )
    return buf.getvalue()


_CSS = """
@page { size: A4; margin: 14mm; }
body { font-family: sans-serif; font-size: 10pt; color: #111; }
section.duty { page-break-after: always; break-after: page; }
section.duty:last-of-type { page-break-after: auto; break-after: auto; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
p.meta { margin: 0 0 3mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.3mm solid #999; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eee; }
td.time { white-space: nowrap; font-weight: bold; }
footer { margin-top: 3mm; font-size: 8pt; color: #555; }
@media screen { section.duty { max-width: 190mm; margin: 0 auto 12mm; } }
"""


def _cell(items: Sequence[str]) -> str:
    return "<br>".join(html.escape(x) for x in items)


def manifest_html(all_duties: Sequence[Duty], plan_id: str, generated_at: str) -> str:
    """A printable HTML document: one A4 page per duty, self-contained."""
    pages = []
    for d in all_duties:
        rows = []
        for s in d.stops:
            coords = f"{s.coords[0]:.5f}, {s.coords[1]:.5f}"
            load = ", ".join(f"{k} {v}" for k, v in s.load_after.items()) or "empty"
            rows.append(
                "<tr>"
                f"<td>{s.order}</td><td class='time'>{format_clock(s.time_s)}</td><td>{_cell(s.windows)}</td>"
                f"<td>{html.escape(s.name)}<br><small>{html.escape(coords)}</small></td>"
                f"<td>{_cell(s.pick_up)}</td><td>{_cell(s.set_down)}</td><td>{html.escape(load)}</td>"
                f"<td>{_cell([*s.aids, *s.notes])}</td><td>{_cell(s.usual)}</td>"
                "</tr>"
            )
        km = "" if d.km is None else f", {d.km:.1f} km"
        title = f"Vognløb {html.escape(d.vehicle)}" + (f" — {html.escape(d.day)}" if d.day else "")
        pages.append(
            f"<section class='duty'><h1>{title}</h1>"
            f"<p class='meta'>{html.escape(d.type_label)} ({html.escape(d.vehicle_type)}) · duty "
            f"{format_clock(d.start_s)}–{format_clock(d.end_s)} ({d.hours:.2f} h{km}) · {d.passengers} passengers</p>"
            "<table><thead><tr><th>#</th><th>time</th><th>window</th><th>place</th><th>pick up</th>"
            "<th>set down</th><th>on board after</th><th>aids and notes</th><th>usual time</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<footer>Plan {html.escape(plan_id)} · generated {html.escape(generated_at)} · "
            f"{html.escape(ATTRIBUTION)}</footer></section>"
        )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Vognløb — {html.escape(plan_id)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(pages) or '<p>No routes.</p>'}</body></html>\n"
    )
