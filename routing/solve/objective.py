"""What each vehicle's route costs under the solve objective, for the insertion and LNS searches.

Under ``distance`` a route costs its metres. Under ``cost`` it costs, in cost units
(``COST_UNITS_PER_DKK``), the vehicle type's fixed price when used, its price per km over the
route and its price per hour of duty (from leaving the depot for the first stop to the return,
or from the first stop to the last for types with ``hours_from: first_stop``),
plus one unit per metre as a tie-breaker: the same terms OR-Tools is given (arc cost, fixed
cost, span cost), so every stage of the hybrid optimises one objective.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.model import Scenario
from routing.units import COST_UNITS_PER_DKK, METRES_PER_KM, SECONDS_PER_HOUR


@dataclass(frozen=True)
class VehiclePrices:
    """Per vehicle id: cost units per metre, per second of duty, and when used at all; whether
    the paid duty runs from the first stop to the last (deadhead unpaid) instead of depot to depot.
    """

    per_m: dict[str, float]
    per_s: dict[str, float]
    fixed: dict[str, float]
    first_stop: dict[str, bool]

    @property
    def any_first_stop(self) -> bool:
        """Whether some vehicle's hourly price runs from its first stop (OR-Tools cannot price that)."""
        return any(self.first_stop[vid] and self.per_s[vid] for vid in self.per_s)

    @classmethod
    def of(cls, scenario: Scenario, objective: str) -> VehiclePrices:
        per_m, per_s, fixed, first_stop = {}, {}, {}, {}
        for v in scenario.vehicles:
            vt = scenario.vehicle_type(v.type)
            first_stop[v.id] = vt.hours_from == "first_stop"
            if objective == "cost":
                per_m[v.id] = 1.0 + vt.cost_per_km_dkk * COST_UNITS_PER_DKK / METRES_PER_KM
                per_s[v.id] = vt.cost_per_hour_dkk * COST_UNITS_PER_DKK / SECONDS_PER_HOUR
                fixed[v.id] = float(round(vt.fixed_cost_dkk * COST_UNITS_PER_DKK))
            else:
                per_m[v.id], per_s[v.id], fixed[v.id] = 1.0, 0.0, 0.0
        return cls(per_m, per_s, fixed, first_stop)
