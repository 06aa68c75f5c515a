#!/usr/bin/env python3
"""Command line of the routing engine (a thin front end over ``routing``).

Exit codes (as VROOM): 0 ok; 1 internal error, or ``check`` found violations;
2 bad input; 3 matrix or routing failure (e.g. no plan within the time limit).
Errors are printed to stderr, followed by one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # 'benchmarks' lives beside this file
DEFAULT_SCENARIO = HERE / "scenarios" / "demo.yaml"
DEFAULT_CACHE = HERE / ".cache" / "matrices"

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_ROUTING = 0, 1, 2, 3


def _fail(code: int, message: str, detail: dict[str, object] | None = None) -> int:
    print(message, file=sys.stderr)
    print(json.dumps(detail or {"error": message}, ensure_ascii=False), file=sys.stderr)
    return code


def _cmd_solve(args: argparse.Namespace) -> int:
    from routing import build_matrices, check_plan, load_scenario, solve
    from routing.report import summary_table, write_plan_json, write_stops_csv

    scenario = load_scenario(args.scenario)
    overrides = {
        k: v
        for k, v in {
            "time_limit_s": args.time_limit,
            "seed": args.seed,
            "solution_limit": args.solution_limit,
            "first_solution": args.first_solution,
            "metaheuristic": args.metaheuristic,
            "log_search": args.log_search or None,
        }.items()
        if v is not None
    }
    params = replace(scenario.solver, **overrides)
    matrices = build_matrices(scenario, None if args.no_cache else args.cache_dir)
    plan = solve(scenario, matrices, params)
    result = check_plan(scenario, matrices, plan)
    if not result.is_feasible:
        lines = "\n".join(f"  {v}" for v in result.violations[:50])
        return _fail(
            EXIT_INTERNAL,
            f"internal error: the checker rejected the solver's plan; nothing was written.\n{lines}",
            {"error": "internal", "violations": [str(v) for v in result.violations]},
        )
    out = Path(args.out)
    write_plan_json(out / "plan.json", scenario, plan, result)
    write_stops_csv(out / "stops.csv", scenario, plan)
    if not args.quiet:
        print(summary_table(scenario, plan, result))
        print(f"wrote {out / 'plan.json'} and {out / 'stops.csv'}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from routing import build_matrices, check_plan, load_scenario
    from routing.report import read_plan_json

    scenario = load_scenario(args.scenario)
    plan = read_plan_json(args.plan)
    matrices = build_matrices(scenario, None if args.no_cache else args.cache_dir)
    result = check_plan(scenario, matrices, plan)
    if result.is_feasible:
        summary = result.summary(plan, scenario)
        print(f"feasible: {summary['served']} of {summary['requests']} requests served on {summary['vehicles_used']} vehicles, {summary['unserved']} listed as unserved")
        return EXIT_OK
    print(f"infeasible: {len(result.violations)} violation(s)")
    for v in result.violations:
        print(f"  {v}")
    return EXIT_INTERNAL


def _cmd_bench(args: argparse.Namespace) -> int:
    from benchmarks.harness import SOLVERS, run_family
    from benchmarks.readers import family

    if args.family == "darp-scale":
        from benchmarks.darp_scale import run_darp_scale

        return run_darp_scale(args)
    if args.solver not in SOLVERS:
        return _fail(EXIT_INPUT, f"unknown --solver {args.solver!r}; use one of {', '.join(SOLVERS)}")
    try:
        fam = family(args.family)
    except KeyError as exc:
        return _fail(EXIT_INPUT, str(exc.args[0]))
    files = [Path(f) for f in args.instances] or fam.instances
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        return _fail(EXIT_INPUT, f"instance file(s) not found: {', '.join(missing)}")

    def progress(outcome: object) -> None:
        row = outcome.row  # type: ignore[attr-defined]
        note = outcome.note  # type: ignore[attr-defined]
        print(f"{row['instance']:>10}  vehicles {row['vehicles']!s:>3} (bks {row['bks_vehicles']!s:>3})  distance {row['distance']!s:>11}  gap {row['gap_pct'] or '-':>7} %  feasible {row['feasible']:>3}  {row['seconds']} s  {note}", flush=True)

    outcomes = run_family(fam, files, args.time_limit, Path(args.out), Path(args.routes_dir) if args.routes_dir else None, args.solver, args.jobs, progress)
    feasible = sum(1 for o in outcomes if o.row["feasible"] == "yes")
    gaps = [float(o.row["gap_pct"]) for o in outcomes if o.row["gap_pct"] != ""]
    mean = f"{sum(gaps) / len(gaps):.3f} %" if gaps else "-"
    print(f"{fam.name}: {feasible}/{len(outcomes)} feasible and complete; mean gap {mean}; wrote {args.out}")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cli.py", description="Routing engine for Danish municipal citizen transport.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("solve", help="plan a scenario and write plan.json and stops.csv")
    p.add_argument("scenario", nargs="?", default=str(DEFAULT_SCENARIO), help="scenario YAML (default: the embedded demo)")
    p.add_argument("--out", default="out", help="output folder (default: out)")
    p.add_argument("--time-limit", type=float, help="wall-clock limit in seconds (default: the scenario's)")
    p.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    p.add_argument("--solution-limit", type=int, help="stop after this many solutions (deterministic runs)")
    p.add_argument("--first-solution", help="OR-Tools first-solution strategy")
    p.add_argument("--metaheuristic", help="OR-Tools local-search metaheuristic")
    p.add_argument("--log-search", action="store_true", help="show OR-Tools' search log")
    p.add_argument("--cache-dir", default=str(DEFAULT_CACHE), help="matrix cache folder")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the matrix cache")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=_cmd_solve)

    c = sub.add_parser("check", help="check a plan against a scenario; exit 0 if feasible, 1 with the violations otherwise")
    c.add_argument("scenario")
    c.add_argument("plan")
    c.add_argument("--cache-dir", default=str(DEFAULT_CACHE))
    c.add_argument("--no-cache", action="store_true")
    c.set_defaults(func=_cmd_check)

    b = sub.add_parser("bench", help="run a benchmark family (solomon, homberger, lilim, cordeau, darp-scale) and write RESULTS.csv and .sol files")
    b.add_argument("family")
    b.add_argument("instances", nargs="*", help="instance files (default: the family's vendored set)")
    b.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance (default 10)")
    b.add_argument("--jobs", type=int, default=1, help="instances solved in parallel (default 1; the engine then uses both cores per instance)")
    b.add_argument("--out", default="RESULTS.csv", help="results CSV")
    b.add_argument("--routes-dir", default=None, help="folder for <instance>.sol solution files")
    b.add_argument("--solver", default="engine", help="engine (default), ortools (plain), pyvrp, or vroom (needs the bench extra)")
    b.add_argument("--sizes", default="100,200,400,800,1600", help="darp-scale: request counts")
    b.add_argument("--checkpoints", default="10,30,60", help="darp-scale: seconds at which distance is reported")
    b.add_argument("--seed", type=int, default=1, help="darp-scale: generator seed")
    b.set_defaults(func=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    from routing.exceptions import MatrixError, ScenarioError, SolveError

    try:
        return int(args.func(args))
    except ScenarioError as exc:
        return _fail(EXIT_INPUT, str(exc), exc.as_dict())
    except (MatrixError, SolveError) as exc:
        return _fail(EXIT_ROUTING, f"{type(exc).__name__}: {exc}", {"error": type(exc).__name__, "message": str(exc)})


if __name__ == "__main__":
    sys.exit(main())
