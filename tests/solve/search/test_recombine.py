"""Set-partitioning recombination of a route pool, alone and inside the ruin-and-recreate search."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import SolveParams
from routing.solve.hybrid import raw_from_routes, recombine_searches
from routing.solve.objective import Objective
from routing.solve.params import Pipeline
from routing.solve.search.insertion import Inserter
from routing.solve.search.lns import improve, route_cost
from routing.solve.search.recombine import RoutePool
from routing.solve.search.schedule import Step
from tests.solve.search.test_lns import _assert_complete_and_feasible, _day, _total


def _route(*requests: str) -> list[Step]:
    """Each request picked up and dropped off in turn."""
    return [Step(r, kind) for r in requests for kind in ("pickup", "dropoff")]


def _served(routes: dict[str, list[Step]]) -> dict[str, frozenset[str]]:
    return {vid: frozenset(s.request for s in steps) for vid, steps in routes.items()}


def test_pool_keeps_each_distinct_route_at_its_cheapest_and_no_empty_one() -> None:
    """Tests that a route met twice is pooled once at the lower price, by kind, and an empty route not at all."""
    pool = RoutePool({"v1": "car", "v2": "car"})
    pool.add("v1", _route("a", "b"), 10)
    pool.add("v2", _route("b", "a"), 8)  # the same requests on an interchangeable vehicle, cheaper
    pool.add("v1", _route("a", "b"), 12)
    pool.add("v2", [], 0)
    assert len(pool) == 1
    assert pool.routes[("car", frozenset({"a", "b"}))] == (8, "v2", _route("b", "a"))


def test_recombination_finds_the_cheapest_partition_the_fleet_allows() -> None:
    """Tests that routes of different plans combine into a cheaper plan within the fleet, never at the price to beat."""
    pool = RoutePool({"v1": "car", "v2": "car"})
    for vid, requests, price in [
        ("v1", "ab", 10),
        ("v2", "cd", 10),
        ("v1", "ac", 6),
        ("v1", "bd", 7),
        ("v2", "abcd", 30),
    ]:
        pool.add(vid, _route(*requests), price)
    price, routes = pool.recombine("abcd", 20, float("inf")) or (None, {})
    assert price == 13
    assert sorted(_served(routes).values(), key=sorted) == [frozenset("ac"), frozenset("bd")]
    assert set(routes) == {"v1", "v2"}  # both routes ran on v1: one moved to the other car
    assert pool.recombine("abcd", 13, float("inf")) is None  # nothing cheaper than 13

    alone = RoutePool({"v1": "car"})  # one car: only the route serving all four fits
    for requests, price in [("ac", 6), ("bd", 7), ("abcd", 30)]:
        alone.add("v1", _route(*requests), price)
    assert alone.recombine("abcd", 40, float("inf")) == (30, {"v1": _route(*"abcd")})


def test_recombination_leaves_out_routes_serving_other_requests() -> None:
    """Tests that only routes within the plan's requests are offered (an unserved request stays out)."""
    pool = RoutePool({"v1": "car", "v2": "car"})
    for requests, price in [("ab", 10), ("cd", 10), ("abx", 1), ("cdx", 1)]:
        pool.add("v1", _route(*requests), price)
    assert pool.recombine("abcd", 30, float("inf")) == (20, {"v1": _route("a", "b"), "v2": _route("c", "d")})


def test_a_route_with_a_pinned_request_stays_on_its_vehicle() -> None:
    """Tests that a pinned request's route is kept for the vehicle it ran on, which no other route then takes."""
    pool = RoutePool({"v1": "car", "v2": "car"}, pinned={"p"})
    pool.add("v2", _route("p", "a"), 5)
    pool.add("v2", _route("b"), 5)  # ran on v2 too, but v2 is the pinned route's
    pool.add("v1", _route("p", "a", "b"), 20)
    assert ("vehicle", "v2") in {key[0] for key in pool.routes}
    assert pool.recombine("pab", 20, float("inf")) == (10, {"v2": _route("p", "a"), "v1": _route("b")})


