"""A plan priced by its scenario's own cost model: each vehicle type's fixed, per-km and per-hour prices.

This is the price ``plan.json`` reports as ``cost_dkk`` (``cli.py solve``). It is *not* the tariff
invoice of ``cli.py compare`` (``routing.costing.plan_cost``: Flexrute hours, Flexkommune trips,
private meters, egne vogne), and not the solver's objective either (``routing.solve.objective``
prices the same vehicle-type prices in integer units, plus penalties for unserved requests, and may
count hours from the first stop). It prices the distances and durations the checker recomputed
(``routing.check.CheckResult``), never the solver's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.check import CheckResult
from routing.model import Scenario
from routing.units import METRES_PER_KM, SECONDS_PER_HOUR


@dataclass(frozen=True, slots=True)
class VehicleTypeCost:
    """A plan priced with its vehicle types' prices, in DKK rounded to øre.

    ``routes`` maps each checked route's vehicle id to its price; ``total_dkk`` is the sum of the
    rounded route prices (every checked route, in the checker's order), rounded again.
    """

    routes: dict[str, float]
    total_dkk: float


def route_price_dkk(
    fixed_dkk: float, per_km_dkk: float, per_hour_dkk: float, distance_m: int, duration_s: int
) -> float:
    """One used route's price: the fixed price plus distance and duration at the type's rates.

    Parameters
    ----------
    fixed_dkk
        Fixed price per vehicle used, DKK.
    per_km_dkk
        Price per km driven, DKK.
    per_hour_dkk
        Price per hour from leaving the start depot to reaching the end depot, DKK.
    distance_m
        Distance driven, metres.
    duration_s
        Route duration, seconds.

    Returns
    -------
    float
        The price in DKK, rounded to øre (2 decimals).
    """
    price = fixed_dkk + per_km_dkk * distance_m / METRES_PER_KM + per_hour_dkk * duration_s / SECONDS_PER_HOUR
    return round(price, 2)


def price_plan_by_vehicle_types(scenario: Scenario, result: CheckResult) -> VehicleTypeCost:
    """Price every checked route of a plan by its vehicle type's fixed, per-km and per-hour prices.

    The scenario's own cost model (``vehicle_types[].fixed_cost_dkk``, ``cost_per_km_dkk``,
    ``cost_per_hour_dkk``), applied to the checker's distance and duration of each route; a route
    that serves nobody costs nothing. Not the tariff invoice (``routing.costing.plan_cost``).

    Parameters
    ----------
    scenario
        The scenario the plan was checked against (its vehicles and vehicle types).
    result
        The checker's result for the plan: the route metrics priced here.

    Returns
    -------
    VehicleTypeCost
        Price per route (by vehicle id) and the plan's total, DKK.
    """
    prices: list[tuple[str, float]] = []
    for m in result.routes:
        vt = scenario.vehicle_type(scenario.vehicle(m.vehicle).type)
        price = (
            route_price_dkk(vt.fixed_cost_dkk, vt.cost_per_km_dkk, vt.cost_per_hour_dkk, m.distance_m, m.duration_s)
            if m.num_requests
            else 0.0
        )
        prices.append((m.vehicle, price))
    return VehicleTypeCost(dict(prices), round(sum(price for _, price in prices), 2))
