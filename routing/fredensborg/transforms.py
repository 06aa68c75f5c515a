"""Scenario transforms for the Fredensborg analysis' indsatser: they change a scenario, not code.

A scenario file may say::

    extends: baseline_2021.yaml        # relative to this file
    transforms: [indsats_11, indsats_12]
    name: ...                          # any top-level key here replaces the base's

and is then the base scenario with the named transforms applied in order (on the YAML
structure, so the result is an ordinary scenario a user could have written by hand). The names
are registered as entry points of the group ``routing.transforms`` in ``pyproject.toml``; the
core finds them there (``routing.scenario.transforms``) and imports nothing from this package.

- ``indsats_11`` — route count and composition: plan all route-bought trips of a day together
  (``meta.planning: joint``) instead of per area and channel as today (``silo``).
- ``indsats_12`` — Flexrute for recurring trips: recurring Flexkommune trips of the CFH areas
  8–10 become Flexrute trips (planned on routes).
- ``indsats_2`` — competitive tendering of private særkørsel: private prices × 0.775 (the seed's
  0.4–0.5 mio on 2.0 mio, midpoint; derived).
- ``indsats_3`` — user payment for day-centre trips (area 5): ``user_payment_per_trip`` kr.
  per trip paid by the citizen (8.5 kr.: the seed's 0.1–0.2 mio on ≈ 17 700 trips, midpoint; derived).
- ``ev_2025`` — passenger cars (≤ 4 seats) electric (Movia Flextrafik from 1 Jan 2025; sourced).
- ``ev_2030`` — every vehicle electric (Movia Flextrafik all-electric by 2030; sourced).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Data = dict[str, Any]

#: The CFH areas by id (a scenario may write an area id as a number or as text).
CFH_AREAS = ("8", "9", "10")
TENDER_PRICE_FACTOR = 0.775
DAY_CENTRE_USER_PAYMENT = 8.5


def _costing(data: Data) -> Data:
    """The scenario's ``costing:`` overrides (added, empty, where it has none)."""
    costing: Data = data.setdefault("costing", {})
    return costing


def indsats_11(data: Data) -> Data:
    """Route count and composition: plan route-bought trips jointly, to the time limit."""
    data.setdefault("meta", {})["planning"] = "joint"
    # Optimise to the time limit: the baseline's fixed solution limit is for reproducing 2021.
    data.setdefault("solver", {}).pop("solution_limit", None)
    return data


def _recurring(request: Data) -> bool:
    days = request.get("days")
    return not days or len(days) >= 2


def indsats_12(data: Data) -> Data:
    """Flexrute for recurring trips: recurring Flexkommune trips of the CFH areas become Flexrute trips."""
    moved = 0
    for r in data["requests"]:
        if str(r.get("area")) in CFH_AREAS and r.get("channel") == "flexkommune" and _recurring(r):
            r["channel"] = "flexrute"
            r["max_ride"] = r.get("max_ride") or {}
            moved += 1
    data.setdefault("meta", {})["indsats_12_moved_requests"] = moved
    return data


def indsats_2(data: Data) -> Data:
    """Competitive tendering of private særkørsel: private prices × ``TENDER_PRICE_FACTOR``."""
    _costing(data).setdefault("channels", {}).setdefault("private_vognmand", {})["tender_price_factor"] = (
        TENDER_PRICE_FACTOR
    )
    return data


def indsats_3(data: Data) -> Data:
    """User payment for day-centre trips: ``DAY_CENTRE_USER_PAYMENT`` kr. per trip."""
    _costing(data).setdefault("channels", {}).setdefault("user_payment", {})["day_centre_per_trip"] = (
        DAY_CENTRE_USER_PAYMENT
    )
    return data


def ev_2025(data: Data) -> Data:
    """Passenger cars (at most 4 seats, no wheelchair place) electric."""
    for vt in data["vehicle_types"]:
        if vt.get("capacity", {}).get("seats", 0) <= 4 and not vt.get("capacity", {}).get("wheelchairs"):
            vt["fuel"] = "electric"
    return data


def ev_2030(data: Data) -> Data:
    """Every vehicle electric."""
    for vt in data["vehicle_types"]:
        vt["fuel"] = "electric"
    return data


TRANSFORMS: dict[str, Callable[[Data], Data]] = {
    "indsats_11": indsats_11,
    "indsats_12": indsats_12,
    "indsats_2": indsats_2,
    "indsats_3": indsats_3,
    "ev_2025": ev_2025,
    "ev_2030": ev_2030,
}


def apply(data: Data, names: list[str]) -> Data:
    """``data`` with the transforms ``names`` applied in order (a deep copy; unknown names raise KeyError)."""
    out = copy.deepcopy(data)
    for name in names:
        out = TRANSFORMS[name](out)
    return out
