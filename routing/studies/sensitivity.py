"""A sweep's ``sensitivity:`` block: one-at-a-time ranges on the assumed parameters, seed spread and a break-even.

Read from the sweep file (``read_sensitivity``), it makes the points a sweep plans for each scenario
(``variants``): the centre (the scenarios as they are) once per seed; every parameter set to its own
value × (1 − change) and × (1 + change), at the first seed; and, for the break-even, the base and one
compared scenario at each listed value. ``analyse`` turns the points' figures into each compared
scenario's saving against the base: the centre, its spread over the seeds, the swing of each
parameter (a tornado), the main driver, and the value at which the saving is zero.

A parameter is a key path of the cost parameter table (``costing.…``, ``routing.costing.params``);
each scenario's own value is the one scaled, so a scenario that sets its own price keeps it as its centre.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.costing.params import Parameters
from routing.exceptions import Problem, ScenarioError
from routing.model import TOTAL_AREA
from routing.scenario.extends import read_base

KEYS = ("change", "seeds", "parameters", "break_even")
BREAK_EVEN_KEYS = ("scenario", "path", "values")
CENTRE = "centre"
#: The prefix of the parameter-table paths a sensitivity varies.
COSTING = "costing."


@dataclass(frozen=True, slots=True)
class Parameter:
    """One assumption varied as a whole: a name and the table paths scaled together (e.g. three hourly prices)."""

    name: str
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BreakEven:
    """The values of one parameter at which the base and one compared scenario are both planned."""

    scenario: Path
    path: str
    values: tuple[float, ...]

    @property
    def label(self) -> str:
        """The point-name label: the path's last key."""
        return self.path.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """A checked ``sensitivity:`` block with each scenario's own parameter values and their sources."""

    change: float
    seeds: tuple[int, ...]
    parameters: tuple[Parameter, ...]
    break_even: BreakEven | None
    #: Scenario file -> table path -> that scenario's own value.
    values: Mapping[Path, Mapping[str, float]]
    #: Table path -> its source as the base's table gives it (``sourced …``, ``assumption …``).
    sources: Mapping[str, str]

    def centre_name(self, seed: int | None = None) -> str:
        """The centre point's name at ``seed`` (default: the first)."""
        seed = self.seeds[0] if seed is None else seed
        return CENTRE if len(self.seeds) == 1 else f"{CENTRE}-seed{seed}"

    def side_name(self, parameter: Parameter, sign: int) -> str:
        """The name of a parameter's low (sign -1) or high (+1) point, e.g. ``flexrute_hourly-50pct``."""
        return f"{parameter.name}{'-' if sign < 0 else '+'}{round(self.change * 100):d}pct"

    def break_even_name(self, value: float) -> str:
        """The name of a break-even point, e.g. ``base_per_trip=40``."""
        assert self.break_even is not None
        return f"{self.break_even.label}={_number(value)}"

    def variants(self, scenario: Path, base: Path) -> list[tuple[str, dict[str, Any], int]]:
        """The (name, overrides, seed) of every point of ``scenario`` (the base gets the break-even points too)."""
        first = self.seeds[0]
        out: list[tuple[str, dict[str, Any], int]] = [(self.centre_name(s), {}, s) for s in self.seeds]
        own = self.values[scenario]
        for parameter in self.parameters:
            for sign in (-1, 1):
                overrides = {p: _scaled(own[p], 1 + sign * self.change) for p in parameter.paths}
                out.append((self.side_name(parameter, sign), overrides, first))
        if self.break_even is not None and scenario in (base, self.break_even.scenario):
            planned = {name for name, _, _ in out}
            for value, name in self.break_even_points(base).items():
                if name not in planned:
                    out.append((name, {self.break_even.path: value}, first))
        return out

    def break_even_points(self, base: Path) -> dict[float, str]:
        """Each break-even value and the point that plans it.

        The centre, or a one-path parameter's low or high point, where the base and the compared
        scenario both have that value there; otherwise a point of its own.
        """
        be = self.break_even
        assert be is not None
        pair = (self.values[base], self.values[be.scenario])
        if pair[0][be.path] != pair[1][be.path]:
            return {v: self.break_even_name(v) for v in be.values}
        # Numbers as keys: 40 and 40.0 are the same key.
        shared = {pair[0][be.path]: self.centre_name()}
        for parameter in self.parameters:
            if parameter.paths == (be.path,):
                for sign in (-1, 1):
                    shared[_scaled(pair[0][be.path], 1 + sign * self.change)] = self.side_name(parameter, sign)
        return {**{v: self.break_even_name(v) for v in be.values if v not in shared}, **shared}


