"""Compare scenarios: plan and price each one, per befordringsområde and channel, per year.

Each scenario is planned day by day (``routing.studies.planning``: ``meta.planning`` says ``silo`` or
``joint``; default ``joint``) under its own cost parameters (``costing:`` overrides), and every
figure is scaled from the planned days to a year with the areas' operating days
(``meta.operating_days_per_year``; 250 where a scenario gives none — assumption: weekdays).
Demand counted but not routed (``meta.unrouted_demand``) is added per trip (Flexhandicap over
365 days). Savings are against the first scenario.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from routing.costing.params import Param, Parameters
from routing.costing.plan_cost import Figures
from routing.exceptions import Problem, ScenarioError
from routing.files import write_atomic, write_atomic_bytes
from routing.matrix import build_matrices
from routing.model import Scenario
from routing.plan import Plan
from routing.scenario.build import load_scenario
from routing.solve.params import SolveParams
from routing.studies.planning import DayOutcome, plan_day, plan_from_dict, plan_to_dict, unrouted_cost

CHANNELS = ("flexrute", "flexkommune", "flexhandicap", "private", "own", "refusion")
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
DEFAULT_OPERATING_DAYS = 250  # assumption: weekdays a year where a scenario gives no figure


@dataclass
class ScenarioResult:
    """One scenario planned and priced, annualised."""

    name: str
    path: str
    mode: str
    days: tuple[str, ...]
    figures: dict[tuple[int | str, str], Figures] = field(default_factory=lambda: defaultdict(Figures))
    served: dict[tuple[int | str, str], float] = field(default_factory=lambda: defaultdict(float))
    unserved: dict[tuple[int | str, str], float] = field(default_factory=lambda: defaultdict(float))
    rides_min: list[float] = field(default_factory=list)
    vehicles_max: int = 0
    params: dict[str, Param] = field(default_factory=dict)
    seconds: float = 0.0
    loaded_silos: int = 0
    solved_silos: int = 0

    @property
    def total(self) -> Figures:
        return self.figures[("total", "all")]

    @property
    def mean_ride_min(self) -> float:
        return sum(self.rides_min) / len(self.rides_min) if self.rides_min else 0.0

    @property
    def max_ride_min(self) -> float:
        return max(self.rides_min, default=0.0)


def _days_per_year(scenario: Scenario, area: int | None) -> float:
    """An area's operating days a year (``meta.operating_days_per_year``; else the default)."""
    days = (scenario.meta.get("operating_days_per_year") or {}).get(f"area_{area:02d}" if area else "", None)  # type: ignore[union-attr]
    return float(days or DEFAULT_OPERATING_DAYS)


def _rollups(area: int | None, channel: str) -> tuple[tuple[int | str | None, str], ...]:
    """The keys one figure counts towards: its cell, its area's total, its channel's total, the grand total."""
    return ((area, channel), (area, "all"), ("total", channel), ("total", "all"))


def _book(result: ScenarioResult, area: int | None, channel: str, fig: Figures, factor: float) -> None:
    """Add ``fig`` scaled by ``factor`` (planned period -> year) to every roll-up of its cell."""
    scaled = Figures()
    scaled.add(fig, factor)
    for key in _rollups(area, channel):
        result.figures[key].add(scaled)  # type: ignore[index]
        result.served[key] += fig.trips * factor  # type: ignore[index]


def _rides(outcome: DayOutcome) -> list[float]:
    rides = []
    for _, _, plan in outcome.plans:
        for route in plan.routes:
            picked: dict[str, int] = {}
            for stop in route.stops:
                for rid in stop.dropoff:
                    if rid in picked:
                        rides.append((stop.arrival_s - picked[rid]) / 60.0)
                for rid in stop.pickup:
                    picked[rid] = stop.departure_s
    return rides


