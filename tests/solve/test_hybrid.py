"""Implied windows, the exact sequence scheduler, the repair and the hybrid backend."""

from __future__ import annotations

from routing import SolveParams, TimeWindow, Vehicle, build_matrices
from routing.limits import ride_limits_s
from routing.solve.objective import Objective
from routing.solve.search.insertion import insert_requests
from routing.solve.search.relax import relax
from routing.solve.search.repair import repair
from routing.solve.search.schedule import Step, earliest_schedule, occupancy_problem
from routing.solve.search.tighten import tightened_windows
from tests.helpers import DEMO, at, planar, req, solve_checked

LINE = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0)}


def test_implied_windows_follow_from_ride_limit_and_direct_time() -> None:
    """Tests that an arrive-by window and a ride limit imply the pickup window, and shifts bound both."""
    scenario = planar(LINE, [req("r", "a", "s", dw=(60, 70), ride=30)])
    (pw, dw) = tightened_windows(scenario, build_matrices(scenario), scenario.requests)["r"]
    assert pw == TimeWindow(at(60 - 30), at(70 - 20))  # direct a->s is 20 min
    assert dw == TimeWindow(at(60), at(70))


def test_earliest_schedule_is_exact_on_ride_limits() -> None:
    """Tests that the scheduler accepts a sequence exactly when some timing meets every ride limit."""
    scenario = planar(LINE, [req("r1", "a", "s", ride=30), req("r2", "b", "s", ride=10)])
    matrices = build_matrices(scenario)
    requests = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    v = scenario.vehicles[0]
    ok = [Step("r1", "pickup"), Step("r2", "pickup"), Step("r1", "dropoff"), Step("r2", "dropoff")]
    times = earliest_schedule(scenario, matrices, v, ok, requests, limits)
    assert times is not None and times[1:5] == [at(10), at(20), at(30), at(30)]
    limits_tight = {**limits, "r1": at(19)}
    assert earliest_schedule(scenario, matrices, v, ok, requests, limits_tight) is None
    assert earliest_schedule(scenario, matrices, v, ok, requests, limits_tight, enforce_ride=False) is not None


def test_occupancy_problem_names_the_breaking_request() -> None:
    """Tests that load and enekørsel breaches name the request that causes them."""
    scenario = planar(LINE, [req("r1", "a", "s", solo=True), req("r2", "b", "s")])
    requests = {r.id: r for r in scenario.requests}
    v = scenario.vehicles[0]
    shared = [Step("r1", "pickup"), Step("r2", "pickup"), Step("r1", "dropoff"), Step("r2", "dropoff")]
    assert occupancy_problem(scenario, v, shared, requests) == "r2"
    apart = [Step("r1", "pickup"), Step("r1", "dropoff"), Step("r2", "pickup"), Step("r2", "dropoff")]
    assert occupancy_problem(scenario, v, apart, requests) is None


def test_repair_and_idle_vehicles_make_a_relaxed_plan_feasible() -> None:
    """Tests that a route breaking a ride limit is repaired and the request taken out rides an idle vehicle."""
    vehicles = [Vehicle("v1", "car", "depot", "depot"), Vehicle("v2", "car", "depot", "depot")]
    points = {"depot": (0, 0), "a": (10, 0), "c": (20, 10), "s": (30, 0)}
    scenario = planar(points, [req("r1", "a", "s", ride=22), req("r2", "c", "depot", pw=(25, 26))], vehicles=vehicles)
    matrices = build_matrices(scenario)
    relaxed_scenario, relaxed = relax(scenario, matrices, scenario.requests)
    assert not any(r.ride.is_limited for r in relaxed)
    detour = {"v1": [Step("r1", "pickup"), Step("r2", "pickup"), Step("r1", "dropoff"), Step("r2", "dropoff")]}
    fixed, removed = repair(scenario, matrices, detour)
    assert removed == ["r1"] and fixed == {"v1": [Step("r2", "pickup"), Step("r2", "dropoff")]}
    complete, left = insert_requests(scenario, matrices, fixed, removed, deadline=float("inf"))
    assert not left
    assert sorted(s.request for steps in complete.values() for s in steps) == ["r1", "r1", "r2", "r2"]


