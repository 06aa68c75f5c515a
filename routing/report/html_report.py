"""``report.html``: one page a coordinator or manager opens from disk, rendered from an output folder's files.

``render_report(folder)`` reads what a command wrote — ``plan.json`` (``solve``), ``week.json`` (``week``;
with ``changes.json``: ``replan``) or ``comparison.csv`` (``compare``) — and writes ``report.html`` beside
it, with its charts as PNG files next to it: summary figures, the per-area table, cost by channel and CO2,
the maps, consistency (week), what changed (replan) and links to the manifests and data files. The page
fetches nothing (no CDN, fonts or scripts); ``python cli.py report DIR`` renders it again from the files
alone.
"""

from __future__ import annotations

import csv
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.files import write_atomic, write_atomic_bytes
from routing.model import WEEKDAYS, area_sort_key
from routing.report.plan_json import SCHEMA as PLAN_SCHEMA
from routing.report.plan_json import read_json_document
from routing.report.replan_json import SCHEMA as CHANGES_SCHEMA
from routing.report.week_json import read_week_json

_AGAIN = "Run the command that wrote this folder again."

_CSS = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #111; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } th, td { border: 1px solid #bbb; padding: 3px 8px; }
th { background: #eee; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; border: 1px solid #ddd; } figure { margin: 1em 0; } .small { color: #555; font-size: 0.9em; }
ul.links li { margin: 2px 0; }
div.side { display: flex; flex-wrap: wrap; gap: 1em; } div.side figure { flex: 1 1 320px; margin: 0; }
"""


def _esc(x: object) -> str:
    return html.escape(str(x))


def table(head: Sequence[str], rows: Sequence[Sequence[object]], cls: str = "") -> str:
    """An HTML table; numbers are right-aligned."""
    out = [f"<table class='{cls}'><thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for row in rows:
        cells = [
            f"<td class='n'>{_esc(c)}</td>" if isinstance(c, (int, float)) or _numeric(c) else f"<td>{_esc(c)}</td>"
            for c in row
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</tbody></table>"


def _numeric(c: object) -> bool:
    return isinstance(c, str) and c.replace(",", "").replace(".", "").replace("%", "").lstrip("+-").isdigit()


def _links(folder: Path, names: Sequence[str]) -> str:
    items = [f"<li><a href='{_esc(n)}'>{_esc(n)}</a></li>" for n in names if (folder / n).exists()]
    return f"<ul class='links'>{''.join(items)}</ul>" if items else ""


def _figure(name: str, caption: str, extra: str = "") -> str:
    """An image with its caption (escaped), then ``extra`` HTML (e.g. a link) in the caption."""
    text = _esc(caption) + (f" · {extra}" if extra else "")
    return f"<figure><img src='{_esc(name)}' alt='{_esc(caption)}'><figcaption>{text}</figcaption></figure>"


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1 id='title'>{_esc(title)}</h1>{body}"
        "<p class='small'>Map data © OpenStreetMap contributors (ODbL); boundaries DAGI (SDFI). "
        "Every plan was replayed by the engine's independent checker before it was written.</p>"
        "</body></html>\n"
    )


def _bar_chart(path: Path, labels: list[str], series: dict[str, list[float]], ylabel: str, title: str) -> None:
    """A grouped bar chart PNG (matplotlib, offline), written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.8), 4), dpi=110)
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        ax.bar([i + k * width for i in range(len(labels))], values, width, label=name)
    ax.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))], labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    write_atomic_bytes(path, buf.getvalue())


