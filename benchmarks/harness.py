"""Benchmark harness: solve instances on the engine's own solve path, check, score and write results.

Every solution is replayed by ``routing.check.check_plan`` before it is written. Distances are
reported in the instance's own units and convention (Solomon: DIMACS one-decimal truncation;
the others: exact Euclidean recomputed from the coordinates).
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.readers import DATA, Family, read_instance
from routing.check import check_plan
from routing.files import write_atomic
from routing.matrix import build_matrices
from routing.matrix.provider import MatrixSet
from routing.model import Scenario
from routing.plan import Plan
from routing.run import open_executor
from routing.solve import stop
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
#: ``engine``: the product (auto backend); ``ortools``: plain OR-Tools (registered matrices, GLS);
#: ``pyvrp``: PyVRP alone; ``vroom``: VROOM (optional ``bench`` extra), exploration level 5.
#: Each runs on ``workers`` cores: the engine as that many parallel searches; plain OR-Tools and
#: PyVRP as the best of that many seeds run in parallel (one process each, seeds 0, 1, …); VROOM
#: with that many threads (it has no seed; its own threads split its heuristic starts).
#: By default the engine takes every core and the others one (see ``run_family``).
SOLVERS = ("engine", "ortools", "pyvrp", "vroom")


@dataclass(frozen=True)
class Outcome:
    """One instance's result row, its solution file text and notes."""

    row: dict[str, object]
    solution: str
    note: str = ""


def load_bks(fam: Family) -> dict[str, tuple[int | None, float | None]]:
    """Best-known ``(vehicles, distance)`` per instance (None where unknown).

    From the family's ``bks.csv``; where the family also has a ``bks_literature.csv`` (Cordeau a/b:
    the literature's optima), its distances replace those of ``bks.csv``.
    """
    folder = DATA / fam.folder
    out: dict[str, tuple[int | None, float | None]] = {}
    with (folder / "bks.csv").open() as fh:
        for row in csv.DictReader(fh):
            vehicles = int(row["vehicles"]) if row.get("vehicles") else None
            distance = float(row["distance"]) if row.get("distance") else None
            out[row["instance"]] = (vehicles, distance)
    literature = folder / "bks_literature.csv"
    if literature.exists():
        with literature.open() as fh:
            for row in csv.DictReader(fh):
                if row.get("distance"):
                    vehicles, _ = out.get(row["instance"], (None, None))
                    out[row["instance"]] = (vehicles, float(row["distance"]))
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
        for halt in route.stops[1:-1]:
            nodes += [halt.location] * (len(halt.dropoff) + len(halt.pickup))
        out.write(f"Route #{k}: {' '.join(nodes)}\n")
    out.write(f"Cost {distance:.4f}\n")
    return out.getvalue()


def engine_params(fam: Family, solver: str, time_limit: float, workers: int | None = None) -> SolveParams:
    """The solve settings of one solver configuration for a family.

    Parameters
    ----------
    fam
        The benchmark family (objective, first-solution strategy).
    solver
        ``engine``, ``ortools`` or ``pyvrp``.
    time_limit
        Seconds per instance.
    workers
        Cores: parallel searches with seeds 0, 1, …, the cheapest plan kept (default: 2 for the
        engine, 1 for the others).

    Returns
    -------
    SolveParams
        The settings passed to ``routing.solve``.
    """
    base = SolveParams(time_limit_s=time_limit, objective=fam.objective)
    if workers is None:
        workers = 2 if solver == "engine" else 1
    if solver == "engine":
        return replace(base, backend="auto", workers=workers, first_solution=fam.first_solution or base.first_solution)
    if solver == "ortools":
        first = fam.first_solution or "PARALLEL_CHEAPEST_INSERTION"
        return replace(
            base,
            backend="ortools",
            workers=workers,
            first_solution=first,
            metaheuristic="GUIDED_LOCAL_SEARCH",
            implied_windows=False,
        )
    if solver == "pyvrp":
        # PyVRP alone as its users run it: a search on the objective's costs, no extra stages.
        return replace(base, backend="pyvrp", workers=workers)
    raise ValueError(f"no engine settings for solver {solver!r}")


def run_instance(
    fam: Family,
    path: Path,
    solver: str,
    time_limit: float,
    bks: dict[str, tuple[int | None, float | None]],
    workers: int | None = None,
) -> Outcome:
    """Solve one instance with one solver configuration on ``workers`` cores; always returns a row."""
    scenario = read_instance(fam, path)
    matrices = build_matrices(scenario)
    started = time.monotonic()
    note = ""
    try:
        if solver == "vroom":
            from benchmarks.vroom_runner import solve_vroom

            plan = solve_vroom(scenario, matrices, time_limit, threads=workers or 1)
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


def _run_one(args: tuple[Family, Path, str, float, int | None]) -> Outcome:
    fam, path, solver, time_limit, workers = args
    return run_instance(fam, path, solver, time_limit, load_bks(fam), workers)


def require_solver(solver: str) -> None:
    """Raise ``ImportError`` saying how to install the solver's package when it is missing (VROOM is optional).

    Without this check every instance would fail alone and the CSV would hold a row of
    infeasible results per instance instead of one clear error.
    """
    if solver == "vroom":
        try:
            import vroom  # noqa: F401
        except ImportError as exc:
            raise ImportError("VROOM is not installed (package pyvroom): pip install -e '.[bench]'") from exc


def run_family(
    fam: Family,
    files: Sequence[Path],
    time_limit: float,
    out_csv: Path,
    routes_dir: Path | None,
    solver: str = "engine",
    jobs: int = 1,
    progress: Callable[[Outcome], None] | None = None,
    workers: int | None = None,
) -> list[Outcome]:
    """Solve ``files`` and write ``out_csv`` (one row per instance) and ``routes_dir/<instance>.sol``.

    ``jobs`` instances run at a time, each on ``workers`` cores (see ``SOLVERS``). By default the
    engine takes every core when ``jobs`` is 1 and one otherwise, and the other solvers one.
    """
    require_solver(solver)
    if workers is None:
        workers = max(1, os.cpu_count() or 1) if solver == "engine" and jobs == 1 else 1
    if jobs > 1 and workers > 1:
        # An executor's tasks fork no processes of their own (Dask workers cannot; a local pool would oversubscribe).
        raise ValueError(f"{jobs} instances at a time need workers=1, not {workers}")
    tasks = [(fam, Path(f), solver, time_limit, workers) for f in files]
    outcomes: list[Outcome] = []
    # On Ctrl-C the running instances stop early: their rows would measure the interruption, not the
    # solver, so they are dropped and the instances done by then are written (``stop.requested``).
    if jobs > 1:
        done: dict[int, Outcome] = {}
        # The executor stops submitting on a stop request and ends without the instances still running.
        with open_executor(f"local:{jobs}") as pool, closing(pool.map(_run_one, tasks)) as results:
            for i, outcome in results:
                if stop.requested():
                    break
                done[i] = outcome
                if progress:
                    progress(outcome)
        outcomes = [done[i] for i in sorted(done)]  # the CSV in the order of the files, as with one job
    else:
        for task in tasks:
            outcome = _run_one(task)
            if stop.requested():
                break
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
