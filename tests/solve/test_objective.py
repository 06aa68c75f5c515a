"""The one objective: every backend's own reported objective agrees with ``Objective.price``."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest

from routing import Quantities, Scenario, SolveParams, Vehicle, VehicleType, build_matrices
from routing.limits import ride_limits_s
from routing.solve.backends.base import RawSolution, TimedStep
from routing.solve.backends.ortools import solve_ortools
from routing.solve.backends.pyvrp import solve_pyvrp
from routing.solve.hybrid import solve_hybrid
from routing.solve.objective import Objective
from routing.solve.params import Pipeline
from routing.solve.search.lns import route_cost
from routing.solve.search.schedule import Step, earliest_schedule
from routing.solve.solve import SEARCHES, _portfolio
from tests.helpers import planar, req

#: Prices that do not divide evenly into cost units per metre or second: the rounding is tested too.
TYPES = (
    VehicleType(
        "taxi",
        Quantities.of(seats=3),
        profile="grid",
        fixed_cost_dkk=250,
        cost_per_hour_dkk=380,
        cost_per_km_dkk=7.35,
    ),
    VehicleType(
        "bus",
        Quantities.of(seats=8),
        profile="grid",
        fixed_cost_dkk=900.5,
        cost_per_hour_dkk=470.1234,
        cost_per_km_dkk=3.3337,
    ),
)


def _instance(seed: int, ride: float | None = None, hours_from: str = "depot") -> Scenario:
    """A random planar instance: 10 trips with drop-off windows, two priced vehicle types."""
    rng = random.Random(seed)
    points = {"depot": (0.0, 0.0), **{f"p{i}": (rng.uniform(-15, 15), rng.uniform(-15, 15)) for i in range(14)}}
    requests = []
    for i in range(10):
        a, b = rng.sample(range(14), 2)
        due = rng.uniform(40, 200)
        requests.append(req(f"r{i}", f"p{a}", f"p{b}", dw=(due - 20, due), service=1, ride=ride))
    types = tuple(replace(vt, hours_from=hours_from) for vt in TYPES)
    vehicles = [Vehicle(f"t{i}", "taxi", "depot", "depot") for i in range(3)]
    vehicles += [Vehicle(f"b{i}", "bus", "depot", "depot") for i in range(2)]
    return planar(points, requests, types=types, vehicles=vehicles)


def _params(**kwargs: object) -> SolveParams:
    return SolveParams(time_limit_s=120, solution_limit=20, objective="cost", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ortools_objective_value_is_the_shared_price(seed: int) -> None:
    """Tests that OR-Tools' ObjectiveValue equals the shared price of the plan it returns."""
    scenario = _instance(seed, ride=40)
    matrices = build_matrices(scenario)
    raw = solve_ortools(scenario, matrices, scenario.requests, _params(), time.monotonic() + 120)
    assert raw.found and raw.objective is not None
    objective = Objective.of(scenario, matrices, "cost")
    assert objective.price(raw.routes, raw.dropped) == raw.objective


@pytest.mark.parametrize("seed", [0, 1])
def test_distance_objective_prices_metres_only(seed: int) -> None:
    """Tests that under ``distance`` OR-Tools' objective is the metres driven, as the shared price says."""
    scenario = _instance(seed, ride=40)
    matrices = build_matrices(scenario)
    params = replace(_params(), objective="distance")
    raw = solve_ortools(scenario, matrices, scenario.requests, params, time.monotonic() + 120)
    objective = Objective.of(scenario, matrices, "distance")
    index = matrices.index()
    metres = sum(
        int(matrices.distance_m["grid"][index[a.location], index[b.location]])
        for visits in raw.routes.values()
        for a, b in zip(visits, visits[1:])
    )
    assert raw.objective == objective.price(raw.routes, raw.dropped) == metres + objective.unserved_price(raw.dropped)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pyvrp_cost_is_the_shared_price(seed: int) -> None:
    """Tests that PyVRP's reported cost equals the shared price (priced arcs as its distances, duty per second)."""
    scenario = _instance(seed)
    matrices = build_matrices(scenario)
    raw = solve_pyvrp(scenario, matrices, scenario.requests, _params(), time.monotonic() + 120)
    assert raw.found and raw.objective is not None and not raw.dropped
    assert Objective.of(scenario, matrices, "cost").price(raw.routes, raw.dropped) == raw.objective