def _plan_section(doc: dict[str, Any]) -> str:
    """Summary, per-area and per-vehicle-type tables of a ``routing.plan/1`` document."""
    s = doc["summary"]
    km = s["distance_m"] / 1000
    rows = [
        ("requests served / total", f"{s['served']} / {s['requests']}"),
        ("vehicles used / available", f"{s['vehicles_used']} / {s['vehicles_available']}"),
        ("distance", f"{km:,.1f} km"),
        ("vehicle hours", f"{s['duration_s'] / 3600:,.2f} h"),
        ("vehicle-type cost (not an invoice)", f"{s.get('cost_dkk', 0):,.2f} kr."),
        ("mean / max ride", f"{s['mean_ride_s'] / 60:.1f} / {s['max_ride_s'] / 60:.1f} min"),
        ("checker", "feasible" if s.get("feasible") else "VIOLATIONS"),
    ]
    areas: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    unserved = {u["request"] for u in doc.get("unserved", [])}
    for r in doc.get("requests", []):
        cell = areas[str(r.get("area") or "none")]
        cell[0] += 1
        cell[1] += r["id"] not in unserved
    types: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for route in doc["routes"]:
        t = types[route["vehicle_type"]]
        t[0] += 1
        t[1] += (route.get("distance_m") or 0) / 1000
        t[2] += (route.get("duration_s") or 0) / 3600
        t[3] += route.get("cost_dkk") or 0.0
    out = "<h2>Summary</h2>" + table(("figure", "value"), rows, "summary")
    out += "<h2>Per area (befordringsområde)</h2>" + table(
        ("area", "requests", "served"),
        [(a, n, k) for a, (n, k) in sorted(areas.items(), key=lambda kv: area_sort_key(kv[0]))],
    )
    out += "<h2>Per vehicle type</h2>" + table(
        ("vehicle type", "routes", "km", "hours", "cost kr."),
        [(t, int(v[0]), f"{v[1]:,.1f}", f"{v[2]:,.2f}", f"{v[3]:,.2f}") for t, v in sorted(types.items())],
    )
    if doc.get("unserved"):
        out += "<h2>Unserved</h2>" + table(
            ("request", "reason"), [(u["request"], u["reason"]) for u in doc["unserved"]]
        )
    return out


def _solve_report(folder: Path) -> str:
    doc = read_json_document(folder / "plan.json", PLAN_SCHEMA, _AGAIN)
    maps = sorted(p.name for p in folder.glob("map*.png"))
    body = _plan_section(doc)
    body += "<h2>Map</h2>" + "".join(_figure(m, f"routes ({m})") for m in maps) if maps else ""
    body += "<h2>Files</h2>" + _links(
        folder, ["manifest.html", "manifest.csv", "stops.csv", "plan.json", "routes.geojson", *maps]
    )
    return _page(f"Plan: {doc.get('scenario', folder.name)}", body)


