"""darp-scale: seeded Cordeau-style generated days, to measure the engine at municipal scale.

A day has N requests in a 20 x 20 square (1 unit = 1 minute of travel), either
``uniform`` or ``institutions`` (80 % of trips go to or from 5 institutions). Half the
requests are outbound with a 15-minute arrive-by window, half inbound with a
15-minute pickup window, between 07:00 and 17:00; the other end is open. Maximum
ride time 45, capacity Q = 6 seats, K = N / 8 vehicles from a central depot,
route duration at most 480, service 3 minutes per stop (Cordeau's a-set).

``python cli.py bench darp-scale --out RESULTS.csv`` reports, per size and layout,
the time to the first complete feasible plan and the distance after 10/30/60 s,
for the engine and for plain OR-Tools side by side.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import time
from dataclasses import replace
from pathlib import Path

from routing.check import check_plan
from routing.exceptions import SolveError
from routing.files import write_atomic
from routing.matrix import build_matrices
from routing.model import (
    Location,
    Quantities,
    Request,
    RideTimeRule,
    Scenario,
    TimeWindow,
    TravelProfile,
    Vehicle,
    VehicleType,
    Visit,
)
from routing.solve.params import SolveParams
from routing.solve.solve import solve

SCALE = 1000  # integer units per minute
LAYOUTS = ("uniform", "institutions")
COLUMNS = (
    "instance",
    "requests",
    "layout",
    "solver",
    "first_plan_s",
    "checkpoint_s",
    "distance",
    "served",
    "feasible",
    "seconds",
)


def generate_day(num_requests: int, layout: str, seed: int) -> Scenario:
    """One generated day (deterministic for ``num_requests``, ``layout`` and ``seed``)."""
    rng = random.Random(f"{seed}-{num_requests}-{layout}")

    def point() -> tuple[float, float]:
        return (round(rng.uniform(0, 20), 3), round(rng.uniform(0, 20), 3))

    institutions = [point() for _ in range(5)]
    locations = [Location("depot", x=10.0, y=10.0)]
    locations += [Location(f"inst{i}", x=x, y=y) for i, (x, y) in enumerate(institutions)]
    requests = []
    for k in range(num_requests):
        home = f"h{k}"
        locations.append(Location(home, x=point()[0], y=point()[1]))
        if layout == "institutions" and rng.random() < 0.8:
            other = f"inst{rng.randrange(5)}"
        else:
            other = f"o{k}"
            x, y = point()
            locations.append(Location(other, x=x, y=y))
        t = rng.randint(7 * 60, 17 * 60) * SCALE
        window = TimeWindow(t, t + 15 * SCALE)
        outbound = k % 2 == 0
        service = 3 * SCALE
        if outbound:
            pickup, dropoff = Visit(home, None, service), Visit(other, window, service)
        else:
            pickup, dropoff = Visit(other, window, service), Visit(home, None, service)
        requests.append(Request(f"r{k}", pickup, dropoff, Quantities.of(seats=1), RideTimeRule(absolute_s=45 * SCALE)))
    vt = VehicleType("bus", Quantities.of(seats=6), profile="plane", max_duration_s=480 * SCALE)
    vehicles = tuple(
        Vehicle(f"v{j + 1}", "bus", "depot", "depot", TimeWindow(0, 24 * 60 * SCALE))
        for j in range(max(1, num_requests // 8))
    )
    return Scenario(
        name=f"darp-{layout}-{num_requests}",
        description=f"generated DARP day: {num_requests} requests, layout {layout}, seed {seed}",
        locations=tuple(locations),
        requests=tuple(requests),
        vehicle_types=(vt,),
        vehicles=vehicles,
        profiles=(TravelProfile("plane", kind="euclidean", circuity=1.0, scale=SCALE),),
        reference_profile="plane",
        solver={"objective": "distance", "first_solution": "LOCAL_CHEAPEST_INSERTION"},
    )


def _params(solver: str, seconds: float, first_only: bool) -> SolveParams:
    base = SolveParams(time_limit_s=seconds, objective="distance", first_solution="LOCAL_CHEAPEST_INSERTION")
    if solver == "ortools":
        base = replace(base, backend="ortools", workers=1, implied_windows=False)
    else:
        base = replace(base, backend="auto", workers=2)
    return replace(base, solution_limit=1) if first_only else base


def _measure(scenario: Scenario, solver: str, seconds: float, first_only: bool) -> dict[str, object]:
    matrices = build_matrices(scenario)
    started = time.monotonic()
    try:
        plan = solve(scenario, matrices, _params(solver, seconds, first_only))
    except SolveError:
        return {
            "distance": "",
            "served": 0,
            "feasible": "no",
            "seconds": f"{time.monotonic() - started:.2f}",
            "first_plan_s": "",
        }
    elapsed = time.monotonic() - started
    result = check_plan(scenario, matrices, plan)
    complete = result.is_feasible and not plan.unserved
    distance = sum(m.distance_m for m in result.routes) / SCALE
    return {
        "distance": f"{distance:.2f}",
        "served": len(scenario.requests) - len(plan.unserved),
        "feasible": "yes" if complete else "no",
        "seconds": f"{elapsed:.2f}",
        "first_plan_s": f"{elapsed:.2f}" if first_only and complete else "",
    }


def run_darp_scale(args: argparse.Namespace) -> int:
    """The ``bench darp-scale`` command: every size x layout x solver; first plan, then each checkpoint."""
    sizes = [int(x) for x in str(args.sizes).split(",") if x]
    checkpoints = [float(x) for x in str(args.checkpoints).split(",") if x]
    solvers = ["engine", "ortools"] if args.solver == "engine" else [args.solver]
    rows = []
    for n in sizes:
        for layout in LAYOUTS:
            scenario = generate_day(n, layout, args.seed)
            for solver in solvers:
                # The first plan: stop at the first solution, within the largest checkpoint.
                first = _measure(scenario, solver, max(checkpoints), first_only=True)
                rows.append(
                    {
                        "instance": scenario.name,
                        "requests": n,
                        "layout": layout,
                        "solver": solver,
                        "checkpoint_s": "first",
                        **first,
                    }
                )
                print(
                    f"{scenario.name:>24} {solver:>8} first plan: {first['first_plan_s'] or 'none'} s "
                    f"(served {first['served']}/{n})",
                    flush=True,
                )
                for cp in checkpoints:
                    if not first["first_plan_s"]:
                        # No complete plan within the longest checkpoint: none at any checkpoint either.
                        got = {
                            "distance": "",
                            "served": first["served"],
                            "feasible": "no",
                            "seconds": "",
                            "first_plan_s": "",
                        }
                    else:
                        got = _measure(scenario, solver, cp, first_only=False)
                    rows.append(
                        {
                            "instance": scenario.name,
                            "requests": n,
                            "layout": layout,
                            "solver": solver,
                            "checkpoint_s": f"{cp:g}",
                            **got,
                        }
                    )
                    print(
                        f"{scenario.name:>24} {solver:>8} after {cp:g} s: distance {got['distance'] or '-'} "
                        f"served {got['served']}/{n} feasible {got['feasible']}",
                        flush=True,
                    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(Path(args.out), buffer.getvalue())
    print(f"wrote {args.out}")
    return 0