@pytest.mark.parametrize("hours_from", ["depot", "first_stop"])
def test_lns_cost_is_the_shared_price(hours_from: str) -> None:
    """Tests that the hybrid's exact plan (LNS, no polish) is priced by the LNS as by the shared price."""
    scenario = _instance(3, ride=40, hours_from=hours_from)
    matrices = build_matrices(scenario)
    params = _params(pipeline=Pipeline(hybrid_stages=("relax", "repair", "insert", "improve")))
    raw = solve_hybrid(scenario, matrices, scenario.requests, params, time.monotonic() + 120)
    assert "no OR-Tools polish" in raw.status
    objective = Objective.of(scenario, matrices, "cost")
    assert raw.objective == objective.price(raw.routes, raw.dropped)
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    lns = 0
    for vid, visits in raw.routes.items():
        steps = [Step(v.request, v.kind) for v in visits if v.request is not None]
        times = earliest_schedule(scenario, matrices, scenario.vehicle(vid), steps, by_id, limits)
        lns += route_cost(objective, scenario, matrices, vid, steps, times)
    assert lns + objective.unserved_price(raw.dropped) == raw.objective


def test_hybrid_polish_reports_the_shared_price() -> None:
    """Tests that the hybrid's OR-Tools polish reports the shared price of its plan."""
    scenario = _instance(4, ride=40)
    matrices = build_matrices(scenario)
    raw = solve_hybrid(scenario, matrices, scenario.requests, _params(), time.monotonic() + 120)
    assert "no OR-Tools polish" not in raw.status and raw.objective is not None
    assert Objective.of(scenario, matrices, "cost").price(raw.routes, raw.dropped) == raw.objective


def test_duty_from_the_first_stop_is_declared_unsupported_and_skips_the_polish() -> None:
    """Tests that duty priced from the first stop is named as beyond OR-Tools and PyVRP, and the hybrid stays exact."""
    scenario = _instance(5, ride=40, hours_from="first_stop")
    matrices = build_matrices(scenario)
    objective = Objective.of(scenario, matrices, "cost")
    assert set(objective.unsupported_terms("ortools")) == {"duty_from_first_stop"}
    assert set(objective.unsupported_terms("pyvrp")) == {"duty_from_first_stop"}
    assert not Objective.of(scenario, matrices, "distance").unsupported_terms("ortools")
    raw = solve_hybrid(scenario, matrices, scenario.requests, _params(), time.monotonic() + 120)
    assert "no OR-Tools polish" in raw.status


def test_first_stop_duty_leaves_out_the_deadhead() -> None:
    """Tests that duty from the first stop runs from its service start to the end of the last service."""
    scenario = _instance(6, hours_from="first_stop")
    matrices = build_matrices(scenario)
    objective = Objective.of(scenario, matrices, "cost")
    r = scenario.requests[0]
    assert r.pickup is not None
    visits = [
        TimedStep("start", "depot", 100),
        TimedStep("pickup", r.pickup.location, 1000, r.id),
        TimedStep("dropoff", r.dropoff.location, 2000, r.id),
        TimedStep("end", "depot", 5000),
    ]
    price = objective.prices["t0"]
    index = matrices.index()
    arcs = objective.arcs("t0")
    locs = [index[v.location] for v in visits]
    driven = sum(int(arcs[a, b]) for a, b in zip(locs, locs[1:]))
    assert objective.route_price("t0", visits) == price.fixed + driven + price.per_s * (2000 + 60 - 1000)