def test_insertion_takes_the_cheapest_feasible_position() -> None:
    """Tests that a request is inserted into an existing route where it fits, not onto an idle vehicle."""
    vehicles = [Vehicle("v1", "car", "depot", "depot"), Vehicle("v2", "car", "depot", "depot")]
    scenario = planar(LINE, [req("r1", "a", "s", ride=40), req("r2", "b", "s", ride=40)], vehicles=vehicles)
    matrices = build_matrices(scenario)
    routes, left = insert_requests(
        scenario, matrices, {"v1": [Step("r1", "pickup"), Step("r1", "dropoff")]}, ["r2"], deadline=float("inf")
    )
    assert not left
    assert set(routes) == {"v1"}
    assert routes["v1"][:2] == [Step("r1", "pickup"), Step("r2", "pickup")]  # r2 joins on the way


def test_insertion_prices_the_longer_duty_under_the_cost_objective() -> None:
    """Tests that an afternoon trip joins the morning route by distance, but an idle vehicle when hours are paid."""
    vehicles = [Vehicle("v1", "car", "depot", "depot"), Vehicle("v2", "car", "depot", "depot")]
    scenario = planar(
        LINE, [req("r1", "a", "s", dw=(60, 70)), req("r2", "b", "s", dw=(400, 410), ride=40)], vehicles=vehicles
    )
    matrices = build_matrices(scenario)
    morning = {"v1": [Step("r1", "pickup"), Step("r1", "dropoff")]}
    by_distance, _ = insert_requests(scenario, matrices, morning, ["r2"], deadline=float("inf"))
    assert set(by_distance) == {"v1"}  # 20 min of detour-free driving beats a new route's 60 min
    by_cost, left = insert_requests(
        scenario, matrices, morning, ["r2"], deadline=float("inf"), objective=Objective.of(scenario, matrices, "cost")
    )
    assert not left and by_cost == {
        **morning,
        "v2": [Step("r2", "pickup"), Step("r2", "dropoff")],
    }  # 5.5 idle hours avoided


def test_hybrid_backend_plans_pass_the_checker() -> None:
    """Tests the hybrid backend end to end on a small DARP with tight ride limits."""
    points = {"depot": (0, 0), **{f"p{i}": ((i * 7) % 20, (i * 13) % 20) for i in range(12)}}
    requests = [
        req(f"r{i}", f"p{i}", f"p{(i + 5) % 12}", dw=(40 + 5 * i, 55 + 5 * i), ride=35, service=1) for i in range(12)
    ]
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in range(4)]
    plan, _ = solve_checked(
        planar(points, requests, vehicles=vehicles), SolveParams(time_limit_s=60, solution_limit=30, backend="hybrid")
    )
    assert plan.stats.backend == "hybrid"
    assert not plan.unserved


def test_lns_keeps_plans_feasible_and_never_worse() -> None:
    """Tests that ruin-and-recreate returns complete, checker-accepted routes no longer than its start."""
    from routing import Plan, check_plan
    from routing.solve.assemble import route_from_visits
    from routing.solve.backends.base import TimedStep
    from routing.solve.search.lns import improve
    from routing.solve.search.schedule import earliest_schedule

    points = {"depot": (0, 0), **{f"p{i}": ((i * 7) % 20, (i * 13) % 20) for i in range(10)}}
    requests = [req(f"r{i}", f"p{i}", f"p{(i + 3) % 10}", dw=(40 + 4 * i, 60 + 4 * i), ride=40) for i in range(10)]
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in range(10)]
    scenario = planar(points, requests, vehicles=vehicles)
    matrices = build_matrices(scenario)
    start = {f"v{i}": [Step(f"r{i}", "pickup"), Step(f"r{i}", "dropoff")] for i in range(10)}  # one vehicle each
    routes, iterations = improve(scenario, matrices, start, SolveParams(seed=3), float("inf"), max_iterations=60)
    assert iterations == 60
    assert sorted(s.request for steps in routes.values() for s in steps) == sorted([f"r{i}" for i in range(10)] * 2)
    assert len(routes) < 10
    by_id = {r.id: r for r in scenario.requests}
    limits = ride_limits_s(scenario, matrices)
    plan_routes = []
    for vid, steps in routes.items():
        vehicle = scenario.vehicle(vid)
        times = earliest_schedule(scenario, matrices, vehicle, steps, by_id, limits)
        assert times is not None
        visits = [TimedStep("start", vehicle.start, times[0])]
        visits += [
            TimedStep(s.kind, getattr(by_id[s.request], s.kind).location, times[k + 1], s.request)
            for k, s in enumerate(steps)
        ]
        visits.append(TimedStep("end", vehicle.end, times[-1]))
        plan_routes.append(route_from_visits(scenario, matrices, vid, visits))
    assert check_plan(scenario, matrices, Plan(tuple(plan_routes))).is_feasible


