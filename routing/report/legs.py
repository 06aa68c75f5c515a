"""The line each duty drives, for maps and GeoJSON: road paths on ``osm`` profiles, straight legs otherwise.

A vehicle type's profile decides: on a road-network (``kind: osm``) profile each leg follows its
fastest road path (``routing.matrix.osm.road_paths``, the path the matrices timed); on a geodesic
profile the legs are straight lines between the stops, as the travel times assume no particular road.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from routing.matrix.osm import Path, road_paths
from routing.model import Location, Scenario
from routing.report.manifest import Duty


def duty_lines(scenario: Scenario, all_duties: Sequence[Duty]) -> list[Path]:
    """Per duty (in order), the (lat, lon) points of the line it drives from its first stop to its last."""
    lines: list[Path] = [[s.coords for s in d.stops] for d in all_duties]
    # The legs of every duty on a road profile, gathered per profile: one batch of searches each.
    wanted: dict[str, list[tuple[int, int, Location, Location]]] = defaultdict(list)
    for k, d in enumerate(all_duties):
        profile = scenario.profile(scenario.vehicle_type(d.vehicle_type).profile)
        if profile.kind != "osm":
            continue
        for leg, (a, b) in enumerate(zip(d.stops, d.stops[1:], strict=False)):
            wanted[profile.name].append((k, leg, scenario.location(a.location), scenario.location(b.location)))
    for name, legs in wanted.items():
        paths = road_paths(scenario.profile(name), [(a, b) for _, _, a, b in legs])
        drawn: dict[int, Path] = defaultdict(list)
        for (k, _, _, _), path in zip(legs, paths, strict=True):
            drawn[k] += path if not drawn[k] else path[1:]  # each leg starts where the last one ended
        for k, line in drawn.items():
            lines[k] = line
    return lines
