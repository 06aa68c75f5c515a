"""The batched insertion pricing (``search/pricing.py``) against the per-route pricing it replaced.

``_reference`` is the former ``Inserter._gather``/``_candidates``: each route priced on its own
with ~25 array operations. The batched pricing must give the same candidates (route, pickup and
drop-off position), the same costs and the same order, for every request at every route state,
and so the same plans.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator
from dataclasses import replace

import numpy as np
import pytest

from routing import (
    Quantities,
    Scenario,
    SolveParams,
    TimeWindow,
    TravelProfile,
    Vehicle,
    VehicleType,
    build_matrices,
    load_scenario,
    solve,
)
from routing.matrix import MatrixSet
from routing.model import Request
from routing.solve.objective import Objective
from routing.solve.search.insertion import Inserter, _RouteProfile, insert_requests
from routing.solve.search.lns import improve
from routing.solve.search.pricing import Candidates, Fleet
from routing.solve.search.schedule import Step
from tests.helpers import DEMO, MIN, at, planar, req

#: One candidate: vehicle, pickup position, drop-off position, estimated cost.
Row = tuple[str, int, int, float]


# The reference: the per-route pricing as it was ------------------------------------------------
def _strictly_upper(n: int) -> np.ndarray:
    return np.triu(np.ones((n, n), dtype=bool), 1)


def _longer_duty(
    rp: _RouteProfile, next_arrival: np.ndarray, first_arrival: int, depot_to_new: int, new_to_depot: int, empty: bool
) -> np.ndarray:
    delay = np.maximum(next_arrival - rp.t[1:], 0)
    later_end = np.maximum(delay - rp.absorb[2:], 0).astype(np.float64)
    if rp.first_stop:
        lead = float(first_arrival)
        later_end[-1] -= new_to_depot - (rp.t[-1] - rp.end)
    else:
        lead = float(first_arrival - depot_to_new)
    if empty:
        return np.asarray(later_end + (rp.end - lead), dtype=np.float64)
    later_end[0] += max(0.0, rp.leave - lead)
    return np.asarray(later_end, dtype=np.float64)


def _range_max(loads: np.ndarray) -> np.ndarray:
    """[i, j, dim]: the highest load after nodes i..j (i <= j; below the diagonal: beneath any load)."""
    n = len(loads)
    grid = np.where(np.tril(np.ones((n, n), dtype=bool), -1)[:, :, None], np.iinfo(np.int64).min // 2, loads[None])
    return np.asarray(np.maximum.accumulate(grid, axis=1))


def _candidates(  # noqa: C901 - kept as it was
    ins: Inserter, vid: str, request: Request, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    pw, dw = ins.windows[request.id]
    d_loc = ins.index[request.dropoff.location]
    p_loc = ins.index[request.pickup.location] if request.pickup is not None else None
    rp = ins.profiles[vid]
    price = ins.objective.prices[vid]
    dist, dur = ins.arcs[vid], ins.durations[vid]
    here, after = rp.loc[:-1], rp.loc[1:]
    base, ready = dist[here, after], rp.t[:-1] + rp.service[:-1]
    sd = request.dropoff.service_s
    arrive_d = np.maximum(dw.start_s, ready + dur[here, d_loc])
    drop_ok = (arrive_d <= dw.end_s) & (np.maximum(rp.t[1:], arrive_d + sd + dur[d_loc, after]) <= rp.latest[1:])
    room = ins.capacity[vid] - q
    range_max = _range_max(ins.load_rows[vid])
    if p_loc is None:
        drop_ok &= (range_max[0] <= room).all(axis=1)
        feasible = bool(drop_ok.any())
    else:
        assert pw is not None and request.pickup is not None
        sp = request.pickup.service_s
        arrive_p = np.maximum(pw.start_s, ready + dur[here, p_loc])
        pick_ok = (arrive_p <= pw.end_s) & (np.maximum(rp.t[1:], arrive_p + sp + dur[p_loc, after]) <= rp.latest[1:])
        arrive_pd = np.maximum(dw.start_s, arrive_p + sp + dur[p_loc, d_loc])
        same_ok = (
            (arrive_p <= pw.end_s)
            & (arrive_pd <= dw.end_s)
            & (np.maximum(rp.t[1:], arrive_pd + sd + dur[d_loc, after]) <= rp.latest[1:])
        )
        feasible = bool(same_ok.any() or (pick_ok.any() and drop_ok.any()))
    if not feasible:
        return None
    cost_d = dist[here, d_loc] + dist[d_loc, after] - base
    per_s = price.per_s
    empty = not ins.current[vid]
    fixed = price.fixed if empty else 0
    if per_s:
        span_d = _longer_duty(
            rp,
            arrive_d + sd + dur[d_loc, after],
            int(arrive_d[0]),
            int(dur[rp.loc[0], d_loc]),
            int(dur[d_loc, rp.loc[-1]]),
            empty,
        )
    if p_loc is None:
        j = np.flatnonzero(drop_ok)
        price_d = cost_d + (per_s * span_d if per_s else 0) + fixed
        return price_d[j], np.full(len(j), -1), j
    cost_p = dist[here, p_loc] + dist[p_loc, after] - base
    pair = cost_p[:, None] + cost_d[None, :]
    same = dist[here, p_loc] + dist[p_loc, d_loc] + dist[d_loc, after] - base
    diagonal = slice(None, None, len(base) + 1)
    pair.flat[diagonal] = same
    ok = pick_ok[:, None] & drop_ok[None, :]
    ok &= _strictly_upper(len(base))
    ok.flat[diagonal] = same_ok
    ok &= (range_max <= room).all(axis=2)
    i, j = np.nonzero(ok)
    priced = pair + fixed
    if per_s:
        first_p, to_p = int(arrive_p[0]), int(dur[rp.loc[0], p_loc])
        span_p = _longer_duty(rp, arrive_p + sp + dur[p_loc, after], first_p, to_p, int(dur[p_loc, rp.loc[-1]]), empty)
        span_pair = span_p[:, None] + span_d[None, :]
        span_pair.flat[diagonal] = _longer_duty(
            rp, arrive_pd + sd + dur[d_loc, after], first_p, to_p, int(dur[d_loc, rp.loc[-1]]), empty
        )
        priced = priced + per_s * span_pair
    return priced[i, j], i, j


def _reference_candidates(ins: Inserter, rid: str, only: Collection[str] | None = None) -> Candidates:
    """The former ``Inserter._gather``: each route priced on its own, in route order."""
    request = ins.requests[rid]
    pw, dw = ins.windows[rid]
    q = np.array([request.load.get(d) for d in ins.dims], dtype=np.int64)
    costs, owners, picks, drops, route_ids = [], [], [], [], []
    idle_seen: set[tuple[object, ...]] = set()
    first_closes, drop_opens = (pw or dw).end_s, dw.start_s
    pins = request.vehicles
    for vid in ins.current if only is None else only:
        if ins.schedules[vid] is None:
            continue
        shift_start, shift_end = ins.shift[vid]
        if shift_start > first_closes or shift_end < drop_opens:
            continue
        if pins and vid not in pins:
            continue
        if not ins.current[vid]:
            if ins.kind[vid] in idle_seen:
                continue
            idle_seen.add(ins.kind[vid])
        vt = ins.vehicle_type[vid]
        if not request.skills <= vt.skills or not request.load.fits_in(vt.capacity):
            continue
        found = _candidates(ins, vid, request, q)
        if found is None:
            continue
        costs.append(found[0])
        picks.append(found[1])
        drops.append(found[2])
        owners.append(np.full(len(found[0]), len(route_ids)))
        route_ids.append(vid)
    if not costs:
        return Candidates.none()
    return Candidates(*(np.concatenate(a) for a in (costs, owners, picks, drops)), route_ids)


# Comparing ----------------------------------------------------------------------------------
def _rows(found: Candidates) -> list[Row]:
    return [
        (found.vids[int(o)], int(p), int(d), float(c))
        for c, o, p, d in zip(found.cost, found.owner, found.pick, found.drop, strict=True)
    ]


def _same_candidates(ins: Inserter, only: Collection[str] | None = None) -> int:
    """Assert old and new candidates agree for every request; return how many candidates were compared."""
    compared = 0
    for rid in ins.requests:
        old, new = _rows(_reference_candidates(ins, rid, only)), _rows(ins._gather(rid, only))
        assert new == old, rid
        compared += len(new)
    return compared


def _states(scenario: Scenario, matrices: MatrixSet, objective: Objective) -> Iterator[Inserter]:
    """Route states: from idle vehicles, one request inserted at a time; then requests removed again."""
    ins = Inserter(scenario, matrices, {}, objective)
    yield ins
    order = [r.id for r in scenario.requests]
    random.Random(5).shuffle(order)
    for rid in order:
        ins.insert([rid], float("inf"), keep_order=True)
        yield ins
    trial = ins.copy()
    removed = set(order[::3])
    for vid, steps in list(trial.current.items())[::2]:
        trial.set_route(vid, [s for s in steps if s.request not in removed])
    yield trial
    yield ins  # the copy's changes leave the original's arrays as they were


# Scenarios ------------------------------------------------------------------------------------
POINTS = {
    "depot": (0, 0),
    "north": (5, 30),
    **{f"p{i}": ((i * 7) % 23, (i * 13) % 19) for i in range(16)},
}


def _rich(hours_from: str = "depot") -> Scenario:
    """Two profiles, three types (per-hour, per-km, fixed prices; wheelchairs; a skill), shifts, pins,
    idle interchangeable vehicles, depot deliveries and wheelchair users."""
    types = (
        VehicleType("car", Quantities.of(seats=3, wheelchairs=0), profile="grid", cost_per_hour_dkk=300),
        VehicleType(
            "bus",
            Quantities.of(seats=6, wheelchairs=2),
            profile="grid",
            skills=frozenset({"lift"}),
            cost_per_hour_dkk=420,
            cost_per_km_dkk=3.5,
            fixed_cost_dkk=150,
            hours_from=hours_from,
        ),
        VehicleType("van", Quantities.of(seats=2, wheelchairs=1), profile="grid", cost_per_km_dkk=2, fixed_cost_dkk=80),
    )
    vehicles = (
        Vehicle("c1", "car", "depot", "depot"),
        Vehicle("c2", "car", "depot", "depot"),
        Vehicle("c3", "car", "depot", "depot"),
        Vehicle("c4", "car", "north", "north", shift=TimeWindow(at(200), at(600))),
        Vehicle("b1", "bus", "depot", "depot"),
        Vehicle("b2", "bus", "depot", "depot"),
        Vehicle("b3", "bus", "north", "depot", shift=TimeWindow(at(0), at(150))),
        Vehicle("w1", "van", "depot", "depot"),
    )
    requests: list[Request] = []
    for i in range(16):
        a, b = f"p{i}", f"p{(i + 5) % 16}"
        base = 40 + 25 * i
        extra: dict[str, object] = {}
        if i % 5 == 1:
            extra = {"load": {"wheelchairs": 1}, "skills": frozenset({"lift"})}
        if i % 7 == 3:
            extra["vehicles"] = frozenset({"c2", "b2"})
        if i % 4 == 0:
            requests.append(req(f"r{i}", a, b, pw=(base - 30, base), ride=45, service=1, **extra))
        else:
            requests.append(req(f"r{i}", a, b, dw=(base, base + 15), ride=40, service=2, **extra))
    for i in range(3):
        requests.append(replace(req(f"d{i}", "p1", f"p{3 * i + 2}", dw=(60 + 90 * i, 200 + 90 * i)), pickup=None))
    scenario = planar(POINTS, requests, types, vehicles)
    slow = TravelProfile("slow", kind="euclidean", circuity=1.4, scale=MIN)
    bus_slow = tuple(replace(t, profile="slow") if t.id == "bus" else t for t in types)
    return replace(scenario, profiles=(*scenario.profiles, slow), vehicle_types=bus_slow)


SCENARIOS = {
    "rich": _rich,
    "rich_first_stop": lambda: _rich("first_stop"),
    "demo": lambda: load_scenario(DEMO),
}


@pytest.mark.parametrize("objective", ["cost", "distance", "vehicles_then_distance"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_batched_candidates_equal_the_per_route_pricing(name: str, objective: str) -> None:
    """Tests that every request gets the same candidates, costs and order at every route state, also for a subset."""
    scenario = SCENARIOS[name]()
    matrices = build_matrices(scenario)
    compared = 0
    for k, ins in enumerate(_states(scenario, matrices, Objective.of(scenario, matrices, objective))):
        compared += _same_candidates(ins)
        if k % 4 == 0:
            vids = list(ins.current)
            compared += _same_candidates(ins, vids[::-3] + vids[1:3])  # out of order, idle twins included
    assert compared > 1000  # the states offer plenty of positions


def test_batched_candidates_skip_a_route_that_breaks_a_rule() -> None:
    """Tests that a route without a schedule takes no candidates in both."""
    scenario = _rich()
    matrices = build_matrices(scenario)
    ins = Inserter(scenario, matrices, {}, Objective.of(scenario, matrices, "cost"))
    late_then_early = [Step("r15", "pickup"), Step("r15", "dropoff"), Step("r0", "pickup"), Step("r0", "dropoff")]
    ins.set_route("c1", late_then_early)
    assert ins.schedules["c1"] is None
    assert _same_candidates(ins) > 0
    assert _same_candidates(ins, ["c1", "b1", "c2"]) > 0


def _searches(scenario: Scenario, matrices: MatrixSet, kind: str) -> tuple[object, ...]:
    """Insertion from idle vehicles, 150 ruin-and-recreate iterations, then regret insertion of a quarter."""
    objective = Objective.of(scenario, matrices, kind)
    ids = [r.id for r in scenario.requests]
    routes, left = insert_requests(scenario, matrices, {}, ids, float("inf"), objective=objective)
    params = SolveParams(seed=3, objective=kind)
    improved, _ = improve(scenario, matrices, routes, params, float("inf"), max_iterations=150, objective=objective)
    ins = Inserter(scenario, matrices, improved, objective)
    out = set(ids[::4])
    for vid, steps in improved.items():
        ins.set_route(vid, [s for s in steps if s.request not in out])
    regret_left = ins.insert_regret(sorted(out), float("inf"))
    return routes, left, improved, ins.routes(), regret_left


@pytest.mark.parametrize("kind", ["cost", "distance"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_searches_give_the_same_routes(name: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that insertion, ruin and recreate and regret insertion give the same routes with either pricing."""
    scenario = SCENARIOS[name]()
    matrices = build_matrices(scenario)
    new = _searches(scenario, matrices, kind)
    monkeypatch.setattr(Inserter, "_gather", _reference_candidates)
    assert _searches(scenario, matrices, kind) == new
    assert new[2] != new[0]  # the ruin and recreate changed the routes: the comparison is not idle


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_full_solves_give_the_same_plan(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that the hybrid backend (insertion, then ruin and recreate) plans the same with either pricing."""
    scenario = SCENARIOS[name]()
    matrices = build_matrices(scenario)
    params = SolveParams(time_limit_s=120, solution_limit=40, backend="hybrid", objective="cost", seed=2)
    new = solve(scenario, matrices, params)
    monkeypatch.setattr(Inserter, "_gather", _reference_candidates)
    old = solve(scenario, matrices, params)
    assert new.routes == old.routes
    assert new.unserved == old.unserved


def test_a_spliced_fleet_equals_a_rebuilt_one() -> None:
    """Tests that routes spliced into the concatenated arrays give the arrays built from scratch."""
    scenario = _rich()
    matrices = build_matrices(scenario)
    for ins in _states(scenario, matrices, Objective.of(scenario, matrices, "cost")):
        spliced = ins._fleet()
        assert spliced is not None
        built = Fleet.of(ins.rows, list(ins.current), *ins.matrix_lists)
        for name in ("in_order", "pos", "count", "table", "headroom", "start", "pair_start"):
            assert np.array_equal(getattr(spliced, name), getattr(built, name)), name
        assert spliced.vids == built.vids
