"""Road times and distances (an osm profile) against the geodesic default for the same pairs.

Usage: python benchmarks/osm_vs_geodesic.py [SCENARIO.yaml] [PROFILE]   (default: scenarios/sindal.yaml car)

For every ordered pair of distinct locations more than ``MIN_STRAIGHT_M`` apart, prints the mean, median
and extreme ratios road/geodesic for time and distance, and the measured circuity (road distance over
the straight line), which is what the geodesic profile's 1.3 stands for.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing import load_scenario  # noqa: E402
from routing.matrix import profile_matrices  # noqa: E402
from routing.matrix.sphere import haversine_m  # noqa: E402
from routing.scenario.build import DEFAULT_PROFILE  # noqa: E402

#: Pairs closer than this are left out: a few metres of snapping dominate their ratios.
MIN_STRAIGHT_M = 200.0


def compare(scenario_path: Path, profile_name: str) -> dict[str, float]:
    """Ratios road/geodesic over the scenario's location pairs."""
    scenario = load_scenario(scenario_path)
    locations = scenario.locations
    road_m, road_s = profile_matrices(locations, scenario.profile(profile_name))
    geo_m, geo_s = profile_matrices(locations, DEFAULT_PROFILE)
    lat = np.array([loc.lat for loc in locations], dtype=np.float64)
    lon = np.array([loc.lon for loc in locations], dtype=np.float64)
    straight = haversine_m(lat, lon)
    pairs = straight > MIN_STRAIGHT_M
    time_ratio = road_s[pairs] / geo_s[pairs]
    dist_ratio = road_m[pairs] / geo_m[pairs]
    circuity = road_m[pairs] / straight[pairs]
    return {
        "pairs": float(pairs.sum()),
        "time_mean": float(time_ratio.mean()),
        "time_median": float(np.median(time_ratio)),
        "time_min": float(time_ratio.min()),
        "time_max": float(time_ratio.max()),
        "distance_mean": float(dist_ratio.mean()),
        "distance_max": float(dist_ratio.max()),
        "circuity_mean": float(circuity.mean()),
        "circuity_median": float(np.median(circuity)),
        "circuity_max": float(circuity.max()),
        "road_speed_kph_mean": float((road_m[pairs] / road_s[pairs]).mean() * 3.6),
        "geodesic_speed_kph_mean": float((geo_m[pairs] / geo_s[pairs]).mean() * 3.6),
    }


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("scenarios/sindal.yaml")
    name = sys.argv[2] if len(sys.argv) > 2 else "car"
    result = compare(path, name)
    print(f"{path} profile {name!r} against the default geodesic car profile (circuity 1.3, 30/50/70 km/h):")
    for key, value in result.items():
        print(f"  {key:24s} {value:.3f}")
