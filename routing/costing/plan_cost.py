"""Cost and CO2 of a plan, attributed per route, per request and per befordringsområde.

Each route is priced under every channel it may be bought through — Flexrute (paid hours),
Flexkommune (its passengers as per-trip bookings), a private vognmand (the meter over the
paid part of the route) or, for the municipality's own vehicle types, egne vogne only — and
is bought through

- its vehicle type's channel (``policy="vehicle"``: the plan as contracted), or
- the cheapest admissible channel (``policy="cheapest"``: indsats 12's question, with the
  runner-up price reported).

A route's cost, km, hours and CO2 are split over its passengers in proportion to their direct
(shortest) distance (``split="direct"``; ``"equal"`` splits evenly). Requests whose channel is
bought per trip and that a plan does not route (``cost_trips``) are priced trip by trip.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from routing.costing import tariffs as t
from routing.costing.emissions import driving_co2
from routing.costing.params import Param, Parameters
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, VehicleType
from routing.plan import Plan, Route

SPLITS = ("direct", "equal")


def tariff_class(vt: VehicleType) -> str:
    """The tariff table's vehicle class of a vehicle type: its id if the table knows it, else by capacity."""
    if vt.id in t.CLASSES:
        return vt.id
    if vt.capacity.get("wheelchairs") > 0:
        return "liftbil"
    seats = vt.capacity.get("seats")
    return "taxi" if seats <= 4 else "storvogn" if seats <= 8 else "midibus"


@dataclass
class Figures:
    """Additive figures of a route, a request, an area or a total."""

    cost_dkk: float = 0.0
    co2_kg: float = 0.0
    km: float = 0.0
    vehicle_hours: float = 0.0
    trips: int = 0

    def add(self, other: Figures, share: float = 1.0) -> None:
        """Add ``share`` of ``other``'s cost, CO2, km and hours to these figures (trips are not added).

        Parameters
        ----------
        other
            The figures to add.
        share
            Fraction of ``other`` to add, e.g. a passenger's share of a route. Default: all of it.
        """
        self.cost_dkk += other.cost_dkk * share
        self.co2_kg += other.co2_kg * share
        self.km += other.km * share
        self.vehicle_hours += other.vehicle_hours * share


@dataclass
class RouteCost:
    """One route priced: the channel bought, the alternatives, and its passengers' shares."""

    vehicle: str
    channel: str
    figures: Figures
    alternatives: dict[str, float]
    runner_up: tuple[str, float] | None
    paid_hours: float
    shares: dict[str, float]  # request id -> share of the route (sums to 1)


@dataclass
class PlanCost:
    """Costs and CO2 of a plan (and of per-trip purchases), by route, request, area and channel."""

    routes: list[RouteCost] = field(default_factory=list)
    requests: dict[str, Figures] = field(default_factory=dict)
    by_area_channel: dict[tuple[str | None, str], Figures] = field(default_factory=lambda: defaultdict(Figures))
    params: dict[str, Param] = field(default_factory=dict)

    def book(self, key: tuple[str | None, str], fig: Figures) -> None:
        """Add ``fig`` (with its trips) to the area/channel cell ``key``."""
        target = self.by_area_channel[key]
        target.add(fig)
        target.trips += fig.trips

    def use(self, params: tuple[Param, ...]) -> None:
        """Record parameters a price used (the first record of each path is kept).

        Parameters
        ----------
        params
            The parameters a ``Price`` lists.
        """
        for p in params:
            self.params.setdefault(p.path, p)

    def total(self) -> Figures:
        """The sum over every area and channel, trips included.

        Returns
        -------
        Figures
            A new object; the cells are not changed.
        """
        out = Figures()
        for f in self.by_area_channel.values():
            out.add(f)
            out.trips += f.trips
        return out


