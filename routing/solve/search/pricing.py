"""Batched insertion pricing: one request against every route in a handful of flat array operations.

A route offers insertion *positions* (after node i: 0 is the start depot, then each step) and
position *pairs* (pickup after node i, drop-off after node j, i <= j; i == j: both after node i).
Each route's arrays are built once when it changes (``route_rows``) and concatenated over the
fleet (``Fleet``, rebuilt lazily when some route changed). ``price`` then works over the
concatenation: the single-position filters, costs and duty extensions of every position, the
routes with no feasible position pruned, and the pairs of the surviving routes enumerated flat.

The candidates, their costs (integers, summed exactly) and their order (routes in the order asked,
each route's pairs row-major) are those of pricing each route on its own;
``tests/solve/test_insertion_batched.py`` holds that per-route reference and compares both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

# Rows of a route's position array (one column per position: after node i).
_HERE, _AFTER, _READY, _BASE, _T_NEXT, _LATEST, _ABSORB = range(7)
#: First row of the capacity headroom after node 0 through node j (one row per dimension).
_HEAD0 = 7

# Columns of a route's scalars.
_SCALARS = (
    "per_s",
    "fixed",
    "first_stop",
    "empty",
    "end",
    "leave",
    "tail",
    "dur_group",
    "arc_group",
    "vehicle",
    "kind",
)


@cache
def _upper_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) with 0 <= i <= j < n, row-major (the order of ``np.nonzero`` on an upper triangle)."""
    i, j = np.triu_indices(n)
    return i.astype(np.int64), j.astype(np.int64)


@dataclass(frozen=True)
class RouteRows:
    """One route's insertion arrays, as the fleet concatenates them.

    Attributes
    ----------
    positions
        int64 rows ``_HERE`` .. ``_ABSORB`` and one headroom row per dimension, one column per
        position (after node i): the node's and the next node's matrix index, when the node is
        ready to leave, the priced arc between them, the next node's earliest and latest service
        start, the waiting at the nodes after the next one, and the capacity left over the loads
        after nodes 0..i (a depot delivery rides from the start).
    headroom
        int64 (dimensions x pairs, ``_upper_pairs`` order): capacity less the highest load after
        nodes i..j.
    scalars
        ``_SCALARS`` of the route.
    """

    positions: np.ndarray
    headroom: np.ndarray
    scalars: tuple[int, ...]


def route_rows(
    loc: np.ndarray,
    t: np.ndarray,
    service: np.ndarray,
    latest: np.ndarray,
    absorb: np.ndarray,
    range_max: np.ndarray,
    cap: np.ndarray,
    arcs: np.ndarray,
    scalars: tuple[int, ...],
) -> RouteRows:
    """The insertion arrays of one route from its profile (see ``insertion._RouteProfile``).

    Parameters
    ----------
    loc, t, service, latest, absorb, range_max, cap
        The route's profile: matrix index, earliest and latest service start, service time per
        node, the waiting that absorbs a delay, the highest load over node ranges, the capacity.
    arcs
        The vehicle's priced arc matrix.
    scalars
        ``_SCALARS`` of the route.

    Returns
    -------
    RouteRows
        The route's rows.
    """
    here, after = loc[:-1], loc[1:]
    n = len(here)
    ready = t[:-1] + service[:-1]
    head0 = cap[:, None] - range_max[0].T
    positions = np.vstack(
        (np.stack((here, after, ready, arcs[here, after], t[1:], latest[1:], absorb[2:])), head0)
    ).astype(np.int64)
    i, j = _upper_pairs(n)
    headroom = (cap[:, None] - range_max[i, j].T).astype(np.int64)
    return RouteRows(positions, headroom, scalars)


@dataclass(frozen=True)
class _Lookup:
    """Positions whose routes share one matrix, and their flat indices into it."""

    flat: np.ndarray  # the matrix, raveled
    size: int  # its side
    where: np.ndarray | None  # the positions (None: all of them)
    index: np.ndarray  # (4, positions): here * size, after, here * size, after

    def pair(self, a: int, b: int) -> int:
        """The matrix entry from location ``a`` to ``b``."""
        return int(self.flat[a * self.size + b])


def _lookups(matrices: Sequence[np.ndarray], group: np.ndarray, here: np.ndarray, after: np.ndarray) -> list[_Lookup]:
    """One ``_Lookup`` per matrix, over the positions whose ``group`` names it."""
    out = []
    used = np.unique(group)
    for g in range(len(matrices)):
        matrix = matrices[g]
        if g not in used:
            out.append(
                _Lookup(matrix.reshape(-1), len(matrix), np.zeros(0, dtype=np.int64), np.zeros((4, 0), np.int64))
            )
            continue
        where = None if len(used) == 1 else np.flatnonzero(group == g)
        h, a = (here, after) if where is None else (here[where], after[where])
        size = len(matrix)
        out.append(_Lookup(np.ascontiguousarray(matrix).reshape(-1), size, where, np.stack((h * size, a, h * size, a))))
    return out


