"""Compiled builds and splices of one route's node arrays: from its steps, a request put in, requests taken out.

A route's nodes (start depot, each step, end depot) are parallel int64 arrays (``insertion._Nodes``):
matrix index, service time, window, the travel time to the next node, the back edges of
``schedule.earliest_array`` (maximum duty, ride limits) and each node's *role*. A search tries
thousands of insertions and removals a second on routes of 10-60 nodes; splicing the arrays,
rescheduling the route and updating its loads in one compiled call (``jit.kernel``) replaces some
40 Python list operations per try. ``inserted`` and ``removed`` give exactly the nodes, times and loads of
building the new route from its steps (``built``, ``Inserter.loads``), and ``built`` the model's own; the
tests in ``tests/solve/search/test_fast_checks.py`` compare them.
"""

from __future__ import annotations

import numpy as np

from routing.solve.search.jit import kernel
from routing.solve.search.schedule import earliest_array

#: Roles of a node: a depot, a pickup, a drop-off whose pickup is on the route, a depot delivery's drop-off
#: (its load rides from the start depot).
DEPOT, PICKUP, DROPOFF, DEPOT_DROPOFF = range(4)

#: A route's node arrays as the kernels take them: loc, service, lower, upper, back, role.
NodeArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: What the kernels return: whether a schedule fits; the new loc, service, lower, upper, legs, back and
#: role; the earliest times (valid only when it fits) and the loads.
Spliced = tuple[bool, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                np.ndarray]  # fmt: skip


@kernel
def _legs(loc: np.ndarray, dur: np.ndarray) -> np.ndarray:
    """Travel time between consecutive nodes."""
    legs = np.empty(len(loc) - 1, dtype=np.int64)
    for k in range(len(loc) - 1):
        legs[k] = dur[loc[k], loc[k + 1]]
    return legs


@kernel
def _schedule(service: np.ndarray, lower: np.ndarray, upper: np.ndarray, legs: np.ndarray, back: np.ndarray
              ) -> tuple[bool, np.ndarray]:  # fmt: skip
    """The earliest schedule of the nodes (``schedule.earliest_array``)."""
    return earliest_array(lower, upper, service[:-1] + legs, back)


