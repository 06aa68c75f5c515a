"""CO2 of driving, per vehicle class and fuel (kg CO2e), with the factors' sources.

Combustion: km × (l/100 km ÷ 100) × kg CO2 per litre (diesel 2.66, petrol 2.32 tailpipe; HVO
0.40 well-to-wheel). Electric: km × kWh/km × charging-loss factor × grid intensity (DK2 default
100 g/kWh, or an hourly profile when the table gives 24 values). Petrol cars are assumed to use
the diesel figure's litres × 1.15 (assumption: petrol engines burn ~15 % more litres per km).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.costing.params import Param, Parameters

FUELS = ("diesel", "petrol", "hvo", "electric")
PETROL_LITRE_FACTOR = 1.15  # assumption, see the module doc


@dataclass(frozen=True, slots=True)
class Emission:
    """kg CO2e and the parameters behind it."""

    kg: float
    params: tuple[Param, ...] = field(default=())


def driving_co2(p: Parameters, vehicle_class: str, fuel: str, km: float, hour: int | None = None) -> Emission:
    """CO2e of driving ``km`` with a vehicle of ``vehicle_class`` on ``fuel`` (``hour``: for an hourly grid profile)."""
    if fuel == "electric":
        kwh = p.number(f"vehicle_types.{vehicle_class}.ev_kwh_per_km")
        loss = p.number("emission_factors.charging_loss_factor")
        profile = p.get("emission_factors.grid_dk2_hourly_g_per_kwh")
        if isinstance(profile.value, list) and len(profile.value) == 24 and hour is not None:
            grid_g = float(profile.value[hour % 24])
            grid = profile
        else:
            grid = p.number("emission_factors.grid_dk2_g_per_kwh_default")
            grid_g = float(grid.value)
        return Emission(km * kwh.value * loss.value * grid_g / 1000.0, (kwh, loss, grid))
    litres_per_100 = p.number(f"vehicle_types.{vehicle_class}.diesel_l_per_100km")
    factor_key = {"diesel": "diesel_kg_co2_per_l", "petrol": "petrol_kg_co2_per_l", "hvo": "hvo_kg_co2e_per_l"}.get(
        fuel
    )
    if factor_key is None:
        raise ValueError(f"unknown fuel {fuel!r}; use one of {', '.join(FUELS)}")
    factor = p.number(f"emission_factors.{factor_key}")
    litres = km * litres_per_100.value / 100.0 * (PETROL_LITRE_FACTOR if fuel == "petrol" else 1.0)
    return Emission(litres * factor.value, (litres_per_100, factor))
