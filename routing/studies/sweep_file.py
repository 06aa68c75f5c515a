"""Read and check a sweep file (``schema: routing.sweep/1``): a base scenario and the points to plan.

A sweep names a ``base`` scenario (and optionally scenarios to ``compare`` with it), the ``days`` to
plan, the solver bounds (``time_limit_s`` and/or ``solution_limit``), optional ``seeds``, whether
stored ``plans`` are used, and one of: a ``grid`` (key path -> list of values; every combination is a
point), ``points`` (a list of override mappings, each with a ``name``) or a ``sensitivity`` block
(``routing.studies.sensitivity``). Every point is planned once per seed and per scenario. Problems are
collected and raised together with codes E800-E809 (docs/sweep-format.md).
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.model import WEEKDAYS
from routing.scenario.load import read_yaml
from routing.scenario.overrides import BadOverride, parse_path
from routing.studies.sensitivity import Sensitivity, read_sensitivity

SCHEMA = "routing.sweep/1"
KEYS = (
    "schema",
    "base",
    "compare",
    "days",
    "time_limit_s",
    "solution_limit",
    "seeds",
    "plans",
    "grid",
    "points",
    "sensitivity",
)
#: ``plans:``: ``solve`` plans every point; ``stored`` prices the plans stored with a scenario where they fit.
PLANS = ("solve", "stored")
#: The solver keys a sweep sets in every point's scenario (from its own keys), which no override may set too.
SOLVER_PATHS = {
    "seeds": "solver.seed",
    "time_limit_s": "solver.time_limit_s",
    "solution_limit": "solver.solution_limit",
    "workers": "solver.workers",
}
#: Point names: file names on every system.
_NAME = re.compile(r"[A-Za-z0-9._=+-]{1,100}")


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One scenario variant to plan.

    ``name`` names its files: the variant's name, followed by ``@<scenario file>`` when the sweep
    compares scenarios; ``seed`` None means the scenario's own.
    """

    name: str
    overrides: dict[str, Any]
    seed: int | None
    #: The scenario file the point extends (the base or a compared one).
    scenario: Path
    #: The variant's name alone (the same in every scenario).
    variant: str


@dataclass(frozen=True, slots=True)
class Sweep:
    """A checked sweep file."""

    path: Path
    base: Path
    days: tuple[str, ...]
    time_limit_s: float | None
    solution_limit: int | None
    #: The override paths, in the order of the file (the columns of sweep.csv).
    keys: tuple[str, ...]
    points: tuple[SweepPoint, ...]
    #: The base, then the compared scenarios (each point is planned in each).
    scenarios: tuple[Path, ...] = ()
    #: ``solve`` or ``stored`` (``PLANS``).
    plans: str = "solve"
    sensitivity: Sensitivity | None = None


def _fix_list(what: str) -> str:
    return f"Give a YAML list of {what}, e.g. [1, 2]."


def read_sweep(path: str | Path) -> Sweep:
    """Read a sweep file and check every key.

    Parameters
    ----------
    path
        The sweep YAML; ``base`` is relative to it.

    Returns
    -------
    Sweep
        The base, the settings and the points (one per combination or listed point, and per seed).

    Raises
    ------
    ScenarioError
        E0xx for a file that is not a YAML mapping; E800-E809 for every problem in it.
    """
    path = Path(path)
    data = read_yaml(path)
    problems: list[Problem] = []
    if data.get("schema") != SCHEMA:
        problems.append(
            Problem("E800", "schema", f"{data.get('schema')!r} is not {SCHEMA!r}", f"Say schema: {SCHEMA}.")
        )
    for key in data:
        if key not in KEYS:
            hint = difflib.get_close_matches(str(key), KEYS, n=1)
            fix = f"Did you mean {hint[0]!r}?" if hint else f"Use only {', '.join(KEYS)}."
            problems.append(Problem("E801", str(key), "unknown key", fix))
    base = _base(data, path, problems)
    scenarios = (base, *_compare(data, path, base, problems))
    days = _days(data, problems)
    time_limit, solution_limit = _limits(data, problems)
    seeds = _seeds(data, problems)
    plans = _plans(data, problems)
    sensitivity = None
    if "sensitivity" in data:
        keys, variants = _sensitivity_keys(data, problems)
        if not problems:
            sensitivity = read_sensitivity(data["sensitivity"], scenarios, problems)
    else:
        keys, variants = _variants(data, problems)
    given = {"seeds": bool(seeds), "time_limit_s": time_limit is not None, "solution_limit": solution_limit is not None}
    for own, key in SOLVER_PATHS.items():
        if key in keys and (own == "workers" or given[own]):
            cause = f"{key} is set by {own}:" if own != "workers" else f"{key} is set by the sweep (one worker a point)"
            problems.append(Problem("E806", key, cause, f"Leave {key} out of the overrides."))
    if problems:
        raise ScenarioError(problems, str(path))
    points = []
    for scenario in scenarios:
        triples: list[tuple[str, dict[str, Any], int | None]]
        if sensitivity is not None:
            triples = list(sensitivity.variants(scenario, base))
        else:
            # None: the base scenario's own seed
            triples = [(name, overrides, seed) for name, overrides in variants for seed in (seeds or [None])]
        for name, overrides, seed in triples:
            if sensitivity is None and len(seeds) > 1:
                name = f"{name}-seed{seed}"
            full = name if len(scenarios) == 1 else f"{name}@{scenario.name}"
            points.append(SweepPoint(full, overrides, seed, scenario, name))
    if sensitivity is not None:
        keys = tuple(dict.fromkeys(k for point in points for k in point.overrides))
    return Sweep(path, base, days, time_limit, solution_limit, keys, tuple(points), scenarios, plans, sensitivity)


