"""The insertion's fast exact checks, and its spliced routes, against the plain ones they stand for.

``schedule.earliest_times`` (the chain sweep) against a textbook Bellman-Ford over the same
difference constraints, and ``Inserter._try`` (its node cache, and the occupancy check left to the
pricing's filters where they cover it) against ``occupancy_problem`` and ``earliest_schedule`` on
every candidate the pricing offers on random routes.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import numpy as np
import pytest

from routing import build_matrices
from routing.limits import max_duration_s, ride_limits_s
from routing.solve.objective import Objective
from routing.solve.search import pricing, splice, tails
from routing.solve.search.insertion import Inserter, _Nodes
from routing.solve.search.lns import RoutePricer
from routing.solve.search.schedule import Step, earliest_array, earliest_schedule, earliest_times, occupancy_problem
from routing.solve.solve import warm_up
from tests.solve.test_insertion_batched import _rich


def _bellman_ford(
    lower: list[int], upper: list[int], legs: list[int], back: list[tuple[int, int, int]]
) -> list[int] | None:
    """Least times by plain Bellman-Ford passes over every edge (the former ``earliest_schedule`` loop)."""
    n = len(lower)
    edges = [(k, k + 1, legs[k]) for k in range(n - 1)] + back
    t = list(lower)
    for _ in range(n + 1):
        changed = False
        for i, j, w in edges:
            if t[i] + w > t[j]:
                t[j] = t[i] + w
                if t[j] > upper[j]:
                    return None
                changed = True
        if not changed:
            return t
    return None


def test_chain_sweep_gives_the_bellman_ford_times() -> None:
    """Tests that the chain sweep finds the same earliest times, or the same infeasibility, on random systems."""
    rng = random.Random(7)
    outcomes = {True: 0, False: 0}
    for _ in range(3000):
        n = rng.randint(2, 14)
        lower = [rng.randint(0, 100) for _ in range(n)]
        upper = [lo + rng.randint(0, 400) for lo in lower]
        legs = [rng.randint(0, 25) for _ in range(n - 1)]
        back = []
        for _ in range(rng.randint(0, n)):
            p = rng.randrange(0, n - 1)
            k = rng.randrange(p + 1, n)
            back.append((k, p, -rng.randint(0, 20 * (k - p) + 10)))
        got = earliest_times(lower, upper, legs, back)
        assert got == _bellman_ford(lower, upper, legs, back)
        outcomes[got is not None] += 1
    assert min(outcomes.values()) > 300  # both feasible and infeasible systems were drawn


def _same_nodes(spliced: _Nodes, built: _Nodes) -> bool:
    """Whether spliced nodes equal the nodes built from the steps, field by field (int64 arrays); the back
    edges may come in another order (the earliest times do not depend on it)."""
    for field in ("loc", "service", "lower", "upper", "legs", "role"):
        a, b = getattr(spliced, field), getattr(built, field)
        if a.dtype != np.int64 or a.tolist() != b.tolist():
            return False
    return bool(sorted(spliced.back.tolist()) == sorted(built.back.tolist()))


def _agree(scenario_kind: str, seed: int) -> tuple[int, int]:
    scenario = _rich()
    if scenario_kind == "apart":
        # Not-together pairs and an enekørsel rider: the occupancy check must still run for them.
        requests = [
            replace(r, not_with=frozenset({"r6"})) if r.id == "r2" else replace(r, solo=True) if r.id == "r9" else r
            for r in scenario.requests
        ]
        requests = [replace(r, not_with=frozenset({"r2"})) if r.id == "r6" else r for r in requests]
        scenario = replace(scenario, requests=tuple(requests))
    matrices = build_matrices(scenario)
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    rng = random.Random(seed)
    ins = Inserter(scenario, matrices, {}, Objective.of(scenario, matrices, "cost"))
    ids = [r.id for r in scenario.requests]
    ins.insert(sorted(ids, key=lambda _: rng.random()), float("inf"), keep_order=True)
    checked = rejected = 0
    for rid in ids:
        on = {s.request for steps in ins.current.values() for s in steps}
        if rid in on:
            vid = next(v for v, steps in ins.current.items() if any(s.request == rid for s in steps))
            ins.set_route(vid, [s for s in ins.current[vid] if s.request != rid])
        found = ins._gather(rid)
        for k in range(len(found.cost)):
            vid = found.vids[int(found.owner[k])]
            pick, drop = int(found.pick[k]), int(found.drop[k])
            fast = ins._try(rid, vid, pick, drop)
            trial = list(ins.current[vid])
            trial.insert(drop, Step(rid, "dropoff"))
            if pick >= 0:
                trial.insert(pick, Step(rid, "pickup"))
            vehicle = scenario.vehicle(vid)
            exact = None
            if occupancy_problem(scenario, vehicle, trial, by_id) is None:
                exact = earliest_schedule(scenario, matrices, vehicle, trial, by_id, limits)
            assert (fast is None) == (exact is None)
            if fast is not None:
                assert (fast.steps, fast.times) == (trial, exact)
                assert fast.loads.tolist() == ins.loads(trial).tolist()  # spliced, not recounted
                assert _same_nodes(fast.nodes, ins._nodes(vid, trial))
            checked += 1
            rejected += fast is None
        ins.insert([rid], float("inf"))
    return checked, rejected


def test_inserter_checks_agree_with_the_exact_ones() -> None:
    """Tests that every priced candidate on random plans is accepted, with the same schedule, exactly when
    the occupancy rules and the exact scheduler accept it (with and without not-together and enekørsel)."""
    counts = [_agree(kind, seed) for kind in ("plain", "apart") for seed in range(6)]
    assert sum(c for c, _ in counts) > 2000
    assert sum(r for _, r in counts) > 100  # some candidates fail the exact checks


def test_route_profiles_match_the_exact_schedule() -> None:
    """Tests that every route's stored schedule is the exact earliest schedule of its steps."""
    scenario = _rich()
    matrices = build_matrices(scenario)
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    ins = Inserter(scenario, matrices, {}, Objective.of(scenario, matrices, "cost"))
    ins.insert([r.id for r in scenario.requests], float("inf"))
    for vid, steps in ins.current.items():
        exact = earliest_schedule(scenario, matrices, scenario.vehicle(vid), steps, by_id, limits)
        assert ins.schedules[vid] == exact
        assert exact is not None
        assert ins.profiles[vid].t.tolist() == exact


