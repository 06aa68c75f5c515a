"""Benchmark harness: solve instances on the engine's own solve path, check, score and write results.

Every solution is replayed by ``routing.check.check_plan`` before it is written. Distances are
reported in the instance's own units and convention (Solomon: DIMACS one-decimal truncation;
the others: exact Euclidean recomputed from the coordinates).
"""

from __future__ import annotations

import csv
import io
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.readers import DATA, Family, read_instance
from routing.check import check_plan
from routing.files import write_atomic
from routing.matrix import build_matrices
from routing.matrix.provider import MatrixSet
from routing.model import Scenario
from routing.plan import Plan
from routing.solve.params import SolveParams
from routing.solve.solve import solve

COLUMNS = (
    "instance",
    "family",
    "vehicles",
    "distance",
    "bks_vehicles",
    "bks_distance",
    "gap_pct",
    "feasible",
    "seconds",
)

#: Solver configurations the harness can run on the same instances.
#: ``engine``: the product (auto backend, both cores); ``ortools``: plain OR-Tools
#: (registered matrices, GLS, one thread); ``pyvrp``: PyVRP alone, one thread;
#: ``vroom``: VROOM (optional ``bench`` extra), one thread, exploration level 5.
SOLVERS = ("engine", "ortools", "pyvrp", "vroom")


@dataclass(frozen=True)
class Outcome:
    """One instance's result row, its solution file text and notes."""

    row: dict[str, object]
    solution: str
    note: str = ""


def load_bks(fam: Family) -> dict[str, tuple[int | None, float | None]]:
    """Best-known ``(vehicles, distance)`` per instance (None where unknown)."""
    path = DATA / fam.folder / "bks.csv"
    out: dict[str, tuple[int | None, float | None]] = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            vehicles = int(row["vehicles"]) if row.get("vehicles") else None
            distance = float(row["distance"]) if row.get("distance") else None
            out[row["instance"]] = (vehicles, distance)
    return out


def instance_distance(scenario: Scenario, matrices: MatrixSet, plan: Plan, fam: Family) -> float:
    """Total distance in instance units, in the family's convention."""
    if fam.truncate_decimals is not None:
        profile = scenario.reference_profile
        index = matrices.index()
        dist = matrices.distance_m[profile]
        total = sum(
            int(dist[index[a.location], index[b.location]])
            for route in plan.routes
            for a, b in zip(route.stops, route.stops[1:], strict=False)
        )
        return total / fam.scale
    coords = {loc.id: loc.coords for loc in scenario.locations}
    return sum(
        math.dist(coords[a.location], coords[b.location])
        for route in plan.routes
        for a, b in zip(route.stops, route.stops[1:], strict=False)
    )


def solution_text(plan: Plan, distance: float) -> str:
    """CVRPLIB solution: ``Route #k: i j ...`` with the instance's node numbers (depots omitted), then ``Cost``."""
    out = io.StringIO()
    for k, route in enumerate((r for r in plan.routes if r.request_ids or any(s.dropoff for s in r.stops)), start=1):
        nodes: list[str] = []
        for stop in route.stops[1:-1]:
            nodes += [stop.location] * (len(stop.dropoff) + len(stop.pickup))
        out.write(f"Route #{k}: {' '.join(nodes)}\n")
    out.write(f"Cost {distance:.4f}\n")
    return out.getvalue()


def engine_params(fam: Family, solver: str, time_limit: float, workers: int = 2) -> SolveParams:
    """The solve settings of one solver configuration for a family (``workers``: the engine's parallel searches)."""
    base = SolveParams(time_limit_s=time_limit, objective=fam.objective)
    if solver == "engine":
        return replace(base, backend="auto", workers=workers, first_solution=fam.first_solution or base.first_solution)
    if solver == "ortools":
        first = fam.first_solution or "PARALLEL_CHEAPEST_INSERTION"
        return replace(
            base,
            backend="ortools",
            workers=1,
            first_solution=first,
            metaheuristic="GUIDED_LOCAL_SEARCH",
            implied_windows=False,
        )
    if solver == "pyvrp":
        # PyVRP alone as its users run it: one search on the objective's costs, no extra stages.
        return replace(base, backend="pyvrp", workers=1)
    raise ValueError(f"no engine settings for solver {solver!r}")


