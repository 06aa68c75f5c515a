"""Calibrate the route-bought volumes of the Fredensborg week against the 2021 cost table.

The areas' derived passenger counts assume a productivity (passenger trips per paid
vehicle-hour: 2.5 for special-needs routes, 3 for day centres, 5 for school routes). This
engine plans the synthetic week at its own productivity, so the number of passengers on each
area's Flexrute and egne-vogne routes is fitted until the week, planned as in 2021
(``routing.studies.planning`` silo mode: per area, channel and institution) and priced with the tariff
formulas, costs what the 2021 table says for that area and channel.

Why one area at a time works: the generator draws each area, and each route channel's added
passengers, from random streams of their own, and silo planning never mixes areas or channels,
so a cell's cost depends on its own passenger count alone. The silos are solved to a solution
limit (``SOLUTION_LIMIT``, time limit far out of reach), so one count always gives the same cost
on any machine and the search below is a search over a fixed function, not over noise:

1. price the cell at the current count (generator.yaml ``route_calibration``);
2. step by the cell's miss over its route cost per passenger, then interpolate between the
   counts that bracket the target, until the cell is within ``STOP_WITHIN`` or no untried count
   is left between the brackets (``MAX_TRIES`` at most);
3. keep the count closest to the target, write the factors to generator.yaml, generate the
   baseline week and plan it whole with the same settings; that week and its plans are shipped
   (``baseline_2021.yaml``, ``baseline_2021_plans.json.gz``), and ``tests/fredensborg/test_baseline.py``
   replays them.

    python -m routing.fredensborg.calibrate --seed 2021     # from the repository root

It writes the factors into the package's ``data/generator.yaml`` (so run it from a checkout, with
the package installed editable) and the baseline into ``scenarios/fredensborg/`` (``--out``).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from routing.files import write_atomic, write_atomic_bytes
from routing.fredensborg.areas import FREDENSBORG_DIR, load_areas
from routing.fredensborg.generate import SCHOOL_WEEK, generate_week
from routing.model import PER_TRIP_CHANNELS
from routing.run import open_executor
from routing.scenario.write import write_scenario
from routing.studies.comparison import ScenarioResult, evaluate

#: Silo solves bounded by count: 8 solutions (PyVRP warm start 400 iterations, LNS 160); a 74-pupil school silo
#: takes about 17 s, somewhat more search than the earlier time-limited baseline gave it (60 s a day, shared by size).
SOLUTION_LIMIT = 8
#: Per planned day; never reached by the bounded solves, so it does not make them depend on the machine.
DAY_TIME_LIMIT_S = 36_000.0
#: Stop the search for a cell once it is this close to its 2021 figure (the test allows 10 %).
STOP_WITHIN = 0.04
MAX_TRIES = 8
#: Counts either side of the best one tried once the target is bracketed by neighbours (cost is not monotone).
NEIGHBOURS = 2
WEEK = SCHOOL_WEEK
#: The 2021 table's channels as the modelled channels they cover (Movia = Flexrute + Flexkommune + Flexhandicap).
SEED_CHANNELS = {"movia": ("flexrute", "flexkommune", "flexhandicap"), "egne_vogne": ("own",)}
BASELINE = "baseline_2021.yaml"
PLANS = "baseline_2021_plans.json.gz"
#: Where the shipped baseline and its plans are written: the repository's scenario folder (run from its root).
SCENARIO_DIR = Path("scenarios") / "fredensborg"


@dataclass(frozen=True)
class Cell:
    """One 2021 cell fitted by the passenger count of one route channel of one area."""

    area: int
    channel: str  # flexrute | own
    seed_channel: str  # movia | egne_vogne (the 2021 table's column)
    target_dkk: float
    #: The part of the target bought as routes in 2021 (the table's split): how long the cell takes to plan.
    route_dkk: float

    @property
    def name(self) -> str:
        """The cell for log lines, e.g. ``area  8 flexrute``."""
        return f"area {self.area:2d} {self.channel}"


def cells(config_dir: Path = FREDENSBORG_DIR) -> list[Cell]:
    """The 2021 cells that route-bought passengers make: Movia where the area buys Flexrute, and egne vogne."""
    out = []
    for a in load_areas(config_dir / "areas.yaml"):
        split = float(a.movia_product_split.get("flexrute", 0.0))
        if split > 0 and a.cost_2021["movia"] > 0:
            out.append(Cell(a.id, "flexrute", "movia", float(a.cost_2021["movia"]), split * a.cost_2021["movia"]))
        if a.cost_2021["egne_vogne"] > 0:
            out.append(
                Cell(a.id, "own", "egne_vogne", float(a.cost_2021["egne_vogne"]), float(a.cost_2021["egne_vogne"]))
            )
    return out


def solver_settings() -> dict[str, Any]:
    """The baseline's silo solves: deterministic (bounded by count, one worker, seed 0).

    The ruin-and-recreate search keeps the settings its 2021 plans were calibrated with: the linear
    fall of its threshold (``lns_threshold_power`` 1; the default became 2 later) and no route-pool
    recombination (``lns_recombine_at`` empty; added later): re-shipping makes the same plans.
    """
    return {
        "time_limit_s": DAY_TIME_LIMIT_S,
        "solution_limit": SOLUTION_LIMIT,
        "objective": "cost",
        "seed": 0,
        "workers": 1,
        "pipeline": {"lns_threshold_power": 1.0, "lns_recombine_at": []},
    }


def cell_cost(result: ScenarioResult, cell: Cell) -> tuple[float, float]:
    """The cell's modelled cost and the part of it its route channel makes (kr./year)."""
    area = str(cell.area)  # the scenario's area id: the generator writes areas.yaml's number
    total = sum(
        result.figures[(area, ch)].cost_dkk for ch in SEED_CHANNELS[cell.seed_channel] if (area, ch) in result.figures
    )
    routes = result.figures[(area, cell.channel)].cost_dkk if (area, cell.channel) in result.figures else 0.0
    return total, routes


