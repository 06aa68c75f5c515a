"""Exchange of route tails at empty-vehicle points (``search/tails.py``).

Every exchange keeps every rule (occupancy on the new vehicle, the exact schedule) and saves what
it says; on crossing routes it uncrosses them; with every rated pair checked it leaves no improving
exchange a brute force over all pairs of cuts would find.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from routing import Quantities, Scenario, Vehicle, VehicleType, build_matrices
from routing.limits import ride_limits_s
from routing.matrix import MatrixSet
from routing.solve.objective import Objective
from routing.solve.search import tails
from routing.solve.search.insertion import Inserter
from routing.solve.search.lns import route_cost
from routing.solve.search.schedule import Step, earliest_schedule, occupancy_problem
from tests.helpers import planar, req
from tests.solve.test_insertion_batched import SCENARIOS


def _state(scenario: Scenario, matrices: MatrixSet, objective: str, seed: int) -> tuple[Inserter, Objective]:
    """Routes built by greedy insertion in a random order (a plan with room for improvement)."""
    obj = Objective.of(scenario, matrices, objective)
    state = Inserter(scenario, matrices, {}, obj)
    ids = [r.id for r in scenario.requests]
    rng = random.Random(seed)
    state.insert(sorted(ids, key=lambda _: rng.random()), float("inf"), keep_order=True)
    return state, obj


def _priced(state: Inserter, obj: Objective) -> tuple[tails.RouteCost, dict[str, int]]:
    def cost_of(vid: str, steps: list[Step], times: list[int] | None) -> int:
        return route_cost(obj, state.scenario, state.matrices, vid, steps, times)

    return cost_of, {vid: cost_of(vid, steps, state.schedules[vid]) for vid, steps in state.current.items()}


def _assert_feasible(scenario: Scenario, matrices: MatrixSet, routes: dict[str, list[Step]]) -> None:
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    for vid, steps in routes.items():
        vehicle = scenario.vehicle(vid)
        assert occupancy_problem(scenario, vehicle, steps, by_id) is None, vid
        assert earliest_schedule(scenario, matrices, vehicle, steps, by_id, limits) is not None, vid


@pytest.mark.parametrize("objective", ["cost", "distance"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_exchanges_keep_every_rule_and_save_what_they_say(name: str, objective: str) -> None:
    """Tests that exchanged routes serve the same requests, stay feasible and cost exactly ``saved`` less."""
    scenario = SCENARIOS[name]()
    matrices = build_matrices(scenario)
    improved = 0
    for seed in range(6):
        state, obj = _state(scenario, matrices, objective, seed)
        before = Counter(s for steps in state.current.values() for s in steps)
        cost_of, costs = _priced(state, obj)
        total = sum(costs.values())
        saved, changed = tails.exchange_tails(state, cost_of, costs, float("inf"))
        assert Counter(s for steps in state.current.values() for s in steps) == before
        _assert_feasible(scenario, matrices, state.current)
        for vid, steps in state.current.items():  # what the exchange spliced is what a rebuild gives
            assert state.load_rows[vid].tolist() == state.loads(steps).tolist()
            exact = earliest_schedule(scenario, matrices, scenario.vehicle(vid), steps, state.requests, state.limits)
            assert state.schedules[vid] == exact
        fresh = {vid: cost_of(vid, steps, state.schedules[vid]) for vid, steps in state.current.items()}
        assert fresh == costs  # the prices kept for the caller are the routes' own
        assert sum(fresh.values()) == total - saved
        assert saved >= 0 and (saved > 0) == bool(changed)
        improved += saved > 0
    if name != "demo":  # the demo day's greedy plans may already have no better tails
        assert improved >= 1


@pytest.mark.parametrize("pinned", [False, True])
def test_crossing_routes_are_uncrossed(pinned: bool) -> None:
    """Tests that two routes each serving west then east (or east then west) end up one per side, unless
    a pin holds the afternoon trip on its vehicle (identical vehicles: the pin is the only rule in the way)."""
    points = {"depot": (0, 0), "w1": (-20, 0), "w2": (-21, 1), "e1": (20, 0), "e2": (21, 1)}
    pin = {"vehicles": frozenset({"a"})} if pinned else {}
    requests = [
        req("west_am", "w1", "w2", dw=(30, 40), ride=10),
        req("east_am", "e1", "e2", dw=(30, 40), ride=10),
        req("east_pm", "e1", "e2", dw=(100, 110), ride=10, **pin),
        req("west_pm", "w1", "w2", dw=(100, 110), ride=10),
    ]
    car = VehicleType("car", Quantities.of(seats=3), profile="grid")
    vehicles = (Vehicle("a", "car", "depot", "depot"), Vehicle("b", "car", "depot", "depot"))
    scenario = planar(points, requests, (car,), vehicles)
    matrices = build_matrices(scenario)

    def visits(*rids: str) -> list[Step]:
        return [Step(r, k) for r in rids for k in ("pickup", "dropoff")]

    obj = Objective.of(scenario, matrices, "distance")
    state = Inserter(scenario, matrices, {"a": visits("west_am", "east_pm"), "b": visits("east_am", "west_pm")}, obj)
    cost_of, costs = _priced(state, obj)
    saved, changed = tails.exchange_tails(state, cost_of, costs, float("inf"))
    if pinned:
        assert (saved, changed) == (0, set())
        return
    assert changed == {"a", "b"} and saved > 0
    sides = {frozenset(s.request.split("_")[0] for s in steps) for steps in state.current.values()}
    assert sides == {frozenset({"west"}), frozenset({"east"})}


def _homogeneous(seed: int) -> Scenario:
    """Four identical cars at one depot, 14 trips with windows and ride limits (distance is the whole price)."""
    rng = random.Random(seed)
    points = {"depot": (0, 0), **{f"p{i}": (rng.uniform(-20, 20), rng.uniform(-20, 20)) for i in range(20)}}
    requests = []
    for i in range(14):
        a, b = rng.sample(range(20), 2)
        t = rng.uniform(40, 300)
        requests.append(req(f"r{i}", f"p{a}", f"p{b}", dw=(t, t + 20), ride=45, service=1))
    car = VehicleType("car", Quantities.of(seats=3), profile="grid")
    vehicles = tuple(Vehicle(f"v{k}", "car", "depot", "depot") for k in range(4))
    return planar(points, requests, (car,), vehicles)


def _brute_force_best(state: Inserter, cost_of: tails.RouteCost, costs: dict[str, int]) -> int:
    """The largest saving of any single exchange of tails at empty-vehicle points, checked exactly."""
    scenario, by_id = state.scenario, state.requests
    limits = ride_limits_s(scenario, state.matrices)

    def checked(vid: str, steps: list[Step]) -> int | None:
        vehicle = scenario.vehicle(vid)
        if occupancy_problem(scenario, vehicle, steps, by_id) is not None:
            return None
        times = earliest_schedule(scenario, state.matrices, vehicle, steps, by_id, limits)
        return None if times is None else cost_of(vid, steps, times)

    best = 0
    cuts = {}
    for vid, steps in state.current.items():
        loads = state.loads(steps)
        cuts[vid] = [k for k in range(len(steps) + 1) if not loads[k].any()]
    vids = sorted(state.current)
    for x, va in enumerate(vids):
        for vb in vids[x + 1 :]:
            for i in cuts[va]:
                for j in cuts[vb]:
                    sa, sb = state.current[va], state.current[vb]
                    new_a, new_b = sa[:i] + sb[j:], sb[:j] + sa[i:]
                    done_a, done_b = checked(va, new_a), checked(vb, new_b)
                    if done_a is not None and done_b is not None:
                        best = max(best, costs[va] + costs[vb] - done_a - done_b)
    return best


def test_no_improving_exchange_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that with every rated pair checked, no exchange of any two routes' tails saves anything more.

    On identical vehicles priced by distance the rating's arcs are exact and its time test only drops
    pairs that cannot fit, so the descent must end where a brute force finds nothing.
    """
    monkeypatch.setattr(tails, "CHECKED_PER_ROUND", 10**6)
    had_some = 0
    for seed in range(8):
        scenario = _homogeneous(seed)
        matrices = build_matrices(scenario)
        state, obj = _state(scenario, matrices, "distance", seed)
        cost_of, costs = _priced(state, obj)
        had_some += _brute_force_best(state, cost_of, costs) > 0
        tails.exchange_tails(state, cost_of, costs, float("inf"))
        assert _brute_force_best(state, cost_of, costs) == 0, seed
    assert had_some >= 3  # the greedy plans left something to find