def _compare(data: dict[str, Any], path: Path, base: Path, problems: list[Problem]) -> list[Path]:
    """The scenario files to plan beside the base (each point in each), relative to the sweep file."""
    items = data.get("compare")
    if items is None:
        return []
    fix = "List scenario files relative to the sweep file, e.g. compare: [indsats_11.yaml]."
    if not isinstance(items, list) or not items:
        problems.append(Problem("E809", "compare", f"{items!r} is not a non-empty list", fix))
        return []
    out: list[Path] = []
    for i, item in enumerate(items):
        found = (path.parent / item).resolve() if isinstance(item, str) and item.strip() else None
        if found is None or not found.is_file():
            cause = f"{item!r} is not a file path" if found is None else f"{item!r} does not exist (looked for {found})"
            problems.append(Problem("E809", f"compare[{i}]", cause, fix))
        elif found.name in (p.name for p in (base, *out)):
            problems.append(
                Problem("E809", f"compare[{i}]", f"{item!r}: a file named {found.name} is planned already", fix)
            )
        else:
            out.append(found)
    return out


def _plans(data: dict[str, Any], problems: list[Problem]) -> str:
    plans = data.get("plans", "solve")
    if plans not in PLANS:
        fix = "Say solve (plan every point) or stored (price the plans stored with a scenario where they fit)."
        problems.append(Problem("E809", "plans", f"{plans!r} is not one of {', '.join(PLANS)}", fix))
        return "solve"
    return str(plans)


def _sensitivity_keys(
    data: dict[str, Any], problems: list[Problem]
) -> tuple[tuple[str, ...], list[tuple[str, dict[str, Any]]]]:
    """With ``sensitivity`` the points are its own: no grid, points or top-level seeds beside it."""
    for key, fix in (
        ("grid", "Drop grid: the sensitivity block makes the points."),
        ("points", "Drop points: the sensitivity block makes the points."),
        ("seeds", "Give the seeds as sensitivity.seeds (the centre is planned once per seed)."),
    ):
        if data.get(key) is not None:
            problems.append(Problem("E804", key, f"{key} is given beside sensitivity", fix))
    return (), []


def _base(data: dict[str, Any], path: Path, problems: list[Problem]) -> Path:
    base = data.get("base")
    fix = "Give the base scenario's path relative to the sweep file, e.g. base: ../scenarios/baseline.yaml."
    if not isinstance(base, str) or not base.strip():
        problems.append(Problem("E802", "base", "missing" if base is None else f"{base!r} is not a file path", fix))
        return path
    found = (path.parent / base).resolve()
    if not found.is_file():
        problems.append(Problem("E802", "base", f"{base!r} does not exist (looked for {found})", fix))
    return found


def _days(data: dict[str, Any], problems: list[Problem]) -> tuple[str, ...]:
    days = data.get("days")
    if not isinstance(days, list):
        cause = "missing" if days is None else f"{days!r} is not a list"
        problems.append(Problem("E805", "days", cause, "Give a list of weekday codes, e.g. days: [mon, tue]."))
        return ()
    bad = [d for d in days if d not in WEEKDAYS]
    if bad or not days:
        cause = f"{bad!r} are not weekday codes" if bad else "empty"
        problems.append(Problem("E806", "days", cause, f"Use weekday codes: {', '.join(WEEKDAYS)}."))
    return tuple(str(d) for d in days)


def _limits(data: dict[str, Any], problems: list[Problem]) -> tuple[float | None, int | None]:
    time_limit, solution_limit = data.get("time_limit_s"), data.get("solution_limit")
    if time_limit is None and solution_limit is None:
        fix = "Give time_limit_s (seconds per day) and/or solution_limit (deterministic runs)."
        problems.append(Problem("E806", "time_limit_s", "neither time_limit_s nor solution_limit is given", fix))
    if time_limit is not None and (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, (int, float))
        or not math.isfinite(time_limit)
        or time_limit <= 0
    ):
        problems.append(Problem("E806", "time_limit_s", f"{time_limit!r} is not a positive number of seconds", ""))
        time_limit = None
    if solution_limit is not None and (
        isinstance(solution_limit, bool) or not isinstance(solution_limit, int) or solution_limit < 1
    ):
        fix = "Give a whole number of 1 or more."
        problems.append(Problem("E806", "solution_limit", f"{solution_limit!r} is not a solution count", fix))
        solution_limit = None
    return (None if time_limit is None else float(time_limit)), solution_limit


