"""On-disk cache of compiled matrices: content-hash keys, memory-mapped loads, atomic writes.

A cache entry is ``<key>.npy`` (an int64 array of shape (2, n, n): distance and
duration) and ``<key>.json`` (metadata with a BLAKE2b digest of the array
bytes). The key hashes the provider name and version, the profile and the
coordinates, so any change to the inputs is a different entry. An entry whose
metadata, size, header or digest does not match is treated as corrupt: it is
deleted and rebuilt, never used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import BinaryIO

import numpy as np

from routing.matrix.provider import IntMatrix, MatrixProvider
from routing.model import Location, TravelProfile

FORMAT_VERSION = 1


def cache_key(provider: MatrixProvider, profile: TravelProfile, locations: Sequence[Location]) -> str:
    """Content hash of everything a matrix depends on (coordinates rounded to 1e-7).

    That is the provider's name, version and ``fingerprint`` (an OSM profile's: the extract's SHA-256 and
    the speed tables), the profile's settings and the coordinates.
    """
    h = hashlib.sha256()
    h.update(f"routing-matrix/{FORMAT_VERSION}|{provider.name}/{provider.version}|".encode())
    h.update(f"{provider.fingerprint(profile)}|".encode())
    h.update(json.dumps(asdict(profile), sort_keys=True, default=str).encode())
    coords = np.round(np.array([loc.coords for loc in locations], dtype=np.float64).reshape(-1, 2), 7)
    h.update(coords.tobytes())
    return h.hexdigest()[:32]


def _digest(array: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(array).data.cast("B"))
    return h.hexdigest()


def _atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class MatrixCache:
    """A directory of compiled matrices.

    Parameters
    ----------
    directory
        Where entries live; created on first write.
    verify
        Check each loaded entry's digest (reads the whole file once). Default True.
    """

    def __init__(self, directory: str | Path, verify: bool = True) -> None:
        self.directory = Path(directory)
        self.verify = verify

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.npy", self.directory / f"{key}.json"

    def load(self, key: str, n: int) -> tuple[IntMatrix, IntMatrix] | None:
        """Return ``(distance, duration)`` for ``key`` (plain arrays over the memory map); None if absent or corrupt."""
        data_path, meta_path = self._paths(key)
        if not meta_path.exists() and not data_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT_VERSION or meta.get("key") != key or meta.get("n") != n:
                raise ValueError("metadata does not match the request")
            array = np.load(data_path, mmap_mode="r", allow_pickle=False)
            if array.shape != (2, n, n) or array.dtype != np.int64:
                raise ValueError(f"array has shape {array.shape} and dtype {array.dtype}")
            if self.verify and _digest(array) != meta.get("digest"):
                raise ValueError("digest mismatch")
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            warnings.warn(f"matrix cache entry {key} is corrupt ({exc}); rebuilding it", stacklevel=2)
            self.discard(key)
            return None
        # Still memory-mapped, but as plain ndarrays: indexing a np.memmap goes through a Python-level
        # __getitem__ (measured: 10 of 50 s of insertion on a 750-request day went there).
        plain = array.view(np.ndarray)
        return plain[0], plain[1]

    def store(self, key: str, distance: IntMatrix, duration: IntMatrix, info: dict[str, object]) -> None:
        """Write an entry atomically (data first, then the metadata that makes it valid)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        array = np.stack([distance, duration]).astype(np.int64, copy=False)
        data_path, meta_path = self._paths(key)
        _atomic_write(data_path, lambda fh: np.save(fh, array, allow_pickle=False))
        meta = {"format": FORMAT_VERSION, "key": key, "n": int(array.shape[1]), "digest": _digest(array), **info}
        _atomic_write(meta_path, lambda fh: fh.write(json.dumps(meta, indent=1, default=str).encode()))

    def discard(self, key: str) -> None:
        """Delete an entry's files if present."""
        for path in self._paths(key):
            path.unlink(missing_ok=True)
