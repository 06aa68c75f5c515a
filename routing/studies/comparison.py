"""Evaluate scenarios for a comparison: plan and price each one, per befordringsområde and channel, per year.

Each scenario is planned day by day (``routing.studies.planning``: ``meta.planning`` says ``silo`` or
``joint``; default ``joint``) under its own cost parameters (``costing:`` overrides), and every
figure is scaled from the planned days to a year with the areas' operating days
(``meta.operating_days_per_year``; 250 where a scenario gives none — assumption: weekdays).
Demand counted but not routed (``meta.unrouted_demand``) is added per trip (Flexhandicap over
365 days). Savings are against the first scenario.

``evaluate`` returns data and writes no report (only the stored plans, when asked); the tables,
workbook and charts are ``routing.report.comparison_*``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from routing.costing.params import Param, Parameters
from routing.costing.plan_cost import Figures
from routing.exceptions import Interrupted
from routing.matrix import build_matrices
from routing.model import TOTAL_AREA, Scenario, area_sort_key
from routing.plan import Plan
from routing.scenario.build import load_scenario
from routing.solve import stop
from routing.solve.params import SolveParams
from routing.studies.plan_store import read_plans, write_plans
from routing.studies.planning import DayOutcome, meta_by_area, plan_day, unrouted_cost

DEFAULT_OPERATING_DAYS = 250  # assumption: weekdays a year where a scenario gives no figure
#: Flexhandicap runs every day of the year.
DAYS_PER_YEAR = 365
#: Unrouted demand (``meta.unrouted_demand``) is counted per week: seven days, or five weekdays.
DAYS_PER_WEEK = 7
WEEKDAYS_PER_WEEK = 5


@dataclass
class ScenarioResult:
    """One scenario planned and priced, annualised.

    ``figures``, ``served`` and ``unserved`` are per year, keyed by (area, channel) with the
    roll-ups ``(area, "all")``, ``("total", channel)`` and ``("total", "all")``. ``rides_min`` are
    the checker's ride times (minutes) of every planned day.
    """

    name: str
    path: str
    mode: str
    days: tuple[str, ...]
    figures: dict[tuple[str | None, str], Figures] = field(default_factory=lambda: defaultdict(Figures))
    served: dict[tuple[str | None, str], float] = field(default_factory=lambda: defaultdict(float))
    unserved: dict[tuple[str | None, str], float] = field(default_factory=lambda: defaultdict(float))
    rides_min: list[float] = field(default_factory=list)
    vehicles_max: int = 0
    params: dict[str, Param] = field(default_factory=dict)
    seconds: float = 0.0
    loaded_silos: int = 0
    solved_silos: int = 0
    #: Each planned day with its checked plans (for manifests and maps); not part of the figures.
    outcomes: list[DayOutcome] = field(default_factory=list, repr=False)

    @property
    def total(self) -> Figures:
        """The grand total's figures."""
        return self.figures[(TOTAL_AREA, "all")]

    @property
    def mean_ride_min(self) -> float:
        """Mean ride time over the planned days, minutes (0 without rides)."""
        return sum(self.rides_min) / len(self.rides_min) if self.rides_min else 0.0

    @property
    def max_ride_min(self) -> float:
        """Longest ride over the planned days, minutes (0 without rides)."""
        return max(self.rides_min, default=0.0)


def saving_dkk(first: ScenarioResult, result: ScenarioResult, key: tuple[str | None, str]) -> float:
    """What ``result`` saves against ``first`` in one cell, DKK per year (negative: it costs more).

    Parameters
    ----------
    first
        The scenario compared against (the first of a comparison).
    result
        The scenario compared.
    key
        The cell: (area id or None for no area, channel), or a roll-up such as ``("total", "all")``.

    Returns
    -------
    float
        ``first``'s cost in the cell (0 where it has none) minus ``result``'s.
    """
    base, own = first.figures.get(key), result.figures.get(key)
    return (base.cost_dkk if base else 0.0) - (own.cost_dkk if own else 0.0)


def _days_per_year(scenario: Scenario, area: str | None) -> float:
    """An area's operating days a year (``meta.operating_days_per_year`` by area id; else the default)."""
    days = meta_by_area(scenario, "operating_days_per_year").get(area) if area is not None else None
    return float(days or DEFAULT_OPERATING_DAYS)


def _year_factor(scenario: Scenario, area: str | None, counted_days: float, all_year: bool = False) -> float:
    """The factor from figures over ``counted_days`` to a year.

    A year is the area's operating days, or every day of the year for a service that runs
    ``all_year`` (Flexhandicap).
    """
    per_year = DAYS_PER_YEAR if all_year else _days_per_year(scenario, area)
    return per_year / counted_days


def _rollups(area: str | None, channel: str) -> tuple[tuple[str | None, str], ...]:
    """The keys one figure counts towards: its cell, its area's total, its channel's total, the grand total."""
    return ((area, channel), (area, "all"), (TOTAL_AREA, channel), (TOTAL_AREA, "all"))


def _book(result: ScenarioResult, area: str | None, channel: str, fig: Figures, factor: float) -> None:
    """Add ``fig`` scaled by ``factor`` (counted period -> year) to every roll-up of its cell."""
    scaled = Figures()
    scaled.add(fig, factor)
    for key in _rollups(area, channel):
        result.figures[key].add(scaled)
        result.served[key] += fig.trips * factor