def _week_body(doc: dict[str, Any], folder: Path) -> str:
    s = doc["summary"]
    rows = [
        ("recurring passengers", s["recurring_passengers"]),
        ("one vehicle all week", f"{s['one_vehicle']} ({s['one_vehicle_share']:.1%})"),
        (
            f"within ±{doc['settings']['tolerance_min']:g} min of the usual time",
            f"{s['within_tolerance']} ({s['within_tolerance_share']:.1%})",
        ),
        ("pickup spread mean / max", f"{s['mean_spread_min']:.1f} / {s['max_spread_min']:.0f} min"),
        ("cost of the week (routes + per-trip)", f"{s['week']['cost_dkk']:,.0f} kr."),
        ("of which routes", f"{s['routes']['cost_dkk']:,.0f} kr."),
        ("km / vehicle-hours (routes)", f"{s['routes']['km']:,.0f} km / {s['routes']['vehicle_hours']:,.1f} h"),
        ("CO2", f"{s['week']['co2_kg']:,.0f} kg"),
        ("unserved", s["unserved"]),
    ]
    if "cost_of_consistency" in doc:
        c = doc["cost_of_consistency"]
        rows.append(
            (
                "cost of consistency (vs days planned apart)",
                f"{c['routes_dkk']:+,.0f} kr. ({c['share_of_routes']:+.1%})",
            )
        )
    out = "<h2>Summary</h2>" + table(("figure", "value"), rows, "summary")
    days = doc["days"]
    out += "<h2>Days</h2>" + table(
        ("day", "routes", "requests served", "km", "vehicle-h", "cost kr.", "CO2 kg"),
        [
            (
                day,
                len(e["plan"]["routes"]),
                e["plan"]["summary"]["served"],
                f"{e['routes']['km']:,.0f}",
                f"{e['routes']['vehicle_hours']:,.1f}",
                f"{e['figures']['cost_dkk']:,.0f}",
                f"{e['figures']['co2_kg']:,.0f}",
            )
            for day, e in days.items()
        ],
    )
    out += (
        "<p>"
        + " · ".join(
            f"<a href='{_esc(day)}/manifest.html'>{_esc(day)}: vognløb</a>"
            for day in days
            if (folder / day / "manifest.html").exists()
        )
        + "</p>"
    )
    cells = doc.get("by_area_channel", [])
    if cells:
        out += "<h2>Per area and channel</h2>" + table(
            ("area", "channel", "cost kr.", "CO2 kg", "km", "trips"),
            [
                (
                    c["area"] or "none",
                    c["channel"],
                    f"{c['cost_dkk']:,.0f}",
                    f"{c['co2_kg']:,.0f}",
                    f"{c['km']:,.0f}",
                    c["trips"],
                )
                for c in cells
            ],
        )
        channels: dict[str, float] = defaultdict(float)
        for c in cells:
            channels[c["channel"]] += c["cost_dkk"]
        _bar_chart(
            folder / "chart_cost_by_channel.png",
            list(channels),
            {"cost": list(channels.values())},
            "kr. per week",
            "Cost by channel",
        )
        _bar_chart(
            folder / "chart_co2_by_day.png",
            list(days),
            {"CO2": [e["figures"]["co2_kg"] for e in days.values()]},
            "kg",
            "CO2 by day",
        )
        out += _figure("chart_cost_by_channel.png", "cost by channel") + _figure("chart_co2_by_day.png", "CO2 by day")
    off = [p for p in doc["passengers"] if p["why_not"]]
    out += f"<h2>Consistency: passengers not on one vehicle or not within the tolerance ({len(off)})</h2>"
    out += table(
        ("passenger", "direction", "vehicles", "pickups", "usual", "why"),
        [
            (
                p["passenger"],
                p["direction"],
                ", ".join(sorted({v for v in p["vehicles"].values() if v})),
                ", ".join(f"{d} {t}" for d, t in p["pickup"].items() if t),
                p["usual"] or "",
                "; ".join(p["why_not"]),
            )
            for p in off[:200]
        ],
    )
    maps = sorted(p.name for p in folder.glob("map_*.png"))
    if maps:
        out += "<h2>Maps</h2>" + "".join(_figure(m, m.removesuffix(".png").replace("_", " ")) for m in maps)
    return out


def _changes_body(doc: dict[str, Any]) -> str:
    d = doc["disruption"]
    rows = [
        ("days planned again", ", ".join(doc["days_planned_again"]) or "none"),
        (
            "untouched trips keeping vehicle and time",
            f"{d['untouched_kept']} / {d['untouched_trips']} ({d['untouched_kept_share']:.1%})",
        ),
        ("vehicle changed / pickup beyond tolerance", f"{d['vehicle_changed']} / {d['beyond_tolerance']}"),
        ("|Δt| sum / max", f"{d['sum_abs_delta_min']:.0f} / {d['max_abs_delta_min']:.0f} min"),
        ("routes touched / successor arcs changed", f"{d['routes_touched']} / {d['arcs_changed']}"),
    ]
    trips = [
        (
            t["day"],
            t["request"],
            t["old_vehicle"] or "-",
            t["new_vehicle"] or "-",
            t["old_pickup"] or "-",
            t["new_pickup"] or "-",
            t["cause"],
            t["why"],
        )
        for t in doc["trips"]
    ]
    return (
        "<h2>What changed</h2>"
        + table(("figure", "value"), rows, "summary")
        + table(("day", "trip", "old vehicle", "new vehicle", "old pickup", "new pickup", "cause", "why"), trips[:300])
    )


