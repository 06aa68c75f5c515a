"""Run the benchmark families with every solver side by side, at equal CPU, and write ``benchmarks/RESULTS.md``.

One documented command regenerates the whole report::

    python -m benchmarks.report --run

(add ``--families solomon lilim``, ``--instances C101 R101``, ``--cores 1`` or ``--time-scale 0.5``
for a partial or shorter run, ``--results DIR`` to write the CSVs and the Markdown to another
folder; ``--no-run`` (the default without ``--run``) rebuilds the Markdown from the CSVs already
in the results folder).

Time limits per instance follow the issue's protocol: Solomon and Li & Lim 10 s,
Cordeau (a/b and pr) 30 s, Gehring & Homberger 60 s. Every comparison is at equal CPU:

- 1 core each: the engine with one search (``engine_1core``) beside plain OR-Tools, PyVRP and
  VROOM on one thread each; on a 2-core machine two instances run at a time.
- 2 cores each: the engine with two parallel searches (``engine``) beside plain OR-Tools and
  PyVRP as the best of two seeds run in parallel (one process per core; ``*_2cores``) and VROOM
  with two threads (it has no seed); one instance at a time.

CSV files: ``<results>/<family>_<run>.csv`` with the run names of ``RUNS`` (``engine``,
``ortools``, ``pyvrp`` and ``vroom`` keep their earlier meaning: the engine on 2 cores, the
others on 1). A full run takes about 7 hours on 2 cores.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import run_family  # noqa: E402
from benchmarks.readers import DATA, family  # noqa: E402
from routing.files import write_atomic  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
FAMILIES = ["solomon", "lilim", "cordeau", "cordeau_pr", "homberger"]
LIMITS = {"solomon": 10.0, "lilim": 10.0, "cordeau": 30.0, "cordeau_pr": 30.0, "homberger": 60.0}
SOLVERS_BY_FAMILY = {
    "solomon": ("engine", "ortools", "pyvrp", "vroom"),
    "lilim": ("engine", "ortools", "pyvrp", "vroom"),
    "homberger": ("engine", "ortools", "pyvrp", "vroom"),
    "cordeau": ("engine", "ortools"),  # PyVRP and VROOM cannot express maximum ride times
    "cordeau_pr": ("engine", "ortools"),
}
TITLES = {
    "solomon": "Solomon VRPTW",
    "lilim": "Li & Lim PDPTW",
    "cordeau": "Cordeau DARP a/b",
    "cordeau_pr": "Cordeau & Laporte DARP pr01-pr20",
    "homberger": "Gehring & Homberger 200",
}


@dataclass(frozen=True)
class Run:
    """One row of the comparison: a solver on a number of cores, stored as ``<family>_<name>.csv``."""

    name: str
    solver: str
    cores: int
    label: str


RUNS = (
    Run("engine_1core", "engine", 1, "engine, 1 core (1 search)"),
    Run("ortools", "ortools", 1, "plain OR-Tools 9.15 (registered matrix, GLS), 1 core"),
    Run("pyvrp", "pyvrp", 1, "PyVRP 0.14 alone, 1 core"),
    Run("vroom", "vroom", 1, "VROOM 1.15 (-x 5), 1 core (1 thread)"),
    Run("engine", "engine", 2, "engine, 2 cores (2 parallel searches)"),
    Run("ortools_2cores", "ortools", 2, "plain OR-Tools, best of 2 seeds in parallel (2 cores)"),
    Run("pyvrp_2cores", "pyvrp", 2, "PyVRP alone, best of 2 seeds in parallel (2 cores)"),
    Run("vroom_2cores", "vroom", 2, "VROOM (-x 5), 2 threads (2 cores)"),
)
RUN = {r.name: r for r in RUNS}


def runs_of(fam: str, solvers: list[str] | None = None, cores: list[int] | None = None) -> list[Run]:
    """The runs of a family (optionally only those solvers and core counts), engine first per core count."""
    return [
        r
        for r in RUNS
        if r.solver in SOLVERS_BY_FAMILY[fam]
        and (not solvers or r.solver in solvers or r.name in solvers)
        and (not cores or r.cores in cores)
    ]


def _csv(fam: str, run: str, results: Path = RESULTS) -> Path:
    return results / f"{fam}_{run}.csv"


def select(files: list[Path], instances: list[str] | None) -> list[Path]:
    """The files whose stem is in ``instances`` (all when None)."""
    return [f for f in files if not instances or f.stem in instances]


def run(
    families: list[str],
    time_scale: float,
    solvers: list[str] | None = None,
    cores: list[int] | None = None,
    instances: list[str] | None = None,
    results: Path = RESULTS,
) -> None:
    """Run every solver (or those named) of every family on 1 and 2 cores and store the CSVs in ``results``."""
    cpus = os.cpu_count() or 1
    for name in families:
        fam = family(name)
        files = select(fam.instances, instances)
        if not files:
            continue
        for r in runs_of(fam.name, solvers, cores):
            jobs = max(1, cpus // r.cores)  # the machine full, each instance on r.cores cores
            limit = LIMITS[fam.name] * time_scale
            print(
                f"== {fam.name} / {r.label}: {len(files)} instances, {limit:g} s each, {jobs} at a time",
                flush=True,
            )
            run_family(
                fam,
                files,
                limit,
                _csv(fam.name, r.name, results),
                results / "routes" / fam.name / r.name,
                r.solver,
                jobs,
                workers=r.cores,
            )


def _rows(fam: str, run: str, results: Path = RESULTS) -> list[dict[str, str]]:
    path = _csv(fam, run, results)
    return list(csv.DictReader(path.open())) if path.exists() else []


def _fmt(values: list[float], how: str) -> str:
    if not values:
        return "–"
    pick: dict[str, Callable[[list[float]], float]] = {
        "mean": statistics.fmean,
        "median": statistics.median,
        "max": max,
    }
    value = pick[how](values)
    return f"{value:.2f}"


def family_table(fam: str, results: Path = RESULTS) -> list[str]:
    """Markdown lines for one family: a row per run present, grouped by cores."""
    lines = [
        "| cores | solver | feasible & complete | mean / median / max gap to BKS (%) | vehicles = BKS | vehicles < BKS "
        "| mean gap where vehicles = BKS (%) | mean s per instance |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs_of(fam):
        rows = _rows(fam, r.name, results)
        if not rows:
            continue
        ok = [x for x in rows if x["feasible"] == "yes"]
        gaps = [float(x["gap_pct"]) for x in ok if x["gap_pct"]]
        with_bks = [x for x in ok if x["bks_vehicles"]]
        same = [x for x in with_bks if int(x["vehicles"]) == int(x["bks_vehicles"])]
        fewer = [x for x in with_bks if int(x["vehicles"]) < int(x["bks_vehicles"])]
        same_gaps = [float(x["gap_pct"]) for x in same if x["gap_pct"]]
        secs = [float(x["seconds"]) for x in rows]
        lines.append(
            f"| {r.cores} | {r.label} | {len(ok)} / {len(rows)} "
            f"| {_fmt(gaps, 'mean')} / {_fmt(gaps, 'median')} / {_fmt(gaps, 'max')} "
            f"| {len(same)} / {len(rows)} | {len(fewer)} | {_fmt(same_gaps, 'mean')} | {_fmt(secs, 'mean')} |"
        )
    return lines


def _requests(fam: str) -> dict[str, int]:
    """Requests per instance from the family's ``bks.csv`` (column ``requests``, the DARP families only)."""
    path = DATA / family(fam).folder / "bks.csv"
    with path.open() as fh:
        return {row["instance"]: int(row["requests"]) for row in csv.DictReader(fh) if row.get("requests")}


