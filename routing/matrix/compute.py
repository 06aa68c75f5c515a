"""Vectorised matrix providers: geodesic (lat/lon) and Euclidean (planar x/y); the registry of every provider.

No Python loop over pairs: every matrix is computed with numpy broadcasting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from routing.exceptions import MatrixError
from routing.matrix.osm import OsmProvider
from routing.matrix.provider import IntMatrix, MatrixProvider
from routing.matrix.sphere import EARTH_RADIUS_M, haversine_m
from routing.model import Location, TravelProfile


def band_durations_s(distance_m: np.ndarray, profile: TravelProfile) -> np.ndarray:
    """Travel time (float seconds) for road distances under the profile's speed bands."""
    seconds = np.zeros_like(distance_m, dtype=np.float64)
    lower = 0.0
    for up_to_m, speed_kph in profile.speed_bands:
        upper = np.inf if up_to_m is None else float(up_to_m)
        part = np.clip(distance_m - lower, 0.0, upper - lower)
        seconds += part / (speed_kph / 3.6)
        lower = upper
    return seconds


class GeodesicProvider:
    """Great-circle distance × circuity; time from the profile's speed bands."""

    name = "geodesic"
    version = "1"

    def fingerprint(self, profile: TravelProfile) -> str:
        """Nothing beyond the profile and the coordinates."""
        return ""

    def compute(self, locations: Sequence[Location], profile: TravelProfile) -> tuple[IntMatrix, IntMatrix]:
        """Return ``(distance_m, duration_s)`` as int64 arrays."""
        if any(loc.is_planar for loc in locations):
            raise MatrixError(f"profile {profile.name!r} is geodesic but some locations are planar x/y")
        lat = np.fromiter((loc.lat for loc in locations), dtype=np.float64, count=len(locations))
        lon = np.fromiter((loc.lon for loc in locations), dtype=np.float64, count=len(locations))
        road_m = haversine_m(lat, lon) * profile.circuity
        duration = band_durations_s(road_m, profile)
        return np.rint(road_m).astype(np.int64), np.rint(duration).astype(np.int64)


class EuclideanProvider:
    """Euclidean distance in scaled integer units (benchmarks); travel time equals distance.

    Distances are rounded to the nearest unit; durations are rounded *up*, so a
    schedule that fits in integers also fits with exact real-valued times. With
    ``truncate_decimals=k`` each distance is first truncated to k decimals
    (DIMACS convention for Solomon: k=1, with ``scale=10**k``), and both are exact.
    """

    name = "euclidean"
    version = "1"

    def fingerprint(self, profile: TravelProfile) -> str:
        """Nothing beyond the profile and the coordinates."""
        return ""

    def compute(self, locations: Sequence[Location], profile: TravelProfile) -> tuple[IntMatrix, IntMatrix]:
        """Return ``(distance, duration)`` as int64 arrays in scaled units."""
        if any(not loc.is_planar for loc in locations):
            raise MatrixError(f"profile {profile.name!r} is euclidean but some locations are lat/lon")
        xy = np.array([loc.coords for loc in locations], dtype=np.float64).reshape(-1, 2)
        # Per axis, in place: the same floating-point operations as summing the squared n x n x 2
        # differences (bit-identical), ten times faster (4.3 s -> 0.4 s at 6 602 locations).
        dist = xy[:, 0, None] - xy[None, :, 0]
        dy = xy[:, 1, None] - xy[None, :, 1]
        dist *= dist
        dy *= dy
        dist += dy
        del dy
        np.sqrt(dist, out=dist)
        if profile.truncate_decimals is not None:
            factor = 10.0**profile.truncate_decimals
            # The small epsilon keeps exact decimals (e.g. 2.0000000001 vs 1.9999999999) stable.
            dist = np.floor(dist * factor + 1e-9) / factor
            scaled = np.rint(dist * profile.scale).astype(np.int64)
            return scaled, scaled.copy()
        exact = dist
        exact *= profile.scale
        distance = np.rint(exact).astype(np.int64)
        exact -= 1e-9
        return distance, np.ceil(exact, out=exact).astype(np.int64)


#: Matrix providers by profile kind.
PROVIDERS: dict[str, MatrixProvider] = {
    "geodesic": GeodesicProvider(),
    "euclidean": EuclideanProvider(),
    "osm": OsmProvider(),
}

__all__ = ["EARTH_RADIUS_M", "PROVIDERS", "EuclideanProvider", "GeodesicProvider", "band_durations_s", "haversine_m"]