def test_removal_splice_matches_a_rebuilt_route() -> None:
    """Tests that taking requests off a route (``Inserter.remove``, spliced) leaves the nodes, loads,
    schedule and profile that rebuilding the route from its remaining steps gives."""
    scenario = _rich()
    matrices = build_matrices(scenario)
    objective = Objective.of(scenario, matrices, "cost")
    rng = random.Random(3)
    compared = 0
    for _ in range(40):
        ins = Inserter(scenario, matrices, {}, objective)
        ins.insert(sorted((r.id for r in scenario.requests), key=lambda _: rng.random()), float("inf"), keep_order=True)
        for vid, steps in ins.current.items():
            on = sorted({s.request for s in steps})
            if not on:
                continue
            taken = set(rng.sample(on, rng.randint(1, len(on))))
            spliced, rebuilt = ins.copy(), ins.copy()
            spliced.remove(vid, taken)
            rebuilt.set_route(vid, [s for s in steps if s.request not in taken])
            assert spliced.current[vid] == rebuilt.current[vid]
            assert _same_nodes(spliced.nodes[vid], rebuilt.nodes[vid])
            assert spliced.load_rows[vid].tolist() == rebuilt.load_rows[vid].tolist()
            assert spliced.schedules[vid] == rebuilt.schedules[vid]
            assert spliced.profiles[vid].t.tolist() == rebuilt.profiles[vid].t.tolist()
            compared += 1
    assert compared > 100


def _plain_rows(ins: Inserter, vid: str) -> dict[str, np.ndarray]:
    """A route's latest starts, absorbing waits and insertion arrays by their plain array definitions."""
    nodes, times, loads = ins.nodes[vid], ins.schedules[vid], ins.load_rows[vid]
    assert times is not None
    legs, service, t = np.array(nodes.legs), np.array(nodes.service), np.array(times)
    latest = list(nodes.upper)
    for k in range(len(latest) - 2, -1, -1):
        latest[k] = min(latest[k], latest[k + 1] - nodes.service[k] - nodes.legs[k])
    wait = np.zeros(len(t) + 1, dtype=np.int64)
    wait[1:-1] = t[1:] - t[:-1] - service[:-1] - legs
    absorb = np.cumsum(wait[::-1])[::-1]
    loc = np.array(nodes.loc)
    here, after = loc[:-1], loc[1:]
    cap = ins.capacity[vid]
    i, j = np.triu_indices(len(here))
    highest = np.array([loads[a : b + 1].max(axis=0) for a, b in zip(i, j, strict=True)]).reshape(len(i), -1)
    positions = np.vstack(
        [
            here,
            after,
            t[:-1] + service[:-1],
            ins.arcs[vid][here, after],
            t[1:],
            np.array(latest)[1:],
            absorb[2:],
            (cap[:, None] - np.maximum.accumulate(loads, axis=0).T),
        ]
    )
    return {"latest": np.array(latest), "absorb": absorb, "positions": positions, "headroom": cap[:, None] - highest.T}


