"""Travel matrices: the ``MatrixSet`` the solver and checker share, and the provider protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from routing.model import Location, TravelProfile

IntMatrix = npt.NDArray[np.int64]


class MatrixProvider(Protocol):
    """Computes integer distance and duration matrices for one travel profile."""

    name: str
    version: str

    def compute(self, locations: Sequence[Location], profile: TravelProfile) -> tuple[IntMatrix, IntMatrix]:
        """Return ``(distance_m, duration_s)``, each an ``int64`` array of shape (n, n)."""
        ...

    def fingerprint(self, profile: TravelProfile) -> str:
        """What the matrices depend on beyond the profile and the coordinates (e.g. a road file's hash); may be ''."""
        ...


@dataclass(frozen=True)
class MatrixSet:
    """Distance and duration matrices per travel profile, indexed by location.

    ``distance_m[profile][i, j]`` and ``duration_s[profile][i, j]`` are integers
    (metres and seconds; for planar profiles, scaled coordinate units) from
    location ``location_ids[i]`` to ``location_ids[j]``. Not assumed symmetric.
    """

    location_ids: tuple[str, ...]
    distance_m: dict[str, IntMatrix]
    duration_s: dict[str, IntMatrix]
    _position: dict[str, int] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_position", {loc: i for i, loc in enumerate(self.location_ids)})

    def index(self) -> dict[str, int]:
        """Map location id → row/column index (do not modify)."""
        return self._position

    def travel_s(self, profile: str, origin: str, destination: str) -> int:
        """Duration from one location to another on ``profile``."""
        return int(self.duration_s[profile][self._position[origin], self._position[destination]])

    def dist_m(self, profile: str, origin: str, destination: str) -> int:
        """Distance from one location to another on ``profile``."""
        return int(self.distance_m[profile][self._position[origin], self._position[destination]])
