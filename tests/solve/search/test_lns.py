"""The adaptive ruin-and-recreate search: removal operators, adaptive weights, regret insertion, the LNS."""

from __future__ import annotations

import random

import pytest

from routing import SolveParams, Vehicle, build_matrices
from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Scenario
from routing.solve.objective import Objective
from routing.solve.params import Pipeline
from routing.solve.search import removal
from routing.solve.search.insertion import Inserter
from routing.solve.search.lns import INSERTIONS, Wheel, improve, route_cost, threshold_share
from routing.solve.search.removal import Relatedness, RemovalContext
from routing.solve.search.schedule import Step, earliest_schedule, occupancy_problem
from tests.helpers import planar, req

N = 12


def _day() -> tuple[Scenario, MatrixSet, dict[str, list[Step]]]:
    """Twelve trips with ride limits, four cars, and a start that gives every trip a car of its own in turn."""
    points = {"depot": (0, 0), **{f"p{i}": ((i * 7) % 20, (i * 13) % 20) for i in range(N)}}
    requests = [req(f"r{i}", f"p{i}", f"p{(i + 5) % N}", dw=(40 + 5 * i, 70 + 5 * i), ride=40) for i in range(N)]
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in range(4)]
    scenario = planar(points, requests, vehicles=vehicles)
    matrices = build_matrices(scenario)
    state = Inserter(scenario, matrices, {}, Objective.of(scenario, matrices, "distance"))
    assert not state.insert([r.id for r in scenario.requests], float("inf"))
    return scenario, matrices, state.routes()


def _assert_complete_and_feasible(scenario: Scenario, matrices: MatrixSet, routes: dict[str, list[Step]]) -> None:
    assert sorted(s.request for steps in routes.values() for s in steps) == sorted([f"r{i}" for i in range(N)] * 2)
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    for vid, steps in routes.items():
        vehicle = scenario.vehicle(vid)
        assert occupancy_problem(scenario, vehicle, steps, by_id) is None
        assert earliest_schedule(scenario, matrices, vehicle, steps, by_id, limits) is not None


def _total(scenario: Scenario, matrices: MatrixSet, routes: dict[str, list[Step]]) -> int:
    objective = Objective.of(scenario, matrices, "distance")
    return sum(route_cost(objective, scenario, matrices, vid, steps, None) for vid, steps in routes.items())


@pytest.mark.parametrize("name", ["random", "related", "time_band", "worst", "route"])
def test_each_removal_operator_takes_out_served_requests(name: str) -> None:
    """Tests that every removal operator returns distinct, served request ids, sorted, at most q (a route whole)."""
    scenario, matrices, routes = _day()
    owner = {s.request: vid for vid, steps in routes.items() for s in steps}
    state = Inserter(scenario, matrices, routes, Objective.of(scenario, matrices, "distance"))
    ctx = RemovalContext(
        routes,
        owner,
        sorted(owner),
        lambda: {
            rid: value
            for vid, steps in routes.items()
            for rid, value in removal.route_savings(steps, state.profiles[vid].loc.tolist(), state.arcs[vid]).items()
        },
    )
    rel = Relatedness([scenario.request(rid) for rid in sorted(owner)], matrices)
    operators = {
        "random": removal.random_removal,
        "related": lambda c, q, r: removal.related_removal(c, q, r, rel),
        "time_band": lambda c, q, r: removal.time_band_removal(c, q, r, rel),
        "worst": removal.worst_removal,
        "route": removal.route_removal,
    }
    for seed in range(5):
        taken = operators[name](ctx, 4, random.Random(seed))
        assert taken == sorted(set(taken)) and taken
        assert set(taken) <= set(owner)
        if name == "route":
            assert {owner[rid] for rid in taken} == {owner[taken[0]]}
            assert len(taken) == len(routes[owner[taken[0]]]) // 2
        else:
            assert len(taken) == 4


def test_worst_removal_savings_are_the_route_length_lost() -> None:
    """Tests that a request's arc saving is exactly what its route's arcs lose without it."""
    scenario, matrices, routes = _day()
    objective = Objective.of(scenario, matrices, "distance")
    state = Inserter(scenario, matrices, routes, objective)
    for vid, steps in routes.items():
        savings = removal.route_savings(steps, state.profiles[vid].loc.tolist(), state.arcs[vid])
        whole = route_cost(objective, scenario, matrices, vid, steps, None)
        for rid, saving in savings.items():
            without = [s for s in steps if s.request != rid]
            assert saving == pytest.approx(whole - route_cost(objective, scenario, matrices, vid, without, None))