def _rides_min(outcome: DayOutcome) -> list[float]:
    """The day's ride times in minutes, as the checker measured them."""
    return [ride_s / 60.0 for check in outcome.checks for m in check.routes for ride_s in m.ride_times_s.values()]


def evaluate(
    path: str | Path,
    days: tuple[str, ...],
    time_limit_s: float | None,
    cache_dir: str | Path | None,
    progress: Callable[[str], None] | None = None,
    day_done: Callable[[], None] | None = None,
    replan: bool = False,
    plans_out: str | Path | None = None,
    workers: int | None = None,
    solution_limit: int | None = None,
) -> ScenarioResult:
    """Plan ``days`` of the scenario at ``path`` (``time_limit_s`` per day), price them, and scale to a year.

    Plans stored with the scenario (``meta.plans``: a ``routing.plans/1`` file written by
    ``plans_out``, path relative to the scenario file) are used for the silos they fit exactly,
    unless ``replan``; every plan is checked before it is priced. Writes no report.

    Parameters
    ----------
    path
        The scenario file.
    days
        Weekday codes to plan (e.g. ``("mon", "tue")``); figures are scaled from them to a year.
    time_limit_s
        Solver seconds per day, or None for the scenario's own ``solver.time_limit_s``.
    cache_dir
        Matrix cache folder, or None for no cache.
    progress
        Called with a short note before each solve.
    day_done
        Called after each planned day.
    replan
        Solve every silo even where stored plans fit.
    plans_out
        If given, store the day plans made here (``routing.plans/1``, gzip JSON).
    workers
        Parallel searches per solve (default: the scenario's ``solver.workers``).
    solution_limit
        Stop each solve after this many solutions (deterministic runs). Default: the scenario's own.

    Returns
    -------
    ScenarioResult
        Per-year figures per area and channel, service and ride figures, and the parameters used.
    """
    started = time.monotonic()
    scenario = load_scenario(path)
    bundle_path = Path(path).parent / str(scenario.meta.get("plans", "")) if scenario.meta.get("plans") else None
    stored = read_plans(bundle_path) if bundle_path and bundle_path.is_file() and not replan else {}
    made: dict[str, dict[str, Plan]] = {}
    params = Parameters.for_scenario(scenario.costing, path)
    mode = str(scenario.meta.get("planning", "joint"))
    matrices = build_matrices(scenario, cache_dir)
    result = ScenarioResult(scenario.name, str(path), mode, days)
    own = SolveParams.of(scenario)
    solve_params = replace(
        own,
        time_limit_s=own.time_limit_s if time_limit_s is None else time_limit_s,
        solution_limit=own.solution_limit if solution_limit is None else solution_limit,
        log_search=False,
        workers=workers or own.workers,
    )
    for day in days:
        outcome = plan_day(scenario, day, matrices, params, mode, solve_params, progress, stored=stored.get(day))
        if stop.requested():
            raise Interrupted(
                f"stopped on request while planning {Path(path).name} {day}: a comparison's yearly figures need every "
                "day of every scenario (compare fewer days with --days)"
            )
        made[day] = {key: plan for key, _, plan in outcome.plans}
        result.outcomes.append(outcome)
        result.loaded_silos += outcome.loaded
        result.solved_silos += outcome.solved
        result.rides_min.extend(_rides_min(outcome))
        result.vehicles_max = max(result.vehicles_max, sum(len(p.routes) for _, _, p in outcome.plans))
        result.params.update(outcome.cost.params)
        for (area, channel), fig in outcome.cost.by_area_channel.items():
            _book(result, area, channel, fig, _year_factor(scenario, area, len(days)))
        for u in outcome.unserved:
            r = scenario.request(u.request)
            for key in _rollups(r.area, r.channel or "flexrute"):
                result.unserved[key] += _year_factor(scenario, r.area, len(days))
        if day_done:
            day_done()
    unrouted = unrouted_cost(scenario, params)
    result.params.update(unrouted.params)
    for (area, channel), fig in unrouted.by_area_channel.items():
        # The counted demand is per week: Flexhandicap runs all year, the rest on the area's days.
        all_year = channel == "flexhandicap"
        _book(
            result,
            area,
            channel,
            fig,
            _year_factor(scenario, area, DAYS_PER_WEEK if all_year else WEEKDAYS_PER_WEEK, all_year),
        )
    if plans_out:
        write_plans(plans_out, scenario, made)
    result.seconds = time.monotonic() - started
    return result


def area_order(area: str | None) -> tuple[int, int, str]:
    """Sort key of an area id in comparison tables: ``area_sort_key`` order, the totals row last."""
    return (3, 0, "") if area == TOTAL_AREA else area_sort_key(area)


def areas_of(results: list[ScenarioResult]) -> list[str]:
    """The befordringsområder any result has figures for, in ``area_sort_key`` order.

    Parameters
    ----------
    results
        Evaluated scenarios.

    Returns
    -------
    list
        Area ids, without trips that have no area and without the roll-ups.
    """
    return sorted({a for r in results for (a, _) in r.figures if a is not None and a != TOTAL_AREA}, key=area_sort_key)