def test_recombining_two_plans_serves_every_request_feasibly_at_most_at_the_cheaper_ones_price() -> None:
    """Tests the pool of two plans of the same day, each from a different insertion order: its cheapest
    partition serves every request, keeps every rule and costs at most the cheaper plan."""
    scenario, matrices, _ = _day()
    objective = Objective.of(scenario, matrices, "distance")
    plans = []
    for order in (sorted, lambda ids: sorted(ids, reverse=True)):
        state = Inserter(scenario, matrices, {}, objective)
        assert not state.insert(order([r.id for r in scenario.requests]), float("inf"), keep_order=True)
        plans.append(state)
    pool = RoutePool(plans[0].kind)
    prices = []
    for state in plans:
        costs = {
            vid: route_cost(objective, scenario, matrices, vid, s, state.schedules[vid])
            for vid, s in state.current.items()
        }
        pool.add_routes(state.current, costs, state.current)
        prices.append(sum(costs.values()))
    found = pool.recombine([r.id for r in scenario.requests], min(prices) + 1, float("inf"))
    assert found is not None and found[0] <= min(prices)
    _assert_complete_and_feasible(scenario, matrices, found[1])


def test_merging_pools_keeps_each_route_at_its_cheapest_and_refuses_another_fleet() -> None:
    """Tests that merging another search's pool adds its routes, keeps the cheaper price, and needs the same fleet."""
    pool = RoutePool({"v1": "car", "v2": "car"})
    pool.add("v1", _route("a", "b"), 10)
    other = RoutePool({"v1": "car", "v2": "car"})
    other.add("v2", _route("b", "a"), 8)
    other.add("v2", _route("c"), 3)
    pool.merge(other)
    assert len(pool) == 2
    assert pool.routes[("car", frozenset("ab"))] == (8, "v2", _route("b", "a"))
    with pytest.raises(ValueError, match="different fleets"):
        pool.merge(RoutePool({"v1": "van"}))


def test_a_shortlist_keeps_the_routes_of_least_reduced_cost() -> None:
    """Tests that a shortlist of two keeps the LP optimum's routes (reduced cost 0; every other route's is
    positive here), that a long one keeps every route, and that requests no route serves alone give none."""
    pool = RoutePool({"v1": "car", "v2": "car"})
    for requests, price in [("ab", 20), ("cd", 20), ("ac", 6), ("bd", 7), ("abcd", 30)]:
        pool.add("v1", _route(*requests), price)
    short = pool.shortlist("abcd", 2, float("inf"))
    assert set(short.routes) == {("car", frozenset("ac")), ("car", frozenset("bd"))}
    assert short.recombine("abcd", 40, float("inf")) == pool.recombine("abcd", 40, float("inf"))
    assert len(pool.shortlist("abcd", 10, float("inf"))) == 5
    assert len(pool.shortlist("xy", 2, float("inf"))) == 0


def test_parallel_searches_recombine_into_a_plan_cheaper_than_theirs() -> None:
    """Tests that two searches' plans with their pools recombine into a complete, feasible plan cheaper than
    both: here each result is its search's start, and one search's pool holds the routes of a cheaper plan."""
    scenario, matrices, start = _day()
    objective = Objective.of(scenario, matrices, "distance", scenario.requests)
    raws, found = [], []
    for seed in (1, 2):
        pools: list[RoutePool] = []
        params = SolveParams(seed=seed, objective="distance", pipeline=Pipeline(lns_recombine_at=()))
        improved, _ = improve(scenario, matrices, start, params, float("inf"), max_iterations=150, pools=pools)
        found.append(_total(scenario, matrices, improved))
        assert found[-1] < _total(scenario, matrices, start)
        raw = raw_from_routes(scenario, matrices, start, scenario.requests, objective, "test", "test")
        raw.pool = pools[0].shortlist([r.id for r in scenario.requests], 1500, float("inf"))
        raws.append(raw)
    merged = recombine_searches(scenario, matrices, scenario.requests, objective, raws, float("inf"))
    assert merged is not None and merged.objective is not None
    assert merged.objective <= min(found) < min(raw.objective or 0 for raw in raws)  # both searches' bests pooled
    assert "2 parallel searches recombined" in merged.status
    assert not merged.dropped
    steps = {vid: [Step(v.request, v.kind) for v in visits[1:-1]] for vid, visits in merged.routes.items()}
    _assert_complete_and_feasible(scenario, matrices, steps)
    assert recombine_searches(scenario, matrices, scenario.requests, objective, raws[:1], float("inf")) is None


def test_recombination_points_are_validated() -> None:
    """Tests that recombination points must be shares in rising order."""
    base = Pipeline()
    assert not base.problems()
    assert [p.path for p in replace(base, lns_recombine_at=(0.9, 0.5)).problems()] == [
        "SolveParams.pipeline.lns_recombine_at"
    ]
    assert [p.path for p in replace(base, lns_recombine_at=(0.5, 1.5)).problems()] == [
        "SolveParams.pipeline.lns_recombine_at[1]"
    ]
    assert not replace(base, lns_recombine_at=()).problems()
