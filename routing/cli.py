"""Command line of the routing engine (a thin front end over ``routing``).

One entry point, ``main``, serves the console script ``borgerbefordring``, ``python -m routing``
and the top-level ``cli.py`` of a source checkout.

Exit codes (as VROOM): 0 ok; 1 internal error, or ``check`` found violations;
2 bad input; 3 matrix or routing failure (e.g. no plan within the time limit); 130 stopped on
request (Ctrl-C or SIGTERM: the best plan found by then is written, marked interrupted; a sweep keeps
the points done and resumes on the next run).
Errors are printed to stderr, followed by one line of JSON; an internal error's trace goes to a
log file (``.cache/logs/``), never to the user's terminal.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import sys
from contextlib import AbstractContextManager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from routing.model import WEEKDAYS

if TYPE_CHECKING:
    from routing.bars import Steps
    from routing.model import Scenario
    from routing.scenario.bounds import Limits
    from routing.studies.comparison import ScenarioResult
    from routing.studies.week import WeekPlan

#: The embedded demo day, shipped inside the package (read with importlib.resources).
DEMO_SCENARIO = resources.files("routing") / "data" / "demo.yaml"
#: The matrix cache, relative to the working directory (never inside an installed package).
DEFAULT_CACHE = Path(".cache") / "matrices"

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_ROUTING = 0, 1, 2, 3
#: Stopped on request (Ctrl-C, SIGTERM), as a shell reports SIGINT: 128 + 2.
EXIT_INTERRUPTED = 130


def _fail(code: int, message: str, detail: dict[str, object] | None = None) -> int:
    print(message, file=sys.stderr)
    print(json.dumps(detail or {"error": message}, ensure_ascii=False), file=sys.stderr)
    return code


def _cmd_solve(args: argparse.Namespace) -> int:
    from routing import SolveParams, build_matrices, check_plan, load_scenario, solve
    from routing.costing.vehicle_cost import price_plan_by_vehicle_types
    from routing.report import summary_table, write_plan_json, write_stops_csv

    if args.scenario is None:
        with resources.as_file(DEMO_SCENARIO) as demo:
            scenario = load_scenario(demo)
    else:
        scenario = load_scenario(args.scenario)
    if args.day:
        scenario = scenario.for_day(args.day)
    overrides = {
        k: v
        for k, v in {
            "time_limit_s": args.time_limit,
            "seed": args.seed,
            "solution_limit": args.solution_limit,
            "first_solution": args.first_solution,
            "metaheuristic": args.metaheuristic,
            "log_search": args.log_search or None,
            "workers": args.workers,
            "decompose": _parts(args.decompose),
            "executor": args.executor,
        }.items()
        if v is not None
    }
    params = SolveParams.of(scenario, **overrides)
    matrices = build_matrices(scenario, None if args.no_cache else args.cache_dir)
    from routing.bars import solve_bar

    with solve_bar(params.time_limit_s, _no_bar(args), priced=params.objective == "cost"):
        plan = solve(scenario, matrices, params)
    result = check_plan(scenario, matrices, plan)
    if not result.is_feasible:
        lines = "\n".join(f"  {v}" for v in result.violations[:50])
        return _fail(
            EXIT_INTERNAL,
            f"internal error: the checker rejected the solver's plan; nothing was written.\n{lines}",
            {"error": "internal", "violations": [str(v) for v in result.violations]},
        )
    cost = price_plan_by_vehicle_types(scenario, result)
    out = Path(args.out)
    write_plan_json(out / "plan.json", scenario, plan, result, cost)
    write_stops_csv(out / "stops.csv", scenario, plan)
    if args.report:
        from routing.report.maps import boundary_rings
        from routing.report.outputs import write_plan_outputs

        boundary = boundary_rings(scenario, args.scenario) if args.scenario else []
        map_path = out / (f"map_{args.day}.png" if args.day else "map.png")
        _, notes = write_plan_outputs(out, scenario, plan, result, args.day or "", None, boundary, map_path)
        for note in notes if not args.quiet else []:
            print(note, file=sys.stderr)
        _render(out, args.quiet)
    if not args.quiet:
        print(summary_table(scenario, plan, result, cost))
        geo = "" if scenario.is_planar else ", routes.geojson and the map"
        extra = f", report.html, manifest.html/.csv{geo}" if args.report else ""
        print(f"wrote {out / 'plan.json'} and {out / 'stops.csv'}{extra}")
    if plan.stats.interrupted:
        print(
            f"interrupted after {plan.stats.wall_time_s:.1f} s: wrote the best plan found by then "
            '(checked; "interrupted": true in plan.json)',
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_OK


def _parts(value: str | None) -> str | int | None:
    """``--decompose``: off, auto or a number of parts (anything else is left for ``SolveParams`` to refuse, E509)."""
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.isdigit() else text


def _cmd_generate(args: argparse.Namespace) -> int:
    import time
    from collections import Counter

    from routing.fredensborg.generate import generate_week
    from routing.model import area_sort_key
    from routing.scenario.build import build_scenario
    from routing.scenario.write import write_scenario

    started = time.monotonic()
    if not args.scale > 0:
        return _fail(EXIT_INPUT, f"--scale: {args.scale!r} is not a positive factor (e.g. 0.25, 1, 4, 16)")
    data = generate_week(args.seed, args.scale, baseline_2021=args.baseline_2021)
    scenario = build_scenario(data, source="(generated)")  # the generator's output must load cleanly
    header = (
        f"Generated by: {data['meta']['generator']['command']} --out {args.out}\n"
        "Synthetic Fredensborg week: calibrated to the 2021 cost table (routing/fredensborg/data/areas.yaml),\n"
        "real geography (DAGI polygon; OSM nodes, (c) OpenStreetMap contributors, ODbL 1.0), synthetic homes.\n"
        "Assumptions: routing/fredensborg/data/generator.yaml. 'meta' at the end holds every count's arithmetic."
    )
    write_scenario(args.out, data, header)
    elapsed = time.monotonic() - started
    if not args.quiet:
        per_area = Counter(r.area for r in scenario.requests)
        legs = data["meta"]["legs_per_day"]
        print(
            f"wrote {args.out}: {len(scenario.requests)} requests ({len(scenario.locations)} locations, "
            f"{len(scenario.vehicles)} vehicles) in {elapsed:.1f} s"
        )
        print("legs per day: " + ", ".join(f"{d} {n}" for d, n in legs.items()))
        print(
            "requests per area: "
            + ", ".join(f"{a}: {n}" for a, n in sorted(per_area.items(), key=lambda kv: area_sort_key(kv[0])))
        )
    return EXIT_OK


def _begin_step(steps: Steps, stem: str, line: str) -> None:
    """Show a compare step: the scenario's stem and the solve that starts (``evaluate``'s line up to its comma)."""
    steps.begin(f"{stem} {line.split(',')[0]}")


def _cmd_compare(args: argparse.Namespace) -> int:
    from functools import partial

    from routing.bars import step_bar
    from routing.report.comparison import write_comparison
    from routing.studies.comparison import evaluate

    days = tuple(d.strip() for d in args.days.split(",") if d.strip())
    bad = [d for d in days if d not in WEEKDAYS]
    if bad or not days:
        return _fail(EXIT_INPUT, f"--days: {args.days!r} is not a list of weekday codes (e.g. mon,tue,wed,thu,fri)")
    results = []
    with step_bar(len(args.scenarios) * len(days), "day", _no_bar(args), priced=True) as steps:
        for path in args.scenarios:
            results.append(
                evaluate(
                    path,
                    days,
                    args.time_limit,
                    None if args.no_cache else args.cache_dir,
                    progress=partial(_begin_step, steps, Path(path).stem),
                    day_done=steps.done,
                    replan=args.replan,
                    workers=args.workers,
                )
            )
    command = (
        "python cli.py compare "
        + " ".join(args.scenarios)
        + f" --days {','.join(days)} --time-limit {args.time_limit:g}"
        + (f" --workers {args.workers}" if args.workers else "")
        + f" --out {args.out}"
    )
    written = write_comparison(args.out, results, command)
    if args.report:
        written += _compare_outputs(Path(args.out), results)
        written.append(_render(Path(args.out), args.quiet))
    if not args.quiet:
        print(Path(args.out, "comparison.md").read_text(encoding="utf-8"))
        print("wrote " + ", ".join(str(p) for p in written))
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace) -> int:
    from routing.report.sweep import write_sweep_tables
    from routing.studies.sweep import run_sweep
    from routing.studies.sweep_file import read_sweep

    sweep = read_sweep(args.sweep)
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    run = run_sweep(sweep, args.out, args.executor, None if args.no_cache else args.cache_dir, log)
    if run.interrupted or not run.is_complete:
        print(
            f"interrupted: {len(run.records)} of {len(sweep.points)} points done and written to {args.out}/points; "
            "run the same command again to plan the rest (sweep.csv and sweep.md come with the last point)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    written = write_sweep_tables(args.out, run.records, sweep.keys, f"Sweep {Path(args.sweep).name}")
    shown = "sweep.md"
    if sweep.sensitivity is not None:
        from routing.report.sensitivity import write_sensitivity
        from routing.studies.sensitivity import analyse

        result = analyse(sweep.sensitivity, sweep.scenarios, run.records, sweep.days)
        written += write_sensitivity(args.out, result, f"Sensitivity: {Path(args.sweep).name}")
        shown = "sensitivity.md"
    if not args.quiet:
        print(Path(args.out, shown).read_text(encoding="utf-8"))
        print(
            f"wrote {len(run.records)} points ({run.solved} planned now, {run.reused} resumed) and "
            + ", ".join(str(p) for p in written)
        )
    return EXIT_OK


def _cmd_week(args: argparse.Namespace) -> int:
    from routing import SolveParams, build_matrices, load_scenario
    from routing.bars import step_bar
    from routing.costing.params import Parameters
    from routing.report.week_json import week_table, write_week
    from routing.studies.week import WeekSettings, plan_week, week_days

    if args.tolerance_min < 0:
        return _fail(EXIT_INPUT, f"--tolerance-min: {args.tolerance_min:g} is negative; give minutes, e.g. 10")
    week = load_scenario(args.scenario)
    if not week_days(week):
        return _fail(EXIT_INPUT, f"{args.scenario}: no request travels on a working day (mon-fri); nothing to plan")
    settings = WeekSettings(
        tolerance_s=round(args.tolerance_min * 60),
        time_limit_s=args.time_limit,
        workers=args.workers or 1,
        seed=args.seed,
        solution_limit=args.solution_limit,
        compare=not args.no_compare,
        method=args.method,
    )
    matrices = build_matrices(week, None if args.no_cache else args.cache_dir)
    params = Parameters.for_scenario(week.costing, args.scenario)

    total = len(week_days(week)) * (1 if args.no_compare else 2) + (args.method == "template")
    with step_bar(total, "solve", _no_bar(args), priced=SolveParams.of(week).objective == "cost") as steps:
        started = [False]

        def progress(line: str) -> None:
            # A line announces the next solve: the one before it has finished.
            if started[0]:
                steps.done()
            started[0] = True
            steps.begin(line.split(",")[0])

        result = plan_week(week, matrices, params, settings, progress)
        steps.done()
    written = write_week(args.out, week, result, _source(args.scenario))
    if args.report:
        written += _week_outputs(Path(args.out), week, args.scenario, result.consistent, args.quiet)
        written.append(_render(Path(args.out), args.quiet))
    if not args.quiet:
        print(week_table(result))
        print(f"wrote {len(written)} files to {args.out} (week.json, passengers.csv, <day>/plan.json and stops.csv)")
    if result.interrupted:
        planned = [d.day for d in result.consistent.days]
        print(
            f"interrupted: wrote the days planned by then ({', '.join(planned)}; the last one's best plan, checked); "
            f"not planned: {', '.join(d for d in week_days(week) if d not in planned) or 'none'}; "
            'no day-by-day comparison ("interrupted": true in week.json)',
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_OK


def _week_outputs(
    out: Path, week: Scenario, path: str, plan: WeekPlan, quiet: bool, one_day: bool = False
) -> list[Path]:
    """Manifests, GeoJSON and a map per day of a week (in ``out/<day>/``; one day's plan: in ``out``)."""
    from routing.report.maps import boundary_rings
    from routing.report.outputs import write_plan_outputs

    usual = {rid: pw.usual_s for pw in plan.passengers if pw.usual_s is not None for rid in pw.requests}
    boundary = boundary_rings(week, path)
    written: list[Path] = []
    for d in plan.days:
        folder = out if one_day else out / d.day
        files, notes = write_plan_outputs(
            folder, d.scenario, d.plan, d.check, d.day, usual, boundary, out / f"map_{d.day}.png", week.name
        )
        written += files
        for note in notes if not quiet else []:
            print(note, file=sys.stderr)
    return written


def _no_bar(args: argparse.Namespace) -> bool:
    """No progress bar with --quiet, or when stderr is not a terminal (CI logs stay clean)."""
    return bool(args.quiet) or not sys.stderr.isatty()


def _render(folder: Path, quiet: bool) -> Path:
    """Render ``report.html`` from the folder's files (``routing.report.html_report``)."""
    from routing.report.html_report import render_report

    path = render_report(folder)
    if not quiet:
        print(f"report: {path}", file=sys.stderr)
    return path


def _cmd_report(args: argparse.Namespace) -> int:
    from routing.report.html_report import render_report

    path = render_report(args.folder)
    if not args.quiet:
        print(f"wrote {path}")
    return EXIT_OK


def _compare_outputs(out: Path, results: list[ScenarioResult]) -> list[Path]:
    """Manifests, GeoJSON and a map per scenario and day of a comparison, in ``out/<scenario file stem>/``.

    Silo plans reuse vehicle ids (each silo is planned on its channel's whole fleet): their duties are
    named ``<silo>:<vehicle>``.
    """
    from dataclasses import replace

    from routing import load_scenario
    from routing.report.manifest import duties
    from routing.report.maps import boundary_rings
    from routing.report.outputs import write_duty_outputs

    written: list[Path] = []
    for result in results:
        scenario = load_scenario(result.path)
        boundary = boundary_rings(scenario, result.path)
        folder = out / Path(result.path).stem
        for outcome in result.outcomes:
            found = []
            for (key, sub, plan), check in zip(outcome.plans, outcome.checks, strict=True):
                own = duties(sub, plan, check, outcome.day)
                found += [replace(d, vehicle=f"{key}:{d.vehicle}") for d in own] if result.mode == "silo" else own
            files, _ = write_duty_outputs(
                folder / outcome.day, scenario, found, boundary, folder / f"map_{outcome.day}.png", result.name
            )
            written += files
    return written


def _source(path: str) -> dict[str, str]:
    """Where a week's scenario is (absolute path) and the SHA-256 of its text, for ``replan``."""
    import hashlib

    return {"scenario": str(Path(path).resolve()), "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}


def _replan_input(args: argparse.Namespace) -> tuple[dict[str, Any], str, bool] | str:
    """(week.json-like document, scenario path, whether it is one day's plan made by ``solve``), or an error."""
    from routing.report.plan_json import SCHEMA as PLAN_SCHEMA
    from routing.report.plan_json import read_json_document
    from routing.report.week_json import read_week_json

    folder = Path(args.plan_dir)
    if (folder / "week.json").exists():
        doc = read_week_json(folder / "week.json")
        path = args.scenario or doc.get("source", {}).get("scenario")
        if not path or not Path(path).exists():
            return f"{folder}/week.json: source.scenario {path!r} not found; give it with --scenario"
        return doc, str(path), False
    if not (folder / "plan.json").exists():
        return f"{folder}: neither week.json (from `week`) nor plan.json (from `solve`)"
    if not args.scenario:
        return f"{folder}/plan.json is one day's plan: give the scenario it was solved from with --scenario"
    if not args.day:
        return f"{folder}/plan.json is one day's plan: give its day with --day (mon ... sun)"
    plan_doc = read_json_document(folder / "plan.json", PLAN_SCHEMA, "Give a folder written by `solve` or `week`.")
    tolerance = {"tolerance_min": args.tolerance_min, "seed": 0}
    return {"days": {args.day: {"plan": plan_doc}}, "settings": tolerance, "passengers": []}, args.scenario, True


def _cmd_replan(args: argparse.Namespace) -> int:
    from routing import build_matrices, load_scenario
    from routing.costing.params import Parameters
    from routing.report.replan_json import replan_table, write_replan, write_replan_day
    from routing.scenario.build import build_scenario
    from routing.scenario.extends import resolve_extends
    from routing.scenario.load import read_yaml
    from routing.scenario.write import write_scenario
    from routing.studies.changes import apply_changes, read_changes, standalone
    from routing.studies.replan import previous_plans, replan_week, usual_times
    from routing.studies.week import WeekSettings

    found = _replan_input(args)
    if isinstance(found, str):
        return _fail(EXIT_INPUT, found)
    doc, path, one_day = found
    changes = read_changes(args.change)
    old_data = resolve_extends(read_yaml(path), Path(path))
    old = load_scenario(path)
    source = str(Path(args.plan_dir) / ("plan.json" if one_day else "week.json"))
    previous = previous_plans(doc, old, source, route_all=one_day)
    change_set = apply_changes(old_data, old, changes, args.change)
    new = build_scenario(change_set.data, source=f"{path} with {args.change}", default_name=old.name)
    given = doc["settings"]
    settings = WeekSettings(
        tolerance_s=round(float(given.get("tolerance_min") or 10) * 60),
        time_limit_s=args.time_limit,
        workers=args.workers or 1,
        seed=int(given.get("seed") or 0),
        solution_limit=args.solution_limit,
        compare=False,
        method="replan",
    )
    matrices = build_matrices(new, None if args.no_cache else args.cache_dir)
    params = Parameters.for_scenario(new.costing, path)
    usual = usual_times(doc)
    result = replan_week(old, new, previous, usual, change_set, matrices, params, settings, route_all=one_day)
    # The changed scenario is saved beside its plans, so the next change re-plans from there.
    saved = Path(args.out) / "scenario.yaml"
    Path(args.out).mkdir(parents=True, exist_ok=True)
    write_scenario(saved, standalone(change_set.data, Path(path)), f"{path} with {args.change} (replan)")
    if one_day:
        written = write_replan_day(args.out, result, args.change)
    else:
        written = write_replan(args.out, new, result, args.change, _source(str(saved)))
    if args.report:
        written += _week_outputs(Path(args.out), new, path, result.week.consistent, args.quiet, one_day)
        written.append(_render(Path(args.out), args.quiet))
    if not args.quiet:
        print(replan_table(result))
        print(f"wrote {len(written)} files to {args.out}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from routing import build_matrices, check_plan, load_scenario
    from routing.report import read_plan_json

    scenario = load_scenario(args.scenario)
    if args.day:
        scenario = scenario.for_day(args.day)
    plan = read_plan_json(args.plan)
    matrices = build_matrices(scenario, None if args.no_cache else args.cache_dir)
    result = check_plan(scenario, matrices, plan)
    if result.is_feasible:
        summary = result.summary(plan, scenario)
        print(
            f"feasible: {summary['served']} of {summary['requests']} requests served on "
            f"{summary['vehicles_used']} vehicles, {summary['unserved']} listed as unserved"
        )
        return EXIT_OK
    print(f"infeasible: {len(result.violations)} violation(s)")
    for v in result.violations:
        print(f"  {v}")
    return EXIT_INTERNAL


def _cmd_matrix(args: argparse.Namespace) -> int:
    import time

    from routing import load_scenario
    from routing.matrix import MatrixCache, profile_matrices, used_profiles
    from routing.matrix.cache import cache_key
    from routing.matrix.compute import PROVIDERS
    from routing.matrix.osm import OsmProvider

    scenario = load_scenario(args.scenario)
    cache = None if args.no_cache else MatrixCache(args.cache_dir)
    n = len(scenario.locations)
    for profile in used_profiles(scenario):
        provider = PROVIDERS[profile.kind]
        key = cache_key(provider, profile, scenario.locations)
        cached = cache is not None and cache.load(key, n) is not None
        started = time.perf_counter()
        profile_matrices(scenario.locations, profile, cache)
        seconds = time.perf_counter() - started
        what = "cache hit, loaded" if cached else "built" + (" and stored" if cache else " (no cache)")
        print(f"{profile.name} ({profile.kind}): {n} locations, {what} in {seconds:.3f} s (key {key})")
        if isinstance(provider, OsmProvider) and not cached:
            snap = provider.snap(scenario.locations, profile)
            worst = int(snap.distance_m.argmax())
            print(
                f"  snapped to the road: mean {snap.distance_m.mean():.0f} m, max {snap.distance_m[worst]:.0f} m "
                f"({snap.location_ids[worst]}), limit {profile.max_snap_m:.0f} m"
            )
        if cache is not None and not cached:
            started = time.perf_counter()
            profile_matrices(scenario.locations, profile, cache)
            print(f"  load from the cache: {time.perf_counter() - started:.3f} s")
    return EXIT_OK


def _cmd_bench(args: argparse.Namespace) -> int:
    try:
        from benchmarks.harness import SOLVERS, Outcome, run_family
        from benchmarks.readers import family
    except ModuleNotFoundError:
        return _fail(EXIT_INPUT, "bench needs a source checkout: run 'python cli.py bench ...' in the repository")

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

    from tqdm import tqdm

    # The rows go to stdout (the results); a bar over the instances, with the elapsed time, to stderr.
    bar = tqdm(total=len(files), unit="instance", file=sys.stderr, disable=not sys.stderr.isatty())

    def progress(outcome: Outcome) -> None:
        row, note = outcome.row, outcome.note
        line = (
            f"{row['instance']:>10}  vehicles {row['vehicles']!s:>3} (bks {row['bks_vehicles']!s:>3})  "
            f"distance {row['distance']!s:>11}  gap {row['gap_pct'] or '-':>7} %  feasible {row['feasible']:>3}  "
            f"{row['seconds']} s  {note}"
        )
        bar.write(line, file=sys.stdout)
        bar.set_postfix_str(f"last {row['instance']}: gap {row['gap_pct'] or '-'} %")
        bar.update(1)

    with bar:
        outcomes = run_family(
            fam,
            files,
            args.time_limit,
            Path(args.out),
            Path(args.routes_dir) if args.routes_dir else None,
            args.solver,
            args.jobs,
            progress,
        )
    feasible = sum(1 for o in outcomes if o.row["feasible"] == "yes")
    gaps = [float(str(o.row["gap_pct"])) for o in outcomes if o.row["gap_pct"] != ""]
    mean = f"{sum(gaps) / len(gaps):.3f} %" if gaps else "-"
    print(f"{fam.name}: {feasible}/{len(outcomes)} feasible and complete; mean gap {mean}; wrote {args.out}")
    from routing.solve import stop

    if stop.requested():
        print(
            f"interrupted: {len(outcomes)} of {len(files)} instances done and written; the one(s) running were dropped",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_OK


def _report_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--report",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write report.html, manifests, routes.geojson and maps (default on; --no-report: plans only)",
    )


def _limits(args: argparse.Namespace) -> Limits:
    """The reader's limits with the command's ``--limit NAME=N`` applied (``routing.scenario.bounds.Limits``).

    Raises
    ------
    ScenarioError
        E008 for a ``--limit`` that is not ``NAME=N`` with a known name and a whole number of 1 or more.
    """
    from dataclasses import fields, replace

    from routing.exceptions import Problem, ScenarioError
    from routing.scenario.bounds import DEFAULT_LIMITS

    names = [f.name for f in fields(DEFAULT_LIMITS)]
    given: dict[str, int] = {}
    for item in getattr(args, "limit", None) or []:
        name, _, value = item.partition("=")
        if name.strip() not in names or not value.strip().isdigit() or int(value) < 1:
            fix = f"Give NAME=N with N a whole number of 1 or more; names: {', '.join(names)}."
            raise ScenarioError([Problem("E008", "--limit", f"{item!r} is not a limit", fix)], "(command line)")
        given[name.strip()] = int(value)
    return replace(DEFAULT_LIMITS, **given)


def _limit_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--limit",
        action="append",
        metavar="NAME=N",
        help="raise (or lower) an input limit, e.g. --limit max_requests=500000 (docs/scenario-format.md, Limits)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="borgerbefordring", description="Routing engine for Danish municipal citizen transport."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("solve", help="plan a scenario and write plan.json and stops.csv")
    p.add_argument("scenario", nargs="?", default=None, help="scenario YAML (default: the embedded demo)")
    p.add_argument("--out", default="out", help="output folder (default: out)")
    p.add_argument("--time-limit", type=float, help="wall-clock limit in seconds (default: the scenario's)")
    p.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    p.add_argument("--solution-limit", type=int, help="stop after this many solutions (deterministic runs)")
    p.add_argument("--first-solution", help="OR-Tools first-solution strategy")
    p.add_argument("--metaheuristic", help="OR-Tools local-search metaheuristic")
    p.add_argument("--log-search", action="store_true", help="show OR-Tools' search log")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parallel searches (processes) in the portfolio; default: the scenario's solver.workers (1)",
    )
    p.add_argument(
        "--day",
        choices=WEEKDAYS,
        help="plan one weekday of a week scenario (requests recurring that day)",
    )
    p.add_argument(
        "--decompose",
        metavar="off|auto|N",
        help="split a large day into parts solved in parallel, then improve across their seams "
        "(default: the scenario's solver.decompose, off; docs/decomposition.md)",
    )
    p.add_argument(
        "--executor",
        help="where the parts of a decomposition run: local (default, every core), local:N, "
        "dask://HOST:PORT, dask-local:N",
    )
    p.add_argument("--cache-dir", default=str(DEFAULT_CACHE), help="matrix cache folder")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the matrix cache")
    _report_flag(p)
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    _limit_flag(p)
    p.set_defaults(func=_cmd_solve)

    c = sub.add_parser(
        "check", help="check a plan against a scenario; exit 0 if feasible, 1 with the violations otherwise"
    )
    c.add_argument("scenario")
    c.add_argument("plan")
    c.add_argument(
        "--day",
        choices=WEEKDAYS,
        help="the weekday the plan is for (week scenarios)",
    )
    c.add_argument("--cache-dir", default=str(DEFAULT_CACHE))
    c.add_argument("--no-cache", action="store_true")
    _limit_flag(c)
    c.set_defaults(func=_cmd_check)

    m = sub.add_parser(
        "matrix", help="build a scenario's travel matrices into the cache ahead of a solve; print build and load times"
    )
    m.add_argument("scenario")
    m.add_argument("--cache-dir", default=str(DEFAULT_CACHE), help="matrix cache folder")
    m.add_argument("--no-cache", action="store_true", help="build without reading or writing the cache (timing)")
    _limit_flag(m)
    m.set_defaults(func=_cmd_matrix)

    g = sub.add_parser("generate", help="generate a scenario file: 'fredensborg' (a calibrated synthetic school week)")
    g.add_argument("what", choices=["fredensborg"])
    g.add_argument("--seed", type=int, default=1, help="random seed (same seed, same file)")
    g.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="demand and fleet factor, e.g. 0.25, 1, 4, 16 (default 1 = Fredensborg)",
    )
    g.add_argument(
        "--baseline-2021",
        action="store_true",
        help="the 2021 baseline: also the 2021-only areas, and the seed's expected costs in meta",
    )
    g.add_argument("--out", required=True, help="scenario YAML to write")
    g.add_argument("--quiet", action="store_true")
    g.set_defaults(func=_cmd_generate)

    k = sub.add_parser(
        "compare", help="plan and price scenarios side by side per area and channel (cost, CO2, hours, km, service)"
    )
    k.add_argument("scenarios", nargs="+", help="scenario files; savings are against the first")
    k.add_argument("--out", required=True, help="folder for comparison.csv/.md/.xlsx, parameters.csv and PNG charts")
    k.add_argument(
        "--days",
        default="mon,tue,wed,thu,fri",
        help="weekdays to plan (default the school week); figures are scaled to a year",
    )
    k.add_argument("--time-limit", type=float, default=30.0, help="solver seconds per scenario and day (default 30)")
    k.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parallel searches per solve (default: each scenario's solver.workers)",
    )
    k.add_argument(
        "--replan", action="store_true", help="solve every day even where a scenario ships stored plans (meta.plans)"
    )
    k.add_argument("--cache-dir", default=str(DEFAULT_CACHE))
    k.add_argument("--no-cache", action="store_true")
    k.add_argument(
        "--report", action=argparse.BooleanOptionalAction, default=True, help="write report.html (default on)"
    )
    k.add_argument("--quiet", action="store_true")
    _limit_flag(k)
    k.set_defaults(func=_cmd_compare)

    s = sub.add_parser(
        "sweep",
        help="plan and price every point of a sweep file (a grid of scenario overrides) on a pool or a Dask cluster",
    )
    s.add_argument("sweep", help="sweep YAML (schema routing.sweep/1; docs/sweep-format.md)")
    s.add_argument(
        "--out", required=True, help="folder for scenarios/, points/<name>.json, sweep.csv and sweep.md (resumable)"
    )
    s.add_argument(
        "--executor",
        default="local",
        help="where points run: local (default, every core), local:N, dask://HOST:PORT, dask-local:N",
    )
    s.add_argument("--cache-dir", default=str(DEFAULT_CACHE), help="matrix cache folder (seen by every worker)")
    s.add_argument("--no-cache", action="store_true")
    s.add_argument("--quiet", action="store_true")
    _limit_flag(s)
    s.set_defaults(func=_cmd_sweep)

    w = sub.add_parser(
        "week",
        help="plan Monday-Friday with the same vehicle and time for recurring passengers; write week.json",
    )
    w.add_argument("scenario", help="week scenario YAML (requests with days: and passenger:)")
    w.add_argument("--out", required=True, help="folder for week.json, passengers.csv and <day>/plan.json, stops.csv")
    w.add_argument(
        "--tolerance-min", type=float, default=10.0, help="minutes a pickup may move from the usual time (default 10)"
    )
    w.add_argument(
        "--time-limit",
        type=float,
        default=120.0,
        help="seconds for the whole week (default 120): half for the consistent week, half for the day-by-day plan",
    )
    w.add_argument("--workers", type=int, help="parallel searches per solve (default 1)")
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--solution-limit", type=int, help="stop each solve after this many solutions (deterministic)")
    w.add_argument(
        "--method",
        choices=["template", "rolling"],
        default="template",
        help="see routing.studies.week (default template)",
    )
    w.add_argument("--no-compare", action="store_true", help="skip the day-by-day plan (the whole limit to the week)")
    w.add_argument("--cache-dir", default=str(DEFAULT_CACHE))
    w.add_argument("--no-cache", action="store_true")
    _report_flag(w)
    w.add_argument("--quiet", action="store_true")
    _limit_flag(w)
    w.set_defaults(func=_cmd_week)

    r = sub.add_parser(
        "replan", help="re-plan a week after changes, keeping untouched passengers; write changes.json and the week"
    )
    r.add_argument("plan_dir", help="folder written by `week` (week.json)")
    r.add_argument("--change", required=True, help="change file (YAML, schema routing.change/1)")
    r.add_argument("--out", required=True, help="folder for the new week and changes.json")
    r.add_argument("--scenario", help="the week's scenario (default: the one week.json names; needed for a plan.json)")
    r.add_argument("--day", choices=list(WEEKDAYS), help="the day of a one-day plan.json (from `solve --day`)")
    r.add_argument(
        "--tolerance-min", type=float, default=10.0, help="a one-day plan's pickup tolerance (a week keeps its own)"
    )
    r.add_argument("--time-limit", type=float, default=10.0, help="seconds for all days planned again (default 10)")
    r.add_argument("--workers", type=int, help="parallel searches per solve (default 1)")
    r.add_argument("--solution-limit", type=int, help="stop each solve after this many solutions (deterministic)")
    r.add_argument("--cache-dir", default=str(DEFAULT_CACHE))
    r.add_argument("--no-cache", action="store_true")
    _report_flag(r)
    r.add_argument("--quiet", action="store_true")
    _limit_flag(r)
    r.set_defaults(func=_cmd_replan)

    h = sub.add_parser("report", help="render report.html again from an output folder's files (no solving)")
    h.add_argument("folder", help="a folder written by solve, week, replan or compare")
    h.add_argument("--quiet", action="store_true")
    h.set_defaults(func=_cmd_report)

    b = sub.add_parser(
        "bench",
        help="run a benchmark family (solomon, homberger, lilim, cordeau, darp-scale), write RESULTS.csv and .sol",
    )
    b.add_argument("family")
    b.add_argument("instances", nargs="*", help="instance files (default: the family's vendored set)")
    b.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance (default 10)")
    b.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="instances solved in parallel (default 1; the engine then uses both cores per instance)",
    )
    b.add_argument("--out", default="RESULTS.csv", help="results CSV")
    b.add_argument("--routes-dir", default=None, help="folder for <instance>.sol solution files")
    b.add_argument(
        "--solver", default="engine", help="engine (default), ortools (plain), pyvrp, or vroom (needs the bench extra)"
    )
    b.add_argument("--sizes", default="100,200,400,800,1600", help="darp-scale: request counts")
    b.add_argument("--checkpoints", default="10,30,60", help="darp-scale: seconds at which distance is reported")
    b.add_argument("--seed", type=int, default=1, help="darp-scale: generator seed")
    b.set_defaults(func=_cmd_bench)
    return parser


