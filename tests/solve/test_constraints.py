"""Each constraint kind on a tiny instance where it binds and changes the answer."""

from __future__ import annotations

from dataclasses import replace

from routing import Plan, Quantities, Route, Stop, TimeWindow, Vehicle, VehicleType, check_plan
from tests.helpers import at, planar, req, solve_checked, vehicle_of

LINE = {"depot": (0, 0), "a": (10, 0), "b": (20, 0), "s": (30, 0), "far": (0, 40)}


def test_capacity_forces_a_second_vehicle() -> None:
    """Tests that three passengers bound for one place need two 2-seat vehicles."""
    types = [VehicleType("small", Quantities.of(seats=2), profile="grid", cost_per_hour_dkk=300)]
    vehicles = [Vehicle(f"v{i}", "small", "depot", "depot") for i in (1, 2)]
    requests = [req(f"r{i}", "a", "s", dw=(35, 40)) for i in range(3)]
    plan, _ = solve_checked(planar(LINE, requests, types, vehicles))
    assert not plan.unserved
    assert len(plan.routes) == 2


def test_without_binding_limits_one_vehicle_serves_all() -> None:
    """Tests the control case: with room and no ride limit, one vehicle carries everyone."""
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in (1, 2)]
    requests = [req("r1", "a", "s"), req("r2", "b", "s")]
    plan, _ = solve_checked(planar(LINE, requests, vehicles=vehicles))
    assert len(plan.routes) == 1


def test_ride_time_limit_forces_two_vehicles() -> None:
    """Tests that a tight ride limit on the first passenger stops a shared detour."""
    points = {"depot": (0, 0), "a": (10, 0), "b": (10, 20), "s": (30, 0)}
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in (1, 2)]
    shared = [req("r1", "a", "s", dw=(60, 70)), req("r2", "b", "s", dw=(60, 70))]
    plan_free, _ = solve_checked(planar(points, shared, vehicles=vehicles))
    assert len(plan_free.routes) == 1
    limited = [req("r1", "a", "s", dw=(60, 70), ride=30), req("r2", "b", "s", dw=(60, 70), ride=30)]
    plan, _ = solve_checked(planar(points, limited, vehicles=vehicles))
    assert not plan.unserved
    assert len(plan.routes) == 2


def test_wheelchair_forces_the_lift_vehicle() -> None:
    """Tests that a wheelchair user rides the vehicle with wheelchair room and the lift skill."""
    types = [
        VehicleType("taxi", Quantities.of(seats=4), profile="grid", cost_per_hour_dkk=100),
        VehicleType(
            "lift",
            Quantities.of(seats=4, wheelchairs=1),
            profile="grid",
            skills=frozenset({"lift"}),
            cost_per_hour_dkk=900,
        ),
    ]
    vehicles = [Vehicle("taxi-1", "taxi", "depot", "depot"), Vehicle("lift-1", "lift", "depot", "depot")]
    requests = [req("walker", "a", "s"), req("wheel", "b", "s", load={"wheelchairs": 1}, skills=frozenset({"lift"}))]
    plan, _ = solve_checked(planar(LINE, requests, types, vehicles))
    assert vehicle_of(plan, "wheel") == "lift-1"
    assert not plan.unserved


def test_skill_alone_restricts_vehicles() -> None:
    """Tests that a required skill (e.g. child certificate) excludes vehicles without it, even when cheaper."""
    types = [
        VehicleType("plain", Quantities.of(seats=4), profile="grid", cost_per_hour_dkk=100),
        VehicleType(
            "cert",
            Quantities.of(seats=4),
            profile="grid",
            skills=frozenset({"child_certificate"}),
            cost_per_hour_dkk=900,
        ),
    ]
    vehicles = [Vehicle("plain-1", "plain", "depot", "depot"), Vehicle("cert-1", "cert", "depot", "depot")]
    requests = [req("child", "a", "s", skills=frozenset({"child_certificate"}))]
    plan, _ = solve_checked(planar(LINE, requests, types, vehicles))
    assert vehicle_of(plan, "child") == "cert-1"


def test_enekoersel_rides_alone() -> None:
    """Tests that an enekørsel passenger never shares the vehicle, so two passengers need two trips."""
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in (1, 2)]
    requests = [req("solo", "a", "s", solo=True, dw=(35, 40)), req("other", "b", "s", dw=(35, 40))]
    plan, _ = solve_checked(planar(LINE, requests, vehicles=vehicles))
    assert not plan.unserved
    assert vehicle_of(plan, "solo") != vehicle_of(plan, "other")