def _number(value: float) -> str:
    return f"{value:g}"


def _scaled(value: float, factor: float) -> float | int:
    scaled = round(value * factor, 6)
    return int(scaled) if isinstance(value, int) and scaled == int(scaled) else scaled


def read_sensitivity(block: Any, scenarios: Sequence[Path], problems: list[Problem]) -> Sensitivity | None:
    """Check a ``sensitivity:`` block against the sweep's scenarios (base first); add E808 problems.

    Parameters
    ----------
    block
        The block as read from YAML.
    scenarios
        The base and the compared scenario files (resolved), whose tables give each parameter's value.
    problems
        Where problems are added (the sweep file reports them together).

    Returns
    -------
    Sensitivity or None
        None when the block has problems.
    """
    if not isinstance(block, dict):
        fix = "Give a mapping: change, seeds, parameters and optionally break_even."
        problems.append(Problem("E808", "sensitivity", f"{block!r} is not a mapping", fix))
        return None
    before = len(problems)
    for key in block:
        if key not in KEYS:
            problems.append(Problem("E808", f"sensitivity.{key}", "unknown key", f"Use only {', '.join(KEYS)}."))
    change = _change(block.get("change", 0.5), problems)
    seeds = _seeds(block.get("seeds", [0]), problems)
    parameters = _parameters(block.get("parameters"), problems)
    break_even = _break_even(block.get("break_even"), scenarios, problems)
    if len(problems) > before:
        return None
    tables = _tables(scenarios, problems)
    paths = [p for parameter in parameters for p in parameter.paths]
    paths += [break_even.path] if break_even else []
    values: dict[Path, dict[str, float]] = {s: {} for s in scenarios}
    sources: dict[str, str] = {}
    for path in paths:
        where = _where(path, parameters, break_even)
        for scenario, table in tables.items():
            try:
                param = table.number(path.removeprefix(COSTING))
            except ScenarioError as exc:
                cause = "; ".join(f"{p.cause}" for p in exc.problems)
                problems.append(Problem("E808", where, f"{path}: {cause} in {scenario.name}", "Name a number."))
                continue
            values[scenario][path] = float(param.value) if isinstance(param.value, float) else param.value
            sources.setdefault(path, param.source)
    if len(problems) > before:
        return None
    return Sensitivity(change, seeds, parameters, break_even, values, sources)


def _where(path: str, parameters: Sequence[Parameter], break_even: BreakEven | None) -> str:
    for i, parameter in enumerate(parameters):
        if path in parameter.paths:
            return f"sensitivity.parameters[{i}]"
    return "sensitivity.break_even.path"


def _tables(scenarios: Sequence[Path], problems: list[Problem]) -> dict[Path, Parameters]:
    tables = {}
    for scenario in scenarios:
        try:
            tables[scenario] = Parameters.for_scenario(read_base(scenario).get("costing") or {}, scenario)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return tables


def _change(change: Any, problems: list[Problem]) -> float:
    ok = not isinstance(change, bool) and isinstance(change, (int, float)) and 0 < change < 1
    if not ok:
        fix = "Give the share each parameter moves up and down, above 0 and below 1, e.g. 0.5 for ±50 %."
        problems.append(Problem("E808", "sensitivity.change", f"{change!r} is not a share", fix))
        return 0.5
    return float(change)


def _seeds(seeds: Any, problems: list[Problem]) -> tuple[int, ...]:
    ok = (
        isinstance(seeds, list)
        and bool(seeds)
        and all(not isinstance(s, bool) and isinstance(s, int) and s >= 0 for s in seeds)
        and len(set(seeds)) == len(seeds)
    )
    if not ok:
        fix = "Give a list of whole numbers of 0 or more, each once, e.g. [1, 2, 3, 4, 5]."
        problems.append(Problem("E808", "sensitivity.seeds", f"{seeds!r} is not a list of seeds", fix))
        return (0,)
    return tuple(seeds)


def _path_ok(path: Any) -> bool:
    return isinstance(path, str) and path.startswith(COSTING) and len(path) > len(COSTING)


