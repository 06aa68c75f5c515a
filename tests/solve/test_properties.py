"""Property tests: on random small instances every solver output passes the checker."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Quantities, SolveParams, TimeWindow, Vehicle, VehicleType
from tests.helpers import planar, req, solve_checked

TYPES = [
    VehicleType(
        "taxi", Quantities.of(seats=3, wheelchairs=0), profile="grid", cost_per_hour_dkk=300, max_duration_s=4 * 3600
    ),
    VehicleType(
        "lift", Quantities.of(seats=5, wheelchairs=1), profile="grid", skills=frozenset({"lift"}), cost_per_hour_dkk=450
    ),
]


@st.composite
def instances(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    num_points = draw(st.integers(3, 7))
    points = {f"p{i}": (draw(st.integers(0, 30)), draw(st.integers(0, 30))) for i in range(num_points)}
    points["depot"] = (15, 15)
    names = sorted(points)
    requests = []
    num_requests = draw(st.integers(1, 6))
    for k in range(num_requests):
        a = draw(st.sampled_from(names))
        b = draw(st.sampled_from([n for n in names if n != a]))
        start = draw(st.integers(0, 120))
        kind = draw(st.sampled_from(["none", "pickup", "dropoff", "both"]))
        pw = (start, start + draw(st.integers(0, 30))) if kind in ("pickup", "both") else None
        dw = (start + 20, start + 20 + draw(st.integers(0, 60))) if kind in ("dropoff", "both") else None
        wheel = draw(st.booleans()) and draw(st.booleans())
        requests.append(
            req(
                f"r{k}",
                a,
                b,
                pw=pw,
                dw=dw,
                service=draw(st.sampled_from([0, 1, 2])),
                load={"seats": draw(st.integers(1, 2))} if not wheel else {"wheelchairs": 1},
                ride=draw(st.sampled_from([None, 30, 45, 90])),
                solo=draw(st.booleans()) and draw(st.booleans()),
                skills=frozenset({"lift"}) if wheel else frozenset(),
            )
        )
    if num_requests >= 2 and draw(st.booleans()):
        from dataclasses import replace

        requests[0] = replace(requests[0], not_with=frozenset({requests[1].id}))
    vehicles = [
        Vehicle(f"v{j}", draw(st.sampled_from(["taxi", "lift"])), "depot", "depot", TimeWindow(0, 6 * 3600))
        for j in range(draw(st.integers(1, 3)))
    ]
    return planar(points, requests, TYPES, vehicles)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(instances())
def test_every_plan_passes_the_checker_and_accounts_for_every_request(scenario) -> None:  # type: ignore[no-untyped-def]
    """Tests that plans on random instances are feasible, and every request is served or listed with a reason."""
    plan, _ = solve_checked(scenario, SolveParams(time_limit_s=30, solution_limit=5))
    for u in plan.unserved:
        assert u.reason and u.code in ("infeasible", "not_placed")