@dataclass(frozen=True)
class Fleet:
    """The insertion arrays of all routes (those with a schedule), concatenated in route order.

    Build it with ``Fleet.of``; it is never changed afterwards (copies of an ``Inserter`` share it).
    """

    vids: tuple[str, ...]
    slot: dict[str, int]  # vehicle id -> route number
    pos: np.ndarray  # (rows, positions): ``RouteRows.positions`` side by side
    route: np.ndarray  # route number per position
    start: np.ndarray  # first position per route
    last: np.ndarray  # last position per route
    count: np.ndarray  # positions per route
    scalars: dict[str, np.ndarray]  # ``_SCALARS`` per route
    pair_i: np.ndarray  # pickup position (global) per pair
    pair_j: np.ndarray  # drop-off position (global) per pair
    pair_start: np.ndarray  # first pair per route
    pair_count: np.ndarray  # pairs per route
    headroom: np.ndarray  # (dimensions, pairs)
    dur: list[_Lookup]  # per duration matrix
    arcs: list[_Lookup]  # per priced arc matrix
    dur_group: np.ndarray  # duration matrix per position
    arc_group: np.ndarray  # arc matrix per position
    any_per_s: bool

    @classmethod
    def of(
        cls,
        rows: dict[str, RouteRows],
        order: Sequence[str],
        durations: Sequence[np.ndarray],
        arcs: Sequence[np.ndarray],
    ) -> Fleet:
        """Concatenate the routes of ``order`` that have rows (``durations``, ``arcs``: the matrices grouped)."""
        vids = tuple(v for v in order if v in rows)
        parts = [rows[v] for v in vids]
        count = np.array([p.positions.shape[1] for p in parts], dtype=np.int64)
        start = np.cumsum(count) - count
        pos = np.concatenate([p.positions for p in parts], axis=1)
        route = np.repeat(np.arange(len(vids)), count)
        table = np.array([p.scalars for p in parts], dtype=np.int64).reshape(len(vids), len(_SCALARS))
        scalars = {name: table[:, k] for k, name in enumerate(_SCALARS)}
        pair_count = count * (count + 1) // 2
        pair_start = np.cumsum(pair_count) - pair_count
        shift = np.repeat(start, pair_count)
        pair_i = np.concatenate([_upper_pairs(int(n))[0] for n in count]) + shift
        pair_j = np.concatenate([_upper_pairs(int(n))[1] for n in count]) + shift
        headroom = np.concatenate([p.headroom for p in parts], axis=1)
        dur_group, arc_group = scalars["dur_group"][route], scalars["arc_group"][route]
        here, after = pos[_HERE], pos[_AFTER]
        return cls(
            vids,
            {v: k for k, v in enumerate(vids)},
            pos,
            route,
            start,
            start + count - 1,
            count,
            scalars,
            pair_i,
            pair_j,
            pair_start,
            pair_count,
            headroom,
            _lookups(durations, dur_group, here, after),
            _lookups(arcs, arc_group, here, after),
            dur_group,
            arc_group,
            bool(scalars["per_s"].any()),
        )


@dataclass(frozen=True)
class Ask:
    """A request as the pricing sees it: matrix indices, windows, service times and load."""

    d_loc: int
    d_open: int
    d_close: int
    sd: int
    q: np.ndarray  # load per dimension
    p_loc: int | None = None  # None: a depot delivery
    p_open: int = 0
    p_close: int = 0
    sp: int = 0


