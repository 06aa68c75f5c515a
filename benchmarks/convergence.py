"""Cost against time limit on a real day: how far the engine's plan is from what more time buys.

``python -m benchmarks.convergence [--scenario scenarios/fredensborg/indsats_11.yaml] [--day tue]
[--limits 10,30,60,120,300,600] [--workers 1] [--out benchmarks/results/convergence_tue.csv]
[--png benchmarks/convergence_tue.png] [--before benchmarks/results/convergence_tue_before.csv]``

Plans the day of the scenario at each time limit, as ``python cli.py compare`` does (the same
``routing.studies.comparison.evaluate``: every silo solved, priced with the tariffs, scaled to a
year), and writes one row per limit: the yearly total and its Flexrute part, vehicle-hours, km and
the wall time, with the command, date and machine in a ``#`` header. ``--png`` draws the curve.
Run it on an idle machine: it takes the sum of the limits plus about ten seconds a run.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path

from benchmarks.stamped_csv import write_stamped_csv
from routing.files import write_atomic_bytes

COLUMNS = ("time_limit_s", "workers", "total_dkk", "flexrute_dkk", "vehicle_hours", "km", "unserved", "wall_s")


def measure(scenario: str, day: str, limit_s: float, workers: int) -> dict[str, object]:
    """One plan of ``day`` at ``limit_s`` seconds: its yearly figures (``evaluate``) and the wall time."""
    from routing.studies.comparison import evaluate

    started = time.monotonic()
    result = evaluate(scenario, (day,), limit_s, ".cache/matrices", replan=True, workers=workers)
    total = result.total
    flexrute = result.figures.get(("total", "flexrute"))
    return {
        "time_limit_s": f"{limit_s:g}",
        "workers": workers,
        "total_dkk": f"{total.cost_dkk:.0f}",
        "flexrute_dkk": f"{flexrute.cost_dkk:.0f}" if flexrute else "",
        "vehicle_hours": f"{total.vehicle_hours:.0f}",
        "km": f"{total.km:.0f}",
        "unserved": f"{sum(v for (a, c), v in result.unserved.items() if a == 'total' and c == 'all'):.0f}",
        "wall_s": f"{time.monotonic() - started:.1f}",
    }


def draw(rows: list[dict[str, str]], path: Path, title: str, before: list[dict[str, str]] | None = None) -> None:
    """The yearly total (mio kr.) against the time limit, one line per worker count, log-scaled time.

    ``before``: an earlier engine's rows, drawn dashed beside them.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    for label, style, data in (("", "-", rows), ("before, ", "--", before or [])):
        for workers in sorted({r["workers"] for r in data}):
            mine = [r for r in data if r["workers"] == workers]
            ax.plot(
                [float(r["time_limit_s"]) for r in mine],
                [float(r["total_dkk"]) / 1e6 for r in mine],
                linestyle=style,
                marker="o",
                label=f"{label}{workers} worker{'s' if workers != '1' else ''}",
            )
    ax.set_xscale("log")
    ax.set_xlabel("time limit per day (s)")
    ax.set_ylabel("joint total (mio kr./yr)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    write_atomic_bytes(path, buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    """Run the limits, write the CSV (and the PNG); print each row as it comes."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="scenarios/fredensborg/indsats_11.yaml")
    parser.add_argument("--day", default="tue")
    parser.add_argument("--limits", default="10,30,60,120,300,600", help="seconds, comma-separated")
    parser.add_argument("--workers", default="1", help="worker counts, comma-separated (e.g. 1,2)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/convergence_tue.csv"))
    parser.add_argument("--png", type=Path, default=None, help="also draw the curve here")
    parser.add_argument("--before", type=Path, default=None, help="an earlier run's CSV, drawn dashed in the PNG")
    args = parser.parse_args(argv)
    limits = [float(x) for x in args.limits.split(",") if x]
    workers = [int(x) for x in args.workers.split(",") if x]
    rows: list[dict[str, object]] = []
    for w in workers:
        for limit in limits:
            row = measure(args.scenario, args.day, limit, w)
            rows.append(row)
            print(", ".join(f"{k} {row[k]}" for k in COLUMNS), flush=True)
    command = "python -m benchmarks.convergence " + " ".join(argv if argv is not None else sys.argv[1:])
    text = write_stamped_csv(args.out, command, COLUMNS, rows)
    if args.png:
        lines = [line for line in text.splitlines() if not line.startswith("#")]
        earlier = None
        if args.before:
            kept = [line for line in args.before.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
            earlier = list(csv.DictReader(kept))
        title = f"{Path(args.scenario).stem}, {args.day}: cost against time"
        draw(list(csv.DictReader(lines)), args.png, title, earlier)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