def test_not_together_pair_never_on_board_at_once() -> None:
    """Tests that a not-together pair with the same trip is split over two vehicles."""
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in (1, 2)]
    requests = [req("x", "a", "s", not_with=frozenset({"y"}), dw=(35, 40)), req("y", "b", "s", dw=(35, 40))]
    plan, _ = solve_checked(planar(LINE, requests, vehicles=vehicles))
    assert not plan.unserved
    assert vehicle_of(plan, "x") != vehicle_of(plan, "y")


def test_arrive_by_window_is_met() -> None:
    """Tests that a senest-fremme (arrive-by) window on the drop-off is respected."""
    requests = [req("r", "a", "s", dw=(50, 55))]
    plan, _ = solve_checked(planar(LINE, requests))
    stop = next(s for s in plan.routes[0].stops if "r" in s.dropoff)
    assert at(50) <= stop.service_start_s <= at(55)  # type: ignore[operator]


def test_pickup_windows_order_the_route() -> None:
    """Tests that pickup windows decide the order: the later window is served later even when nearer."""
    requests = [req("late", "a", "s", pw=(60, 65)), req("early", "b", "s", pw=(20, 25))]
    plan, _ = solve_checked(planar(LINE, requests))
    order = [r for stop in plan.routes[0].stops for r in stop.pickup]
    assert order == ["early", "late"]


def test_shift_end_forces_second_vehicle() -> None:
    """Tests that a shift ending too early for both trips makes a second vehicle serve one."""
    vehicles = [
        Vehicle("short", "car", "depot", "depot", TimeWindow(0, at(70))),
        Vehicle("other", "car", "depot", "depot"),
    ]
    requests = [req("r1", "s", "a", pw=(30, 31)), req("r2", "far", "a", pw=(40, 41))]
    plan, _ = solve_checked(planar(LINE, requests, vehicles=vehicles))
    assert not plan.unserved
    assert len(plan.routes) == 2


def test_max_route_duration_limits_a_vehicle() -> None:
    """Tests that a maximum route duration is respected and pushes work to another vehicle."""
    types = [VehicleType("car", Quantities.of(seats=4), profile="grid", cost_per_hour_dkk=300, max_duration_s=at(70))]
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in (1, 2)]
    requests = [req("r1", "a", "s", pw=(10, 10)), req("r2", "b", "depot", pw=(100, 100))]
    plan, _ = solve_checked(planar(LINE, requests, types, vehicles))
    assert not plan.unserved
    assert len(plan.routes) == 2


def test_multiple_depots_start_where_vehicles_live() -> None:
    """Tests that each vehicle starts and ends at its own depot and the nearer one takes the trip."""
    points = {"north": (0, 50), "south": (0, 0), "a": (1, 49), "b": (2, 48)}
    vehicles = [Vehicle("n", "car", "north", "north"), Vehicle("s", "car", "south", "south")]
    plan, _ = solve_checked(planar(points, [req("r", "a", "b")], vehicles=vehicles))
    assert vehicle_of(plan, "r") == "n"
    route = plan.routes[0]
    assert route.stops[0].location == "north" and route.stops[-1].location == "north"


def test_unservable_requests_are_listed_with_proven_reasons() -> None:
    """Tests that requests infeasible on their own are unserved with the reason, and the rest is planned."""
    requests = [
        req("ok", "a", "s"),
        req("too_long", "depot", "far", ride=30),  # direct trip is 40 min
        req("no_lift", "a", "s", load={"wheelchairs": 1}),
        req("window", "far", "s", pw=(0, 5)),  # depot is 40 min away
    ]
    types = [VehicleType("car", Quantities.of(seats=4, wheelchairs=0), profile="grid")]
    plan, _ = solve_checked(planar(LINE, requests, types))
    reasons = {u.request: (u.code, u.reason) for u in plan.unserved}
    assert set(reasons) == {"too_long", "no_lift", "window"}
    assert all(code == "infeasible" for code, _ in reasons.values())
    assert "exceeds its maximum ride time" in reasons["too_long"][1]
    assert "room" in reasons["no_lift"][1]
    assert "window closes" in reasons["window"][1]