class PlanCoster:
    """Prices plans and trips of one scenario under one parameter set."""

    def __init__(
        self,
        scenario: Scenario,
        matrices: MatrixSet,
        params: Parameters,
        policy: str = "vehicle",
        split: str = "direct",
    ) -> None:
        if policy not in ("vehicle", "cheapest"):
            raise ValueError(f"policy must be 'vehicle' or 'cheapest', got {policy!r}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        self.scenario, self.matrices, self.params, self.policy, self.split = scenario, matrices, params, policy, split
        self.deadhead_paid = bool(params.get("channels.flexrute.deadhead_paid").value)
        self.user_payment = params.number("channels.user_payment.day_centre_per_trip")
        # An area id of the scenario (a number in the table reads as its text), or null for none.
        self.user_payment_area = params.get("channels.user_payment.day_centre_area")

    # --- per request ------------------------------------------------------------------------
    def direct_km(self, r: Request, start: str | None = None) -> float:
        """Shortest distance of a request's trip, in km, on the scenario's reference profile.

        Parameters
        ----------
        r
            The request.
        start
            Where a depot delivery (a request without pickup) starts. Default: none, and such a
            request has no direct trip.

        Returns
        -------
        float
            Kilometres from pickup (or ``start``) to drop-off; 0.0 when there is no origin.
        """
        origin = r.pickup.location if r.pickup else start
        if origin is None:
            return 0.0
        return self.matrices.dist_m(self.scenario.reference_profile, origin, r.dropoff.location) / 1000.0

    def direct_minutes(self, r: Request, start: str | None = None) -> float:
        """Shortest travel time of a request's trip, in minutes, on the scenario's reference profile.

        Parameters
        ----------
        r
            The request.
        start
            Where a depot delivery (a request without pickup) starts. Default: none, and such a
            request has no direct trip.

        Returns
        -------
        float
            Minutes from pickup (or ``start``) to drop-off; 0.0 when there is no origin.
        """
        origin = r.pickup.location if r.pickup else start
        if origin is None:
            return 0.0
        return self.matrices.travel_s(self.scenario.reference_profile, origin, r.dropoff.location) / 60.0

    @staticmethod
    def wheelchair(r: Request) -> bool:
        """True when the request takes a wheelchair place (its trip is priced as a wheelchair trip)."""
        return r.load.get("wheelchairs") > 0

    def trip_price(self, r: Request, channel: str) -> tuple[t.Price, float]:
        """A trip bought on its own through ``channel``: price and CO2 (kg) of a direct drive."""
        km = self.direct_km(r)
        price = t.trip(self.params, channel, km, self.direct_minutes(r), self.wheelchair(r))
        vclass = "liftbil" if self.wheelchair(r) else "taxi"
        co2 = (
            driving_co2(self.params, vclass, "diesel", km)
            if channel != "refusion"
            else driving_co2(self.params, "taxi", "petrol", km)
        )
        return t.Price(price.dkk, price.params + co2.params), co2.kg

    # --- per route ----------------------------------------------------------------------------
    def _legs_km(self, route: Route, first: int, last: int, profile: str) -> float:
        locs = [s.location for s in route.stops[first : last + 1]]
        return sum(self.matrices.dist_m(profile, a, b) for a, b in zip(locs, locs[1:])) / 1000.0

    def route_cost(self, route: Route) -> tuple[RouteCost, tuple[Param, ...]]:
        """Price one route under every channel it may be bought through, and buy it by the policy.

        Parameters
        ----------
        route
            A route of a plan of this scenario.

        Returns
        -------
        tuple[RouteCost, tuple[Param, ...]]
            The route priced (channel, figures, alternatives, runner-up and the passengers'
            shares) and every parameter the prices and the CO2 used.
        """
        vehicle = self.scenario.vehicle(route.vehicle)
        vt = self.scenario.vehicle_type(vehicle.type)
        vclass = tariff_class(vt)
        stops = route.stops
        km = self._legs_km(route, 0, len(stops) - 1, vt.profile)
        hours = (stops[-1].arrival_s - stops[0].departure_s) / 3600.0
        inner = [k for k, s in enumerate(stops) if s.pickup or s.dropoff]
        first, last = (inner[0], inner[-1]) if inner else (0, 0)
        paid_hours = hours if self.deadhead_paid else (stops[last].departure_s - stops[first].arrival_s) / 3600.0
        paid_km = km if self.deadhead_paid else self._legs_km(route, first, last, vt.profile)
        passengers = [self.scenario.request(rid) for rid in route.request_ids]
        wheel = any(self.wheelchair(r) for r in passengers)
        used: list[Param] = []
        prices: dict[str, t.Price] = {}
        if vt.channel == "own":
            prices["own"] = t.own_route(self.params, km, hours)
        else:
            prices["flexrute"] = t.flexrute_route(self.params, vclass, paid_hours)
            trips = [self.trip_price(r, "flexkommune")[0] for r in passengers]
            prices["flexkommune"] = t.Price(sum(p.dkk for p in trips), trips[0].params if trips else ())
            special = any("special_supplier" in r.skills for r in passengers)
            prices["private"] = t.private_route(
                self.params,
                paid_km,
                paid_hours,
                large=vt.capacity.get("seats") > 4,
                wheelchair=wheel,
                special_supplier=special,
            )
        if self.policy == "vehicle" or len(prices) == 1:
            channel = vt.channel if vt.channel in prices else next(iter(prices))
        else:
            channel = min(prices, key=lambda c: prices[c].dkk)
        others = sorted((c for c in prices if c != channel), key=lambda c: prices[c].dkk)
        runner_up = (others[0], prices[others[0]].dkk) if others else None
        for p in prices.values():
            used.extend(p.params)
        mid_hour = int((stops[0].departure_s + stops[-1].arrival_s) / 2 // 3600)
        co2 = driving_co2(self.params, vclass, vt.fuel, km, hour=mid_hour)
        used.extend(co2.params)
        weights = {r.id: (self.direct_km(r, vehicle.start) if self.split == "direct" else 1.0) for r in passengers}
        total_w = sum(weights.values())
        shares = {rid: (w / total_w if total_w > 0 else 1.0 / len(weights)) for rid, w in weights.items()}
        figures = Figures(
            cost_dkk=prices[channel].dkk,
            co2_kg=co2.kg,
            km=km,
            vehicle_hours=paid_hours if channel == "flexrute" else hours,
            trips=len(passengers),
        )
        rc = RouteCost(
            route.vehicle, channel, figures, {c: p.dkk for c, p in prices.items()}, runner_up, paid_hours, shares
        )
        return rc, tuple(used)

    # --- whole plan ---------------------------------------------------------------------------
    def cost(self, plan: Plan, trips: dict[str, str] | None = None) -> PlanCost:
        """Price ``plan``'s routes and, per trip, the requests in ``trips`` (request id -> channel)."""
        out = PlanCost()
        for route in plan.routes:
            rc, used = self.route_cost(route)
            out.routes.append(rc)
            out.use(used)
            for rid, share in rc.shares.items():
                r = self.scenario.request(rid)
                fig = Figures()
                fig.add(rc.figures, share)
                fig.trips = 1
                self._book(out, r, rc.channel, fig)
        for rid, channel in (trips or {}).items():
            r = self.scenario.request(rid)
            price, co2 = self.trip_price(r, channel)
            out.use(price.params)
            self._book(out, r, channel, Figures(cost_dkk=price.dkk, co2_kg=co2, km=self.direct_km(r), trips=1))
        return out

    def _book(self, out: PlanCost, r: Request, channel: str, fig: Figures) -> None:
        """Record one request's figures (the citizen's payment, where one applies, is deducted)."""
        area = self.user_payment_area.value
        if self.user_payment.value and area is not None and r.area == str(area):
            fig.cost_dkk -= float(self.user_payment.value)
            out.use((self.user_payment, self.user_payment_area))
        out.requests[r.id] = fig
        out.book((r.area, channel), fig)


def invoice_objective(scenario: Scenario, params: Parameters) -> Scenario:
    """``scenario`` with each vehicle type's solver prices set from the tariffs its route is bought by.

    Flexrute: the hourly rate of its class × price index × Movia administration factor, paid
    from the first pickup to the last drop-off unless ``deadhead_paid``; egne vogne: driver cost
    per hour, vehicle cost per km and the daily fixed cost, depot to depot. The solver then
    optimises the invoice, except for a minimum of paid hours per duty (ignored). Other channels
    keep the prices the scenario gives.
    """
    types = []
    for vt in scenario.vehicle_types:
        if vt.channel == "flexrute":
            above_minimum = float(params.number("channels.flexrute.min_paid_hours_per_duty").value) + 1.0
            hourly = (
                t.flexrute_route(params, tariff_class(vt), above_minimum + 1.0).dkk
                - t.flexrute_route(params, tariff_class(vt), above_minimum).dkk
            )
            hours_from = "depot" if params.get("channels.flexrute.deadhead_paid").value else "first_stop"
            vt = replace(vt, cost_per_hour_dkk=hourly, cost_per_km_dkk=0.0, fixed_cost_dkk=0.0, hours_from=hours_from)
        elif vt.channel == "own":
            zero_km = t.own_route(params, 0.0, 0.0).dkk
            vt = replace(
                vt,
                cost_per_hour_dkk=t.own_route(params, 0.0, 1.0).dkk - zero_km,
                cost_per_km_dkk=t.own_route(params, 1.0, 0.0).dkk - zero_km,
                fixed_cost_dkk=zero_km,
            )
        types.append(vt)
    return replace(scenario, vehicle_types=tuple(types))