def test_route_rows_match_their_plain_definition() -> None:
    """Tests that the compiled ``pricing.route_rows`` gives every route's latest starts, absorbing waits,
    position rows and pair headroom as their plain array definitions do (random plans, with and without
    duty prices)."""
    scenario = _rich()
    matrices = build_matrices(scenario)
    rng = random.Random(11)
    compared = 0
    for objective in ("cost", "distance"):
        for _ in range(10):
            ins = Inserter(scenario, matrices, {}, Objective.of(scenario, matrices, objective))
            order = sorted((r.id for r in scenario.requests), key=lambda _: rng.random())
            ins.insert(order, float("inf"), keep_order=True)
            for vid in ins.current:
                if ins.schedules[vid] is None:
                    continue
                plain, rp = _plain_rows(ins, vid), ins.profiles[vid]
                for name, got in (("latest", rp.latest), ("absorb", rp.absorb)):
                    assert got.tolist() == plain[name].tolist(), name
                assert rp.positions.tolist() == plain["positions"].tolist()
                assert rp.headroom.tolist() == plain["headroom"].tolist()
                assert rp.positions.tolist() == ins.rows[vid].positions.tolist()
                compared += 1
    assert compared > 100


def test_the_warm_up_compiles_what_a_search_calls() -> None:
    """Tests that after ``warm_up`` a search (insertion, removal, tail exchange, both objectives) compiles
    no further kernel version: ``solve`` warms up before its clock starts, so none compiles on its time."""
    warm_up()
    kernels = [
        pricing._route_rows,
        pricing._price_routes,
        pricing._spliced,
        tails._cut_table,
        tails._rate_rows,
        splice.built,
        splice.inserted,
        splice.removed,
        earliest_array,
    ]
    if not all(hasattr(k, "signatures") for k in kernels):
        pytest.skip("NUMBA_DISABLE_JIT: nothing is compiled")
    before = [list(k.signatures) for k in kernels]
    scenario = _rich()
    matrices = build_matrices(scenario)
    memory_mapped = build_matrices(scenario)  # as the matrix cache hands them out: read-only
    for m in (*memory_mapped.duration_s.values(), *memory_mapped.distance_m.values()):
        m.setflags(write=False)
    for objective, matrices in itertools.product(("cost", "distance"), (matrices, memory_mapped)):
        obj = Objective.of(scenario, matrices, objective)
        ins = Inserter(scenario, matrices, {}, obj)
        ins.insert([r.id for r in scenario.requests], float("inf"))
        routes = ins.routes()
        ins.remove(next(iter(routes)), {routes[next(iter(routes))][0].request})
        cost_of = RoutePricer(obj, scenario, matrices)
        costs = {vid: cost_of(vid, steps, ins.schedules[vid]) for vid, steps in ins.current.items()}
        tails.exchange_tails(ins, cost_of, costs, float("inf"))
    assert [list(k.signatures) for k in kernels] == before


def test_built_nodes_follow_the_model() -> None:
    """Tests that a route's nodes (``Inserter._nodes``, compiled) are its visits' locations, service times,
    windows as given, roles, legs and the back edges of the longest duty and each ride limit, read from
    the model directly."""
    scenario = _rich()
    matrices = build_matrices(scenario)
    index, limits = matrices.index(), ride_limits_s(scenario, matrices)
    ins = Inserter(scenario, matrices, {}, Objective.of(scenario, matrices, "cost"))
    ins.insert([r.id for r in scenario.requests], float("inf"))
    by_id = {r.id: r for r in scenario.requests}
    seen_roles: set[int] = set()
    for vid, steps in ins.current.items():
        vehicle = scenario.vehicle(vid)
        dur = matrices.duration_s[scenario.vehicle_type(vehicle.type).profile]
        visits = [by_id[s.request].pickup if s.kind == "pickup" else by_id[s.request].dropoff for s in steps]
        loc = [index[vehicle.start], *(index[v.location] for v in visits), index[vehicle.end]]
        shift = (vehicle.shift.start_s, vehicle.shift.end_s)
        windows = [shift, *((v.effective_window.start_s, v.effective_window.end_s) for v in visits), shift]
        roles = [splice.DEPOT]
        back = []
        longest = max_duration_s(scenario, vehicle)
        if longest is not None:
            back.append([len(steps) + 1, 0, -longest])
        for k, s in enumerate(steps, start=1):
            r = by_id[s.request]
            if s.kind == "pickup":
                roles.append(splice.PICKUP)
                continue
            roles.append(splice.DEPOT_DROPOFF if r.pickup is None else splice.DROPOFF)
            if r.pickup is not None and limits.get(r.id) is not None:
                p = steps.index(Step(r.id, "pickup")) + 1
                back.append([k, p, -(limits[r.id] + r.pickup.service_s)])
        nodes = ins._nodes(vid, steps)
        assert nodes.loc.tolist() == loc
        assert nodes.service.tolist() == [0, *(v.service_s for v in visits), 0]
        assert list(zip(nodes.lower.tolist(), nodes.upper.tolist(), strict=True)) == windows
        assert nodes.role.tolist() == [*roles, splice.DEPOT]
        assert nodes.legs.tolist() == [int(dur[a, b]) for a, b in zip(loc, loc[1:])]
        assert nodes.back.tolist() == back
        seen_roles.update(roles)
    assert seen_roles == {splice.DEPOT, splice.PICKUP, splice.DROPOFF, splice.DEPOT_DROPOFF}
