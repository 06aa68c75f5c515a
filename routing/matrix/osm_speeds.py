"""Speeds of OpenStreetMap road classes: the ``maxspeed`` parser and the Danish defaults where it is missing.

Every default is an **assumption** with its reason. The legal limits are Færdselsloven § 42 (50 km/h in
built-up areas, 80 km/h outside them, motorways 110 km/h with 130 km/h where signed, which is most of the
Danish network) and the 15 km/h of an *opholds- og legeområde* (living street). Class defaults below the
legal limit say where a vehicle cannot usually drive the limit (residential streets with humps and
junctions, service roads). Vehicle limits (§ 43: e.g. 80 km/h for buses and lorries over 3.5 t outside
motorways) are a profile's ``speed_cap_kph``, not part of this table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: Road classes (OSM ``highway=*``) a car or minibus may drive. Everything else (footway, cycleway, path,
#: steps, pedestrian, track, bridleway, corridor, construction, proposed, platform, ...) is left out.
DRIVE_CLASSES = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
    }
)

#: ``access=*`` values that close a way to through traffic by car (``destination`` and ``delivery`` stay open:
#: a citizen's door may be on such a road).
CLOSED_ACCESS = frozenset({"no", "private"})


@dataclass(frozen=True, slots=True)
class SpeedDefault:
    """A default speed for a road class, with why it is that value."""

    speed_kph: float
    reason: str


#: Speed where a way has no usable ``maxspeed``: one entry per class of ``DRIVE_CLASSES``.
CLASS_DEFAULTS: dict[str, SpeedDefault] = {
    "motorway": SpeedDefault(130.0, "§ 42: 110 km/h, 130 km/h where signed (most Danish motorway)"),
    "motorway_link": SpeedDefault(80.0, "assumption: ramps are signed or driven well below the motorway limit"),
    "trunk": SpeedDefault(80.0, "§ 42: 80 km/h outside built-up areas (motortrafikvej is often signed 80-90)"),
    "trunk_link": SpeedDefault(50.0, "assumption: ramps and slip roads"),
    "primary": SpeedDefault(80.0, "§ 42: 80 km/h outside built-up areas; urban stretches usually carry maxspeed"),
    "primary_link": SpeedDefault(50.0, "assumption: ramps and slip roads"),
    "secondary": SpeedDefault(80.0, "§ 42: 80 km/h outside built-up areas"),
    "secondary_link": SpeedDefault(50.0, "assumption: ramps and slip roads"),
    "tertiary": SpeedDefault(60.0, "assumption: a mix of 50 (built-up) and 80 (rural) stretches"),
    "tertiary_link": SpeedDefault(50.0, "assumption: ramps and slip roads"),
    "unclassified": SpeedDefault(50.0, "assumption: minor roads, narrow or in villages; rural limit 80 rarely driven"),
    "residential": SpeedDefault(40.0, "assumption: urban limit 50 (§ 42), less with junctions, humps, 40-zones"),
    "living_street": SpeedDefault(15.0, "opholds- og legeområde: 15 km/h"),
    "service": SpeedDefault(20.0, "assumption: driveways, car parks, yards"),
    "road": SpeedDefault(40.0, "assumption: unknown class, treated as a residential street"),
}

#: Implicit ``maxspeed`` values (``DK:urban`` etc., OSM wiki "Default speed limits") and other words.
IMPLICIT_KPH: dict[str, float] = {
    "dk:urban": 50.0,
    "dk:rural": 80.0,
    "dk:motorway": 130.0,
    "dk:living_street": 15.0,
    "walk": 6.0,
}

KPH_PER_MPH = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed(value: object) -> float | None:
    """The speed in km/h an OSM ``maxspeed`` value gives, or None if it gives none.

    Parameters
    ----------
    value
        The tag's value: ``"50"``, ``"30 mph"``, ``"DK:urban"``, ``"50;80"`` (several values: the lowest,
        since a plan must hold on the slower stretch), a list of such values (a merged way), or None.

    Returns
    -------
    float or None
        The speed, or None for a missing or unusable value (``none``, ``signals``, ``variable``, text).
    """
    if value is None:
        return None
    parts = value if isinstance(value, list) else str(value).split(";")
    speeds = []
    for part in parts:
        text = str(part).strip().lower()
        if text in IMPLICIT_KPH:
            speeds.append(IMPLICIT_KPH[text])
            continue
        match = _NUMBER.match(text)
        if match:
            kph = float(match[1]) * (KPH_PER_MPH if match[2] == "mph" else 1.0)
            if math.isfinite(kph) and kph > 0:
                speeds.append(kph)
    return min(speeds) if speeds else None


def edge_speed_kph(highway: str, maxspeed: object) -> float:
    """The speed of a way: its ``maxspeed`` if usable, else the default of its class (``CLASS_DEFAULTS``)."""
    parsed = parse_maxspeed(maxspeed)
    return parsed if parsed is not None else CLASS_DEFAULTS[highway].speed_kph
