"""Tariff formulas per procurement channel (2021 price level, DKK).

Each returns a ``Price`` that lists the parameters it used, so every figure traces to its sources.

- **Flexrute** (Movia, fixed routes): paid vehicle-hours × hourly rate of the vehicle class ×
  price index × Movia administration factor; at least the contract's minimum hours per duty.
- **Flexkommune** (Movia, coordinated trips, per passenger trip): (base + per km × shortest
  direct km) × wheelchair multiplier × Movia administration factor (the seed's 5.4 %, on average
  ≈ 8.5 kr. per Movia passenger trip).
- **Flexhandicap**: net cost per trip (Movia pool; not routed by the municipality).
- **Private vognmand** (taxi meter; distance and time run in parallel): deflated Dantaxi
  tariff (start + per km + per minute), storvogn prices for wheelchair trips × multiplier;
  × tender price factor (indsats 2); optionally capped at a price per paid hour.
- **Egne vogne**: driver cost per hour + vehicle cost per km + daily fixed cost.
- **Refusion**: reimbursed km at statens takst; counted-only trips at the average reimbursed trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.costing.params import Param, Parameters

#: Vehicle classes of the tariff table.
CLASSES = ("taxi", "storvogn", "liftbil", "midibus")


@dataclass(frozen=True, slots=True)
class Price:
    """A price in DKK and the parameters behind it."""

    dkk: float
    params: tuple[Param, ...] = field(default=())

    def __add__(self, other: Price) -> Price:
        return Price(self.dkk + other.dkk, self.params + other.params)


def flexrute_route(p: Parameters, vehicle_class: str, paid_hours: float) -> Price:
    """Flexrute: max(paid hours, minimum per duty) × rate[class] × price index × admin factor."""
    rate = p.number(f"channels.flexrute.price_per_vehicle_hour.{vehicle_class}")
    minimum = p.number("channels.flexrute.min_paid_hours_per_duty")
    index = p.number("channels.flexrute.price_index")
    admin = p.number("channels.flexrute.admin_factor")
    hours = max(paid_hours, float(minimum.value))
    return Price(hours * rate.value * index.value * admin.value, (rate, minimum, index, admin))


def flexkommune_trip(p: Parameters, direct_km: float, wheelchair: bool) -> Price:
    """Flexkommune: (base + per km × direct km) × wheelchair multiplier × admin factor."""
    base = p.number("channels.flexkommune.base_per_trip")
    per_km = p.number("channels.flexkommune.per_km_direct")
    admin = p.number("channels.flexkommune.admin_factor")
    used = [base, per_km, admin]
    factor = 1.0
    if wheelchair:
        mult = p.number("channels.flexkommune.wheelchair_multiplier")
        factor = float(mult.value)
        used.append(mult)
    return Price((base.value + per_km.value * direct_km) * factor * admin.value, tuple(used))


def flexhandicap_trip(p: Parameters) -> Price:
    """Flexhandicap: the municipality's net cost per trip."""
    net = p.number("channels.flexhandicap.net_cost_per_trip")
    return Price(float(net.value), (net,))


def private_meter(p: Parameters, km: float, minutes: float, large: bool, wheelchair: bool) -> Price:
    """Private vognmand: deflator × (start + per km × km + per minute × minutes), Dantaxi tariff.

    ``large`` picks the storvogn tariff (5-8 seats); a wheelchair trip is a storvogn trip × the
    wheelchair multiplier. The tender price factor (indsats 2) multiplies the result.
    """
    cls = "storvogn" if large or wheelchair else "alm_vogn"
    start = p.number(f"channels.private_vognmand.tariff_2024.{cls}.start")
    per_km = p.number(f"channels.private_vognmand.tariff_2024.{cls}.per_km")
    per_min = p.number(f"channels.private_vognmand.tariff_2024.{cls}.per_min")
    deflator = p.number("deflator_2024_to_2021")
    tender = p.number("channels.private_vognmand.tender_price_factor")
    used = [start, per_km, per_min, deflator, tender]
    dkk = (start.value + per_km.value * km + per_min.value * minutes) * deflator.value * tender.value
    if wheelchair:
        mult = p.number("channels.private_vognmand.wheelchair_multiplier_on_storvogn")
        dkk *= mult.value
        used.append(mult)
    return Price(dkk, tuple(used))


def private_route(
    p: Parameters, km: float, paid_hours: float, large: bool, wheelchair: bool, special_supplier: bool = False
) -> Price:
    """A private vognmand driving a whole route: the meter over the route, capped per paid hour when a cap is set.

    The cap (``price_cap_per_hour_lever``) does not apply when a passenger needs a special supplier.
    """
    meter = private_meter(p, km, paid_hours * 60.0, large, wheelchair)
    cap = p.get("channels.private_vognmand.price_cap_per_hour_lever")
    if cap.value is None or special_supplier:
        return Price(meter.dkk, meter.params + (cap,))
    capped = float(cap.value) * paid_hours
    return Price(min(meter.dkk, capped), meter.params + (cap,))


def own_route(p: Parameters, km: float, hours: float) -> Price:
    """Egne vogne: driver per hour × duty hours + vehicle cost per km × km + daily fixed cost."""
    driver = p.number("channels.own_vehicles.driver_cost_per_hour")
    per_km = p.number("channels.own_vehicles.vehicle_cost_per_km")
    fixed = p.number("channels.own_vehicles.daily_fixed_cost")
    return Price(driver.value * hours + per_km.value * km + fixed.value, (driver, per_km, fixed))


def refusion_km(p: Parameters, km: float, year: int = 2021) -> Price:
    """Refusion: reimbursed km at statens høje takst of ``year``."""
    rate = p.number(f"channels.refusion.statens_takst.{year}.hoej")
    return Price(rate.value * km, (rate,))


def refusion_counted_trip(p: Parameters) -> Price:
    """A reimbursed trip that is counted but not routed: the average reimbursed trip."""
    avg = p.number("channels.refusion.avg_reimbursed_trip")
    return Price(float(avg.value), (avg,))


def trip(p: Parameters, channel: str, km: float, minutes: float, wheelchair: bool) -> Price:
    """One passenger trip bought on its own through a per-trip ``channel`` (direct ``km``, ``minutes``).

    Private seated trips use the table's mix of alm. vogn and storvogn; wheelchair trips a storvogn.
    """
    if channel == "flexkommune":
        return flexkommune_trip(p, km, wheelchair)
    if channel == "flexhandicap":
        return flexhandicap_trip(p)
    if channel == "refusion":
        return refusion_km(p, km)
    if channel == "private":
        if wheelchair:
            return private_meter(p, km, minutes, large=True, wheelchair=True)
        small, large = (private_meter(p, km, minutes, large=b, wheelchair=False) for b in (False, True))
        mix = p.get("channels.private_vognmand.seated_mix_alm_storvogn")
        return Price(small.dkk * mix.value[0] + large.dkk * mix.value[1], small.params + (mix,))
    raise ValueError(f"channel {channel!r} is not bought per trip")