def run() -> NoReturn:
    """The process entry point: ``main``, then exit without Python's teardown of every module and object.

    The exit handlers still run (process pools and Dask clusters joined, logs flushed) and the output
    streams are flushed; only the freeing of what the process built is skipped, which the operating
    system does at once: 0.2 s after the imports alone, 0.5 s after a 3 351-request day (as mypy does).
    Files are whole before this point (every output is written atomically).
    """
    code = main()
    atexit_run = getattr(atexit, "_run_exitfuncs", None)
    if atexit_run is not None:
        atexit_run()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head) or stream: nothing more can be said
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        The arguments after the program name. Default: ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 ok; 1 internal error or violations found by ``check``; 2 bad input;
        3 matrix or routing failure.
    """
    args = _parser().parse_args(argv)
    from routing.exceptions import Interrupted, MatrixError, ScenarioError, SolveError
    from routing.scenario.bounds import raised_limits
    from routing.solve import stop

    stop.clear()
    try:
        with (
            raised_limits(_limits(args)),
            stop.on_signals(lambda line: print(line, file=sys.stderr)),
            _holding_out(args),
        ):
            return int(args.func(args))
    except ScenarioError as exc:
        return _fail(EXIT_INPUT, str(exc), exc.as_dict())
    except (MatrixError, SolveError) as exc:
        return _fail(EXIT_ROUTING, f"{type(exc).__name__}: {exc}", {"error": type(exc).__name__, "message": str(exc)})
    except Interrupted as exc:
        return _fail(EXIT_INTERRUPTED, f"interrupted: {exc}; nothing was written", {"error": "interrupted"})
    except KeyboardInterrupt:
        # A second Ctrl-C while the first one's stop was under way (or one outside any search).
        message = "interrupted: stopped at once; files already written are whole, nothing else was written"
        return _fail(EXIT_INTERRUPTED, message, {"error": "interrupted"})
    except Exception as exc:  # an internal error: one line for the user, the trace in a log file
        log = _crash_log(argv)
        return _fail(
            EXIT_INTERNAL,
            f"internal error: {type(exc).__name__}: {exc} (a bug: the full trace is in {log}; please report it)",
            {"error": "internal", "type": type(exc).__name__, "message": str(exc), "log": str(log)},
        )


#: Commands whose --out is a folder they alone may write while they run.
_FOLDER_OUT = {"solve", "week", "replan", "compare", "sweep"}


def _holding_out(args: argparse.Namespace) -> AbstractContextManager[None]:
    """Hold the command's output folder (``routing.files.writing_to``), for the commands that write one."""
    from contextlib import nullcontext

    from routing.files import writing_to

    return writing_to(args.out) if getattr(args, "command", None) in _FOLDER_OUT else nullcontext()


def _crash_log(argv: list[str] | None) -> Path:
    """Write the current exception's trace, the command and the versions to a log file; return its path."""
    import platform
    import tempfile
    import time
    import traceback

    text = (
        f"command: {' '.join(sys.argv[:1] + list(argv if argv is not None else sys.argv[1:]))}\n"
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n"
        f"python: {platform.python_version()} on {platform.platform()}\n\n" + traceback.format_exc()
    )
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in (Path(".cache") / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            return folder / name
        except OSError:
            continue
    return Path("(no writable folder for the log)")


if __name__ == "__main__":
    sys.exit(main())
