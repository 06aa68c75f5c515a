"""Decomposition against a monolithic solve: quality loss at 4x Fredensborg, speed and completeness at 16x.

``python -m benchmarks.decompose [--x4 PATH] [--x16 PATH] [--day tue] [--limit4 60,300] [--limit16 300]
[--runs x4-mono,x4-dec,x16-local,x16-dask,x16-mono] [--out benchmarks/results/decompose.csv]``

Plans one day of the generated 4x and 16x Fredensborg weeks (``cli.py generate fredensborg --scale
4|16 --seed 1``; written to the given paths when missing) in one process, one run at a time:

- ``x4-mono``: the 4x day monolithic, 2 portfolio workers (2 cores);
- ``x4-dec``: the 4x day decomposed (``decompose: auto``'s part size, forced on) on ``local:2``;
- ``x16-local``, ``x16-dask``: the 16x day decomposed on ``local:2`` and on ``dask-local:2``;
- ``x16-mono``: the 16x day monolithic, 2 portfolio workers (at 300 s the time limit leaves no room for
  the PyVRP relaxation's set-up, about 360 s estimated, so insertion and ruin and recreate plan it).

Every plan is judged by the checker. Columns: wall seconds, the one objective's cost in DKK (with every
request served, the routes' cost), requests served of the servable, parts, the seams step's gain (DKK and
% of the merged plan's route cost; placing the requests the parts left, counted in ``to_seams``, adds to
that cost) and the quality loss of the decomposed plan against the monolithic one at
the same scale and limit. The CSV has the command, date and machine in a ``#`` header.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.stamped_csv import write_stamped_csv

COLUMNS = (
    "run",
    "scale",
    "requests",
    "mode",
    "executor",
    "parts",
    "time_limit_s",
    "wall_s",
    "cost_dkk",
    "served",
    "unserved",
    "to_seams",
    "seams_gain_dkk",
    "seams_gain_pct",
    "loss_vs_mono_pct",
    "feasible",
)
#: The decomposition's status line (``routing.solve.decompose.Seams.describe``).
STATUS = re.compile(
    r"decomposed: (?P<parts>\d+) of (?P<split>\d+) parts .* seams: (?P<to_seams>\d+) to place, "
    r"price \d+ -> \d+.*routes (?P<before>\d+) -> (?P<after>\d+)"
)


@dataclass(frozen=True)
class Run:
    """One benchmark run: which scale, decomposed or not, on which executor."""

    name: str
    scale: int
    decompose: bool
    executor: str
    workers: int


RUNS = {
    "x4-mono": Run("x4-mono", 4, False, "local", 2),
    "x4-dec": Run("x4-dec", 4, True, "local:2", 1),
    "x16-local": Run("x16-local", 16, True, "local:2", 1),
    "x16-dask": Run("x16-dask", 16, True, "dask-local:2", 1),
    "x16-mono": Run("x16-mono", 16, False, "local", 2),
}


def _scenario(path: Path, scale: int, day: str) -> object:
    """The day of the generated week at ``path`` (generated first when missing)."""
    from cli import main as cli_main
    from routing import load_scenario

    if not path.exists():
        cli_main(["generate", "fredensborg", "--scale", str(scale), "--seed", "1", "--out", str(path), "--quiet"])
    return load_scenario(path).for_day(day)


def measure(run: Run, scenario: object, limit_s: float) -> dict[str, object]:
    """Solve, check and summarise one run."""
    from routing import Scenario, SolveParams, build_matrices, check_plan, solve
    from routing.units import COST_UNITS_PER_DKK

    assert isinstance(scenario, Scenario)
    matrices = build_matrices(scenario, ".cache/matrices")
    requests = len(scenario.requests)
    parts = math.ceil(requests / SolveParams().pipeline.decompose_part_requests) if run.decompose else 1
    if run.decompose:
        params = SolveParams.of(scenario, time_limit_s=limit_s, workers=1, decompose=parts, executor=run.executor)
    else:
        params = SolveParams.of(scenario, time_limit_s=limit_s, workers=run.workers)
    started = time.monotonic()
    plan = solve(scenario, matrices, params)
    wall = time.monotonic() - started
    feasible = check_plan(scenario, matrices, plan).is_feasible
    seams = STATUS.search(plan.stats.status)
    if run.decompose and seams is None:
        raise RuntimeError(f"the decomposition's status does not read as expected: {plan.stats.status}")
    # The seams' gain in route cost (placing the requests the parts left adds to it: see to_seams).
    gain = int(seams["before"]) - int(seams["after"]) if seams else 0
    return {
        "run": run.name,
        "scale": run.scale,
        "requests": requests,
        "mode": "decomposed" if run.decompose else f"monolithic ({run.workers} workers)",
        "executor": run.executor if run.decompose else "",
        "parts": f"{seams['parts']}/{seams['split']}" if seams else 1,
        "time_limit_s": f"{limit_s:g}",
        "wall_s": f"{wall:.1f}",
        "cost_dkk": f"{(plan.stats.objective or 0) / COST_UNITS_PER_DKK:.0f}",
        "served": len(plan.served_ids),
        "unserved": len(plan.unserved),
        "to_seams": seams["to_seams"] if seams else "",
        "seams_gain_dkk": f"{gain / COST_UNITS_PER_DKK:.0f}" if seams else "",
        "seams_gain_pct": f"{100.0 * gain / max(1, int(seams['before'])):.2f}" if seams else "",
        "loss_vs_mono_pct": "",
        "feasible": feasible,
    }


def _losses(rows: list[dict[str, object]]) -> None:
    """Fill ``loss_vs_mono_pct`` of each decomposed row from the monolithic row of its scale and limit."""
    mono = {
        (r["scale"], r["time_limit_s"]): float(str(r["cost_dkk"]))
        for r in rows
        if str(r["mode"]).startswith("monolithic")
    }
    for row in rows:
        base = mono.get((row["scale"], row["time_limit_s"]))
        if row["mode"] == "decomposed" and base:
            row["loss_vs_mono_pct"] = f"{100.0 * (float(str(row['cost_dkk'])) - base) / base:+.2f}"


def _table(rows: list[dict[str, object]]) -> str:
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in COLUMNS}
    lines = ["  ".join(c.ljust(widths[c]) for c in COLUMNS)]
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in COLUMNS) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen runs one at a time, write the CSV and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--x4", type=Path, default=Path(".cache/fredensborg_x4.yaml"))
    parser.add_argument("--x16", type=Path, default=Path(".cache/fredensborg_x16.yaml"))
    parser.add_argument("--day", default="tue")
    parser.add_argument("--limit4", default="60", help="seconds for each 4x run (comma-separated: each limit)")
    parser.add_argument("--limit16", default="300", help="seconds for each 16x run (comma-separated: each limit)")
    parser.add_argument("--runs", default="x4-mono,x4-dec,x16-local,x16-dask", help=f"of {', '.join(RUNS)}")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/decompose.csv"))
    args = parser.parse_args(argv)
    chosen = [RUNS[name] for name in args.runs.split(",") if name]
    limits = {scale: [float(x) for x in text.split(",") if x] for scale, text in ((4, args.limit4), (16, args.limit16))}
    days = {}
    rows: list[dict[str, object]] = []
    for scale in (4, 16):
        for limit in limits[scale]:
            for run in (r for r in chosen if r.scale == scale):
                if run.scale not in days:
                    days.clear()  # one scale's day in memory at a time
                    days[run.scale] = _scenario(args.x4 if run.scale == 4 else args.x16, run.scale, args.day)
                row = measure(run, days[run.scale], limit)
                rows.append(row)
                print(", ".join(f"{k} {row[k]}" for k in COLUMNS), flush=True)
    _losses(rows)
    command = "python -m benchmarks.decompose " + " ".join(argv if argv is not None else sys.argv[1:])
    write_stamped_csv(args.out, command, COLUMNS, rows)
    print(_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