def evaluate(
    path: str | Path,
    days: tuple[str, ...],
    time_limit_s: float,
    cache_dir: str | Path | None,
    progress: Callable[[str], None] | None = None,
    day_done: Callable[[], None] | None = None,
    replan: bool = False,
    plans_out: str | Path | None = None,
    workers: int | None = None,
) -> ScenarioResult:
    """Plan ``days`` of the scenario at ``path`` (``time_limit_s`` per day), price them, and scale to a year.

    Plans stored with the scenario (``meta.plans``: a bundle written by ``plans_out``, path relative
    to the scenario file) are used for the silos they fit exactly, unless ``replan``; every plan is
    checked before it is priced.
    """
    started = time.monotonic()
    scenario = load_scenario(path)
    bundle_path = Path(path).parent / str(scenario.meta.get("plans", "")) if scenario.meta.get("plans") else None
    stored = read_plans(bundle_path) if bundle_path and bundle_path.is_file() and not replan else {}
    made: dict[str, dict[str, Any]] = {}
    params = Parameters.load().with_overrides(dict(scenario.costing), str(path))
    mode = str(scenario.meta.get("planning", "joint"))
    matrices = build_matrices(scenario, cache_dir)
    result = ScenarioResult(scenario.name, str(path), mode, days)
    own = SolveParams.of(scenario)
    solve_params = replace(own, time_limit_s=time_limit_s, log_search=False, workers=workers or own.workers)
    for day in days:
        outcome = plan_day(scenario, day, matrices, params, mode, solve_params, progress, stored=stored.get(day))
        made[day] = {key: plan_to_dict(plan) for key, _, plan in outcome.plans}
        result.loaded_silos += outcome.loaded
        result.solved_silos += outcome.solved
        result.rides_min.extend(_rides(outcome))
        result.vehicles_max = max(result.vehicles_max, sum(len(p.routes) for _, _, p in outcome.plans))
        result.params.update(outcome.cost.params)
        for (area, channel), fig in outcome.cost.by_area_channel.items():
            _book(result, area, channel, fig, _days_per_year(scenario, area) / len(days))
        for u in outcome.unserved:
            r = scenario.request(u.request)
            for key in _rollups(r.area, r.channel or "flexrute"):
                result.unserved[key] += _days_per_year(scenario, r.area) / len(days)  # type: ignore[index]
        if day_done:
            day_done()
    unrouted = unrouted_cost(scenario, params)
    result.params.update(unrouted.params)
    for (area, channel), fig in unrouted.by_area_channel.items():
        # The counted demand is per week: Flexhandicap runs all year, the rest on the area's days.
        _book(result, area, channel, fig, 365 / 7 if channel == "flexhandicap" else _days_per_year(scenario, area) / 5)
    if plans_out:
        write_plans(plans_out, scenario, made)
    result.seconds = time.monotonic() - started
    return result


def write_plans(path: str | Path, scenario: Scenario, days: dict[str, dict[str, Any]]) -> None:
    """Store a scenario's day plans (silo key -> plan) as gzip JSON, atomically."""
    data = {
        "schema": "routing.plans/1",
        "scenario": scenario.name,
        "generator": scenario.meta.get("generator"),
        "days": days,
    }
    blob = gzip.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"), mtime=0)
    write_atomic_bytes(path, blob)


def read_plans(path: str | Path) -> dict[str, dict[str, Plan]]:
    """Day -> silo key -> plan, from ``write_plans``' file (a corrupt file is an error naming it)."""
    try:
        data = json.loads(gzip.decompress(Path(path).read_bytes()).decode("utf-8"))
        return {day: {key: plan_from_dict(p) for key, p in silos.items()} for day, silos in data["days"].items()}
    except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
        raise ScenarioError(
            [
                Problem(
                    "E018",
                    "meta.plans",
                    f"{path} cannot be read as stored plans: {exc}",
                    "Re-plan with --replan, or remove meta.plans.",
                )
            ],
            str(path),
        ) from None


def _rows(results: list[ScenarioResult]) -> list[dict[str, Any]]:
    first = results[0] if results else None
    rows = []
    for res in results:
        keys = sorted(
            res.figures, key=lambda k: (k[0] == "total", k[0] if isinstance(k[0], int) else 99, k[1] != "all", k[1])
        )
        for area, channel in keys:
            fig = res.figures[(area, channel)]
            base = first.figures.get((area, channel)) if first else None
            rows.append(
                {
                    "scenario": res.name,
                    "area": area if area is not None else "none",
                    "channel": channel,
                    "cost_dkk": round(fig.cost_dkk, 2),
                    "co2_kg": round(fig.co2_kg, 2),
                    "vehicle_hours": round(fig.vehicle_hours, 2),
                    "km": round(fig.km, 1),
                    "served": round(res.served.get((area, channel), 0.0)),
                    "unserved": round(res.unserved.get((area, channel), 0.0)),
                    "trips": round(res.served.get((area, channel), 0.0) + res.unserved.get((area, channel), 0.0)),
                    "saving_vs_first_dkk": round((base.cost_dkk if base else 0.0) - fig.cost_dkk, 2),
                }
            )
    return rows


