"""``routes.geojson`` (RFC 7946, WGS84 lon/lat): a LineString per route and a Point per stop, for QGIS and web maps.

A route's line is the road path of each leg on a road-network (``kind: osm``) profile and straight
segments between the stops otherwise (``routing.report.legs.duty_lines``). Planar benchmark scenarios
have no geographic coordinates: ``routes_geojson`` then raises ``NotGeographic`` with the reason, and
callers say so instead of writing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from routing.report.manifest import Duty
from routing.units import format_clock


class NotGeographic(ValueError):
    """The scenario's locations are planar x/y points: there is nothing to put on a map."""


def _lonlat(coords: tuple[float, float]) -> list[float]:
    lat, lon = coords
    return [round(lon, 7), round(lat, 7)]


def routes_geojson(
    all_duties: Sequence[Duty],
    planar: bool,
    cost_dkk: Mapping[tuple[str, str], float] | None = None,
    lines: Sequence[Sequence[tuple[float, float]]] | None = None,
) -> dict[str, Any]:
    """The FeatureCollection of the duties' routes and stops.

    Parameters
    ----------
    all_duties
        Duties (``manifest.duties``) of one or several days.
    planar
        True for a planar scenario (raises ``NotGeographic``).
    cost_dkk
        (day, vehicle) -> the route's cost, put on its LineString.
    lines
        Per duty, the (lat, lon) points of its line (``legs.duty_lines``); default: straight between the stops.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection: per duty one LineString (``vehicle``, ``day``, ``km``, ``hours``,
        ``cost_dkk``, ``passengers``) and one Point per stop (``vehicle``, ``day``, ``order``, ``time``,
        ``pickups``, ``dropoffs``).
    """
    if planar:
        raise NotGeographic("the scenario's locations are planar x/y points, not lat/lon: no GeoJSON or map")
    features: list[dict[str, Any]] = []
    for k, d in enumerate(all_duties):
        line = lines[k] if lines is not None else [s.coords for s in d.stops]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [_lonlat(p) for p in line]},
                "properties": {
                    "kind": "route",
                    "vehicle": d.vehicle,
                    "vehicle_type": d.vehicle_type,
                    "day": d.day,
                    "km": None if d.km is None else round(d.km, 2),
                    "hours": round(d.hours, 3),
                    "cost_dkk": None if cost_dkk is None else cost_dkk.get((d.day, d.vehicle)),
                    "passengers": d.passengers,
                },
            }
        )
        for s in d.stops:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": _lonlat(s.coords)},
                    "properties": {
                        "kind": "stop",
                        "vehicle": d.vehicle,
                        "day": d.day,
                        "order": s.order,
                        "time": format_clock(s.time_s),
                        "location": s.location,
                        "name": s.name,
                        "pickups": list(s.pick_up),
                        "dropoffs": list(s.set_down),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def geojson_text(collection: dict[str, Any]) -> str:
    """The collection as compact JSON text (one feature per line)."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
