"""Run a sweep: every point of a sweep file planned and priced with ``evaluate``, on an executor, resumable.

Each point is written as an ordinary scenario, ``OUT/scenarios/<name>.yaml`` (``extends`` the base, or
the compared scenario it belongs to, and sets the point's keys; ``routing.scenario.overrides``), so any
point can be re-run by hand. Each
point's figures are written atomically to ``OUT/points/<name>.json`` the moment they arrive; a point
whose file exists and was made with the same settings is not planned again, so an interrupted sweep
resumes where it stopped. Points run as single-worker solves (``workers=1``; an executor's task
forks no processes) and solve (stored plans in ``meta.plans`` are used only with ``plans: stored``).
Figures are per year, as in ``routing.studies.comparison``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.files import write_atomic
from routing.model import TOTAL_AREA
from routing.scenario.build import load_scenario
from routing.scenario.extends import read_base
from routing.scenario.overrides import BadOverride, variant
from routing.scenario.write import write_scenario
from routing.solve import stop
from routing.solve.params import SolveParams
from routing.studies.comparison import area_order, evaluate
from routing.studies.sweep_file import Sweep, SweepPoint

POINT_SCHEMA = "routing.sweep-point/1"
FIGURES = ("cost_dkk", "co2_kg", "vehicle_hours", "km")


@dataclass
class SweepRun:
    """What a sweep run did: every point's record (those done), and how many were reused, solved or stale."""

    sweep: Sweep
    records: list[dict[str, Any]] = field(default_factory=list)
    reused: int = 0
    solved: int = 0
    stale: int = 0
    interrupted: bool = False

    @property
    def is_complete(self) -> bool:
        """Whether every point has its record."""
        return len(self.records) == len(self.sweep.points)