def _parameters(items: Any, problems: list[Problem]) -> tuple[Parameter, ...]:
    fix = (
        "List cost-table paths (costing.channels.flexkommune.base_per_trip) or {name: N, paths: [P, ...]} "
        "for parameters varied together."
    )
    if not isinstance(items, list) or not items:
        problems.append(Problem("E808", "sensitivity.parameters", f"{items!r} is not a non-empty list", fix))
        return ()
    out: list[Parameter] = []
    for i, item in enumerate(items):
        where = f"sensitivity.parameters[{i}]"
        if isinstance(item, str):
            item = {"name": item.rsplit(".", 1)[-1], "paths": [item]}
        if not isinstance(item, dict) or set(item) != {"name", "paths"}:
            problems.append(Problem("E808", where, f"{item!r} is neither a path nor {{name, paths}}", fix))
            continue
        name, paths = item["name"], item["paths"]
        if not isinstance(name, str) or not name.replace("_", "").isalnum():
            problems.append(Problem("E808", f"{where}.name", f"{name!r} is not a name", "Use letters, digits and _."))
        elif name in (p.name for p in out):
            problems.append(Problem("E808", f"{where}.name", f"{name!r} is used twice", "Give each its own name."))
        if not isinstance(paths, list) or not paths or not all(_path_ok(p) for p in paths):
            problems.append(Problem("E808", f"{where}.paths", f"{paths!r} are not cost-table paths", fix))
            continue
        out.append(Parameter(str(name), tuple(paths)))
    return tuple(out)


def _break_even(block: Any, scenarios: Sequence[Path], problems: list[Problem]) -> BreakEven | None:
    if block is None:
        return None
    where = "sensitivity.break_even"
    if not isinstance(block, dict) or set(block) != set(BREAK_EVEN_KEYS):
        fix = "Give scenario (one of compare), path (a cost-table path) and values (a list of numbers)."
        problems.append(Problem("E808", where, f"{block!r} is not a mapping of {', '.join(BREAK_EVEN_KEYS)}", fix))
        return None
    names = {s.name: s for s in scenarios[1:]}
    scenario = names.get(str(block["scenario"]))
    if scenario is None:
        fix = f"Name one of the compared files: {', '.join(names) or '(compare lists none)'}."
        problems.append(Problem("E808", f"{where}.scenario", f"{block['scenario']!r} is not compared", fix))
    if not _path_ok(block["path"]):
        fix = "Give a cost-table path, e.g. costing.channels.flexkommune.base_per_trip."
        problems.append(Problem("E808", f"{where}.path", f"{block['path']!r} is not a cost-table path", fix))
    values = block["values"]
    numbers = isinstance(values, list) and len(values) >= 2
    numbers = numbers and all(not isinstance(v, bool) and isinstance(v, (int, float)) for v in values)
    if not numbers or len(set(values)) != len(values):
        fix = "Give two or more different numbers, e.g. [0, 40, 120]."
        problems.append(Problem("E808", f"{where}.values", f"{values!r} are not values", fix))
    if scenario is None or not _path_ok(block["path"]) or not numbers:
        return None
    return BreakEven(scenario, str(block["path"]), tuple(values))


# --- analysis ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Swing:
    """One parameter's effect on one saving: the saving with the parameter low and high."""

    parameter: str
    paths: tuple[str, ...]
    source: str
    low_values: tuple[float, ...]
    high_values: tuple[float, ...]
    saving_low: float
    saving_high: float

    @property
    def swing(self) -> float:
        """How far the saving moves between the parameter's low and high value."""
        return abs(self.saving_high - self.saving_low)


@dataclass(frozen=True, slots=True)
class SavingRange:
    """One compared scenario's saving against the base: centre, seed spread, each parameter's swing."""

    scenario: str
    centre: float
    seed_savings: tuple[float, ...]
    swings: tuple[Swing, ...]

    @property
    def seed_spread(self) -> float:
        """Largest minus smallest saving over the seeds (0 with one seed)."""
        return max(self.seed_savings) - min(self.seed_savings)

    @property
    def low(self) -> float:
        """The smallest saving of any point (parameters one at a time, seeds)."""
        return min([*self.seed_savings, *(s.saving_low for s in self.swings), *(s.saving_high for s in self.swings)])

    @property
    def high(self) -> float:
        """The largest saving of any point."""
        return max([*self.seed_savings, *(s.saving_low for s in self.swings), *(s.saving_high for s in self.swings)])

    @property
    def main_driver(self) -> Swing | None:
        """The parameter that moves the saving most."""
        return max(self.swings, key=lambda s: s.swing, default=None)

    def within_noise(self, swing: Swing) -> bool:
        """Whether a parameter moves the saving less than the seeds do (it cannot be told from search noise)."""
        return swing.swing <= self.seed_spread


@dataclass(frozen=True, slots=True)
class BreakEvenResult:
    """The saving of one scenario at each value of one parameter, and the value where it is zero."""

    scenario: str
    path: str
    centre_value: float
    values: tuple[float, ...]
    savings: tuple[float, ...]
    #: The value at which the saving is zero (None if the saving does not depend on the parameter).
    value: float | None
    #: Whether ``value`` lies outside the planned values (found on the fitted line, not between two points).
    extrapolated: bool
    #: The base's mean invoice per trip of the parameter's channel at ``value`` (None if no channel or trips).
    mean_trip_price: float | None
    #: The same at the centre value.
    mean_trip_price_centre: float | None