def passengers(data: dict[str, Any], cell: Cell) -> tuple[int, int]:
    """(passengers apportioned to the cell's channel before calibration, passengers generated) from the week's meta."""
    record = data["meta"]["per_trip_calibration"][f"area_{cell.area:02d}"][f"{cell.channel}_passengers"]
    return int(record["apportioned"]), int(record["passengers"])


def factor_for(count: int, apportioned: int) -> float:
    """The ``route_calibration`` factor that makes the generator produce ``count`` passengers."""
    factor = round(count / max(1, apportioned), 4)
    assert round(max(1, apportioned) * factor) == count, (count, apportioned, factor)
    return factor


def _only(data: dict[str, Any], cell: Cell) -> dict[str, Any]:
    """The week with only the cell's area: its route channel's trips and its per-trip trips."""
    keep = [
        r for r in data["requests"] if r["area"] == cell.area and r["channel"] in (cell.channel, *PER_TRIP_CHANNELS)
    ]
    ids = {r["id"] for r in keep}
    for r in keep:
        if "not_with" in r:
            r["not_with"] = [x for x in r["not_with"] if x in ids]
            if not r["not_with"]:
                del r["not_with"]
    return {**data, "requests": keep, "solver": solver_settings()}


def price(
    seed: int, cell: Cell, factors: dict[int, dict[str, float]], config_dir: Path = FREDENSBORG_DIR
) -> tuple[float, float, int]:
    """Generate the week with ``factors`` and plan the cell's area as in 2021.

    Returns (cell cost, route cost, passengers generated), costs in kr./year.
    """
    data = generate_week(seed, 1.0, baseline_2021=True, config_dir=config_dir, route_calibration=factors)
    count = passengers(data, cell)[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cell.yaml"
        write_scenario(path, _only(data, cell))
        result = evaluate(path, WEEK, DAY_TIME_LIMIT_S, None, replan=True)
    return (*cell_cost(result, cell), count)


def next_count(tried: dict[int, tuple[float, float]], target: float) -> int | None:
    """The next passenger count to try, given ``tried`` (count -> (cell cost, route cost)); None when none is left.

    With counts on both sides of the target, interpolate between the nearest two that bracket it;
    with nothing left between them, try counts beside the best one (``NEIGHBOURS``); with counts on
    one side only, step from the nearest by its miss over its route cost per passenger.
    """
    below = [n for n, (c, _) in tried.items() if c < target]
    above = [n for n, (c, _) in tried.items() if c >= target]
    if below and above:
        lo = max(below, key=lambda n: tried[n][0])
        hi = min(above, key=lambda n: tried[n][0])
        if lo < hi:
            inside = [n for n in range(lo + 1, hi) if n not in tried]
            if inside:
                c_lo, c_hi = tried[lo][0], tried[hi][0]
                guess = lo + (target - c_lo) / max(1e-9, c_hi - c_lo) * (hi - lo)
                return min(inside, key=lambda n: abs(n - guess))
        # Adjacent brackets, or none in order: cost is lumpy in whole routes, so look beside the best count.
        best = min(tried, key=lambda k: abs(tried[k][0] - target))
        near = [n for n in range(max(1, best - NEIGHBOURS), best + NEIGHBOURS + 1) if n not in tried]
        return min(near, key=lambda n: (abs(n - best), n)) if near else None
    n = min(tried, key=lambda k: abs(tried[k][0] - target))
    cost, routes = tried[n]
    per_passenger = max(1.0, routes / max(1, n))
    step = round((target - cost) / per_passenger)
    candidate = max(1, n + (step if step else (1 if cost < target else -1)))
    while candidate in tried:  # a non-monotone patch: walk on in the same direction
        candidate += 1 if cost < target else -1
        if candidate < 1:
            return None
    return candidate


def fit(
    cell: Cell, start: int, cost_at: Callable[[int], tuple[float, float]], log: Callable[[str], None] = print
) -> tuple[int, dict[int, tuple[float, float]]]:
    """Search the passenger count whose cell cost is closest to the target; return it and every count tried."""
    tried: dict[int, tuple[float, float]] = {}
    n: int | None = start
    while n is not None and len(tried) < MAX_TRIES:
        tried[n] = cost_at(n)
        miss = tried[n][0] / cell.target_dkk - 1
        log(f"{cell.name}: {n:4d} passengers -> {tried[n][0]:12,.0f} kr. (2021: {cell.target_dkk:12,.0f}, {miss:+.1%})")
        if abs(miss) <= STOP_WITHIN:
            break
        n = next_count(tried, cell.target_dkk)
    best = min(tried, key=lambda k: abs(tried[k][0] / cell.target_dkk - 1))
    return best, tried


def _fit_cell(args: tuple[int, Cell, dict[int, dict[str, float]], Path]) -> tuple[Cell, float, float]:
    """Fit one cell in a worker process; return it, its factor and its cost's miss of the 2021 figure (a share)."""
    seed, cell, factors, config_dir = args
    first = generate_week(seed, 1.0, baseline_2021=True, config_dir=config_dir, route_calibration=factors)
    apportioned, start = passengers(first, cell)

    def cost_at(n: int) -> tuple[float, float]:
        trial = {a: dict(v) for a, v in factors.items()}
        trial.setdefault(cell.area, {})[cell.channel] = factor_for(n, apportioned)
        total, routes, made = price(seed, cell, trial, config_dir)
        assert made == n, (cell, n, made)
        return total, routes

    best, tried = fit(cell, start, cost_at, log=lambda line: print(line, flush=True))
    return cell, factor_for(best, apportioned), tried[best][0] / cell.target_dkk - 1


def read_factors(path: Path) -> dict[int, dict[str, float]]:
    """The ``route_calibration`` factors of generator.yaml.

    Parameters
    ----------
    path
        The generator.yaml to read.

    Returns
    -------
    dict[int, dict[str, float]]
        Area number -> route channel -> factor; empty when the file has no such block.
    """
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {int(a): {str(c): float(f) for c, f in v.items()} for a, v in (cfg.get("route_calibration") or {}).items()}


def write_factors(path: Path, factors: dict[int, dict[str, float]]) -> None:
    """Replace the ``route_calibration`` block at the end of generator.yaml."""
    text = path.read_text(encoding="utf-8")
    head = re.split(r"(?m)^route_calibration:.*$", text)[0].rstrip() + "\n"
    block = yaml.safe_dump(
        {"route_calibration": {a: dict(sorted(v.items())) for a, v in sorted(factors.items())}},
        default_flow_style=None,
        sort_keys=False,
    )
    write_atomic(path, head + block)


def ship(seed: int, config_dir: Path = FREDENSBORG_DIR, out_dir: Path = SCENARIO_DIR) -> ScenarioResult:
    """Generate the baseline week with generator.yaml's factors, plan it whole as in 2021, write it and its plans.

    Parameters
    ----------
    seed
        The generator's seed.
    config_dir
        The Fredensborg configuration (areas.yaml, municipality.yaml, generator.yaml).
    out_dir
        Where ``baseline_2021.yaml`` and its plans are written.

    Returns
    -------
    ScenarioResult
        The baseline week planned and priced.
    """
    data = generate_week(seed, 1.0, baseline_2021=True, config_dir=config_dir)
    data["meta"]["plans"] = PLANS
    data["meta"]["plans_made_with"] = {
        "command": f"python -m routing.fredensborg.calibrate --seed {seed}",
        "solver": solver_settings(),
        "planning": "silo (per area, channel and institution)",
    }
    data["meta"]["generator"]["command"] += " (baseline of routing.fredensborg.calibrate)"
    header = (
        f"Generated by: python -m routing.fredensborg.calibrate --seed {seed}\n"
        "The 2021 baseline week; its plans as in 2021 (per area, channel and institution) are in " + PLANS + ".\n"
        "Synthetic, calibrated to the 2021 cost table;"
        " real geography (DAGI; OSM, (c) OpenStreetMap contributors, ODbL 1.0)."
    )
    with tempfile.TemporaryDirectory() as tmp:
        week = Path(tmp) / BASELINE
        write_scenario(week, {**data, "solver": solver_settings()}, header)
        result = evaluate(week, WEEK, DAY_TIME_LIMIT_S, None, replan=True, plans_out=Path(tmp) / PLANS)
        plans = (Path(tmp) / PLANS).read_bytes()
    write_scenario(out_dir / BASELINE, data, header)
    write_atomic_bytes(out_dir / PLANS, plans)
    return result


def calibrate(
    seed: int,
    config_dir: Path = FREDENSBORG_DIR,
    only: set[int] | None = None,
    jobs: int = 2,
    out_dir: Path = SCENARIO_DIR,
    executor: str | None = None,
) -> dict[int, dict[str, float]]:
    """Fit every cell (or those of the areas in ``only``), write the factors, ship the baseline; return the factors.

    The cells are fitted on ``executor`` (a ``routing.run`` URL such as ``dask://HOST:8786``);
    default: a local pool of ``jobs`` processes.
    """
    cfg_path = config_dir / "generator.yaml"
    factors = read_factors(cfg_path)
    # The largest route cells first, so the small ones fill in beside them.
    todo = sorted((c for c in cells(config_dir) if only is None or c.area in only), key=lambda c: -c.route_dkk)
    args = [(seed, c, factors, config_dir) for c in todo]
    # A bar on stderr (a terminal only) over the cells and the shipping, with the elapsed time and
    # the fits so far; each trial's line still goes to stdout.
    with (
        tqdm(total=len(todo) + 1, unit="step", file=sys.stderr, disable=not sys.stderr.isatty()) as bar,
        open_executor(executor or f"local:{max(1, jobs)}") as pool,
    ):
        worst = 0.0
        for _, (cell, factor, miss) in pool.map(_fit_cell, args):
            factors.setdefault(cell.area, {})[cell.channel] = factor
            worst = max(worst, abs(miss))
            bar.set_postfix_str(f"{cell.name} {miss:+.1%} of 2021; worst so far {worst:.1%}")
            bar.update(1)
        write_factors(cfg_path, factors)
        bar.set_postfix_str("shipping the baseline (planning its week)")
        result = ship(seed, config_dir, out_dir)
        bar.update(1)
    for c in cells(config_dir):
        cost = cell_cost(result, c)[0]
        print(
            f"shipped: {c.name} {c.seed_channel:10s} {cost:12,.0f} kr."
            f" (2021: {c.target_dkk:12,.0f}, {cost / c.target_dkk - 1:+.1%})",
            flush=True,
        )
    print(
        f"shipped: total {result.total.cost_dkk:,.0f} kr. (2021: 21,978,894); {result.seconds:.0f} s to plan the week",
        flush=True,
    )
    return factors


def main(argv: list[str] | None = None) -> int:
    """Fit the cells and ship the baseline (or, with ``--ship-only``, ship it only).

    Parameters
    ----------
    argv
        Command-line arguments. Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code, 0.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--areas", default="", help="comma-separated area numbers to refit (default: every route cell)")
    parser.add_argument("--jobs", type=int, default=2, help="cells fitted in parallel")
    parser.add_argument(
        "--executor", help="where the cells are fitted: local:N, dask://HOST:PORT, dask-local:N (default: local:JOBS)"
    )
    parser.add_argument(
        "--ship-only",
        action="store_true",
        help="keep generator.yaml's factors; only regenerate and replan the baseline",
    )
    parser.add_argument(
        "--out", type=Path, default=SCENARIO_DIR, help=f"where the baseline and its plans go (default: {SCENARIO_DIR})"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.ship_only:
        ship(args.seed, out_dir=args.out)
    else:
        only = {int(a) for a in args.areas.split(",") if a} or None
        calibrate(args.seed, only=only, jobs=args.jobs, out_dir=args.out, executor=args.executor)
    print(f"{time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