def test_wheel_weights_follow_scores() -> None:
    """Tests that a segment's scores move the weights: the scoring operator gains, the idle one keeps its weight."""
    wheel = Wheel(("a", "b", "c"))
    for _ in range(10):
        wheel.reward(0, 33.0)
        wheel.reward(1, 0.0)
    wheel.update(0.5)
    assert wheel.weights[0] > 1.0 > wheel.weights[1]
    assert wheel.weights[2] == 1.0
    rng = random.Random(0)
    picks = [wheel.pick(rng) for _ in range(200)]
    assert picks.count(0) > picks.count(1)


def test_regret_insertion_places_every_request_feasibly() -> None:
    """Tests that regret-2 insertion from empty routes places every request, each route feasible."""
    scenario, matrices, _ = _day()
    state = Inserter(scenario, matrices, {}, Objective.of(scenario, matrices, "distance"))
    assert state.insert_regret(sorted(r.id for r in scenario.requests), float("inf")) == []
    _assert_complete_and_feasible(scenario, matrices, state.routes())


@pytest.mark.parametrize("recombine_at", [(), (0.3, 0.6, 0.9)], ids=["plain", "recombining"])
def test_lns_never_returns_a_worse_plan_and_is_deterministic(recombine_at: tuple[float, ...]) -> None:
    """Tests that the LNS, with and without route-pool recombination, keeps every request, stays feasible,
    never worsens its start, and repeats itself."""
    scenario, matrices, start = _day()
    params = SolveParams(seed=1, objective="distance", pipeline=Pipeline(lns_recombine_at=recombine_at))
    routes, iterations = improve(scenario, matrices, start, params, float("inf"), max_iterations=150)
    again, _ = improve(scenario, matrices, start, params, float("inf"), max_iterations=150)
    assert iterations == 150
    assert routes == again
    _assert_complete_and_feasible(scenario, matrices, routes)
    assert _total(scenario, matrices, routes) <= _total(scenario, matrices, start)


def test_acceptance_threshold_falls_from_its_start_to_zero_as_a_power_of_the_time_left() -> None:
    """Tests the threshold's schedule: the start share at first, 0 at the end and past it, the given power between."""
    assert threshold_share(0.02, 0.0, 2.0) == 0.02
    assert threshold_share(0.02, 1.0, 2.0) == threshold_share(0.02, 1.3, 1.0) == 0.0
    assert threshold_share(0.02, 0.5, 1.0) == pytest.approx(0.01)
    assert threshold_share(0.02, 0.5, 2.0) == pytest.approx(0.005)
    shares = [threshold_share(0.02, p / 10, 2.0) for p in range(11)]
    assert shares == sorted(shares, reverse=True)


def test_lns_stops_at_its_deadline() -> None:
    """Tests that a deadline already passed returns the start unchanged after no iteration."""
    scenario, matrices, start = _day()
    routes, iterations = improve(scenario, matrices, start, SolveParams(seed=0), 0.0)
    assert iterations == 0
    assert routes == start


def test_lns_adapts_its_operator_weights() -> None:
    """Tests that after a few segments the operators' weights have moved from their start."""
    scenario, matrices, start = _day()
    weights: dict[str, float] = {}
    improve(scenario, matrices, start, SolveParams(seed=2), float("inf"), max_iterations=350, weights=weights)
    removals = {"random", "related", "time_band", "worst", "route"}
    assert set(weights) == removals | set(INSERTIONS)
    assert any(w != 1.0 for w in weights.values())


def test_lns_places_requests_insertion_left_out() -> None:
    """Tests that requests missing from the start routes (``unplaced``) are placed by ruin and recreate."""
    scenario, matrices, start = _day()
    out = {"r3", "r7"}
    without = {vid: [s for s in steps if s.request not in out] for vid, steps in start.items()}
    params = SolveParams(seed=2, objective="distance")
    routes, _ = improve(scenario, matrices, without, params, float("inf"), max_iterations=60, unplaced=sorted(out))
    _assert_complete_and_feasible(scenario, matrices, routes)


def test_noised_insertion_keeps_every_rule_is_repeatable_and_varies_with_the_seed() -> None:
    """Tests ``Inserter.insert(noise=...)``: every request placed on a feasible route, the same plan for the same
    random state, different plans over seeds (the noise-free insertion gives one plan whatever the seed)."""
    scenario, matrices, _ = _day()
    ids = [r.id for r in scenario.requests]

    def plan(noise: float, seed: int) -> dict[str, list[Step]]:
        state = Inserter(scenario, matrices, {}, Objective.of(scenario, matrices, "distance"))
        assert state.insert(ids, float("inf"), noise=noise, rng=random.Random(seed)) == []
        return state.routes()

    noised = [plan(0.3, seed) for seed in range(6)]
    for routes in noised:
        _assert_complete_and_feasible(scenario, matrices, routes)
    assert plan(0.3, 4) == noised[4]
    assert len({repr(sorted(r.items())) for r in noised}) > 1
    assert len({repr(sorted(plan(0.0, seed).items())) for seed in range(3)}) == 1