def _week_report(folder: Path) -> str:
    doc = read_week_json(folder / "week.json")
    changes = folder / "changes.json"
    body = _changes_body(read_json_document(changes, CHANGES_SCHEMA, _AGAIN)) if changes.exists() else ""
    body += _week_body(doc, folder)
    body += "<h2>Files</h2>" + _links(folder, ["week.json", "passengers.csv", "changes.json", "scenario.yaml"])
    kind = "Re-planned week" if changes.exists() else "Week"
    return _page(f"{kind}: {doc.get('scenario', folder.name)}", body)


def _routes_by_day(folder: Path) -> str:
    """Each day's maps side by side, one per scenario (its sub-folder), with links to its vognløb manifests."""
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and any(p.glob("map_*.png")))
    days = sorted({m.stem.removeprefix("map_") for sub in subs for m in sub.glob("map_*.png")}, key=_day_order)
    out = []
    for day in days:
        cells = []
        for sub in subs:
            name = f"{sub.name}/map_{day}.png"
            manifest = f"{sub.name}/{day}/manifest.html"
            link = f"<a href='{_esc(manifest)}'>vognløb</a>" if (folder / manifest).exists() else ""
            if (folder / name).exists():
                cells.append(_figure(name, f"{sub.name}, {day}", link))
        out.append(f"<h3>{_esc(day)}</h3><div class='side'>{''.join(cells)}</div>")
    return "<h2>Routes per day and scenario</h2>" + "".join(out) if out else ""


def _day_order(day: str) -> tuple[int, str]:
    return (WEEKDAYS.index(day) if day in WEEKDAYS else len(WEEKDAYS), day)


def _comparison_report(folder: Path) -> str:
    rows = list(csv.DictReader(io.StringIO((folder / "comparison.csv").read_text(encoding="utf-8"))))
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    totals = [r for r in rows if r["area"] == "total" and r["channel"] == "all"]
    body = "<h2>Summary</h2>" + table(
        ("scenario", "cost kr./yr", "CO2 kg/yr", "vehicle-h/yr", "km/yr", "saving vs first kr./yr"),
        [
            (
                r["scenario"],
                f"{float(r['cost_dkk']):,.0f}",
                f"{float(r['co2_kg']):,.0f}",
                f"{float(r['vehicle_hours']):,.0f}",
                f"{float(r['km']):,.0f}",
                f"{float(r['saving_vs_first_dkk']):+,.0f}",
            )
            for r in totals
        ],
        "summary",
    )
    areas = sorted({r["area"] for r in rows if r["channel"] == "all" and r["area"] != "total"}, key=area_sort_key)
    cost = {(r["scenario"], r["area"]): float(r["cost_dkk"]) for r in rows if r["channel"] == "all"}
    body += "<h2>Per area (kr./yr)</h2>" + table(
        ("area", *scenarios), [(a, *(f"{cost.get((s, a), 0):,.0f}" for s in scenarios)) for a in areas]
    )
    body += _routes_by_day(folder)
    charts = [n for n in ("cost_per_area.png", "co2_per_scenario.png") if (folder / n).exists()]
    body += "<h2>Charts</h2>" + "".join(_figure(n, n.removesuffix(".png").replace("_", " ")) for n in charts)
    body += "<h2>Files</h2>" + _links(folder, ["comparison.md", "comparison.csv", "comparison.xlsx", "parameters.csv"])
    return _page(f"Comparison: {', '.join(scenarios)}", body)


def render_report(folder: str | Path) -> Path:
    """Write ``folder/report.html`` from the files a command wrote there; return its path.

    Raises
    ------
    ScenarioError
        The folder holds no ``plan.json``, ``week.json`` or ``comparison.csv`` (E603), or one cannot be read.
    """
    folder = Path(folder)
    if (folder / "week.json").exists():
        page = _week_report(folder)
    elif (folder / "plan.json").exists():
        page = _solve_report(folder)
    elif (folder / "comparison.csv").exists():
        page = _comparison_report(folder)
    else:
        raise ScenarioError(
            [Problem("E603", str(folder), "holds no plan.json, week.json or comparison.csv", "Give an output folder.")]
        )
    write_atomic(folder / "report.html", page)
    return folder / "report.html"