def test_idle_vehicle_takes_request_the_search_left_out() -> None:
    """Tests that a servable request never stays unserved while an idle vehicle could serve it alone."""
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in range(1, 4)]
    requests = [req(f"r{i}", "a", "s", dw=(35, 36), solo=True) for i in range(3)]
    plan, _ = solve_checked(planar(LINE, requests, vehicles=vehicles, solution_limit=1))
    assert not plan.unserved
    assert len(plan.routes) == 3


def test_all_dropped_first_solution_is_reported_as_no_plan() -> None:
    """Tests that an OR-Tools answer with every request dropped is recognised and never returned as a plan."""
    import pytest

    from routing import SolveError, SolveParams, build_matrices, solve

    scenario = planar(LINE, [req("r1", "a", "s"), req("r2", "b", "s")])
    params = SolveParams(
        time_limit_s=30,
        solution_limit=1,
        first_solution="ALL_UNPERFORMED",
        metaheuristic="GREEDY_DESCENT",
        backend="ortools",
    )
    with pytest.raises(SolveError, match="no plan found within the time limit"):
        solve(scenario, build_matrices(scenario), params)


def test_same_seed_same_plan_and_seeds_are_valid() -> None:
    """Tests determinism for a seed under a solution limit, and that seeded solves stay feasible."""
    from routing import SolveParams

    points = {"depot": (0, 0), **{f"p{i}": (i * 7 % 23, i * 11 % 19) for i in range(10)}}
    requests = [req(f"r{i}", f"p{i}", f"p{(i + 3) % 10}", dw=(60, 120)) for i in range(10)]
    vehicles = [Vehicle(f"v{i}", "car", "depot", "depot") for i in range(3)]
    scenario = planar(points, requests, vehicles=vehicles)
    plans = [
        solve_checked(scenario, SolveParams(time_limit_s=60, solution_limit=20, seed=seed))[0].routes
        for seed in (0, 0, 7, 7)
    ]
    assert plans[0] == plans[1]
    assert plans[2] == plans[3]


def test_depot_deliveries_fill_the_vehicle_from_the_start() -> None:
    """Tests VRP-style requests without pickup: loads board at the depot, so capacity splits them."""
    types = [VehicleType("van", Quantities.of(seats=2), profile="grid", cost_per_hour_dkk=300)]
    vehicles = [Vehicle(f"v{i}", "van", "depot", "depot") for i in (1, 2)]
    requests = [req(f"d{i}", "a", "s", dw=(30, 200)) for i in range(3)]
    requests = [replace(r, pickup=None) for r in requests]
    plan, _ = solve_checked(planar(LINE, requests, types, vehicles))
    assert not plan.unserved and len(plan.routes) == 2
    for route in plan.routes:
        assert set(route.stops[0].pickup) == {r for s in route.stops for r in s.dropoff}


def test_depot_deliveries_and_pairs_share_capacity() -> None:
    """Tests the mixed case: a vehicle leaving full with depot loads cannot also pick up a passenger early.

    The solver must split the three over both vans; the one-van plan that fits every window is
    refused for its load (so a solver that forgot the depot loads could not pass the checker).
    """
    types = [VehicleType("van", Quantities.of(seats=2), profile="grid", cost_per_hour_dkk=300)]
    vehicles = [Vehicle(f"v{i}", "van", "depot", "depot") for i in (1, 2)]
    deliveries = [replace(req(f"d{i}", "a", "s", dw=(30, 35)), pickup=None) for i in range(2)]
    passenger = req("p", "a", "b", pw=(10, 12), dw=(20, 25))
    scenario = planar(LINE, [*deliveries, passenger], types, vehicles)
    plan, matrices = solve_checked(scenario)
    assert not plan.unserved and len(plan.routes) == 2
    one_van = Route(
        "v1",
        (
            Stop("depot", 0, 0, None, ("d0", "d1")),
            Stop("a", at(10), at(10), at(10), ("p",)),
            Stop("b", at(20), at(20), at(20), (), ("p",)),
            Stop("s", at(30), at(30), at(30), (), ("d0", "d1")),
            Stop("depot", at(60), at(60)),
        ),
    )
    result = check_plan(scenario, matrices, Plan((one_van,)))
    assert {v.cause for v in result.violations} == {"load"}, result.violations
