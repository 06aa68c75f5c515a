"""What a plan costs the search: the ONE objective every stage and backend derives from.

The price of a plan, in integer cost units (``routing.units.COST_UNITS_PER_DKK``), is the sum of
its terms (``TERMS``):

``fixed``
    Per vehicle used: its type's fixed price (objective ``cost``), or under
    ``vehicles_then_distance`` a weight above any plan's total distance, so one vehicle fewer
    always wins; 0 under ``distance``.
``distance``
    Per arc driven: the metres, and under ``cost`` also the type's per-metre price, rounded to
    whole cost units per arc (``arcs``: one priced integer matrix per (profile, price), computed
    once). Under ``cost`` the metres stay in as a 1-unit-per-metre tie-breaker when prices are 0.
``duty``
    Per second of paid duty, under ``cost`` only: the type's hourly price rounded to whole cost
    units per second, times the duty from leaving the depot to the return
    (``hours_from: depot``) or from the first stop's service start to the end of the last
    stop's service (``hours_from: first_stop``: deadhead unpaid, as on Flexrute).
``unserved``
    Per unserved request: ``unserved_per_visit`` per visit (a pickup-and-drop-off request has two,
    a depot delivery one), far above any route's cost yet safe from int64 overflow.

The objective is not the invoice (``routing.costing`` prices plans for the analyst).

Consumers and how they use it:

* insertion and ruin-and-recreate (``search/insertion.py``, ``search/lns.py``): ``arcs``,
  ``prices`` (fixed, per second, hours from) and ``route_cost``;
* OR-Tools (``backends/ortools.py``): ``arcs`` as arc-cost transit matrices, ``prices`` as fixed
  costs and span-cost coefficients, ``unserved_per_visit`` as disjunction penalty;
* PyVRP (``backends/pyvrp.py``): ``arcs`` as its distance matrices with unit distance cost 1,
  ``prices`` as fixed and unit duration costs, ``prize`` for the relaxation's optional requests
  (under ``vehicles_then_distance`` with one vehicle kind a fleet-minimisation stage replaces the
  weight per vehicle, so PyVRP's own cost leaves that term out);
* the portfolio (``solve.py``): ``price`` of each worker's result (never a backend's own number).

Where a backend cannot express a term, ``unsupported_terms(backend)`` says so, and the pipeline
reads it there: the hybrid returns its exact LNS plan instead of polishing with OR-Tools, and
the solve stage notes in the plan's status that a backend searched without the term (its plan is
still priced, and ranked, by ``price``).

Adding a term
-------------
A term (e.g. a consistency term: a price per request served by another vehicle than last week;
a disruption term: a price per request moved from a given plan) must provide

1. its price of one route in ``route_cost`` (so ``price``, the portfolio and the LNS see it;
   a term priced per request takes the route's request ids, which ``route_price`` and
   ``lns.route_cost`` both have), its data in ``Objective.of`` (e.g. last week's vehicle per
   request), and, if it can be charged per insertion, its increment in ``Inserter.insert``;
2. its OR-Tools form (an arc cost, a fixed or span cost, a penalty per node, or a soft bound on
   a dimension) in ``backends/ortools.py``, or its name in ``unsupported_terms("ortools")``;
3. likewise its PyVRP form in ``backends/pyvrp.py`` or its name in ``unsupported_terms("pyvrp")``;
4. an entry in ``TERMS`` and a case in ``tests/solve/test_objective.py`` pricing plans from each
   backend with ``price`` against the backend's own reported objective.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.solve.backends.base import TimedStep
from routing.solve.params import OBJECTIVES
from routing.units import dkk_per_hour_to_cost_units_per_s, dkk_per_km_to_cost_units_per_m, dkk_to_cost_units

#: The terms of the objective, in the order the module doc explains them.
TERMS = ("fixed", "distance", "duty", "unserved")

#: Terms a backend cannot express, and what it does instead (read by the pipeline).
_UNSUPPORTED = {
    "ortools": {
        "duty_from_first_stop": "OR-Tools' span cost runs depot to depot: it cannot price duty from the first stop",
    },
    "pyvrp": {
        "duty_from_first_stop": "PyVRP's duration cost runs depot to depot: it prices duty from the depot instead",
    },
}


@dataclass(frozen=True, slots=True)
class VehiclePrice:
    """What one vehicle costs the search.

    Parameters
    ----------
    profile
        Its travel profile (matrix).
    per_m
        Cost units per metre before the per-arc rounding, tie-breaker not included.
    per_s
        Whole cost units per second of paid duty.
    fixed
        Whole cost units when used.
    first_stop
        The paid duty runs from the first stop to the last (deadhead unpaid).
    """

    profile: str
    per_m: float
    per_s: int
    fixed: int
    first_stop: bool

    @property
    def arc_key(self) -> tuple[str, float]:
        """Which priced arc matrix the vehicle drives on: (profile, price per metre)."""
        return (self.profile, self.per_m)


class Objective:
    """The objective of one solve: prices per vehicle, priced arc matrices, penalty per unserved visit.

    Build it with ``Objective.of``.
    """

    def __init__(
        self,
        kind: str,
        scenario: Scenario,
        matrices: MatrixSet,
        prices: Mapping[str, VehiclePrice],
        unserved_per_visit: int,
    ) -> None:
        self.kind = kind
        self.scenario = scenario
        self.matrices = matrices
        self.prices = dict(prices)
        self.unserved_per_visit = unserved_per_visit
        self._index = matrices.index()
        self._arcs: dict[tuple[str, float], np.ndarray] = {}
        self._arcs_maxima: dict[tuple[str, float], int] = {}

    @classmethod
    def of(
        cls, scenario: Scenario, matrices: MatrixSet, kind: str, requests: Sequence[Request] | None = None
    ) -> Objective:
        """The objective ``kind`` (``SolveParams.objective``) of a scenario.

        Parameters
        ----------
        scenario, matrices
            The model and its matrices.
        kind
            ``cost``, ``distance`` or ``vehicles_then_distance``.
        requests
            The requests being routed (default: all); they size the unserved penalty.

        Returns
        -------
        Objective
            Prices per vehicle and the unserved penalty.

        Raises
        ------
        ValueError
            For an unknown ``kind``.
        """
        if kind not in OBJECTIVES:
            raise ValueError(f"unknown objective {kind!r}; use one of {', '.join(OBJECTIVES)}")
        requests = scenario.requests if requests is None else requests
        weight = 0
        if kind == "vehicles_then_distance":
            profiles = sorted({vt.profile for vt in scenario.vehicle_types})
            weight = max(int(matrices.distance_m[p].max(axis=1).sum()) + 1 for p in profiles)
        prices: dict[str, VehiclePrice] = {}
        for v in scenario.vehicles:
            vt = scenario.vehicle_type(v.type)
            first_stop = vt.hours_from == "first_stop"
            if kind == "cost":
                prices[v.id] = VehiclePrice(
                    vt.profile,
                    dkk_per_km_to_cost_units_per_m(vt.cost_per_km_dkk),
                    dkk_per_hour_to_cost_units_per_s(vt.cost_per_hour_dkk),
                    dkk_to_cost_units(vt.fixed_cost_dkk),
                    first_stop,
                )
            else:
                prices[v.id] = VehiclePrice(vt.profile, 0.0, 0, weight, first_stop)
        objective = cls(kind, scenario, matrices, prices, 0)
        objective.unserved_per_visit = objective._unserved_penalty(requests)
        return objective

    def _unserved_penalty(self, requests: Sequence[Request]) -> int:
        """A penalty per visit far above any route's cost, yet safe from int64 overflow."""
        scenario = self.scenario
        depots = {loc for v in scenario.vehicles for loc in (v.start, v.end)}
        num_nodes = len(depots) + sum(len(r.visits) for r in requests)
        # One maximum per distinct matrix, not per vehicle (a 3 200-location matrix takes ~10 ms).
        worst_arc = max((self._arcs_max(key) for key in self.arc_keys), default=1)
        worst_fixed = max((p.fixed for p in self.prices.values()), default=0)
        worst_per_s = max((p.per_s for p in self.prices.values()), default=0)
        route_bound = worst_fixed + worst_arc * (num_nodes + 1) + worst_per_s * scenario.horizon_s
        safe_cap = (2**62) // (2 * len(requests) + 2)
        return int(min(max(10 * route_bound * len(scenario.vehicles), 10**6), safe_cap))

    # Terms ----------------------------------------------------------------------------------
    def arcs_for(self, key: tuple[str, float]) -> np.ndarray:
        """The priced integer arc matrix of a (profile, price per metre), over all locations.

        Parameters
        ----------
        key
            ``VehiclePrice.arc_key``.

        Returns
        -------
        numpy.ndarray
            int64 cost units per arc: ``rint(metres * price) + metres`` under ``cost``, the metres otherwise.
        """
        if key not in self._arcs:
            dist = np.asarray(self.matrices.distance_m[key[0]], dtype=np.int64)
            # Prices are 0 unless the objective is ``cost``, where the metres are the tie-breaker.
            self._arcs[key] = np.rint(dist * key[1]).astype(np.int64) + dist if key[1] else dist
        return self._arcs[key]

    def arcs(self, vehicle_id: str) -> np.ndarray:
        """The priced arc matrix a vehicle drives on (see ``arcs_for``)."""
        return self.arcs_for(self.prices[vehicle_id].arc_key)

    @property
    def arc_keys(self) -> list[tuple[str, float]]:
        """The distinct priced arc matrices of the fleet, sorted."""
        return sorted({p.arc_key for p in self.prices.values()})

    @property
    def any_first_stop(self) -> bool:
        """Whether some vehicle's duty price runs from its first stop."""
        return any(p.first_stop and p.per_s for p in self.prices.values())

    def unsupported_terms(self, backend: str) -> dict[str, str]:
        """The terms of this objective the backend cannot express, each with what it does instead.

        Parameters
        ----------
        backend
            ``ortools`` or ``pyvrp``.

        Returns
        -------
        dict[str, str]
            Term name to explanation; empty when the backend prices every term as ``price`` does.
        """
        terms = {}
        if self.any_first_stop:
            terms["duty_from_first_stop"] = _UNSUPPORTED.get(backend, {}).get("duty_from_first_stop", "")
        return {k: v for k, v in terms.items() if v}

    # Prices ----------------------------------------------------------------------------------
    def route_cost(self, vehicle_id: str, locations: Sequence[int], paid_s: int) -> int:
        """Price of one used route.

        Parameters
        ----------
        vehicle_id
            The vehicle.
        locations
            Matrix indices driven through: start depot, each visit, end depot.
        paid_s
            Seconds of paid duty (``paid_duty_s``).

        Returns
        -------
        int
            Fixed, distance and duty terms in cost units.
        """
        price = self.prices[vehicle_id]
        loc = np.asarray(locations)
        arcs = self.arcs_for(price.arc_key)
        return int(arcs[loc[:-1], loc[1:]].sum()) + price.fixed + price.per_s * int(paid_s)

    def paid_duty_s(self, vehicle_id: str, leave_s: int, first_s: int, last_done_s: int, back_s: int) -> int:
        """Seconds of paid duty: depot to depot, or first stop to the end of the last stop's service.

        Parameters
        ----------
        vehicle_id
            The vehicle.
        leave_s, back_s
            Leaving the start depot and arriving at the end depot.
        first_s
            Service start at the first stop.
        last_done_s
            End of service at the last stop.

        Returns
        -------
        int
            The seconds the duty term prices.
        """
        if self.prices[vehicle_id].first_stop:
            return last_done_s - first_s
        return back_s - leave_s

    def route_price(self, vehicle_id: str, visits: Sequence[TimedStep]) -> int:
        """Price of one route given as solver visits (start, service starts, end).

        Parameters
        ----------
        vehicle_id
            The vehicle.
        visits
            Its visits as a backend returns them; a route without request visits costs nothing.

        Returns
        -------
        int
            Cost units.
        """
        stops = [v for v in visits if v.request is not None]
        if not stops:
            return 0
        last = stops[-1]
        request = self.scenario.request(str(last.request))
        visit = request.pickup if last.kind == "pickup" else request.dropoff
        assert visit is not None
        paid = self.paid_duty_s(
            vehicle_id, visits[0].time_s, stops[0].time_s, last.time_s + visit.service_s, visits[-1].time_s
        )
        return self.route_cost(vehicle_id, [self._index[v.location] for v in visits], paid)

    def unserved_price(self, request_ids: Iterable[str]) -> int:
        """Penalty of leaving these requests unserved (per visit: ``unserved_per_visit``)."""
        return sum(self.unserved_per_visit * len(self.scenario.request(rid).visits) for rid in request_ids)

    def price(self, routes: Mapping[str, Sequence[TimedStep]], unserved: Iterable[str]) -> int:
        """The price of a plan: every route plus the penalty of every unserved request.

        Parameters
        ----------
        routes
            Visits per vehicle id, as a backend returns them.
        unserved
            Ids of the requests routed by none of them.

        Returns
        -------
        int
            Cost units.
        """
        return sum(self.route_price(vid, visits) for vid, visits in routes.items()) + self.unserved_price(unserved)

    def prize(self) -> int:
        """A prize per optional request above the most serving it could add (a vehicle of its own).

        For searches where requests are optional (PyVRP on the hybrid's relaxation); it is not
        the unserved penalty of ``price``, only needs to exceed any cost of serving.
        """
        profiles = {p.profile for p in self.prices.values()}
        longest_s = max(int(self.matrices.duration_s[profile].max()) for profile in profiles)
        # Distinct (matrix, fixed, per second) triples only: the maxima are per matrix, not per vehicle.
        worst = 0
        for key, fixed, per_s in {(p.arc_key, p.fixed, p.per_s) for p in self.prices.values()}:
            worst = max(worst, fixed + 4 * self._arcs_max(key) + 4 * longest_s * per_s)
        return 10 * worst + 1

    def _arcs_max(self, key: tuple[str, float]) -> int:
        """The largest entry of ``arcs_for(key)``, computed once."""
        if key not in self._arcs_maxima:
            self._arcs_maxima[key] = int(self.arcs_for(key).max())
        return self._arcs_maxima[key]