def comparison_csv(results: list[ScenarioResult]) -> str:
    """The long-format comparison (one row per scenario, area and channel; totals as ``total``/``all``)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_rows(results))
    return buf.getvalue()


def _mio(x: float) -> str:
    return f"{x / 1e6:.2f}"


def comparison_markdown(results: list[ScenarioResult], command: str) -> str:
    """Side-by-side tables: cost per area, totals by channel, and the operating figures."""
    names = [r.name for r in results]
    areas = sorted({a for r in results for (a, _) in r.figures if isinstance(a, int)})
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
    for a in areas:
        out.append(
            f"| {a} | " + " | ".join(_mio(r.figures.get((a, "all"), Figures()).cost_dkk) for r in results) + " |"
        )
    out.append("| **total** | " + " | ".join(f"**{_mio(r.total.cost_dkk)}**" for r in results) + " |")
    out.append(
        "| saving vs first | " + " | ".join(_mio(results[0].total.cost_dkk - r.total.cost_dkk) for r in results) + " |"
    )
    out += [
        "",
        "## Totals by channel (mio kr./year)",
        "",
        "| channel | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for ch in CHANNELS:
        if any(("total", ch) in r.figures for r in results):
            out.append(
                f"| {ch} | "
                + " | ".join(_mio(r.figures.get(("total", ch), Figures()).cost_dkk) for r in results)
                + " |"
            )
    out += ["", "## Operations", "", "| figure | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    lines = [
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
    """Every parameter any scenario used: scenario, key path, value, source."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["scenario", "parameter", "value", "source"])
    for res in results:
        for path in sorted(res.params):
            p = res.params[path]
            writer.writerow([res.name, p.path, p.value, p.source])
    return buf.getvalue()


def write_xlsx(path: Path, results: list[ScenarioResult], markdown: str) -> None:
    """An analyst workbook: the long table, one sheet per scenario's area x channel costs, and the parameters."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "comparison"
    ws.append(list(CSV_COLUMNS))
    for row in _rows(results):
        ws.append([row[c] for c in CSV_COLUMNS])
    for res in results:
        sheet = wb.create_sheet(res.name[:31].replace("/", "-").replace(":", "-"))
        sheet.append(["area", *CHANNELS, "all"])
        for a in sorted({a for (a, _) in res.figures if isinstance(a, int)}) + ["total"]:
            sheet.append([a, *(round(res.figures.get((a, ch), Figures()).cost_dkk, 2) for ch in (*CHANNELS, "all"))])
    params = wb.create_sheet("parameters")
    for line in csv.reader(io.StringIO(parameters_csv(results))):
        params.append(line)
    tmp = path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    tmp.replace(path)


def write_charts(out: Path, results: list[ScenarioResult]) -> list[Path]:
    """PNG charts: cost per area stacked by channel (one bar per scenario and area); CO2 per scenario."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    areas = sorted({a for r in results for (a, _) in r.figures if isinstance(a, int)})
    width = 0.8 / max(1, len(results))
    fig, ax = plt.subplots(figsize=(max(8, len(areas) * 0.9), 5))
    colours = dict(zip(CHANNELS, ("#1f77b4", "#ff7f0e", "#9467bd", "#d62728", "#2ca02c", "#8c564b")))
    for k, res in enumerate(results):
        bottom = [0.0] * len(areas)
        for ch in CHANNELS:
            values = [res.figures.get((a, ch), Figures()).cost_dkk / 1e6 for a in areas]
            ax.bar(
                [i + k * width for i in range(len(areas))],
                values,
                width,
                bottom=bottom,
                color=colours[ch],
                label=ch if k == 0 else None,
                edgecolor="white",
                linewidth=0.3,
            )
            bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks([i + width * (len(results) - 1) / 2 for i in range(len(areas))], [str(a) for a in areas])
    ax.set_xlabel("befordringsområde (bars left to right: " + ", ".join(r.name for r in results) + ")", fontsize=8)
    ax.set_ylabel("mio kr. / year")
    ax.set_title("Cost per area, stacked by channel")
    ax.legend(fontsize=8)
    fig.tight_layout()
    cost_png = out / "cost_per_area.png"
    fig.savefig(cost_png.with_suffix(".tmp.png"), dpi=120)
    plt.close(fig)
    cost_png.with_suffix(".tmp.png").replace(cost_png)
    fig, ax = plt.subplots(figsize=(max(6, len(results) * 1.6), 4))
    ax.bar([r.name for r in results], [r.total.co2_kg / 1000 for r in results], color="#2ca02c")
    ax.set_ylabel("t CO2e / year")
    ax.set_title("CO2 per scenario")
    plt.setp(ax.get_xticklabels(), rotation=20, ha="right", fontsize=8)
    fig.tight_layout()
    co2_png = out / "co2_per_scenario.png"
    fig.savefig(co2_png.with_suffix(".tmp.png"), dpi=120)
    plt.close(fig)
    co2_png.with_suffix(".tmp.png").replace(co2_png)
    return [cost_png, co2_png]


def write_outputs(out: str | Path, results: list[ScenarioResult], command: str) -> list[Path]:
    """Write comparison.csv, comparison.md, comparison.xlsx, parameters.csv and the PNG charts (each atomically)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md = comparison_markdown(results, command)
    write_atomic(out / "comparison.csv", comparison_csv(results))
    write_atomic(out / "comparison.md", md)
    write_atomic(out / "parameters.csv", parameters_csv(results))
    write_xlsx(out / "comparison.xlsx", results, md)
    charts = write_charts(out, results)
    return [out / "comparison.csv", out / "comparison.md", out / "comparison.xlsx", out / "parameters.csv", *charts]