def run_instance(
    fam: Family,
    path: Path,
    solver: str,
    time_limit: float,
    bks: dict[str, tuple[int | None, float | None]],
    workers: int = 2,
) -> Outcome:
    """Solve one instance with one solver configuration; always returns a row."""
    scenario = read_instance(fam, path)
    matrices = build_matrices(scenario)
    started = time.monotonic()
    note = ""
    try:
        if solver == "vroom":
            from benchmarks.vroom_runner import solve_vroom

            plan = solve_vroom(scenario, matrices, time_limit)
        else:
            plan = solve(scenario, matrices, engine_params(fam, solver, time_limit, workers))
    except Exception as exc:  # a failed solve is a result row, not a crash of the whole run
        plan, note = None, f"{type(exc).__name__}: {exc}"
    seconds = time.monotonic() - started
    bks_vehicles, bks_distance = bks.get(path.stem, (None, None))
    row: dict[str, object] = {
        "instance": path.stem,
        "family": fam.name,
        "vehicles": "",
        "distance": "",
        "bks_vehicles": bks_vehicles if bks_vehicles is not None else "",
        "bks_distance": bks_distance if bks_distance is not None else "",
        "gap_pct": "",
        "feasible": "no",
        "seconds": f"{seconds:.2f}",
    }
    if plan is None:
        return Outcome(row, "", note)
    result = check_plan(scenario, matrices, plan)
    distance = instance_distance(scenario, matrices, plan, fam)
    vehicles = sum(1 for r in plan.routes if r.request_ids)
    complete = not plan.unserved
    row.update(vehicles=vehicles, distance=f"{distance:.4f}")
    if result.is_feasible and complete:
        row["feasible"] = "yes"
        if bks_distance:
            row["gap_pct"] = f"{100.0 * (distance - bks_distance) / bks_distance:.3f}"
        return Outcome(row, solution_text(plan, distance))
    if not result.is_feasible:
        note = f"checker rejected: {result.violations[0]}"
    else:
        note = f"{len(plan.unserved)} request(s) unserved"
    return Outcome(row, "", note)


def _run_one(args: tuple[Family, Path, str, float, int]) -> Outcome:
    fam, path, solver, time_limit, workers = args
    return run_instance(fam, path, solver, time_limit, load_bks(fam), workers)


def run_family(
    fam: Family,
    files: Sequence[Path],
    time_limit: float,
    out_csv: Path,
    routes_dir: Path | None,
    solver: str = "engine",
    jobs: int = 1,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Solve ``files`` and write ``out_csv`` (one row per instance) and ``routes_dir/<instance>.sol``."""
    # Pool workers cannot fork searches of their own: with parallel instances the engine runs one search each.
    workers = max(1, (os.cpu_count() or 1) // jobs) if jobs == 1 else 1
    tasks = [(fam, Path(f), solver, time_limit, workers) for f in files]
    outcomes: list[Outcome] = []
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for outcome in pool.imap(_run_one, tasks):
                outcomes.append(outcome)
                if progress:
                    progress(outcome)
    else:
        for task in tasks:
            outcome = _run_one(task)
            outcomes.append(outcome)
            if progress:
                progress(outcome)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for outcome in outcomes:
        writer.writerow(outcome.row)
    write_atomic(out_csv, buffer.getvalue())
    if routes_dir is not None:
        for outcome in outcomes:
            if outcome.solution:
                write_atomic(Path(routes_dir) / f"{outcome.row['instance']}.sol", outcome.solution)
    return outcomes