@dataclass(frozen=True)
class Candidates:
    """Candidate insertions of one request: estimated cost, route (index into ``vids``), pickup and drop-off position.

    Positions are after node i of the route (0: the start depot); pickup -1 for a depot delivery.
    Grouped by route, in the order the routes were asked for.
    """

    cost: np.ndarray
    owner: np.ndarray
    pick: np.ndarray
    drop: np.ndarray
    vids: list[str]

    @classmethod
    def none(cls) -> Candidates:
        """No candidate."""
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, empty, empty, [])


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``starts[k] .. starts[k] + counts[k] - 1`` for each k, concatenated."""
    ends = np.cumsum(counts)
    return np.asarray(np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - counts), counts))


def _gathered(lookups: list[_Lookup], size: int, a: int, b: int, rows: int) -> np.ndarray:
    """Per position: matrix[here, a], matrix[a, after] (and, with ``rows`` 4, matrix[here, b], matrix[b, after])."""
    out = np.empty((rows, size), dtype=np.int64)
    for lk in lookups:
        if lk.where is not None and not len(lk.where):
            continue
        offsets = np.array([a, a * lk.size, b, b * lk.size][:rows], dtype=np.int64)[:, None]
        values = lk.flat[lk.index[:rows] + offsets]
        if lk.where is None:
            return values
        out[:, lk.where] = values
    return out


@dataclass
class _Terms:
    """Per position of the fleet: filters, arrivals and costs of one request."""

    drop_ok: np.ndarray
    cost_d: np.ndarray
    next_d: np.ndarray  # arrival at the next node with the drop-off after this node
    first_d: np.ndarray  # per route: arrival at the drop-off right after the start depot
    to_d: np.ndarray  # per route: start depot -> drop-off
    d_back: np.ndarray  # per route: drop-off -> end depot
    pick_ok: np.ndarray | None = None
    same_ok: np.ndarray | None = None
    cost_p: np.ndarray | None = None
    same: np.ndarray | None = None
    next_p: np.ndarray | None = None
    next_pd: np.ndarray | None = None
    first_p: np.ndarray | None = None
    to_p: np.ndarray | None = None
    p_back: np.ndarray | None = None


def _terms(fleet: Fleet, ask: Ask) -> _Terms:
    """Filters, arrivals and costs of every position of the fleet for one request."""
    pos, size = fleet.pos, fleet.pos.shape[1]
    t_next, latest, ready, base = pos[_T_NEXT], pos[_LATEST], pos[_READY], pos[_BASE]
    rows = 2 if ask.p_loc is None else 4
    p = 0 if ask.p_loc is None else ask.p_loc
    dur = _gathered(fleet.dur, size, ask.d_loc, p, rows)
    dist = _gathered(fleet.arcs, size, ask.d_loc, p, rows)
    arrive_d = np.maximum(ask.d_open, ready + dur[0])
    next_d = arrive_d + ask.sd + dur[1]
    drop_ok = (arrive_d <= ask.d_close) & (np.maximum(t_next, next_d) <= latest)
    terms = _Terms(
        drop_ok, dist[0] + dist[1] - base, next_d, arrive_d[fleet.start], dur[0][fleet.start], dur[1][fleet.last]
    )
    if ask.p_loc is None:
        # A depot delivery rides from the start: the load up to its drop-off must leave room.
        terms.drop_ok = drop_ok & (pos[_HEAD0:] >= ask.q[:, None]).all(axis=0)
        return terms
    arrive_p = np.maximum(ask.p_open, ready + dur[2])
    next_p = arrive_p + ask.sp + dur[3]
    in_p = arrive_p <= ask.p_close
    terms.pick_ok = in_p & (np.maximum(t_next, next_p) <= latest)
    # Both right after the node: pickup, drop-off, then the next node.
    dur_pd = np.array([lk.pair(ask.p_loc, ask.d_loc) for lk in fleet.dur], dtype=np.int64)[fleet.dur_group]
    arrive_pd = np.maximum(ask.d_open, arrive_p + ask.sp + dur_pd)
    terms.next_pd = arrive_pd + ask.sd + dur[1]
    terms.same_ok = in_p & (arrive_pd <= ask.d_close) & (np.maximum(t_next, terms.next_pd) <= latest)
    arc_pd = np.array([lk.pair(ask.p_loc, ask.d_loc) for lk in fleet.arcs], dtype=np.int64)[fleet.arc_group]
    terms.cost_p = dist[2] + dist[3] - base
    terms.same = dist[2] + arc_pd + dist[1] - base
    terms.next_p, terms.first_p, terms.to_p, terms.p_back = (
        next_p,
        arrive_p[fleet.start],
        dur[2][fleet.start],
        dur[3][fleet.last],
    )
    return terms


def _longer_duty(
    fleet: Fleet, next_arrival: np.ndarray, first: np.ndarray, to_new: np.ndarray, back: np.ndarray
) -> np.ndarray:
    """Seconds of paid duty an insertion after each position adds (estimated; exact for one inserted stop).

    ``next_arrival``: per position, the arrival at the next node with the new stop(s) after it.
    Per route: ``first``, when a new first stop is served, ``to_new`` after leaving the depot;
    ``back``, the return from a new last stop. The delay at the next node, less the waiting at the
    nodes after it, moves the return; a new first stop may move the start of the duty. Where the
    deadhead is unpaid (``first_stop``) the duty runs from the first stop to the last.
    """
    s = fleet.scalars
    pos = fleet.pos
    later = np.maximum(np.maximum(next_arrival - pos[_T_NEXT], 0) - pos[_ABSORB], 0)
    first_stop = s["first_stop"].astype(bool)
    lead = np.where(first_stop, first, first - to_new)
    # An idle vehicle's duty is the new stop's; otherwise a new first stop may start it earlier.
    later[fleet.start] += np.where(s["empty"].astype(bool), s["end"] - lead, np.maximum(s["leave"] - lead, 0))
    # Last position, deadhead unpaid: the paid duty ends on leaving the new stop, not on the return trip.
    later[fleet.last] -= np.where(first_stop, back - s["tail"], 0)
    return np.asarray(later)


def _feasible(fleet: Fleet, terms: _Terms) -> np.ndarray:
    """Per route: whether some position (pickup only) or pair of positions passes the single-position filters."""
    drop_any = np.logical_or.reduceat(terms.drop_ok, fleet.start)
    if terms.pick_ok is None or terms.same_ok is None:
        return np.asarray(drop_any)
    pick_any = np.logical_or.reduceat(terms.pick_ok, fleet.start)
    same_any = np.logical_or.reduceat(terms.same_ok, fleet.start)
    return np.asarray(same_any | (pick_any & drop_any))


def _depot_candidates(fleet: Fleet, terms: _Terms, routes: np.ndarray) -> Candidates:
    """Drop-off positions of a depot delivery in ``routes`` (route numbers, in order)."""
    counts = fleet.count[routes]
    at = _ranges(fleet.start[routes], counts)
    owner = np.repeat(np.arange(len(routes)), counts)
    keep = np.flatnonzero(terms.drop_ok[at])
    at, owner = at[keep], owner[keep]
    route = routes[owner]
    s = fleet.scalars
    cost = terms.cost_d[at] + s["fixed"][route]
    if fleet.any_per_s:
        span = _longer_duty(fleet, terms.next_d, terms.first_d, terms.to_d, terms.d_back)
        cost = cost + s["per_s"][route] * span[at]
    return Candidates(cost, owner, np.full(len(at), -1), at - fleet.start[route], [fleet.vids[r] for r in routes])


def _pair_candidates(fleet: Fleet, terms: _Terms, routes: np.ndarray, q: np.ndarray) -> Candidates:
    """Pickup and drop-off position pairs in ``routes`` (route numbers, in order) that pass the filters."""
    assert terms.pick_ok is not None and terms.same_ok is not None
    assert terms.cost_p is not None and terms.same is not None
    counts = fleet.pair_count[routes]
    pairs = _ranges(fleet.pair_start[routes], counts)
    owner = np.repeat(np.arange(len(routes)), counts)
    i, j = fleet.pair_i[pairs], fleet.pair_j[pairs]
    diagonal = i == j
    ok = np.where(diagonal, terms.same_ok[i], terms.pick_ok[i] & terms.drop_ok[j])
    keep = np.flatnonzero(ok)
    keep = keep[(fleet.headroom[:, pairs[keep]] >= q[:, None]).all(axis=0)]
    i, j, owner, diagonal = i[keep], j[keep], owner[keep], diagonal[keep]
    route = routes[owner]
    s = fleet.scalars
    cost = np.where(diagonal, terms.same[i], terms.cost_p[i] + terms.cost_d[j]) + s["fixed"][route]
    if fleet.any_per_s:
        cost = cost + s["per_s"][route] * _pair_spans(fleet, terms, i, j, diagonal)
    first = fleet.start[route]
    return Candidates(cost, owner, i - first, j - first, [fleet.vids[r] for r in routes])


def _pair_spans(fleet: Fleet, terms: _Terms, i: np.ndarray, j: np.ndarray, diagonal: np.ndarray) -> np.ndarray:
    """Longer duty of each pair: both delays counted in full (an upper bound when the first also delays the second)."""
    assert terms.next_p is not None and terms.next_pd is not None
    assert terms.first_p is not None and terms.to_p is not None and terms.p_back is not None
    span_d = _longer_duty(fleet, terms.next_d, terms.first_d, terms.to_d, terms.d_back)
    span_p = _longer_duty(fleet, terms.next_p, terms.first_p, terms.to_p, terms.p_back)
    span_pd = _longer_duty(fleet, terms.next_pd, terms.first_p, terms.to_p, terms.d_back)
    return np.asarray(np.where(diagonal, span_pd[i], span_p[i] + span_d[j]))


def price(fleet: Fleet, ask: Ask, routes: np.ndarray) -> Candidates:
    """Every insertion of one request into ``routes`` (route numbers of ``fleet``, in order) that passes the filters.

    Parameters
    ----------
    fleet
        The routes' arrays.
    ask
        The request.
    routes
        The routes to price, in the order the candidates should come in.

    Returns
    -------
    Candidates
        Their estimated costs and positions; routes with no position passing the
        single-position filters are left out.
    """
    if not len(routes):
        return Candidates.none()
    terms = _terms(fleet, ask)
    routes = routes[_feasible(fleet, terms)[routes]]
    if ask.p_loc is None:
        return _depot_candidates(fleet, terms, routes)
    return _pair_candidates(fleet, terms, routes, ask.q)
