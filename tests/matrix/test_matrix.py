"""Matrices: vectorised values match references; the cache is keyed, verified and rebuilt when corrupt."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from geopy.distance import geodesic

from routing import Location, TravelProfile
from routing.matrix import MatrixCache, profile_matrices
from routing.matrix.cache import cache_key
from routing.matrix.compute import PROVIDERS, band_durations_s

TOWNS = [
    Location("humlebaek", lat=55.9618789, lon=12.5305462),
    Location("fredensborg", lat=55.9740003, lon=12.4050622),
    Location("nivaa", lat=55.935056, lon=12.5013529),
    Location("kokkedal", lat=55.9046232, lon=12.4983774),
    Location("hilleroed", lat=55.9285735, lon=12.3063909),
]
STRAIGHT = TravelProfile("line", circuity=1.0, speed_bands=((None, 36.0),))


def test_geodesic_distances_agree_with_geopy_within_half_a_percent() -> None:
    """Tests the vectorised great-circle distance against geopy's ellipsoidal geodesic."""
    dist, _ = profile_matrices(TOWNS, STRAIGHT)
    for i, a in enumerate(TOWNS):
        for j, b in enumerate(TOWNS):
            if i != j:
                reference = geodesic(a.coords, b.coords).meters
                assert abs(dist[i, j] - reference) / reference < 0.005


def test_circuity_and_speed_bands_shape_time() -> None:
    """Tests road distance = circuity x straight line, and time from successive speed bands."""
    profile = TravelProfile("car", circuity=1.3, speed_bands=((2000, 30.0), (10000, 50.0), (None, 70.0)))
    straight, _ = profile_matrices(TOWNS, STRAIGHT)
    road, time = profile_matrices(TOWNS, profile)
    assert np.allclose(road, straight * 1.3, atol=1)
    d = np.array([1000.0, 5000.0, 20000.0])
    expected = [
        1000 / (30 / 3.6),
        2000 / (30 / 3.6) + 3000 / (50 / 3.6),
        2000 / (30 / 3.6) + 8000 / (50 / 3.6) + 10000 / (70 / 3.6),
    ]
    assert np.allclose(band_durations_s(d, profile), expected)
    assert time.dtype == np.int64 and (np.diag(time) == 0).all()


def test_euclidean_exact_and_dimacs_truncation() -> None:
    """Tests exact Euclidean distances and the DIMACS one-decimal truncation."""
    pts = [Location("0", x=0, y=0), Location("1", x=1, y=1), Location("2", x=3, y=4)]
    exact, _ = PROVIDERS["euclidean"].compute(pts, TravelProfile("e", kind="euclidean", circuity=1.0, scale=1000))
    assert exact[0, 1] == 1414 and exact[0, 2] == 5000
    dimacs, time = PROVIDERS["euclidean"].compute(
        pts, TravelProfile("d", kind="euclidean", circuity=1.0, scale=10, truncate_decimals=1)
    )
    assert dimacs[0, 1] == 14 and dimacs[1, 2] == 36  # sqrt(13)=3.6055 -> 3.6
    assert (dimacs == time).all()


def test_cache_round_trip_is_memory_mapped(tmp_path: Path) -> None:
    """Tests that a second build loads the same matrices from a memory-mapped file, as plain ndarrays."""
    cache = MatrixCache(tmp_path)
    first = profile_matrices(TOWNS, STRAIGHT, cache)
    second = profile_matrices(TOWNS, STRAIGHT, cache)
    # Plain ndarrays (fast indexing) over the memory-mapped file.
    assert type(second[0]) is np.ndarray and type(second[1]) is np.ndarray
    base = second[0].base
    while base is not None and not isinstance(base, np.memmap):
        base = getattr(base, "base", None)
    assert isinstance(base, np.memmap)
    assert (first[0] == second[0]).all() and (first[1] == second[1]).all()
    assert len(list(tmp_path.glob("*.npy"))) == 1


def test_cache_key_changes_with_profile_and_coordinates() -> None:
    """Tests that stale inputs can never hit an old entry."""
    provider = PROVIDERS["geodesic"]
    base = cache_key(provider, STRAIGHT, TOWNS)
    assert cache_key(provider, TravelProfile("line", circuity=1.2), TOWNS) != base
    moved = [*TOWNS[:-1], Location("hilleroed", lat=55.93, lon=12.31)]
    assert cache_key(provider, STRAIGHT, moved) != base


@pytest.mark.parametrize("damage", ["flip_byte", "truncate", "bad_meta", "missing_meta"])
def test_corrupt_cache_entry_is_detected_and_rebuilt(tmp_path: Path, damage: str) -> None:
    """Tests that a damaged entry is never used: it warns, rebuilds and gives the right values."""
    cache = MatrixCache(tmp_path)
    truth = [m.copy() for m in profile_matrices(TOWNS, STRAIGHT, cache)]
    (npy,) = tmp_path.glob("*.npy")
    meta = npy.with_suffix(".json")
    if damage == "flip_byte":
        raw = bytearray(npy.read_bytes())
        raw[-3] ^= 0xFF
        npy.write_bytes(bytes(raw))
    elif damage == "truncate":
        npy.write_bytes(npy.read_bytes()[:-16])
    elif damage == "bad_meta":
        meta.write_text("{not json")
    else:
        meta.unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = profile_matrices(TOWNS, STRAIGHT, cache)
    assert any("corrupt" in str(w.message) for w in caught)
    assert (again[0] == truth[0]).all() and (again[1] == truth[1]).all()
    # The rebuilt entry is valid again.
    assert json.loads(meta.read_text())["n"] == len(TOWNS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        profile_matrices(TOWNS, STRAIGHT, cache)
