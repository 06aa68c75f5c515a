"""What a backend returns: plain visits per vehicle with service start times, and search facts.

Backends (``ortools_backend``, ``pyvrp_backend``) share this shape and the signature
``solve_X(scenario, matrices, requests, params, deadline) -> RawSolution``; the solve
stage turns it into a ``Plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.solve.params import SolveParams


@dataclass(frozen=True, slots=True)
class TimedStep:
    """One solver node on a route: what happens, where, and when service starts."""

    kind: str  # "start", "pickup", "dropoff", "end"
    location: str
    time_s: int
    request: str | None = None


@dataclass
class RawSolution:
    """What a backend found: visits per used vehicle, dropped requests and search facts."""

    routes: dict[str, list[TimedStep]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    status: str = "NOT_SOLVED"
    objective: int | None = None
    num_solutions: int = 0
    first_solution_s: float | None = None
    build_time_s: float = 0.0
    found: bool = False
    warm_started: bool = False


class Backend(Protocol):
    """A routing backend: routes the given requests on the scenario's fleet before ``deadline``."""

    def __call__(
        self, scenario: Scenario, matrices: MatrixSet, requests: Sequence[Request], params: SolveParams, deadline: float
    ) -> RawSolution:
        """Return the visits found; ``found`` is False when there is no solution."""
        ...