def test_portfolio_ranks_workers_by_the_shared_price(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that the portfolio keeps the cheaper plan by the shared price, whatever the backends report."""
    scenario = _instance(7)
    matrices = build_matrices(scenario)
    r = scenario.requests[0]
    assert r.pickup is not None

    def route(vid: str) -> dict[str, list[TimedStep]]:
        return {
            vid: [
                TimedStep("start", "depot", 0),
                TimedStep("pickup", r.pickup.location, 1000, r.id),  # type: ignore[union-attr]
                TimedStep("dropoff", r.dropoff.location, 2000, r.id),
                TimedStep("end", "depot", 3000),
            ]
        }

    others = [x.id for x in scenario.requests[1:]]
    # The bus costs more (fixed price and hours), but reports a lower objective of its own.
    dear = RawSolution(routes=route("b0"), dropped=others, found=True, objective=1)
    cheap = RawSolution(routes=route("t0"), dropped=others, found=True, objective=10**12)
    objective = Objective.of(scenario, matrices, "cost")
    assert objective.price(cheap.routes, others) < objective.price(dear.routes, others)
    monkeypatch.setitem(SEARCHES, "dear", lambda *args, **kwargs: dear)
    monkeypatch.setitem(SEARCHES, "cheap", lambda *args, **kwargs: cheap)
    params = _params(workers=2)
    name, raw = _portfolio(
        ("dear", "cheap"), scenario, matrices, list(scenario.requests), params, time.monotonic() + 60, objective
    )
    assert name == "cheap" and raw.routes == cheap.routes


def test_pyvrp_starts_from_given_routes() -> None:
    """Tests that PyVRP takes given routes as its initial solution and still returns a complete plan."""
    scenario = _instance(8)
    matrices = build_matrices(scenario)
    params = _params()
    first = solve_pyvrp(scenario, matrices, scenario.requests, params, time.monotonic() + 120)
    start = {vid: [Step(v.request, v.kind) for v in visits if v.request] for vid, visits in first.routes.items()}
    again = solve_pyvrp(scenario, matrices, scenario.requests, params, time.monotonic() + 120, initial=start)
    assert again.found and again.warm_started and not again.dropped
    assert again.objective is not None and first.objective is not None and again.objective <= first.objective


def test_a_backend_searching_without_a_term_says_so_and_the_plan_is_priced_exactly() -> None:
    """Tests that OR-Tools on first-stop duty prices notes the missing term; the plan is priced by the shared price."""
    from routing import check_plan, solve

    scenario = _instance(9, ride=40, hours_from="first_stop")
    matrices = build_matrices(scenario)
    plan = solve(scenario, matrices, _params(backend="ortools"))
    assert check_plan(scenario, matrices, plan).is_feasible
    assert "searched without" in plan.stats.status and "first stop" in plan.stats.status
    objective = Objective.of(scenario, matrices, "cost")
    index = matrices.index()
    total = 0
    for route in plan.routes:
        stops = route.stops[1:-1]
        last = stops[-1]
        paid = last.departure_s - (stops[0].service_start_s or stops[0].arrival_s)
        locs = [index[s.location] for s in route.stops]
        total += objective.route_cost(route.vehicle, locs, paid)
    assert plan.stats.objective == total + objective.unserved_price(u.request for u in plan.unserved)


def test_vehicles_then_distance_weighs_each_vehicle_alike_in_every_backend() -> None:
    """Tests that OR-Tools and PyVRP (two vehicle kinds) report the shared price with its weight per vehicle."""
    scenario = _instance(10)
    matrices = build_matrices(scenario)
    params = replace(_params(), objective="vehicles_then_distance")
    objective = Objective.of(scenario, matrices, "vehicles_then_distance")
    assert {p.fixed for p in objective.prices.values()} == {objective.prices["t0"].fixed} != {0}
    for backend in (solve_ortools, solve_pyvrp):
        raw = backend(scenario, matrices, scenario.requests, params, time.monotonic() + 120)
        assert raw.found and raw.objective == objective.price(raw.routes, raw.dropped), backend.__name__