def versus(fam: str, solver: str, reference: str, min_requests: int = 0, results: Path = RESULTS) -> str:
    """One line comparing two runs instance by instance (same run of the report, same cores).

    For the hierarchical families an instance counts as better when it uses fewer vehicles, or as
    many and less distance; the mean distance difference is taken over instances with equal fleets.
    """
    hierarchical = family(fam).objective == "vehicles_then_distance"
    mine = {r["instance"]: r for r in _rows(fam, solver, results) if r["feasible"] == "yes"}
    ref = {r["instance"]: r for r in _rows(fam, reference, results) if r["feasible"] == "yes"}
    sizes = _requests(fam) if min_requests else {}
    diffs, better, worse, total = [], 0, 0, 0
    for name in sorted(mine.keys() & ref.keys()):
        if min_requests and sizes.get(name, 0) < min_requests:
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
    me, other = RUN[solver].label, RUN[reference].label
    scope = f" (instances with ≥ {min_requests} requests)" if min_requests else ""
    if not total:
        return f"- {me} vs {other}{scope}: no common feasible instances"
    rule = "fewer vehicles, then distance" if hierarchical else "distance"
    mean = (
        f"mean distance difference {statistics.fmean(diffs):+.2f} % "
        f"(best {min(diffs):+.2f} %, worst {max(diffs):+.2f} %)"
        if diffs
        else "no instance with equal fleets"
    )
    fleets = f" over the {len(diffs)} instances with equal fleets" if hierarchical else ""
    return (
        f"- {me} vs {other}{scope}: {mean}{fleets}; by {rule}: better on {better}, "
        f"worse on {worse}, equal on {total - better - worse} of {total}"
    )


