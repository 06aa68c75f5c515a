"""Measure matrix build time and cached (memory-mapped, digest-verified) load time.

Usage: python benchmarks/matrix_speed.py [N ...]   (default: 1000 5000)
Random points in Fredensborg Kommune's bounding box; one geodesic profile.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.matrix import MatrixCache, profile_matrices  # noqa: E402
from routing.model import Location, TravelProfile  # noqa: E402

PROFILE = TravelProfile("car", circuity=1.3, speed_bands=((2000, 30.0), (10000, 50.0), (None, 70.0)))


def measure(n: int) -> dict[str, float]:
    """Build, store, load (verified) and load (unverified) an n-location matrix pair."""
    rng = np.random.default_rng(0)
    lat = rng.uniform(55.887, 56.014, n)
    lon = rng.uniform(12.346, 12.549, n)
    locations = [Location(str(i), lat=float(a), lon=float(b)) for i, (a, b) in enumerate(zip(lat, lon, strict=True))]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        profile_matrices(locations, PROFILE)
        build = time.perf_counter() - t0
        cache = MatrixCache(tmp)
        t0 = time.perf_counter()
        profile_matrices(locations, PROFILE, cache)
        build_store = time.perf_counter() - t0
        t0 = time.perf_counter()
        d, _ = profile_matrices(locations, PROFILE, cache)
        load_verified = time.perf_counter() - t0
        del d
        t0 = time.perf_counter()
        d, _ = profile_matrices(locations, PROFILE, MatrixCache(tmp, verify=False))
        load_mmap = time.perf_counter() - t0
    return {
        "n": n,
        "build_s": build,
        "build_and_store_s": build_store,
        "load_verified_s": load_verified,
        "load_mmap_s": load_mmap,
    }


if __name__ == "__main__":
    sizes = [int(x) for x in sys.argv[1:]] or [1000, 5000]
    print(
        "| locations | build (s) | build + store (s) | cached load, digest verified (s) | cached load, mmap only (s) |"
    )
    print("|---|---|---|---|---|")
    for n in sizes:
        r = measure(n)
        print(
            f"| {n} | {r['build_s']:.3f} | {r['build_and_store_s']:.3f} | {r['load_verified_s']:.3f} "
            f"| {r['load_mmap_s']:.4f} |"
        )
