"""Travel matrices: computation, caching and the ``MatrixSet`` shared by solver and checker."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from routing.exceptions import MatrixError
from routing.matrix.cache import MatrixCache, cache_key
from routing.matrix.compute import PROVIDERS
from routing.matrix.provider import MatrixProvider, MatrixSet
from routing.model import Location, Scenario, TravelProfile

__all__ = ["MatrixCache", "MatrixProvider", "MatrixSet", "build_matrices", "profile_matrices", "used_profiles"]


def profile_matrices(
    locations: Sequence[Location],
    profile: TravelProfile,
    cache: MatrixCache | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance and duration matrices for one profile, from the cache when possible.

    Raises
    ------
    MatrixError
        If the provider yields a negative or non-finite entry (an unreachable pair).
    """
    provider = PROVIDERS[profile.kind]
    key = cache_key(provider, profile, locations) if cache else ""
    if cache:
        hit = cache.load(key, len(locations))
        if hit is not None:
            return hit
    distance, duration = provider.compute(locations, profile)
    bad = np.argwhere((distance < 0) | (duration < 0))
    if bad.size:
        i, j = bad[0]
        raise MatrixError(f"no route from {locations[i].id!r} to {locations[j].id!r} on profile {profile.name!r}")
    if cache:
        cache.store(
            key, distance, duration, {"provider": provider.name, "profile": profile.name, "locations": len(locations)}
        )
    return distance, duration


def build_matrices(scenario: Scenario, cache_dir: str | Path | None = None) -> MatrixSet:
    """Build (or load from ``cache_dir``) the matrices of every profile the scenario uses.

    Parameters
    ----------
    scenario
        The scenario; its locations define the matrix order.
    cache_dir
        Cache directory, or None for no caching.

    Returns
    -------
    MatrixSet
        One distance and one duration matrix per profile.
    """
    cache = MatrixCache(cache_dir) if cache_dir else None
    distance, duration = {}, {}
    for profile in used_profiles(scenario):
        distance[profile.name], duration[profile.name] = profile_matrices(scenario.locations, profile, cache)
    return MatrixSet(tuple(loc.id for loc in scenario.locations), distance, duration)


def used_profiles(scenario: Scenario) -> tuple[TravelProfile, ...]:
    """The profiles a scenario needs matrices for: its vehicle types' and the reference profile."""
    used = {vt.profile for vt in scenario.vehicle_types} | {scenario.reference_profile}
    return tuple(profile for profile in scenario.profiles if profile.name in used)