def comparisons(fam: str, results: Path = RESULTS) -> list[str]:
    """The comparison lines of a family: the engine against every peer on the same number of cores."""
    out: list[str] = []
    for cores in (1, 2):
        runs = [r for r in runs_of(fam, cores=[cores]) if _rows(fam, r.name, results)]
        engine = next((r for r in runs if r.solver == "engine"), None)
        peers = [r for r in runs if r.solver != "engine"]
        if engine is None or not peers:
            continue
        out.append(f"At {cores} core{'s' if cores > 1 else ''} each:")
        out.append("")
        out += [versus(fam, engine.name, peer.name, results=results) for peer in peers]
        sizes = _requests(fam)
        if any(sizes.get(x["instance"], 0) >= 48 for x in _rows(fam, engine.name, results)):
            out += [versus(fam, engine.name, peer.name, min_requests=48, results=results) for peer in peers]
        out.append("")
    if not out:
        out = ["No two runs on the same number of cores in these CSVs: no comparison at equal CPU.", ""]
    return out


def _convergence_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The ``#`` header lines and the rows of a ``benchmarks.convergence`` CSV."""
    text = path.read_text(encoding="utf-8").splitlines()
    header = [line.lstrip("# ") for line in text if line.startswith("#")]
    return header, list(csv.DictReader(line for line in text if not line.startswith("#")))


def convergence_table(results: Path = RESULTS) -> list[str]:
    """Markdown for ``<results>/convergence_tue.csv`` (written by ``python -m benchmarks.convergence``).

    With ``convergence_tue_before.csv`` beside it (an earlier engine's curve), each row also shows the
    earlier total at the same limit and workers and the change.
    """
    path = results / "convergence_tue.csv"
    if not path.exists():
        return []
    header, rows = _convergence_rows(path)
    before_path = results / "convergence_tue_before.csv"
    before_header, before_rows = _convergence_rows(before_path) if before_path.exists() else ([], [])
    before = {(r["time_limit_s"], r["workers"]): float(r["total_dkk"]) for r in before_rows}
    best = min(float(r["total_dkk"]) for r in rows)
    lines = [
        "## Convergence on a real day: Fredensborg indsats 11, Tuesday (joint planning, 867 requests)",
        "",
        f"Command: `{header[0] if header else 'python -m benchmarks.convergence'}`"
        + (f" ({header[1]})" if len(header) > 1 else "")
        + ". Each row is a separate solve of the day at that time limit, priced as `compare` prices it "
        "(tariffs, scaled to a year); 'vs best' is the distance to the best row.",
    ]
    if before:
        lines += [
            "",
            f"'Before' is the curve of an earlier engine (`convergence_tue_before.csv`: "
            f"{before_header[1] if len(before_header) > 1 else 'earlier run'}), same command and machine.",
        ]
    extra = " before mio kr./yr | change |" if before else ""
    lines += [
        "",
        "| time limit (s) | workers | total mio kr./yr | Flexrute mio kr./yr | vehicle-h/yr | km/yr | unserved/yr | "
        "wall s | vs best |" + extra,
        "|---|---|---|---|---|---|---|---|---|" + ("---|---|" if before else ""),
    ]
    for r in rows:
        total = float(r["total_dkk"])
        line = (
            f"| {r['time_limit_s']} | {r['workers']} | {total / 1e6:.2f} | {float(r['flexrute_dkk'] or 0) / 1e6:.2f} | "
            f"{float(r['vehicle_hours']):,.0f} | {float(r['km']):,.0f} | {r['unserved']} | {r['wall_s']} | "
            f"{100 * (total / best - 1):+.1f} % |"
        )
        if before:
            earlier = before.get((r["time_limit_s"], r["workers"]))
            line += f" {earlier / 1e6:.2f} | {100 * (total / earlier - 1):+.1f} % |" if earlier else " – | – |"
        lines.append(line)
    if (results / "convergence_tue.png").exists() or (results.parent / "convergence_tue.png").exists():
        lines += ["", "![cost against time limit](convergence_tue.png)"]
    return [*lines, ""]


def darp_scale_table(results: Path = RESULTS) -> list[str]:
    """Markdown for ``<results>/darp_scale.csv`` (written by ``cli.py bench darp-scale``)."""
    path = results / "darp_scale.csv"
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


