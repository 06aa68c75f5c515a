"""Decomposition of large days: split into sub-problems, solve them in parallel, improve across the seams.

1. split (``split_day``): the servable requests into parts of about ``pipeline.decompose_part_requests``,
   first into time bands (each cut at the widest gap in the requests' first window opening near its
   quantile), then each band by its trips' anchors: the end of a trip that many requests share (the
   school, day centre or hospital), ordered by bearing around the band's centre and cut at the widest
   gaps the same way, so that one anchor's trips stay together. Requests pinned to vehicles
   (``vehicles:``) are not split: the seams step places them with the whole fleet.
2. fleet (``split_day``): each vehicle goes to one part whose time span its shift overlaps; per vehicle
   type and depot, in proportion to the parts' demand weighted by how near the depot is. A part's
   vehicles are its own, so the parts' routes never share a vehicle.
3. parts (``solve_decomposed``): each part becomes a small, picklable task (its sub-scenario and its
   sliced matrices) solved on the executor (``SolveParams.executor``) by the usual backends, in
   parallel, within ``pipeline.decompose_parts_share`` of the time limit.
4. merge: vehicles are disjoint and every rule is per vehicle or per request, so the union of the parts'
   exact routes is a plan of the whole day (replayed exactly all the same: ``repair``).
5. seams: the requests the parts did not place (and the pinned ones) are inserted over the merged
   plan with every vehicle of the day, idle ones of any part included; then ruin and recreate over the
   whole day until the deadline: its related and time-band removals take requests from neighbouring
   parts together, and re-insertion moves them across the boundary. The result is exact; the solve
   stage lists what is still unplaced, and the checker judges the plan like any other.

Deterministic for a fixed seed and solution limit, whichever executor runs the parts: the parts are
bounded by count, their results are merged in part order, and the seams' search is bounded by count.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, replace

import numpy as np

from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Location, Request, Scenario, Vehicle
from routing.solve.backends.base import RawSolution
from routing.solve.hybrid import raw_from_routes
from routing.solve.objective import Objective
from routing.solve.params import SolveParams
from routing.solve.progress import report
from routing.solve.search.insertion import insert_requests
from routing.solve.search.lns import RoutePricer, improve
from routing.solve.search.repair import repair
from routing.solve.search.schedule import Step, earliest_schedule

#: Seconds of travel from a depot to a part's main anchor that halve the depot's weight for that part.
DEPOT_NEARNESS_S = 1800.0
#: Shortest time limit a part gets, seconds.
MIN_PART_S = 0.5


@dataclass(frozen=True, slots=True)
class Part:
    """One sub-problem of a day: its requests and its vehicles.

    Parameters
    ----------
    requests
        Request ids, in the scenario's order.
    vehicles
        Vehicle ids, in the scenario's order (no vehicle is in two parts).
    span
        Earliest opening and latest closing of its requests' windows, seconds.
    """

    requests: tuple[str, ...]
    vehicles: tuple[str, ...]
    span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Split:
    """A day split into parts.

    Parameters
    ----------
    parts
        The sub-problems.
    seams
        Requests in no part (pinned to vehicles): placed by the seams step alone.
    """

    parts: tuple[Part, ...]
    seams: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PartTask:
    """What a worker needs to solve one part (picklable and small: no full matrix).

    Parameters
    ----------
    index
        The part's position in the split.
    scenario
        The part's sub-scenario: its requests, its vehicles and the locations they use.
    matrices
        The matrices sliced to those locations.
    params
        Settings for the part (its time limit, one worker, no decomposition).
    until
        Wall-clock time (``time.time()``) by which the part must be done, whenever it starts.
    """

    index: int
    scenario: Scenario
    matrices: MatrixSet
    params: SolveParams
    until: float


@dataclass(frozen=True, slots=True)
class PartResult:
    """A part's plan: steps per used vehicle and the requests it did not place.

    Parameters
    ----------
    index
        The part's position in the split.
    routes
        Steps per vehicle id.
    dropped
        Requests of the part not on a route.
    status
        The backend's status.
    wall_s
        Seconds the part took on its worker.
    """

    index: int
    routes: dict[str, list[Step]]
    dropped: tuple[str, ...]
    status: str
    wall_s: float


#: Solves one part on a worker (a top-level function, picklable by reference: ``solve._solve_part``).
PartSearch = Callable[[PartTask], PartResult]


def part_count(params: SolveParams, num_requests: int) -> int:
    """How many parts ``params.decompose`` asks for ``num_requests`` servable requests (1: no decomposition).

    Parameters
    ----------
    params
        Settings: ``decompose`` and the pipeline's ``decompose_min_requests``, ``decompose_part_requests``.
    num_requests
        Servable requests of the day.

    Returns
    -------
    int
        ``off``: 1; ``auto``: 1 up to ``decompose_min_requests``, else one part per
        ``decompose_part_requests``; a number: that many, at most one per request.
    """
    pipe = params.pipeline
    if params.decompose == "off" or num_requests < 2:
        return 1
    if params.decompose == "auto":
        if num_requests <= pipe.decompose_min_requests:
            return 1
        return math.ceil(num_requests / pipe.decompose_part_requests)
    return min(int(params.decompose), num_requests)


def _opening(r: Request) -> int:
    """When a trip happens: the earliest opening of its windows (0 without any)."""
    starts = [v.window.start_s for v in r.visits if v.window is not None]
    return min(starts) if starts else 0


def _closing(r: Request) -> int:
    """The latest closing of its windows (the end of the day without any)."""
    ends = [v.window.end_s for v in r.visits if v.window is not None]
    return max(ends) if ends else 2**62


def _cuts(values: Sequence[float], parts: int) -> list[int]:
    """Where to cut sorted ``values`` into ``parts`` runs of similar size: the widest gap near each quantile."""
    n = len(values)
    reach = max(1, n // (4 * parts))
    cuts: list[int] = []
    for i in range(1, parts):
        target = round(i * n / parts)
        low, high = max(cuts[-1] + 1 if cuts else 1, target - reach), min(n - 1, target + reach)
        if low > high:
            continue
        cuts.append(max(range(low, high + 1), key=lambda k: (values[k] - values[k - 1], -abs(k - target))))
    return cuts


def _runs(items: list[str], cuts: list[int]) -> list[list[str]]:
    bounds = [0, *cuts, len(items)]
    return [items[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _xy(location: Location) -> tuple[float, float]:
    """A location as planar coordinates (longitude shrunk by the latitude's cosine)."""
    if location.is_planar:
        assert location.x is not None and location.y is not None
        return location.x, location.y
    assert location.lat is not None and location.lon is not None
    return location.lon * math.cos(math.radians(location.lat)), location.lat


def _by_anchor(scenario: Scenario, band: list[Request], parts: int) -> list[list[str]]:
    """A time band's requests cut into ``parts`` runs by the bearing of their anchors around the band's centre."""
    if parts <= 1:
        return [[r.id for r in band]]
    shared = Counter(v.location for r in band for v in r.visits)
    anchor = {r.id: max(r.visits[::-1], key=lambda v: shared[v.location]).location for r in band}
    points = {loc: _xy(scenario.location(loc)) for loc in set(anchor.values())}
    cx = sum(points[anchor[r.id]][0] for r in band) / len(band)
    cy = sum(points[anchor[r.id]][1] for r in band) / len(band)
    bearing = {loc: math.atan2(y - cy, x - cx) for loc, (x, y) in points.items()}
    ordered = sorted(band, key=lambda r: (bearing[anchor[r.id]], anchor[r.id], r.id))
    return _runs([r.id for r in ordered], _cuts([bearing[anchor[r.id]] for r in ordered], parts))


def _request_runs(scenario: Scenario, requests: Sequence[Request], parts: int) -> list[list[str]]:
    """The requests in about ``parts`` runs: time bands first, then anchors within each band."""
    bands_wanted = max(1, round(math.sqrt(parts) / 2))
    ordered = sorted(requests, key=lambda r: (_opening(r), r.id))
    bands = _runs([r.id for r in ordered], _cuts([_opening(r) for r in ordered], bands_wanted))
    runs: list[list[str]] = []
    for band in bands:
        share = max(1, round(parts * len(band) / len(requests)))
        runs += _by_anchor(scenario, [scenario.request(rid) for rid in band], share)
    return runs


def _share_fleet(scenario: Scenario, matrices: MatrixSet, runs: list[list[str]]) -> list[list[str]]:
    """Vehicles per run: each to a run its shift overlaps, per type and depot in proportion to near demand."""
    trips = [[scenario.request(rid) for rid in run] for run in runs]
    spans = [(min(map(_opening, run)), max(map(_closing, run))) for run in trips]
    index = matrices.index()
    durations = matrices.duration_s[scenario.reference_profile]
    centres = [
        Counter(v.location for rid in run for v in scenario.request(rid).visits).most_common(1)[0][0] for run in runs
    ]
    groups: dict[tuple[str, str], list[Vehicle]] = defaultdict(list)
    for vehicle in scenario.vehicles:
        groups[(vehicle.type, vehicle.start)].append(vehicle)
    fleets: list[list[str]] = [[] for _ in runs]
    total = [0] * len(runs)
    for (_, depot), vehicles in groups.items():
        weight = [
            len(run) / (1.0 + float(durations[index[depot], index[centre]]) / DEPOT_NEARNESS_S)
            for run, centre in zip(runs, centres, strict=True)
        ]
        taken = [0] * len(runs)
        for vehicle in vehicles:
            fits = [p for p, (a, b) in enumerate(spans) if vehicle.shift.start_s < b and vehicle.shift.end_s > a]
            if not fits:
                continue  # no part's trips fall in its shift: it waits for the seams step
            # Its group in proportion to near demand, and the whole fleet in proportion to demand
            # (so that a type with one vehicle does not go where another type's only one went).
            p = min(fits, key=lambda k: ((taken[k] + 1) / weight[k] + (total[k] + 1) / len(runs[k]), k))
            taken[p] += 1
            total[p] += 1
            fleets[p].append(vehicle.id)
    order = {v.id: i for i, v in enumerate(scenario.vehicles)}
    return [sorted(fleet, key=order.__getitem__) for fleet in fleets]


def split_day(scenario: Scenario, matrices: MatrixSet, requests: Sequence[Request], parts: int) -> Split:
    """Split the requests and the fleet into about ``parts`` sub-problems (see the module doc).

    Parameters
    ----------
    scenario, matrices
        The day and its matrices.
    requests
        The requests to split (the servable ones).
    parts
        Parts wanted; the split makes about as many (a whole number per time band).

    Returns
    -------
    Split
        Every request in exactly one part, or among the seams' (pinned to vehicles).
    """
    free = [r for r in requests if not r.vehicles]
    pinned = tuple(r.id for r in requests if r.vehicles)
    runs = [run for run in _request_runs(scenario, free, parts) if run] if free else []
    fleets = _share_fleet(scenario, matrices, runs) if runs else []
    order = {r.id: i for i, r in enumerate(scenario.requests)}
    made = []
    for run, fleet in zip(runs, fleets, strict=True):
        ids = tuple(sorted(run, key=order.__getitem__))
        trips = [scenario.request(rid) for rid in ids]
        made.append(Part(ids, tuple(fleet), (min(map(_opening, trips)), max(map(_closing, trips)))))
    return Split(tuple(made), pinned)


def sub_problem(scenario: Scenario, matrices: MatrixSet, part: Part, name: str) -> tuple[Scenario, MatrixSet]:
    """A part as a scenario of its own, with the matrices sliced to the locations it uses.

    Parameters
    ----------
    scenario, matrices
        The day and its matrices.
    part
        The part.
    name
        The sub-scenario's name.

    Returns
    -------
    tuple[Scenario, MatrixSet]
        Its requests, vehicles and locations (free-form ``meta`` and ``costing`` left out), and matrices.
    """
    requests = [scenario.request(rid) for rid in part.requests]
    vehicles = [scenario.vehicle(vid) for vid in part.vehicles]
    used = {v.location for r in requests for v in r.visits} | {loc for v in vehicles for loc in (v.start, v.end)}
    locations = tuple(loc for loc in scenario.locations if loc.id in used)
    sub = replace(scenario.restricted(requests, vehicles), locations=locations, name=name, meta={}, costing={})
    index = matrices.index()
    rows = np.array([index[loc.id] for loc in locations], dtype=np.int64)
    cut = np.ix_(rows, rows)
    sliced = MatrixSet(
        tuple(loc.id for loc in locations),
        {p: np.ascontiguousarray(m[cut]) for p, m in matrices.distance_m.items()},
        {p: np.ascontiguousarray(m[cut]) for p, m in matrices.duration_s.items()},
    )
    return sub, sliced


@dataclass(frozen=True, slots=True)
class Seams:
    """What the decomposition did (for the solve's status and the benchmark).

    Parameters
    ----------
    parts
        Parts solved (of those split).
    split
        Parts split.
    executor
        The executor URL.
    part_limit_s
        Time limit of each part, seconds.
    parts_wall_s
        Seconds from submitting the parts to the last result.
    to_seams
        Requests the seams step started with unplaced (left by the parts, or pinned).
    before, after
        The objective's price of the merged plan (unplaced requests at its penalty) before and after
        the seams step.
    routes_before, routes_after
        The same without the unplaced requests' penalty: the routes' price alone (placing requests
        adds to it; with none to place, its fall is the seams' gain in route cost).
    iterations
        Ruin-and-recreate iterations of the seams step.
    """

    parts: int
    split: int
    executor: str
    part_limit_s: float
    parts_wall_s: float
    to_seams: int
    before: int
    after: int
    routes_before: int
    routes_after: int
    iterations: int

    def describe(self) -> str:
        """One line for the solve's status (``SolveStats.status``)."""
        change = 100.0 * (self.routes_after - self.routes_before) / self.routes_before if self.routes_before else 0.0
        return (
            f"decomposed: {self.parts} of {self.split} parts on {self.executor} ({self.part_limit_s:.1f} s each, "
            f"{self.parts_wall_s:.1f} s); seams: {self.to_seams} to place, price {self.before} -> {self.after}, "
            f"routes {self.routes_before} -> {self.routes_after} ({change:+.2f} %), "
            f"{self.iterations} iterations"
        )


def _price(
    objective: Objective, scenario: Scenario, matrices: MatrixSet, routes: dict[str, list[Step]], left: Sequence[str]
) -> int:
    """The objective's price of exact routes (earliest schedules) and unplaced requests."""
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    total = objective.unserved_price(left)
    route_cost = RoutePricer(objective, scenario, matrices)
    for vid, steps in routes.items():
        times = earliest_schedule(scenario, matrices, scenario.vehicle(vid), steps, by_id, limits) if steps else None
        total += route_cost(vid, steps, times)
    return total


def _run_parts(
    scenario: Scenario, matrices: MatrixSet, split: Split, params: SolveParams, deadline: float, search: PartSearch
) -> tuple[dict[int, PartResult], float, float]:
    """Solve the parts on the executor, in waves of its size within the parts' share of the time.

    Returns the results by part index (a part missing: stopped on request), each part's time limit
    and the seconds from the first submission to the last result.
    """
    from routing.run.executor import open_executor

    parts_s = params.pipeline.decompose_parts_share * max(0.0, deadline - time.monotonic())
    until = time.time() + parts_s
    results: dict[int, PartResult] = {}
    with open_executor(params.executor) as executor:
        waves = max(1, math.ceil(len(split.parts) / executor.parallelism()))
        part_limit = max(MIN_PART_S, parts_s / waves)
        part_params = replace(params, time_limit_s=part_limit, workers=1, decompose="off")
        # A part without vehicles (none's shift fits) is not solved: the seams step places its requests.
        tasks = [
            PartTask(i, *sub_problem(scenario, matrices, part, f"{scenario.name} part {i + 1}"), part_params, until)
            for i, part in enumerate(split.parts)
            if part.vehicles
        ]
        started = time.monotonic()
        with closing(executor.map(search, tasks)) as done:
            for _, result in done:
                results[result.index] = result
                report(f"decompose: {len(results)} of {len(tasks)} parts")
    return results, part_limit, time.monotonic() - started


def solve_decomposed(
    scenario: Scenario,
    matrices: MatrixSet,
    requests: Sequence[Request],
    params: SolveParams,
    deadline: float,
    search: PartSearch,
) -> tuple[RawSolution, Seams]:
    """Plan ``requests`` by decomposition (see the module doc) before ``deadline``.

    Parameters
    ----------
    scenario, matrices
        The day and its matrices.
    requests
        The servable requests.
    params
        Settings: ``decompose``, ``executor``, the seed and limits, the pipeline's decomposition shares.
    deadline
        ``time.monotonic()`` value by which the plan must be found.
    search
        Solves one part on a worker.

    Returns
    -------
    tuple[RawSolution, Seams]
        The exact plan of the whole day (requests not placed dropped), and what the decomposition did.
    """
    pipe = params.pipeline
    report("decompose: split")
    split = split_day(scenario, matrices, requests, part_count(params, len(requests)))
    results, part_limit, parts_wall = _run_parts(scenario, matrices, split, params, deadline, search)
    merged: dict[str, list[Step]] = {}
    for i in sorted(results):
        merged.update(results[i].routes)
    placed = {s.request for steps in merged.values() for s in steps}
    left = [r.id for r in requests if r.id not in placed]
    report("decompose: seams")
    objective = Objective.of(scenario, matrices, params.objective, requests)
    start, removed = repair(scenario, matrices, merged)
    left += removed
    before = _price(objective, scenario, matrices, start, left)
    routes_before = before - objective.unserved_price(left)
    to_seams = len(left)
    routes, left = insert_requests(
        scenario, matrices, start, left, deadline, objective=objective, implied_windows=params.implied_windows
    )
    bound = None if params.solution_limit is None else params.solution_limit * pipe.lns_iterations_per_solution
    routes, iterations = improve(
        scenario, matrices, routes, params, deadline, max_iterations=bound, objective=objective, unplaced=left
    )
    raw = raw_from_routes(scenario, matrices, routes, requests, objective, "decomposition", "decomposed")
    seams = Seams(
        len(results),
        len(split.parts),
        params.executor,
        round(part_limit, 3),
        round(parts_wall, 3),
        to_seams,
        before,
        raw.objective or 0,
        routes_before,
        (raw.objective or 0) - objective.unserved_price(raw.dropped),
        iterations,
    )
    raw.status = f"SUCCESS ({seams.describe()})"
    raw.timed_out = bool(raw.dropped)
    raw.num_solutions = len(results)
    return raw, seams