@dataclass(frozen=True, slots=True)
class SensitivityResult:
    """What ``analyse`` finds: a range per compared scenario and the break-even."""

    base: str
    days: tuple[str, ...]
    change: float
    ranges: tuple[SavingRange, ...]
    break_even: BreakEvenResult | None


def _cost(record: Mapping[str, Any], channel: str = "all") -> tuple[float, float]:
    """A point's total cost per year and trips of ``channel`` (area total)."""
    for row in record["figures"]:
        if row["area"] == TOTAL_AREA and row["channel"] == channel:
            return float(row["cost_dkk"]), float(row["trips"])
    return 0.0, 0.0


def analyse(
    spec: Sensitivity, scenarios: Sequence[Path], records: Sequence[Mapping[str, Any]], days: tuple[str, ...]
) -> SensitivityResult:
    """Each compared scenario's saving against the base at every point, as ranges and a break-even.

    Parameters
    ----------
    spec
        The sweep's sensitivity block.
    scenarios
        The sweep's scenario files, base first.
    records
        Every point's record (``routing.studies.sweep.SweepRun.records``; ``variant`` and ``from_scenario`` keys).
    days
        The planned days (for the report).

    Returns
    -------
    SensitivityResult
        Savings per year (base cost minus scenario cost), kr.
    """
    by = {(r["from_scenario"], r["variant"]): r for r in records}
    base = scenarios[0].name

    def saving(scenario: str, name: str) -> float:
        return _cost(by[(base, name)])[0] - _cost(by[(scenario, name)])[0]

    ranges = []
    for path in scenarios[1:]:
        name = path.name
        swings = tuple(
            Swing(
                parameter.name,
                parameter.paths,
                spec.sources.get(parameter.paths[0], ""),
                tuple(_scaled(spec.values[scenarios[0]][p], 1 - spec.change) for p in parameter.paths),
                tuple(_scaled(spec.values[scenarios[0]][p], 1 + spec.change) for p in parameter.paths),
                saving(name, spec.side_name(parameter, -1)),
                saving(name, spec.side_name(parameter, 1)),
            )
            for parameter in spec.parameters
        )
        seeds = tuple(saving(name, spec.centre_name(s)) for s in spec.seeds)
        ranges.append(SavingRange(name, seeds[0], seeds, swings))
    return SensitivityResult(base, days, spec.change, tuple(ranges), _break_even_result(spec, scenarios, by))


def _break_even_result(
    spec: Sensitivity, scenarios: Sequence[Path], by: Mapping[tuple[str, str], Mapping[str, Any]]
) -> BreakEvenResult | None:
    be = spec.break_even
    if be is None:
        return None
    base, name = scenarios[0].name, be.scenario.name
    centre_value = float(spec.values[scenarios[0]][be.path])
    named = spec.break_even_points(scenarios[0])
    named.setdefault(centre_value, spec.centre_name())
    values = sorted(named)
    pairs = [(by[(base, named[v])], by[(name, named[v])]) for v in values]
    savings = [_cost(b)[0] - _cost(s)[0] for b, s in pairs]
    value, extrapolated = _zero(values, savings)
    parts = be.path.split(".")
    channel = parts[2] if len(parts) > 3 and parts[1] == "channels" else None
    mean_at = mean_centre = None
    if channel is not None:
        prices = [_cost(b, channel) for b, _ in pairs]
        if all(trips > 0 for _, trips in prices):
            slope, intercept = _line(values, [cost / trips for cost, trips in prices])
            mean_centre = intercept + slope * centre_value
            mean_at = None if value is None else intercept + slope * value
    return BreakEvenResult(
        name, be.path, centre_value, tuple(values), tuple(savings), value, extrapolated, mean_at, mean_centre
    )


def _line(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope and intercept."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return slope, my - slope * mx


def _zero(values: Sequence[float], savings: Sequence[float]) -> tuple[float | None, bool]:
    """Where the saving crosses zero: between two planned values if it does, else on the fitted line."""
    for (x0, y0), (x1, y1) in zip(zip(values, savings), zip(values[1:], savings[1:]), strict=False):
        if y0 == 0:
            return x0, False
        if (y0 < 0) != (y1 < 0):
            return x0 + (x1 - x0) * (-y0) / (y1 - y0), False
    if savings and savings[-1] == 0:
        return values[-1], False
    slope, intercept = _line(values, savings)
    if slope == 0 or not math.isfinite(slope):
        return None, False
    return -intercept / slope, True