def write_markdown(
    families: list[str],
    command: str,
    note: str = "",
    results: Path = RESULTS,
    out: Path | None = None,
    time_scale: float = 1.0,
) -> Path:
    """Write the report (default ``benchmarks/RESULTS.md``) from the CSVs in ``results``."""
    out = out or ROOT / "benchmarks" / "RESULTS.md"
    shown = results.relative_to(ROOT) if results.is_relative_to(ROOT) else results
    lines = [
        "# Benchmark results",
        "",
        f"Generated {dt.date.today().isoformat()} at commit {_commit()} on {_machine()}.",
        "",
        f"Command: `{command}`. Per-instance rows: `{shown}/<family>_<run>.csv`;",
        *([note] if note else []),
        f"solutions (CVRPLIB format, checker-verified): `{shown}/routes/`.",
        "Every solution of every solver was replayed by the engine's independent checker; a solution it",
        "rejects, or one that leaves a request unserved, counts as not feasible.",
        "",
        "Equal resources: every comparison line sets the engine against the other solvers on the same",
        "number of cores. '1 core': the engine runs one search (`engine_1core`), plain OR-Tools, PyVRP",
        "and VROOM one thread each (`ortools`, `pyvrp`, `vroom`); two instances run at a time on a",
        "2-core machine. '2 cores': the engine runs two parallel searches (`engine`); plain OR-Tools and",
        "PyVRP run two seeds in parallel, one process per core, and keep the better plan (`*_2cores`);",
        "VROOM, which has no seed, runs two threads (`vroom_2cores`); one instance at a time.",
        "",
        "Gaps are to the best-known solutions in `benchmarks/data/*/bks.csv` (Solomon: DIMACS",
        "distances, distance-only objective; Gehring & Homberger and Li & Lim: vehicles first, then",
        "distance; the gap column is the distance gap, and 'vehicles = BKS' counts instances that",
        "match the BKS fleet size). Cordeau a/b: total distance with K vehicles, gap to the literature's",
        "optima (`cordeau_darp/bks_literature.csv`: 31 of 32 instances, none for b4-24). Cordeau & Laporte pr:",
        "the gap is to the 2003 tabu-search costs published with the instances, not to the best known",
        "(a negative gap beats them; see `benchmarks/data/cordeau_pr/SOURCE.md`).",
        "",
    ]
    for name in families:
        fam = family(name).name
        rows = [_rows(fam, r.name, results) for r in runs_of(fam)]
        if not any(rows):
            continue
        count = max(len(r) for r in rows)
        title = f"{TITLES[fam]} ({count} instances, {LIMITS[fam] * time_scale:g} s each)"
        lines += [f"## {title}", "", *family_table(fam, results), "", *comparisons(fam, results)]
    lines += convergence_table(results)
    lines += darp_scale_table(results)
    write_atomic(out, "\n".join(lines) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: run (optionally) and write the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="run the solvers (otherwise only rebuild the Markdown)")
    parser.add_argument(
        "--no-run", dest="run", action="store_false", help="only rebuild the Markdown from the CSVs (the default)"
    )
    parser.add_argument("--families", nargs="*", default=FAMILIES)
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="multiply every time limit (e.g. 0.5 for a quick run)"
    )
    parser.add_argument(
        "--solvers",
        nargs="*",
        default=None,
        help="run only these solvers or runs, e.g. engine ortools or engine_1core (the Markdown shows all CSVs)",
    )
    parser.add_argument(
        "--cores", nargs="*", type=int, choices=(1, 2), default=None, help="run only the 1-core or 2-core rows"
    )
    parser.add_argument(
        "--instances", nargs="*", default=None, help="run only these instances (file stems, e.g. a2-16)"
    )
    parser.add_argument(
        "--results",
        default=None,
        help="folder for the CSVs, routes and RESULTS.md (default: benchmarks/results and benchmarks/RESULTS.md)",
    )
    parser.add_argument(
        "--note", default="", help="a sentence added under the command line (e.g. how partial runs were combined)"
    )
    args = parser.parse_args(argv)
    results = Path(args.results).resolve() if args.results else RESULTS
    out = results / "RESULTS.md" if args.results else None
    if args.run:
        run(args.families, args.time_scale, args.solvers, args.cores, args.instances, results)
    command = "python -m benchmarks.report --run"
    command += f" --families {' '.join(args.families)}" if args.families != FAMILIES else ""
    command += f" --time-scale {args.time_scale:g}" if args.time_scale != 1.0 else ""
    command += f" --cores {' '.join(map(str, args.cores))}" if args.cores else ""
    command += f" --instances {' '.join(args.instances)}" if args.instances else ""
    print(f"wrote {write_markdown(args.families, command, args.note, results, out, args.time_scale)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
