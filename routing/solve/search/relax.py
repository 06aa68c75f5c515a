"""The relaxation PyVRP can express, for the hybrid's first stage.

Ride limits, enekørsel, not-together rules, skills and vehicle pins are dropped; the windows they imply
(``tighten``) are kept when ``SolveParams.implied_windows`` is on, so the relaxed routes stay
close to feasible and ``repair`` has little to undo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from routing.matrix.provider import MatrixSet
from routing.model import Request, RideTimeRule, Scenario, TimeWindow
from routing.solve.search.tighten import tightened_windows


def relax(
    scenario: Scenario, matrices: MatrixSet, requests: Sequence[Request], implied_windows: bool = True
) -> tuple[Scenario, list[Request]]:
    """The relaxation PyVRP can express: no ride limits, enekørsel, not-together or skills.

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    requests
        The requests to route.
    implied_windows
        Keep the windows tightened by ride limits, direct times and shifts (else: as given).

    Returns
    -------
    tuple[Scenario, list[Request]]
        The relaxed scenario and its relaxed ``requests``.
    """
    windows: dict[str, tuple[TimeWindow | None, TimeWindow | None]]
    if implied_windows:
        windows = dict(tightened_windows(scenario, matrices, requests))
    else:
        windows = {r.id: (r.pickup.window if r.pickup else None, r.dropoff.window) for r in requests}
    relaxed = []
    for r in requests:
        pw, dw = windows[r.id]
        relaxed.append(
            replace(
                r,
                pickup=None if r.pickup is None else replace(r.pickup, window=pw),
                dropoff=replace(r.dropoff, window=dw),
                ride=RideTimeRule(),
                solo=False,
                not_with=frozenset(),
                skills=frozenset(),
                vehicles=frozenset(),
            )
        )
    others = [r for r in scenario.requests if r.id not in windows]
    stripped = [replace(r, not_with=frozenset()) for r in others]
    return replace(scenario, requests=tuple(relaxed + stripped)), relaxed