def _seeds(data: dict[str, Any], problems: list[Problem]) -> list[int | None]:
    seeds = data.get("seeds")
    if seeds is None:
        return []
    if not isinstance(seeds, list):
        problems.append(Problem("E805", "seeds", f"{seeds!r} is not a list", _fix_list("seeds")))
        return []
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, int) or s < 0]
    if bad or not seeds or len(set(seeds)) != len(seeds):
        cause = f"{bad!r} are not seeds" if bad else ("empty" if not seeds else "a seed is given twice")
        problems.append(Problem("E806", "seeds", cause, "Give whole numbers of 0 or more, each once."))
        return []
    return list(seeds)


def _check_path(key: Any, where: str, problems: list[Problem]) -> bool:
    try:
        parse_path(key)
    except BadOverride as exc:
        fix = (
            "Give a key path of the scenario, e.g. costing.channels.flexkommune.base_per_trip or vehicle_types[2].fuel."
        )
        problems.append(Problem("E803", where, str(exc), fix))
        return False
    return True


def _variants(
    data: dict[str, Any], problems: list[Problem]
) -> tuple[tuple[str, ...], list[tuple[str, dict[str, Any]]]]:
    """The override paths and the (name, overrides) of every variant, from ``grid`` or ``points``."""
    grid, points = data.get("grid"), data.get("points")
    if (grid is None) == (points is None):
        cause = "both grid and points are given" if grid is not None else "neither grid nor points is given"
        fix = "Give either grid (key path -> list of values) or points (a list of named override mappings)."
        problems.append(Problem("E804", "grid", cause, fix))
        return (), []
    if grid is not None:
        return _grid(grid, problems)
    return _points(points, problems)


def _grid(grid: Any, problems: list[Problem]) -> tuple[tuple[str, ...], list[tuple[str, dict[str, Any]]]]:
    if not isinstance(grid, dict) or not grid:
        cause = "empty" if isinstance(grid, dict) or grid is None else f"{grid!r} is not a mapping"
        problems.append(Problem("E804", "grid", cause, "Map key paths to lists of values, e.g. solver.seed: [1, 2]."))
        return (), []
    ok = True
    for key, values in grid.items():
        ok &= _check_path(key, f"grid.{key}", problems)
        if not isinstance(values, list):
            problems.append(Problem("E805", f"grid.{key}", f"{values!r} is not a list", _fix_list("values")))
            ok = False
        elif not values:
            problems.append(
                Problem("E804", f"grid.{key}", "empty list: the grid has no points", "Give one value or more.")
            )
            ok = False
    if not ok:
        return (), []
    keys = tuple(str(k) for k in grid)
    labels = _labels(keys)
    variants = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        name = "_".join(f"{label}={_short(v)}" for label, v in zip(labels, combo, strict=True))
        variants.append((name, dict(zip(keys, combo, strict=True))))
    if any(not _NAME.fullmatch(name) for name, _ in variants) or len({n for n, _ in variants}) != len(variants):
        variants = [(f"p{i:03d}", overrides) for i, (_, overrides) in enumerate(variants)]
    return keys, variants


def _labels(keys: tuple[str, ...]) -> list[str]:
    """A short label per grid key: its last part without list positions, or the whole path where two would clash."""
    last = [parse_path(k)[-1].key for k in keys]
    return [
        label if last.count(label) == 1 else re.sub(r"[\[\]]", "", key) for label, key in zip(last, keys, strict=True)
    ]


def _short(value: Any) -> str:
    """A value as part of a file name."""
    return re.sub(r"[^A-Za-z0-9.+-]", "", str(value))[:30] or "x"


def _points(points: Any, problems: list[Problem]) -> tuple[tuple[str, ...], list[tuple[str, dict[str, Any]]]]:
    if not isinstance(points, list):
        problems.append(Problem("E805", "points", f"{points!r} is not a list", _fix_list("named override mappings")))
        return (), []
    if not points:
        problems.append(Problem("E804", "points", "empty list: the sweep has no points", "List one point or more."))
        return (), []
    keys: list[str] = []
    variants: list[tuple[str, dict[str, Any]]] = []
    for i, point in enumerate(points):
        if not isinstance(point, dict):
            fix = "Give a mapping: name: <name> and key path: value pairs."
            problems.append(Problem("E805", f"points[{i}]", f"{point!r} is not a mapping", fix))
            continue
        name = point.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            fix = "Give a name of letters, digits and . _ = + - (it names the point's files)."
            problems.append(Problem("E806", f"points[{i}].name", f"{name!r} is not a point name", fix))
        elif name in (n for n, _ in variants):
            problems.append(
                Problem("E806", f"points[{i}].name", f"{name!r} is used twice", "Give each point its own name.")
            )
        overrides: dict[str, Any] = {}
        for key, value in point.items():
            if key == "name":
                continue
            if _check_path(key, f"points[{i}].{key}", problems):
                overrides[str(key)] = value
                if key not in keys:
                    keys.append(str(key))
        variants.append((str(name), overrides))
    return tuple(keys), variants
