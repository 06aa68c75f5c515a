"""What a backend returns: plain visits per vehicle with service start times, and search facts.

Backends (``backends.ortools``, ``backends.pyvrp``, and the ``hybrid`` pipeline) share this
shape and the signature ``Backend``; the solve stage turns a ``RawSolution`` into a ``Plan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario
from routing.solve.params import SolveParams
from routing.solve.search.recombine import RoutePool
from routing.solve.search.schedule import Step


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
    #: The deadline cut the search short while requests were still to place: ``dropped`` lists them,
    #: and the routes are the best exact plan found by then (returned even when they serve none).
    timed_out: bool = False
    #: The routes the search met (the hybrid's LNS), for recombining parallel searches
    #: (``hybrid.recombine_searches``); None from the other backends.
    pool: RoutePool | None = None

    def served(self) -> set[str]:
        """Ids of the requests on the routes."""
        return {v.request for visits in self.routes.values() for v in visits if v.request is not None}


class Backend(Protocol):
    """A routing backend: routes the given requests on the scenario's fleet before ``deadline``."""

    def __call__(
        self,
        scenario: Scenario,
        matrices: MatrixSet,
        requests: Sequence[Request],
        params: SolveParams,
        deadline: float,
        initial: dict[str, list[Step]] | None = None,
    ) -> RawSolution:
        """Route ``requests``; ``found`` is False when there is no solution.

        Parameters
        ----------
        scenario, matrices
            The model and its matrices.
        requests
            The requests to route (those proven unservable are left out by the caller).
        params
            Solver settings.
        deadline
            ``time.monotonic()`` value by which the solve must be over.
        initial
            Routes to start from (steps per vehicle id, possibly breaking rules), or None. Each
            backend says what it does with them (OR-Tools: a warm start if they are feasible;
            the hybrid: repaired and completed in place of its relaxation; PyVRP: ignored).

        Returns
        -------
        RawSolution
            Visits per used vehicle, dropped requests and search facts.
        """
        ...
