"""Plan costing: channel per route, cheapest choice with runner-up, split by direct distance, per-trip purchases."""

from __future__ import annotations

import pytest

from routing.costing import tariffs as t
from routing.costing.params import Parameters
from routing.costing.plan_cost import PlanCoster, invoice_objective, tariff_class
from routing.matrix import build_matrices
from routing.plan import Plan, Route, Stop
from routing.scenario.build import build_scenario


def _scenario(channel: str) -> object:
    return build_scenario(
        {
            "locations": [
                {"id": "depot", "lat": 55.90, "lon": 12.50},
                {"id": "h1", "lat": 55.92, "lon": 12.50},
                {"id": "h2", "lat": 55.95, "lon": 12.50},
                {"id": "school", "lat": 55.96, "lon": 12.52},
            ],
            "vehicle_types": [{"id": "taxi", "capacity": {"seats": 4, "wheelchairs": 1}, "channel": channel}],
            "vehicles": [{"id": "v", "type": "taxi", "start": "depot"}],
            "requests": [
                {"id": "r1", "area": 12, "pickup": {"location": "h1"}, "dropoff": {"location": "school"}},
                {
                    "id": "r2",
                    "area": 11,
                    "pickup": {"location": "h2"},
                    "dropoff": {"location": "school"},
                    "load": {"wheelchairs": 1},
                },
            ],
        }
    )


def _plan() -> Plan:
    stops = (
        Stop("depot", 7 * 3600, 7 * 3600),
        Stop("h1", 7 * 3600 + 300, 7 * 3600 + 420, pickup=("r1",)),
        Stop("h2", 7 * 3600 + 900, 7 * 3600 + 1020, pickup=("r2",)),
        Stop("school", 7 * 3600 + 1500, 7 * 3600 + 1620, dropoff=("r1", "r2")),
        Stop("depot", 7 * 3600 + 2400, 7 * 3600 + 2400),
    )
    return Plan((Route("v", stops),))


@pytest.fixture(scope="module")
def params() -> Parameters:
    return Parameters.load()


def test_flexrute_route_priced_on_paid_hours_and_split_by_direct_distance(params: Parameters) -> None:
    scenario = _scenario("flexrute")
    matrices = build_matrices(scenario)
    coster = PlanCoster(scenario, matrices, params)
    cost = coster.cost(_plan())
    (rc,) = cost.routes
    # Deadhead is not paid: first pickup arrival 07:05 to last drop-off departure 07:27 = 22 min.
    assert rc.paid_hours == pytest.approx(22 / 60)
    assert rc.channel == "flexrute"
    assert rc.figures.cost_dkk == pytest.approx(t.flexrute_route(params, "taxi", 22 / 60).dkk)
    d1, d2 = (coster.direct_km(scenario.request(r)) for r in ("r1", "r2"))
    assert rc.shares["r1"] == pytest.approx(d1 / (d1 + d2))
    assert sum(rc.shares.values()) == pytest.approx(1.0)
    assert cost.by_area_channel[("12", "flexrute")].cost_dkk == pytest.approx(rc.figures.cost_dkk * d1 / (d1 + d2))
    total = cost.total()
    assert total.cost_dkk == pytest.approx(sum(f.cost_dkk for f in cost.requests.values()))
    assert total.co2_kg > 0 and total.trips == 2
    assert all(p.source for p in cost.params.values())


def test_cheapest_channel_and_runner_up(params: Parameters) -> None:
    scenario = _scenario("flexrute")
    coster = PlanCoster(scenario, build_matrices(scenario), params, policy="cheapest")
    (rc,) = coster.cost(_plan()).routes
    ranked = sorted(rc.alternatives.items(), key=lambda kv: kv[1])
    assert rc.channel == ranked[0][0] and rc.runner_up == ranked[1]
    assert set(rc.alternatives) == {"flexrute", "flexkommune", "private"}
    r1, r2 = (scenario.request(r) for r in ("r1", "r2"))
    assert rc.alternatives["flexkommune"] == pytest.approx(
        t.flexkommune_trip(params, coster.direct_km(r1), False).dkk
        + t.flexkommune_trip(params, coster.direct_km(r2), True).dkk
    )


def test_own_vehicles_are_only_own(params: Parameters) -> None:
    scenario = _scenario("own")
    coster = PlanCoster(scenario, build_matrices(scenario), params, policy="cheapest")
    (rc,) = coster.cost(_plan()).routes
    assert rc.channel == "own" and set(rc.alternatives) == {"own"} and rc.runner_up is None
    assert rc.figures.vehicle_hours == pytest.approx(40 / 60)


def test_per_trip_purchases(params: Parameters) -> None:
    scenario = _scenario("flexrute")
    coster = PlanCoster(scenario, build_matrices(scenario), params)
    cost = coster.cost(Plan(()), trips={"r1": "flexkommune", "r2": "private"})
    r1 = scenario.request("r1")
    assert cost.requests["r1"].cost_dkk == pytest.approx(t.flexkommune_trip(params, coster.direct_km(r1), False).dkk)
    assert cost.by_area_channel[("11", "private")].trips == 1
    with pytest.raises(ValueError):
        coster.trip_price(r1, "flexrute")


def test_tariff_class_by_capacity() -> None:
    from routing.model import Quantities, VehicleType

    assert tariff_class(VehicleType("own_liftbil", Quantities.of(seats=5, wheelchairs=2))) == "liftbil"
    assert tariff_class(VehicleType("bus", Quantities.of(seats=16))) == "midibus"
    assert tariff_class(VehicleType("car", Quantities.of(seats=3))) == "taxi"


def test_invoice_objective_gives_the_solver_the_tariff_prices(params: Parameters) -> None:
    """Tests that Flexrute types get rate × index × admin per hour and own types the own-vehicle terms."""
    flexrute = invoice_objective(
        _scenario("flexrute"),
        params.with_overrides(
            {
                "channels": {
                    "flexrute": {
                        "price_per_vehicle_hour": {"taxi": 400},
                        "price_index": 1.1,
                        "admin_factor": 1.05,
                        "min_paid_hours_per_duty": 2,
                    }
                }
            },
            "test",
        ),
    )
    (vt,) = flexrute.vehicle_types
    assert (vt.cost_per_hour_dkk, vt.cost_per_km_dkk, vt.fixed_cost_dkk) == pytest.approx((400 * 1.1 * 1.05, 0.0, 0.0))
    assert vt.hours_from == "first_stop"  # deadhead unpaid (sourced practice), so the solver does not pay it either
    own = invoice_objective(
        _scenario("own"),
        params.with_overrides(
            {
                "channels": {
                    "own_vehicles": {"driver_cost_per_hour": 300, "vehicle_cost_per_km": 2.5, "daily_fixed_cost": 150}
                }
            },
            "test",
        ),
    )
    (vt,) = own.vehicle_types
    assert (vt.cost_per_hour_dkk, vt.cost_per_km_dkk, vt.fixed_cost_dkk) == pytest.approx((300.0, 2.5, 150.0))
    assert vt.hours_from == "depot"