def test_large_days_skip_the_ortools_polish_and_stay_exact() -> None:
    """Tests that above ``Pipeline.polish_max_requests`` the hybrid returns its exact plan; the checker accepts it."""
    from routing import build_matrices, check_plan, load_scenario, solve
    from routing.solve.params import Pipeline, SolveParams

    scenario = load_scenario(DEMO)
    matrices = build_matrices(scenario)
    # Bounded by count, not by a clock: the same plan on a slow or busy machine.
    params = SolveParams(
        time_limit_s=60,
        solution_limit=5,
        backend="hybrid",
        objective="cost",
        pipeline=Pipeline(polish_max_requests=5),
    )
    plan = solve(scenario, matrices, params)
    assert "no OR-Tools polish" in plan.stats.status
    assert check_plan(scenario, matrices, plan).is_feasible
    assert len(plan.served_ids) + len(plan.unserved) == len(scenario.requests)


def test_a_given_plan_seeds_the_search_and_is_never_beaten_for_the_worse() -> None:
    """Tests that solving from a given plan keeps every request, passes the checker, and is no longer than the start."""
    from routing import check_plan, solve

    points = {"depot": (0, 0), **{f"p{i}": ((i * 7) % 20, (i * 13) % 20) for i in range(10)}}
    requests = [req(f"r{i}", f"p{i}", f"p{(i + 3) % 10}", dw=(40 + 4 * i, 60 + 4 * i), ride=40) for i in range(10)]
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in range(10)]
    scenario = planar(points, requests, vehicles=vehicles)
    params = SolveParams(time_limit_s=60, solution_limit=5, backend="hybrid", objective="distance")
    first, matrices = solve_checked(scenario, params)
    again = solve(scenario, matrices, params, initial=first)
    result = check_plan(scenario, matrices, again)
    assert result.is_feasible and not again.unserved
    assert "given plan" in again.stats.status
    assert sum(m.distance_m for m in result.routes) <= sum(
        m.distance_m for m in check_plan(scenario, matrices, first).routes
    )


def test_silo_plans_merge_onto_distinct_vehicles_of_the_same_kind() -> None:
    """Tests that two silo routes on one vehicle id become routes of two vehicles of that kind, extras left out."""
    from routing import Plan
    from routing.plan import Route, Stop
    from routing.studies.planning import merge_silo_plans

    vehicles = [Vehicle("v1", "car", "depot", "depot"), Vehicle("v2", "car", "depot", "depot")]
    scenario = planar(LINE, [req("r1", "a", "s"), req("r2", "b", "s"), req("r3", "a", "b")], vehicles=vehicles)

    def route(rid: str, a: str, b: str) -> Route:
        return Route(
            "v1",
            (
                Stop("depot", 0, 0),
                Stop(a, 600, 600, None, (rid,)),
                Stop(b, 1200, 1200, None, (), (rid,)),
                Stop("depot", 1800, 1800),
            ),
        )

    merged = merge_silo_plans(
        scenario, [Plan((route("r1", "a", "s"),)), Plan((route("r2", "b", "s"), route("r3", "a", "b")))]
    )
    assert [(r.vehicle, r.request_ids) for r in merged.routes] == [("v1", ("r1",)), ("v2", ("r2",))]


def test_every_stage_runs_without_implied_windows() -> None:
    """Tests that with ``implied_windows`` off the relaxation keeps the windows as given and the plan still checks."""
    points = {"depot": (0, 0), **{f"p{i}": ((i * 7) % 20, (i * 13) % 20) for i in range(12)}}
    requests = [
        req(f"r{i}", f"p{i}", f"p{(i + 5) % 12}", dw=(40 + 5 * i, 55 + 5 * i), ride=35, service=1) for i in range(12)
    ]
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in range(4)]
    scenario = planar(points, requests, vehicles=vehicles)
    matrices = build_matrices(scenario)
    _, loose = relax(scenario, matrices, scenario.requests, implied_windows=False)
    assert [r.dropoff.window for r in loose] == [r.dropoff.window for r in scenario.requests]
    assert all(r.pickup is not None and r.pickup.window is None for r in loose)
    _, tight = relax(scenario, matrices, scenario.requests)
    assert all(r.pickup is not None and r.pickup.window is not None for r in tight)
    plan, _ = solve_checked(
        scenario, SolveParams(time_limit_s=60, solution_limit=30, backend="hybrid", implied_windows=False)
    )
    assert not plan.unserved