def run_point(task: dict[str, Any]) -> dict[str, Any]:
    """Plan and price one point (an executor's task: a plain function of a small dict).

    Parameters
    ----------
    task
        ``scenario`` (the point's file, with the sweep's solver settings), ``days``, ``cache_dir`` and
        ``replan`` (False: price the plans stored with the scenario where they fit, as ``compare`` does).

    Returns
    -------
    dict
        ``figures`` (one entry per area and channel, roll-ups included: area ``total``, channel
        ``all``; per year), ``total`` and ``wall_time_s``.
    """
    started = time.monotonic()
    # The limits, seed and workers=1 are in the point's scenario (its solver block), as a user re-running it sees them.
    result = evaluate(task["scenario"], tuple(task["days"]), None, task["cache_dir"], replan=task["replan"])
    rows = []
    for (area, channel), fig in sorted(result.figures.items(), key=lambda kv: (area_order(kv[0][0]), kv[0][1])):
        rows.append(
            {
                "area": area,
                "channel": channel,
                **{name: round(getattr(fig, name), 6) for name in FIGURES},
                "trips": round(result.served.get((area, channel), 0.0), 6),
                "unserved": round(result.unserved.get((area, channel), 0.0), 6),
            }
        )
    total = next((r for r in rows if r["area"] == TOTAL_AREA and r["channel"] == "all"), None)
    return {"figures": rows, "total": total, "wall_time_s": round(time.monotonic() - started, 3)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _solver_keys(sweep: Sweep, point: SweepPoint) -> dict[str, Any]:
    """The solver settings the sweep sets in every point's scenario: its limits, the point's seed, one worker."""
    keys: dict[str, Any] = {"solver.workers": 1}
    if sweep.time_limit_s is not None:
        keys["solver.time_limit_s"] = sweep.time_limit_s
    if sweep.solution_limit is not None:
        keys["solver.solution_limit"] = sweep.solution_limit
    if point.seed is not None:
        keys["solver.seed"] = point.seed
    return keys


def _extends(base: Path, folder: Path) -> str:
    """The base as a point's ``extends`` names it: relative (the folders move together), or absolute if far apart."""
    base, folder = base.resolve(), folder.resolve()
    return os.path.relpath(base, folder) if os.path.commonpath([base, folder]) != base.anchor else str(base)


def _prepare(sweep: Sweep, out: Path) -> list[tuple[SweepPoint, Path, int]]:
    """Write every point's scenario, load it (every problem found before any solve), and read its seed."""
    from routing.exceptions import Problem, ScenarioError

    bases = {scenario: read_base(scenario) for scenario in sweep.scenarios or (sweep.base,)}
    folder = out / "scenarios"
    problems = []
    prepared = []
    for point in sweep.points:
        try:
            keys = {**point.overrides, **_solver_keys(sweep, point)}
            data = variant(bases[point.scenario], _extends(point.scenario, folder), keys)
        except BadOverride as exc:
            fix = "Give a key path the base scenario has (list items by position, e.g. vehicle_types[0].fuel)."
            problems.append(Problem("E803", f"point {point.name}", str(exc), fix))
            continue
        path = folder / f"{point.name}.yaml"
        header = f"Sweep point {point.name} of {sweep.path} (cli.py sweep): {point.scenario.name} with these keys set."
        write_scenario(path, data, header)
        prepared.append((point, path, SolveParams.of(load_scenario(path)).seed))
    if problems:
        raise ScenarioError(problems, str(sweep.path))
    return prepared


def _spec(sweep: Sweep, point: SweepPoint, shas: dict[Path, str]) -> dict[str, Any]:
    """What a point's figures depend on: a stored point made with another spec is planned again."""
    spec = {
        "base_sha256": shas[sweep.base],
        "overrides": point.overrides,
        "seed": point.seed,
        "days": list(sweep.days),
        "time_limit_s": sweep.time_limit_s,
        "solution_limit": sweep.solution_limit,
    }
    if point.scenario != sweep.base:
        spec["scenario_sha256"] = shas[point.scenario]
    if sweep.plans != "solve":
        spec["plans"] = sweep.plans
    return spec


def _stored(path: Path, spec: dict[str, Any]) -> dict[str, Any] | None | bool:
    """A stored point's record if it matches ``spec``; False if it is stale; None if there is none."""
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    # Compared as JSON reads it back (a YAML key 1 is the JSON key "1").
    return record if isinstance(record, dict) and record.get("spec") == json.loads(json.dumps(spec)) else False


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    executor: str = "local",
    cache_dir: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> SweepRun:
    """Plan every point of ``sweep`` not done yet on ``executor``; write each point's JSON as it arrives.

    Parameters
    ----------
    sweep
        A checked sweep file (``read_sweep``).
    out
        The sweep's folder: ``scenarios/<name>.yaml`` and ``points/<name>.json`` go there.
    executor
        Where the points run (``routing.run.open_executor``: ``local``, ``local:N``, ``dask://HOST:PORT``,
        ``dask-local:N``).
    cache_dir
        Matrix cache folder (on the workers' file system), or None for no cache.
    log
        Told one line per event (resumed points, each point done).

    Returns
    -------
    SweepRun
        The points' records in the sweep's order (those done) and the counts. After a stop request
        (``routing.solve.stop``) the points finished by then are kept and ``interrupted`` is set.

    Raises
    ------
    ScenarioError
        E803 for an override the base does not fit; a point scenario's own codes; E807 for the executor.
    """
    from routing.run import open_executor

    say = log or (lambda line: None)
    out = Path(out)
    prepared = _prepare(sweep, out)
    shas = {scenario: _sha256(scenario) for scenario in {sweep.base, *sweep.scenarios}}
    run = SweepRun(sweep)
    done: dict[str, dict[str, Any]] = {}
    tasks: list[dict[str, Any]] = []
    for point, scenario_path, seed in prepared:
        spec = _spec(sweep, point, shas)
        record_path = out / "points" / f"{point.name}.json"
        stored = _stored(record_path, spec)
        if isinstance(stored, dict):
            # Records written before sweeps compared scenarios lack these two keys.
            done[point.name] = {"variant": point.variant, "from_scenario": point.scenario.name, **stored}
            continue
        run.stale += stored is False
        tasks.append(
            {
                "name": point.name,
                "variant": point.variant,
                "from_scenario": point.scenario.name,
                "seed": seed,
                "spec": spec,
                "record": str(record_path),
                "scenario": str(scenario_path.resolve()),
                "days": list(sweep.days),
                "cache_dir": None if cache_dir is None else str(Path(cache_dir).resolve()),
                "replan": sweep.plans == "solve",
            }
        )
    run.reused = len(done)
    stale = f" ({run.stale} made with other settings, planned again)" if run.stale else ""
    say(f"{len(sweep.points)} points: {run.reused} done already (resumed), {len(tasks)} to plan{stale}")
    if tasks:
        with open_executor(executor) as pool, closing(pool.map(run_point, tasks)) as results:
            for i, figures in results:
                task = tasks[i]
                record = {
                    "schema": POINT_SCHEMA,
                    "name": task["name"],
                    "variant": task["variant"],
                    "from_scenario": task["from_scenario"],
                    "seed": task["seed"],
                    "overrides": task["spec"]["overrides"],
                    "scenario": os.path.relpath(task["scenario"], out),
                    "spec": task["spec"],
                    **figures,
                    "executor": pool.url,
                }
                write_atomic(task["record"], json.dumps(record, indent=1, ensure_ascii=False) + "\n")
                done[task["name"]] = record
                run.solved += 1
                total = record["total"]["cost_dkk"] if record["total"] else 0.0
                say(f"{task['name']}: {total:,.0f} kr./year in {record['wall_time_s']:.1f} s")
                if stop.requested():
                    break
    run.interrupted = stop.requested()
    run.records = [done[p.name] for p in sweep.points if p.name in done]
    return run
