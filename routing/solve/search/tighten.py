"""Implied time windows (Cordeau 2006 preprocessing), shared by the backends.

A ride-time limit and the window on one end of a trip imply a window on the other
end; the fleet's shifts bound the earliest pickup and the latest drop-off. The
tightened windows cut no feasible plan (they are consequences of the model), but
they let the search prune early, and they make a ride-limit-free relaxation (used
for warm starts) much closer to the real problem.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, TimeWindow


def tightened_windows(
    scenario: Scenario, matrices: MatrixSet, requests: Sequence[Request]
) -> dict[str, tuple[TimeWindow | None, TimeWindow]]:
    """Per request id: ``(pickup window, drop-off window)`` tightened by ride limits, direct times and shifts.

    The pickup window is None for depot deliveries. A window that would become empty
    is left as given (the request is then unservable and the pre-checks say why).
    """
    index = matrices.index()
    limits = ride_limits_s(scenario, matrices)
    profiles = sorted({vt.profile for vt in scenario.vehicle_types})
    fastest = np.minimum.reduce([matrices.duration_s[p] for p in profiles])
    shift_start = min((v.shift.start_s for v in scenario.vehicles), default=0)
    shift_end = max((v.shift.end_s for v in scenario.vehicles), default=0)
    starts = sorted({index[v.start] for v in scenario.vehicles})
    ends = sorted({index[v.end] for v in scenario.vehicles})
    out: dict[str, tuple[TimeWindow | None, TimeWindow]] = {}
    for r in requests:
        d = index[r.dropoff.location]
        wd = r.dropoff.effective_window
        d_lo, d_hi = wd.start_s, wd.end_s
        d_hi = min(d_hi, shift_end - r.dropoff.service_s - int(fastest[d, ends].min()))
        if r.pickup is None:
            d_lo = max(d_lo, shift_start + int(fastest[starts, d].min()))
            out[r.id] = (None, TimeWindow(d_lo, d_hi) if d_lo <= d_hi else wd)
            continue
        p = index[r.pickup.location]
        wp = r.pickup.effective_window
        sp, direct, limit = r.pickup.service_s, int(fastest[p, d]), limits[r.id]
        p_lo, p_hi = wp.start_s, wp.end_s
        p_lo = max(p_lo, shift_start + int(fastest[starts, p].min()))
        for _ in range(2):
            d_lo = max(d_lo, p_lo + sp + direct)
            p_hi = min(p_hi, d_hi - sp - direct)
            if limit is not None:
                d_hi = min(d_hi, p_hi + sp + limit)
                p_lo = max(p_lo, d_lo - limit - sp)
        if p_lo <= p_hi and d_lo <= d_hi:
            out[r.id] = (TimeWindow(p_lo, p_hi), TimeWindow(d_lo, d_hi))
        else:
            out[r.id] = (wp, wd)
    return out


def search_windows(
    scenario: Scenario, matrices: MatrixSet, requests: Sequence[Request], implied: bool = True
) -> dict[str, tuple[TimeWindow | None, TimeWindow]]:
    """The windows every search stage works with: tightened (``implied``) or as given.

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    requests
        The requests to give windows.
    implied
        ``SolveParams.implied_windows``: tighten by ride limits, direct times and shifts.

    Returns
    -------
    dict
        Per request id: ``(pickup window, drop-off window)``; the pickup window is None for
        depot deliveries, and an open end is the whole day (``effective_window``).
    """
    if implied:
        return tightened_windows(scenario, matrices, requests)
    return {r.id: (r.pickup.effective_window if r.pickup else None, r.dropoff.effective_window) for r in requests}
