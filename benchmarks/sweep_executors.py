"""The same sweep on the local pool and on Dask: wall time per executor, and whether the figures are the same.

``python -m benchmarks.sweep_executors [--base routing/data/demo.yaml] [--executors local:2,dask-local:2]
[--solution-limit 20] [--out benchmarks/results/sweep_executors.csv]``

Writes a 32-point sweep (4 Flexkommune prices x 2 taxi hourly prices x 4 seeds, each point one day
planned with a solution limit, so its figures do not depend on the machine's speed) and runs it with
``python cli.py sweep`` once per executor into a fresh folder, timing the whole command (Python start,
cluster start, every point, the tables). One row per executor: wall seconds, points per minute, and
whether ``sweep.csv`` is identical to the first executor's. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.stamped_csv import write_stamped_csv

COLUMNS = ("executor", "points", "wall_s", "points_per_min", "same_figures_as_first")
ROOT = Path(__file__).resolve().parents[1]


def sweep_file(base: Path, folder: Path, solution_limit: int) -> Path:
    """The 32-point sweep over ``base`` (its first weekday that has requests: ``days: [mon]``)."""
    path = folder / "sweep.yaml"
    path.write_text(
        "schema: routing.sweep/1\n"
        f"base: {base.resolve()}\n"
        "days: [mon]\n"
        f"solution_limit: {solution_limit}\n"
        "seeds: [1, 2, 3, 4]\n"
        "grid:\n"
        "  costing.channels.flexkommune.base_per_trip: [60, 80, 100, 120]\n"
        "  costing.channels.flexrute.price_per_vehicle_hour.taxi: [300, 380]\n",
        encoding="utf-8",
    )
    return path


def run(sweep: Path, out: Path, executor: str) -> float:
    """Run ``cli.py sweep`` into ``out`` on ``executor``; the wall seconds of the whole command."""
    started = time.monotonic()
    command = [sys.executable, str(ROOT / "cli.py"), "sweep", str(sweep), "--out", str(out)]
    subprocess.run([*command, "--executor", executor, "--quiet", "--no-cache"], check=True, cwd=ROOT)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    """Run the sweep on each executor and write the table (CSV with a ``#`` header: command, date, machine)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default=str(ROOT / "routing" / "data" / "demo.yaml"))
    parser.add_argument("--executors", default="local:2,dask-local:2")
    parser.add_argument("--solution-limit", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "sweep_executors.csv"))
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sweep = sweep_file(Path(args.base), folder, args.solution_limit)
        first = None
        for executor in args.executors.split(","):
            out = folder / executor.replace(":", "_").replace("/", "_")
            wall = run(sweep, out, executor)
            table = (out / "sweep.csv").read_text(encoding="utf-8")
            first = table if first is None else first
            points = len(list((out / "points").glob("*.json")))
            rows.append(
                {
                    "executor": executor,
                    "points": points,
                    "wall_s": f"{wall:.1f}",
                    "points_per_min": f"{points / wall * 60:.1f}",
                    "same_figures_as_first": "yes" if table == first else "no",
                }
            )
            print(rows[-1], file=sys.stderr)
    command = "python -m benchmarks.sweep_executors " + " ".join(argv if argv is not None else sys.argv[1:])
    print(write_stamped_csv(args.out, command, COLUMNS, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