def test_the_focus_rates_only_pairs_with_a_changed_route() -> None:
    """Tests that a focus on routes already at their best exchanges nothing, and none finds what all find."""
    scenario = _homogeneous(3)
    matrices = build_matrices(scenario)
    state, obj = _state(scenario, matrices, "distance", 3)
    cost_of, costs = _priced(state, obj)
    assert tails.exchange_tails(state.copy(), cost_of, dict(costs), float("inf"), focus=set()) == (0, set())
    saved, _ = tails.exchange_tails(state, cost_of, costs, float("inf"))
    assert saved > 0
    assert tails.exchange_tails(state, cost_of, costs, float("inf"), focus=set(state.current))[0] == 0


def _greedy_states(objective: str) -> Iterator[tuple[int, Inserter]]:
    """Greedy plans (``_state``) of every test scenario, three seeds each, with their seed."""
    for name in sorted(SCENARIOS):
        scenario = SCENARIOS[name]()
        matrices = build_matrices(scenario)
        for seed in range(3):
            yield seed, _state(scenario, matrices, objective, seed)[0]


# The rating as plain array operations (before it was compiled): the reference of ``tails._rated``.
def _plain_cross(matrices: list[np.ndarray], group: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return np.array([[matrices[int(g)][r, c] for c in cols] for g, r in zip(group, rows, strict=True)]).reshape(
        len(rows), len(cols)
    )


def _plain_side_gain(c: Any, state: Inserter, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    arrive = c.depart[a][:, None] + _plain_cross(state.dur_matrices, c.dur_group[a], c.here[a], c.nxt[b])
    tail_empty = (c.pos[b] == c.last[b])[None, :]
    head_empty = (c.pos[a] == 0)[:, None]
    fits = (arrive <= c.latest_next[b][None, :]) | tail_empty
    link = _plain_cross(state.arc_matrices, c.arc_group[a], c.here[a], c.nxt[b])
    arcs = link + c.suffix[c.arc_group[a]][:, b] - c.out_arc[a][:, None] - c.suffix[c.arc_group[a], a][:, None]
    delay = np.maximum(0, arrive - c.t_next[b][None, :] - c.absorb_next[b][None, :])
    back = np.where(tail_empty, arrive, c.back[b][None, :] + delay)
    leave = np.where(head_empty, np.minimum(c.leave[b][None, :], c.t_next[b][None, :]), c.leave[a][:, None])
    new_duty = np.where(head_empty & tail_empty, 0, np.maximum(0, back - leave))
    old_duty = np.where(c.last[a] == 0, 0, c.back[a] - c.leave[a])[:, None]
    used = (~(head_empty & tail_empty)).astype(np.int64) - (c.last[a] > 0)[:, None]
    return arcs + (new_duty - old_duty) * c.per_s[a][:, None] + used * c.fixed[a][:, None], fits


def _plain_rated(c: Any, state: Inserter, focus: np.ndarray) -> list[tuple[int, int, int]]:
    """Every improving pair (rating, a, b), sorted by rating, then a, then b."""
    everything = np.arange(len(c.route))
    in_focus = focus[c.route]
    a = np.flatnonzero(in_focus)
    gain_a, fits_a = _plain_side_gain(c, state, a, everything)
    gain_b, fits_b = _plain_side_gain(c, state, everything, a)
    rating = gain_a + gain_b.T
    ok = fits_a & fits_b.T & (c.route[a][:, None] != c.route[None, :]) & (rating < 0)
    ok &= ~((c.pos[a] == c.last[a])[:, None] & (c.pos == c.last)[None, :])
    ok &= ~(in_focus[None, :] & (a[:, None] >= everything[None, :]))
    rows, cols = np.nonzero(ok)
    return sorted((int(rating[r, k]), int(a[r]), int(k)) for r, k in zip(rows, cols, strict=True))


@pytest.mark.parametrize("objective", ["cost", "distance"])
def test_the_compiled_rating_is_the_plain_one(objective: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that ``_rated`` gives, in order, the improving pairs of the plain array rating, with any focus
    and across row chunks (a small chunk size forces several)."""
    monkeypatch.setattr(tails, "CHUNK", 3)
    compared = 0
    for seed, state in _greedy_states(objective):
        c = tails._cuts(state, tails.TailCache())
        rng = random.Random(seed)
        for focus in (np.ones(len(c.vids), dtype=bool), np.array([rng.random() < 0.4 for _ in c.vids])):
            plain = _plain_rated(c, state, focus)
            got = tails._rated(c, state, 10**6, focus)
            assert got == [(a, b) for _, a, b in plain]
            assert tails._rated(c, state, 5, focus) == got[:5]
            compared += len(plain)
    assert compared > 50


def _plain_route_cuts(state: Inserter, vid: str) -> np.ndarray:
    """A route's cut table by plain array operations (before it was compiled)."""
    steps, rp = state.current[vid], state.profiles[vid]
    at = np.flatnonzero(~state.load_rows[vid].any(axis=1))
    loc = rp.loc
    suffix = np.stack([np.concatenate([np.cumsum(m[loc[:-1], loc[1:]][::-1])[::-1], [0]]) for m in state.arc_matrices])
    price = state.objective.prices[vid]
    columns = {
        "pos": at,
        "last": len(steps),
        "here": loc[at],
        "nxt": loc[at + 1],
        "depart": rp.t[at] + rp.service[at],
        "t_next": rp.t[at + 1],
        "latest_next": rp.latest[at + 1],
        "absorb_next": rp.absorb[at + 1],
        "back": int(rp.t[-1]),
        "leave": 0 if not steps else int(rp.leave),
        "dur_group": state.fixed_scalars[vid][0],
        "arc_group": state.fixed_scalars[vid][1],
        "per_s": price.per_s,
        "fixed": price.fixed,
        "out_arc": state.arc_matrices[state.fixed_scalars[vid][1]][loc[at], loc[at + 1]],
    }
    rows = [np.broadcast_to(np.asarray(columns[name]), at.shape) for name in tails._ROUTE_FIELDS]
    return np.vstack([*rows, suffix[:, at + 1]])


@pytest.mark.parametrize("objective", ["cost", "distance"])
def test_the_compiled_cut_table_is_the_plain_one(objective: str) -> None:
    """Tests that every route's cut table (``_route_cuts``) equals the plain array one, field by field."""
    compared = 0
    for _, state in _greedy_states(objective):
        for vid in state.current:
            if vid in state.profiles:
                got, plain = tails._route_cuts(state, vid), _plain_route_cuts(state, vid)
                assert got.shape == plain.shape
                assert got.tolist() == plain.tolist(), vid
                compared += got.shape[1]
    assert compared > 100