@kernel
def built(
    rows: np.ndarray, pick: np.ndarray, visits: np.ndarray, depot: np.ndarray, limits: np.ndarray, ends: np.ndarray,
    dur: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """A route's nodes from its steps: loc, service, lower, upper, legs, back, role.

    Parameters
    ----------
    rows, pick
        Per step: the request's row in the tables, and whether it is the pickup.
    visits
        (requests, 2, 4): each request's pickup and drop-off node (matrix index, service, window
        opening and closing; a depot delivery's pickup row is never read).
    depot
        Per request: a depot delivery (its load rides from the start depot).
    limits
        Per request: its ride limit (seconds; -1: none).
    ends
        The vehicle's start and end depot (matrix index), shift start and end, longest duty (-1: none).
    dur
        The vehicle's duration matrix.

    Back edges: the longest duty first, then each ride limit whose pickup is on the route, by drop-off.
    """
    n = len(rows) + 2
    loc, service = np.empty(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    lower, upper = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    role = np.full(n, DEPOT, dtype=np.int64)
    loc[0], loc[-1] = ends[0], ends[1]
    lower[0] = lower[-1] = ends[2]
    upper[0] = upper[-1] = ends[3]
    edges = np.empty((len(rows) + 1, 3), dtype=np.int64)
    e = 0
    if ends[4] >= 0:
        edges[0, 0], edges[0, 1], edges[0, 2] = n - 1, 0, -ends[4]
        e = 1
    for k in range(1, n - 1):
        r = rows[k - 1]
        v = 0 if pick[k - 1] else 1
        loc[k], service[k], lower[k], upper[k] = visits[r, v, 0], visits[r, v, 1], visits[r, v, 2], visits[r, v, 3]
        if pick[k - 1]:
            role[k] = PICKUP
            continue
        role[k] = DEPOT_DROPOFF if depot[r] else DROPOFF
        if limits[r] < 0:
            continue
        for p in range(k - 1, 0, -1):
            if rows[p - 1] == r and pick[p - 1]:
                edges[e, 0], edges[e, 1], edges[e, 2] = k, p, -(limits[r] + service[p])
                e += 1
                break
    return loc, service, lower, upper, _legs(loc, dur), edges[:e].copy(), role


@kernel
def inserted(
    loc: np.ndarray, service: np.ndarray, lower: np.ndarray, upper: np.ndarray, back: np.ndarray, role: np.ndarray,
    loads: np.ndarray, new: np.ndarray, q: np.ndarray, at_pick: int, at_drop: int, limit: int, dur: np.ndarray,
) -> Spliced:  # fmt: skip
    """The route with one request put in after nodes ``at_pick`` and ``at_drop``, rescheduled.

    Parameters
    ----------
    loc, service, lower, upper, back, role
        The route's nodes (``NodeArrays`` but the legs).
    loads
        Load per dimension after each node but the end depot.
    new
        (2, 4): the request's pickup and drop-off node (matrix index, service, window opening and
        closing); a depot delivery (``at_pick`` -1) has only its drop-off read.
    q
        The request's load per dimension.
    at_pick, at_drop
        The new nodes follow nodes ``at_pick`` and ``at_drop`` (``at_pick <= at_drop``); -1: a depot delivery.
    limit
        The request's ride limit (seconds; -1: none).
    dur
        The vehicle's duration matrix.

    Returns
    -------
    Spliced
        The new route's nodes, schedule and loads.
    """
    n = len(loc)
    depot = at_pick < 0
    m = n + (1 if depot else 2)
    # Old node k goes to k, plus one past the pickup, plus one past the drop-off.
    shift = np.empty(n, dtype=np.int64)
    for k in range(n):
        shift[k] = k + (0 if depot or k <= at_pick else 1) + (1 if k > at_drop else 0)
    p_new = -1 if depot else at_pick + 1
    d_new = at_drop + (1 if depot else 2)
    cols = (loc, service, lower, upper)
    out = [np.empty(m, dtype=np.int64) for _ in range(4)]
    new_role = np.empty(m, dtype=np.int64)
    for k in range(n):
        for c in range(4):
            out[c][shift[k]] = cols[c][k]
        new_role[shift[k]] = role[k]
    for c in range(4):
        out[c][d_new] = new[1, c]
        if not depot:
            out[c][p_new] = new[0, c]
    new_role[d_new] = DEPOT_DROPOFF if depot else DROPOFF
    if not depot:
        new_role[p_new] = PICKUP
    own = 0 if depot or limit < 0 else 1
    new_back = np.empty((back.shape[0] + own, 3), dtype=np.int64)
    for e in range(back.shape[0]):
        new_back[e, 0], new_back[e, 1], new_back[e, 2] = shift[back[e, 0]], shift[back[e, 1]], back[e, 2]
    if own:
        e = back.shape[0]
        new_back[e, 0], new_back[e, 1], new_back[e, 2] = d_new, p_new, -(limit + new[0, 1])
    # Loads: the request on board from its pickup (a depot delivery: from the start depot) to its drop-off.
    new_loads = np.empty((m - 1, loads.shape[1]), dtype=np.int64)
    for k in range(n - 1):
        new_loads[shift[k]] = loads[k] + q if (depot or k > at_pick) and k <= at_drop else loads[k]
    if not depot:
        new_loads[p_new] = loads[at_pick] + q
    new_loads[d_new] = loads[at_drop]
    legs = _legs(out[0], dur)
    ok, times = _schedule(out[1], out[2], out[3], legs, new_back)
    return ok, out[0], out[1], out[2], out[3], legs, new_back, new_role, times, new_loads


@kernel
def removed(
    loc: np.ndarray, service: np.ndarray, lower: np.ndarray, upper: np.ndarray, back: np.ndarray, role: np.ndarray,
    loads: np.ndarray, keep: np.ndarray, dur: np.ndarray,
) -> Spliced:  # fmt: skip
    """The route with the nodes not in ``keep`` (bool per node; both depots kept) taken out, rescheduled.

    The back edges of the kept nodes are renumbered; each taken node's load change leaves the loads
    (a depot delivery's drop-off also the start depot's). Returns what ``inserted`` returns.
    """
    n = len(loc)
    number = np.cumsum(keep) - 1
    m = int(number[-1]) + 1
    out = [np.empty(m, dtype=np.int64) for _ in range(4)]
    new_role = np.empty(m, dtype=np.int64)
    cols = (loc, service, lower, upper)
    for k in range(n):
        if keep[k]:
            for c in range(4):
                out[c][number[k]] = cols[c][k]
            new_role[number[k]] = role[k]
    kept_back = 0
    for e in range(back.shape[0]):
        if keep[back[e, 0]] and keep[back[e, 1]]:
            kept_back += 1
    new_back = np.empty((kept_back, 3), dtype=np.int64)
    f = 0
    for e in range(back.shape[0]):
        if keep[back[e, 0]] and keep[back[e, 1]]:
            new_back[f, 0], new_back[f, 1], new_back[f, 2] = number[back[e, 0]], number[back[e, 1]], back[e, 2]
            f += 1
    dims = loads.shape[1]
    first = loads[0].copy()  # the start depot's load less the depot deliveries taken
    for k in range(1, n - 1):
        if not keep[k] and role[k] == DEPOT_DROPOFF:
            first += loads[k] - loads[k - 1]
    new_loads = np.empty((m - 1, dims), dtype=np.int64)
    new_loads[0] = first
    for k in range(1, n - 1):
        if keep[k]:
            new_loads[number[k]] = new_loads[number[k] - 1] + loads[k] - loads[k - 1]
    legs = _legs(out[0], dur)
    ok, times = _schedule(out[1], out[2], out[3], legs, new_back)
    return ok, out[0], out[1], out[2], out[3], legs, new_back, new_role, times, new_loads


def warm_up() -> None:
    """Compile the kernels, or load them from the cache (see ``pricing.warm_up``)."""
    one_node = np.zeros(1, dtype=np.int64)
    two_nodes = np.zeros(2, dtype=np.int64)
    no_back = np.zeros((0, 3), dtype=np.int64)
    loads = np.zeros((1, 1), dtype=np.int64)
    new = np.zeros((2, 4), dtype=np.int64)
    earliest_array(two_nodes, two_nodes, one_node, no_back)
    dur = np.zeros((1, 1), dtype=np.int64)
    dur.setflags(write=False)  # the inserter's matrices are read-only views (``insertion._read_only``)
    built(
        one_node,
        np.ones(1, np.bool_),
        np.zeros((1, 2, 4), np.int64),
        np.zeros(1, np.bool_),
        one_node,
        np.zeros(5, np.int64),
        dur,
    )
    inserted(two_nodes, two_nodes, two_nodes, two_nodes, no_back, two_nodes, loads, new, one_node, 0, 0, -1, dur)
    removed(two_nodes, two_nodes, two_nodes, two_nodes, no_back, two_nodes, loads, np.ones(2, np.bool_), dur)
