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
from functools import cache, cached_property

import numpy as np

# Rows of a route's position array (one column per position: after node i).
_HERE, _AFTER, _READY, _BASE, _T_NEXT, _LATEST, _ABSORB = range(7)
#: Rows 7..10: flat matrix indices here * size, after, here * size, after (``_gathered``).
_LOOKUP = 7
#: First row of the capacity headroom after node 0 through node j (one row per dimension).
_HEAD0 = 11

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
        int64 rows ``_HERE`` .. ``_ABSORB``, four ``_LOOKUP`` rows and one headroom row per
        dimension, one column per position (after node i): the node's and the next node's matrix
        index, when the node is ready to leave, the priced arc between them, the next node's
        earliest and latest service start, the waiting at the nodes after the next one, the flat
        matrix indices of the node's row and the next node's column, and the capacity left over
        the loads after nodes 0..i (a depot delivery rides from the start).
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
    size: int,
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
    size
        Locations in the matrices.

    Returns
    -------
    RouteRows
        The route's rows.
    """
    here, after = loc[:-1], loc[1:]
    n = len(here)
    positions = np.empty((_HEAD0 + len(cap), n), dtype=np.int64)
    positions[_HERE], positions[_AFTER] = here, after
    positions[_READY] = t[:-1] + service[:-1]
    positions[_BASE] = arcs[here, after]
    positions[_T_NEXT], positions[_LATEST], positions[_ABSORB] = t[1:], latest[1:], absorb[2:]
    positions[_LOOKUP] = positions[_LOOKUP + 2] = here * size
    positions[_LOOKUP + 1] = positions[_LOOKUP + 3] = after
    positions[_HEAD0:] = cap[:, None] - range_max[0].T
    i, j = _upper_pairs(n)
    headroom = (cap[:, None] - range_max[i, j].T).astype(np.int64)
    return RouteRows(positions, headroom, scalars)


#: Splice at most this many changed routes into a fleet; rebuild it when more changed.
SPLICE_MAX = 4


@dataclass(frozen=True)
class Fleet:
    """The insertion arrays of all routes (those with a schedule), concatenated.

    Routes are laid out by duration and priced arc matrix, so each matrix serves one slice of
    positions; ``in_order`` gives them in the inserter's route order. Build it with ``Fleet.of``;
    it is never changed afterwards (copies of an ``Inserter`` share it), ``spliced`` makes a new one.
    """

    vids: tuple[str, ...]  # per route number
    slot: dict[str, int]  # vehicle id -> route number
    in_order: np.ndarray  # route numbers in the inserter's route order
    pos: np.ndarray  # (rows, positions): ``RouteRows.positions`` side by side
    count: np.ndarray  # positions per route
    table: np.ndarray  # (routes, ``_SCALARS``)
    pair_i: np.ndarray  # pickup position (global) per pair
    pair_j: np.ndarray  # drop-off position (global) per pair
    headroom: np.ndarray  # (dimensions, pairs)
    dur: tuple[tuple[np.ndarray, int, int], ...]  # per duration matrix: it raveled, first and end route number
    arcs: tuple[tuple[np.ndarray, int, int], ...]  # the same per priced arc matrix
    size: int  # locations in the matrices

    @classmethod
    def of(
        cls,
        rows: dict[str, RouteRows],
        order: Sequence[str],
        durations: Sequence[np.ndarray],
        arcs: Sequence[np.ndarray],
    ) -> Fleet:
        """Concatenate the routes of ``order`` that have rows (``durations``, ``arcs``: the matrices grouped)."""
        key = _SCALARS.index("dur_group"), _SCALARS.index("arc_group")
        vids = tuple(
            sorted((v for v in order if v in rows), key=lambda v: (rows[v].scalars[key[0]], rows[v].scalars[key[1]]))
        )
        slot = {v: k for k, v in enumerate(vids)}
        parts = [rows[v] for v in vids]
        count = np.array([p.positions.shape[1] for p in parts], dtype=np.int64)
        table = np.array([p.scalars for p in parts], dtype=np.int64).reshape(len(vids), len(_SCALARS))
        pair_i, pair_j = _global_pairs(count)
        return cls(
            vids,
            slot,
            np.array([slot[v] for v in order if v in slot], dtype=np.int64),
            np.concatenate([p.positions for p in parts], axis=1),
            count,
            table,
            pair_i,
            pair_j,
            np.concatenate([p.headroom for p in parts], axis=1),
            _slices(durations, table[:, key[0]]),
            _slices(arcs, table[:, key[1]]),
            len(durations[0]),
        )

    def spliced(self, vid: str, rows: RouteRows) -> Fleet:
        """A fleet like this one with the route of ``vid`` (which has one) replaced by ``rows``."""
        s = self.slot[vid]
        start, pair_start = self.start, self.pair_start
        a, b = int(start[s]), int(start[s] + self.count[s])
        pa, pb = int(pair_start[s]), int(pair_start[s] + self.pair_count[s])
        n = rows.positions.shape[1]
        i, j = _upper_pairs(n)
        delta = n - (b - a)
        count = self.count.copy()
        count[s] = n
        table = self.table.copy()
        table[s] = rows.scalars
        return Fleet(
            self.vids,
            self.slot,
            self.in_order,
            np.concatenate((self.pos[:, :a], rows.positions, self.pos[:, b:]), axis=1),
            count,
            table,
            np.concatenate((self.pair_i[:pa], i + a, self.pair_i[pb:] + delta)),
            np.concatenate((self.pair_j[:pa], j + a, self.pair_j[pb:] + delta)),
            np.concatenate((self.headroom[:, :pa], rows.headroom, self.headroom[:, pb:]), axis=1),
            self.dur,
            self.arcs,
            self.size,
        )

    @cached_property
    def start(self) -> np.ndarray:
        """First position per route."""
        return np.asarray(np.cumsum(self.count) - self.count)

    @cached_property
    def last(self) -> np.ndarray:
        """Last position per route."""
        return np.asarray(self.start + self.count - 1)

    @cached_property
    def pair_count(self) -> np.ndarray:
        """Pairs per route."""
        return np.asarray(self.count * (self.count + 1) // 2)

    @cached_property
    def pair_start(self) -> np.ndarray:
        """First pair per route."""
        return np.asarray(np.cumsum(self.pair_count) - self.pair_count)

    @cached_property
    def scalars(self) -> dict[str, np.ndarray]:
        """``_SCALARS`` per route, by name."""
        return {name: self.table[:, k] for k, name in enumerate(_SCALARS)}

    @cached_property
    def any_per_s(self) -> bool:
        """Whether some route has a duty price."""
        return bool(self.scalars["per_s"].any())

    def bounds(self, first: int, end: int) -> tuple[int, int]:
        """The positions of routes ``first`` .. ``end`` - 1."""
        total = self.pos.shape[1]
        return (int(self.start[first]) if first < len(self.count) else total), (
            int(self.start[end]) if end < len(self.count) else total
        )


def _global_pairs(count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pickup and drop-off position (global) of every pair of routes with ``count`` positions, route after route."""
    shift = np.repeat(np.cumsum(count) - count, count * (count + 1) // 2)
    pairs = [_upper_pairs(int(n)) for n in count]
    return np.concatenate([p[0] for p in pairs]) + shift, np.concatenate([p[1] for p in pairs]) + shift


def _slices(matrices: Sequence[np.ndarray], group: np.ndarray) -> tuple[tuple[np.ndarray, int, int], ...]:
    """Per matrix used: it raveled and its routes' numbers, first and end (``group``: matrix per route, sorted)."""
    used = np.flatnonzero(np.diff(group, prepend=-1, append=-1))
    return tuple(
        (np.ascontiguousarray(matrices[int(group[a])]).reshape(-1), int(a), int(b))
        for a, b in zip(used[:-1], used[1:], strict=True)
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


def _gathered(fleet: Fleet, lookups: tuple[tuple[np.ndarray, int, int], ...], a: int, b: int, rows: int) -> np.ndarray:
    """Per position: matrix[here, a], matrix[a, after] (and, with ``rows`` 4, matrix[here, b], matrix[b, after])."""
    n = fleet.size
    offsets = np.array([a, a * n, b, b * n][:rows], dtype=np.int64)[:, None]
    index = fleet.pos[_LOOKUP : _LOOKUP + rows]
    if len(lookups) == 1:
        return np.asarray(lookups[0][0][index + offsets])
    out = np.empty((rows, fleet.pos.shape[1]), dtype=np.int64)
    for flat, first, end in lookups:
        lo, hi = fleet.bounds(first, end)
        out[:, lo:hi] = flat[index[:, lo:hi] + offsets]
    return out


def _between(fleet: Fleet, lookups: tuple[tuple[np.ndarray, int, int], ...], a: int, b: int) -> np.ndarray:
    """Per position: its route's matrix[a, b]."""
    out = np.empty(fleet.pos.shape[1], dtype=np.int64)
    for flat, first, end in lookups:
        lo, hi = fleet.bounds(first, end)
        out[lo:hi] = flat[a * fleet.size + b]
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
    pos = fleet.pos
    t_next, latest, ready, base = pos[_T_NEXT], pos[_LATEST], pos[_READY], pos[_BASE]
    rows = 2 if ask.p_loc is None else 4
    p = 0 if ask.p_loc is None else ask.p_loc
    dur = _gathered(fleet, fleet.dur, ask.d_loc, p, rows)
    dist = _gathered(fleet, fleet.arcs, ask.d_loc, p, rows)
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
    dur_pd = _between(fleet, fleet.dur, ask.p_loc, ask.d_loc)
    arrive_pd = np.maximum(ask.d_open, arrive_p + ask.sp + dur_pd)
    terms.next_pd = arrive_pd + ask.sd + dur[1]
    terms.same_ok = in_p & (arrive_pd <= ask.d_close) & (np.maximum(t_next, terms.next_pd) <= latest)
    arc_pd = _between(fleet, fleet.arcs, ask.p_loc, ask.d_loc)
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
