"""Run the benchmark families with every solver side by side and write ``benchmarks/RESULTS.md``.

One documented command regenerates the whole report::

    python -m benchmarks.report --run

(add ``--families solomon lilim`` or ``--time-scale 0.5`` for a partial or shorter run;
``--no-run`` rebuilds the Markdown from the CSVs already in ``benchmarks/results/``).

Time limits per instance follow the issue's protocol: Solomon and Li & Lim 10 s,
Cordeau 30 s, Gehring & Homberger 60 s. The engine may use both cores; plain
OR-Tools, PyVRP and VROOM run one thread each (two instances at a time).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import run_family  # noqa: E402
from benchmarks.readers import family  # noqa: E402
from routing.files import write_atomic  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
LIMITS = {"solomon": 10.0, "lilim": 10.0, "cordeau": 30.0, "homberger": 60.0}
SOLVERS_BY_FAMILY = {
    "solomon": ("engine", "ortools", "pyvrp", "vroom"),
    "lilim": ("engine", "ortools", "pyvrp", "vroom"),
    "homberger": ("engine", "ortools", "pyvrp", "vroom"),
    "cordeau": ("engine", "ortools"),  # PyVRP and VROOM cannot express maximum ride times
}
LABELS = {
    "engine": "this engine (auto backend, 2 cores)",
    "ortools": "plain OR-Tools 9.15 (registered matrix, GLS, 1 thread)",
    "pyvrp": "PyVRP 0.14 alone (1 thread)",
    "vroom": "VROOM 1.15 (-x 5, 1 thread)",
}


def _csv(fam: str, solver: str) -> Path:
    return RESULTS / f"{fam}_{solver}.csv"


def run(families: list[str], time_scale: float, solvers: list[str] | None = None) -> None:
    """Run every solver (or those named) of every family and store the CSVs."""
    for name in families:
        fam = family(name)
        for solver in SOLVERS_BY_FAMILY[fam.name]:
            if solvers and solver not in solvers:
                continue
            jobs = 1 if solver == "engine" else 2
            limit = LIMITS[fam.name] * time_scale
            print(
                f"== {fam.name} / {solver}: {len(fam.instances)} instances, {limit:g} s each, {jobs} at a time",
                flush=True,
            )
            run_family(
                fam, fam.instances, limit, _csv(fam.name, solver), RESULTS / "routes" / fam.name / solver, solver, jobs
            )


def _rows(fam: str, solver: str) -> list[dict[str, str]]:
    path = _csv(fam, solver)
    return list(csv.DictReader(path.open())) if path.exists() else []


def _fmt(values: list[float], how: str) -> str:
    if not values:
        return "–"
    value = {"mean": statistics.fmean, "median": statistics.median, "max": max}[how](values)
    return f"{value:.2f}"


def family_table(fam: str) -> list[str]:
    """Markdown lines for one family: a row per solver."""
    lines = [
        "| solver | feasible & complete | mean / median / max gap to BKS (%) | vehicles = BKS | vehicles < BKS "
        "| mean gap where vehicles = BKS (%) | mean s per instance |",
        "|---|---|---|---|---|---|---|",
    ]
    for solver in SOLVERS_BY_FAMILY[fam]:
        rows = _rows(fam, solver)
        if not rows:
            continue
        ok = [r for r in rows if r["feasible"] == "yes"]
        gaps = [float(r["gap_pct"]) for r in ok if r["gap_pct"]]
        with_bks = [r for r in ok if r["bks_vehicles"]]
        same = [r for r in with_bks if int(r["vehicles"]) == int(r["bks_vehicles"])]
        fewer = [r for r in with_bks if int(r["vehicles"]) < int(r["bks_vehicles"])]
        same_gaps = [float(r["gap_pct"]) for r in same if r["gap_pct"]]
        secs = [float(r["seconds"]) for r in rows]
        lines.append(
            f"| {LABELS[solver]} | {len(ok)} / {len(rows)} "
            f"| {_fmt(gaps, 'mean')} / {_fmt(gaps, 'median')} / {_fmt(gaps, 'max')} "
            f"| {len(same)} / {len(rows)} | {len(fewer)} | {_fmt(same_gaps, 'mean')} | {_fmt(secs, 'mean')} |"
        )
    return lines


def versus(fam: str, solver: str, reference: str, min_requests: int = 0) -> str:
    """One line comparing two solvers instance by instance (same run).

    For the hierarchical families an instance counts as better when it uses fewer vehicles, or as
    many and less distance; the mean distance difference is taken over instances with equal fleets.
    """
    hierarchical = family(fam).objective == "vehicles_then_distance"
    mine = {r["instance"]: r for r in _rows(fam, solver) if r["feasible"] == "yes"}
    ref = {r["instance"]: r for r in _rows(fam, reference) if r["feasible"] == "yes"}
    diffs, better, worse, total = [], 0, 0, 0
    for name in sorted(mine.keys() & ref.keys()):
        if min_requests and int(name.split("-")[-1]) < min_requests:
            continue
        total += 1
        a, b = mine[name], ref[name]
        va, vb = (int(a["vehicles"]), int(b["vehicles"])) if hierarchical else (0, 0)
        da, db = float(a["distance"]), float(b["distance"])
        if va == vb:
            diffs.append(100.0 * (da - db) / db)
        key_a, key_b = (va, round(da, 4)), (vb, round(db, 4))
        better += key_a < key_b
        worse += key_a > key_b
    if not total:
        return f"- {LABELS[solver]} vs {LABELS[reference]}: no common feasible instances"
    scope = f" (instances with ≥ {min_requests} requests)" if min_requests else ""
    rule = "fewer vehicles, then distance" if hierarchical else "distance"
    mean = (
        f"mean distance difference {statistics.fmean(diffs):+.2f} % "
        f"(best {min(diffs):+.2f} %, worst {max(diffs):+.2f} %)"
        if diffs
        else "no instance with equal fleets"
    )
    fleets = f" over the {len(diffs)} instances with equal fleets" if hierarchical else ""
    return (
        f"- {LABELS[solver]} vs {LABELS[reference]}{scope}: {mean}{fleets}; by {rule}: better on {better}, "
        f"worse on {worse}, equal on {total - better - worse} of {total}"
    )


def darp_scale_table() -> list[str]:
    """Markdown for ``benchmarks/results/darp_scale.csv`` (written by ``cli.py bench darp-scale``)."""
    path = RESULTS / "darp_scale.csv"
    if not path.exists():
        return []
    rows = list(csv.DictReader(path.open()))
    cells: dict[tuple[int, str], dict[str, str]] = {}
    checkpoints: list[str] = []
    for r in rows:
        key = (int(r["requests"]), r["layout"])
        cell = cells.setdefault(key, {})
        if r["checkpoint_s"] == "first":
            cell[f"{r['solver']}:first"] = f"{r['first_plan_s']} s" if r["first_plan_s"] else "none"
        else:
            if r["checkpoint_s"] not in checkpoints:
                checkpoints.append(r["checkpoint_s"])
            value = (
                r["distance"]
                if r["feasible"] == "yes"
                else f"none ({r['served']} served)"
                if r["distance"] == ""
                else f"incomplete ({r['served']} served)"
            )
            cell[f"{r['solver']}:{r['checkpoint_s']}"] = value
    head = ["requests", "layout", "first complete plan: engine", "plain OR-Tools"]
    for cp in checkpoints:
        head += [f"distance at {cp} s: engine", "plain OR-Tools", "engine vs plain"]
    lines = [
        "## darp-scale: generated municipal days (Cordeau-style; 1 unit = 1 minute)",
        "",
        "Command: `python cli.py bench darp-scale --out benchmarks/results/darp_scale.csv`, then this report.",
        "Each checkpoint is a separate solve with that time limit; 'first complete plan' is a solve that",
        "stops at the first solution (a plan counts only when complete and checker-accepted). Plain",
        "OR-Tools: LOCAL_CHEAPEST_INSERTION + GLS, requests droppable, 1 thread; engine: both cores.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for (n, layout), cell in sorted(cells.items()):
        line = [str(n), layout, cell.get("engine:first", "–"), cell.get("ortools:first", "–")]
        for cp in checkpoints:
            mine, ref = cell.get(f"engine:{cp}", "–"), cell.get(f"ortools:{cp}", "–")
            try:
                ratio = f"{100.0 * (float(mine) - float(ref)) / float(ref):+.1f} %"
            except ValueError:
                ratio = "–"
            line += [mine, ref, ratio]
        lines.append("| " + " | ".join(line) + " |")
    return [*lines, ""]


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_markdown(families: list[str], command: str, note: str = "") -> Path:
    """Write RESULTS.md from the CSVs in ``benchmarks/results``."""
    out = [
        "# Benchmark results",
        "",
        f"Generated {dt.date.today().isoformat()} at commit {_commit()} on {_machine()}.",
        "",
        f"Command: `{command}`. Per-instance rows: `benchmarks/results/<family>_<solver>.csv`;",
        *([note] if note else []),
        "solutions (CVRPLIB format, checker-verified): `benchmarks/results/routes/`.",
        "Every solution of every solver was replayed by the engine's independent checker; a solution it",
        "rejects, or one that leaves a request unserved, counts as not feasible.",
        "",
        "Gaps are to the best-known solutions in `benchmarks/data/*/bks.csv` (Solomon: DIMACS",
        "distances, distance-only objective; Gehring & Homberger and Li & Lim: vehicles first, then",
        "distance; the gap column is the distance gap, and 'vehicles = BKS' counts instances that",
        "match the BKS fleet size). Cordeau: total distance with K vehicles; BKS are known for 4",
        "instances only, so the comparison is to plain OR-Tools in the same run.",
        "",
    ]
    titles = {
        "solomon": "Solomon VRPTW (36, 10 s)",
        "lilim": "Li & Lim PDPTW (36, 10 s)",
        "cordeau": "Cordeau DARP (32, 30 s)",
        "homberger": "Gehring & Homberger 200 (42, 60 s)",
    }
    for name in families:
        fam = family(name).name
        if not any(_rows(fam, s) for s in SOLVERS_BY_FAMILY[fam]):
            continue
        out += [f"## {titles[fam]}", "", *family_table(fam), ""]
        for other in SOLVERS_BY_FAMILY[fam][1:]:
            if _rows(fam, other):
                out.append(versus(fam, "engine", other))
        if fam == "cordeau":
            out.append(versus(fam, "engine", "ortools", min_requests=48))
        out.append("")
    out += darp_scale_table()
    write_atomic(ROOT / "benchmarks" / "RESULTS.md", "\n".join(out) + "\n")
    return ROOT / "benchmarks" / "RESULTS.md"


def main(argv: list[str] | None = None) -> int:
    """Command line: run (optionally) and write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="run the solvers (otherwise only rebuild the Markdown)")
    parser.add_argument("--families", nargs="*", default=["solomon", "lilim", "cordeau", "homberger"])
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="multiply every time limit (e.g. 0.5 for a quick run)"
    )
    parser.add_argument(
        "--solvers", nargs="*", default=None, help="run only these solvers (the Markdown still shows every CSV present)"
    )
    parser.add_argument(
        "--note", default="", help="a sentence added under the command line (e.g. how partial runs were combined)"
    )
    args = parser.parse_args(argv)
    if args.run:
        run(args.families, args.time_scale, args.solvers)
    command = "python -m benchmarks.report --run" + (
        f" --families {' '.join(args.families)}"
        if args.families != ["solomon", "lilim", "cordeau", "homberger"]
        else ""
    )
    command += f" --time-scale {args.time_scale:g}" if args.time_scale != 1.0 else ""
    print(f"wrote {write_markdown(args.families, command, args.note)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
