"""The analyst's comparison tables: ``comparison.csv`` (long format), ``comparison.md`` and ``parameters.csv``.

Every figure is finished in ``routing.studies.comparison`` (money from ``routing.costing``, rides
from the checker); these functions only select, round and lay it out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from routing.costing.plan_cost import Figures
from routing.model import CHANNELS, TOTAL_AREA
from routing.studies.comparison import ScenarioResult, area_order, areas_of, saving_dkk

CSV_COLUMNS = (
    "scenario",
    "area",
    "channel",
    "cost_dkk",
    "co2_kg",
    "vehicle_hours",
    "km",
    "served",
    "unserved",
    "trips",
    "saving_vs_first_dkk",
)


def comparison_rows(results: list[ScenarioResult]) -> list[dict[str, Any]]:
    """One row per scenario, area and channel (totals as ``total``/``all``), in ``CSV_COLUMNS``.

    Parameters
    ----------
    results
        Evaluated scenarios; savings are against the first.

    Returns
    -------
    list
        Rows keyed by ``CSV_COLUMNS``: money rounded to øre, km to 0.1, trips to whole trips.
    """
    first = results[0] if results else None
    rows = []
    for res in results:
        keys = sorted(res.figures, key=lambda k: (area_order(k[0]), k[1] != "all", k[1]))
        for area, channel in keys:
            fig = res.figures[(area, channel)]
            served = res.served.get((area, channel), 0.0)
            unserved = res.unserved.get((area, channel), 0.0)
            rows.append(
                {
                    "scenario": res.name,
                    "area": area if area is not None else "none",
                    "channel": channel,
                    "cost_dkk": round(fig.cost_dkk, 2),
                    "co2_kg": round(fig.co2_kg, 2),
                    "vehicle_hours": round(fig.vehicle_hours, 2),
                    "km": round(fig.km, 1),
                    "served": round(served),
                    "unserved": round(unserved),
                    "trips": round(served + unserved),
                    "saving_vs_first_dkk": round(saving_dkk(first, res, (area, channel)), 2) if first else 0.0,
                }
            )
    return rows


def comparison_csv(results: list[ScenarioResult]) -> str:
    """The long-format comparison (one row per scenario, area and channel; totals as ``total``/``all``).

    Parameters
    ----------
    results
        Evaluated scenarios; savings are against the first.

    Returns
    -------
    str
        CSV text with a header of ``CSV_COLUMNS``.
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(comparison_rows(results))
    return buf.getvalue()


def _mio(x: float) -> str:
    return f"{x / 1e6:.2f}"


def comparison_markdown(results: list[ScenarioResult], command: str) -> str:
    """Side-by-side tables: cost per area, totals by channel, and the operating figures.

    Parameters
    ----------
    results
        Evaluated scenarios; savings are against the first.
    command
        The command line that made them, quoted in the text.

    Returns
    -------
    str
        Markdown text.
    """
    names = [r.name for r in results]
    out = [
        "# Scenario comparison",
        "",
        f"Command: `{command}`. All figures per year (planned days scaled by each area's operating days);",
        "money in mio kr. (2021 price level), CO2 in tonnes. Savings are against the first scenario.",
        "",
        "## Cost per befordringsområde (mio kr./year)",
        "",
        "| area | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for a in areas_of(results):
        out.append(
            f"| {a} | " + " | ".join(_mio(r.figures.get((a, "all"), Figures()).cost_dkk) for r in results) + " |"
        )
    out.append("| **total** | " + " | ".join(f"**{_mio(r.total.cost_dkk)}**" for r in results) + " |")
    out.append(
        "| saving vs first | "
        + " | ".join(_mio(saving_dkk(results[0], r, (TOTAL_AREA, "all"))) for r in results)
        + " |"
    )
    out += [
        "",
        "## Totals by channel (mio kr./year)",
        "",
        "| channel | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for ch in CHANNELS:
        if any((TOTAL_AREA, ch) in r.figures for r in results):
            out.append(
                f"| {ch} | "
                + " | ".join(_mio(r.figures.get((TOTAL_AREA, ch), Figures()).cost_dkk) for r in results)
                + " |"
            )
    out += ["", "## Operations", "", "| figure | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    lines: list[tuple[str, Callable[[ScenarioResult], str]]] = [
        ("planning", lambda r: r.mode),
        ("CO2, t/year", lambda r: f"{r.total.co2_kg / 1000:.1f}"),
        ("vehicle-hours/year", lambda r: f"{r.total.vehicle_hours:,.0f}"),
        ("km/year", lambda r: f"{r.total.km:,.0f}"),
        ("vognløb (routes) on the busiest planned day", lambda r: str(r.vehicles_max)),
        ("trips served/year", lambda r: f"{r.served.get(('total', 'all'), 0):,.0f}"),
        ("trips unserved/year", lambda r: f"{r.unserved.get(('total', 'all'), 0):,.0f}"),
        ("mean / max ride, min", lambda r: f"{r.mean_ride_min:.1f} / {r.max_ride_min:.1f}"),
        ("planned days", lambda r: ",".join(r.days)),
        ("plans solved / loaded (silos)", lambda r: f"{r.solved_silos} / {r.loaded_silos}"),
        ("run time, s", lambda r: f"{r.seconds:.0f}"),
    ]
    for label, fn in lines:
        out.append(f"| {label} | " + " | ".join(fn(r) for r in results) + " |")
    out += ["", "Every figure traces to the parameters in `parameters.csv` (value and source) next to this file.", ""]
    return "\n".join(out)


def parameters_csv(results: list[ScenarioResult]) -> str:
    """Every parameter any scenario used: scenario, key path, value, source.

    Parameters
    ----------
    results
        Evaluated scenarios.

    Returns
    -------
    str
        CSV text, one row per scenario and parameter, sorted by parameter path.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["scenario", "parameter", "value", "source"])
    for res in results:
        for path in sorted(res.params):
            p = res.params[path]
            writer.writerow([res.name, p.path, p.value, p.source])
    return buf.getvalue()
