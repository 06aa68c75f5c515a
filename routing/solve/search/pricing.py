"""Batched insertion pricing: one request against every route in one compiled loop.

A route offers insertion *positions* (after node i: 0 is the start depot, then each step) and
position *pairs* (pickup after node i, drop-off after node j, i <= j; i == j: both after node i).
Each route's arrays are built once when it changes (``route_rows``) and concatenated over the
fleet (``Fleet``, rebuilt lazily when some route changed). ``price`` gathers the request's matrix
entries for every position (numpy), then one compiled loop (``jit.kernel``) applies the
single-position filters, prunes the routes with no feasible position, and prices the positions
(depot deliveries) or the pairs of the surviving routes: arcs, duty extensions, fixed prices.

The candidates, their costs (integers, summed exactly) and their order (routes in the order asked,
each route's pairs row-major) are those of pricing each route on its own;
``tests/solve/test_insertion_batched.py`` holds that per-route reference and compares both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba.typed import List

from routing.solve.search.jit import kernel

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
#: The columns ``_eligible`` reads to pick routes: the vehicle's number, whether the route is empty, its kind.
VEHICLE, EMPTY, KIND = (_SCALARS.index(name) for name in ("vehicle", "empty", "kind"))


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
        int64 (dimensions x pairs (i, j), i <= j, row-major): capacity less the highest load after
        nodes i..j.
    scalars
        ``_SCALARS`` of the route.
    """

    positions: np.ndarray
    headroom: np.ndarray
    scalars: np.ndarray  # int64


def route_rows(
    loc: np.ndarray,
    t: np.ndarray,
    service: np.ndarray,
    legs: np.ndarray,
    upper: np.ndarray,
    loads: np.ndarray,
    cap: np.ndarray,
    arcs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A route's latest start and absorbing waits per node, and its insertion arrays (``RouteRows``), in one pass.

    Parameters
    ----------
    loc, t, service, legs, upper
        Per node (start depot, each step, end depot): matrix index, earliest service start,
        service time, travel time to the next node (one fewer), window closing.
    loads
        Load per dimension after each node but the end depot.
    cap
        The vehicle's capacity per dimension.
    arcs
        The vehicle's priced arc matrix.

    Returns
    -------
    tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
        ``latest`` per node (the latest service start that keeps the rest of the route within its
        windows), ``absorb`` (one longer: [k] is the waiting at nodes k.., which absorbs a delay
        arriving at node k - 1), and ``RouteRows.positions`` and ``RouteRows.headroom``.
    """
    return _route_rows(loc, t, service, legs, upper, loads, cap, arcs)


@kernel
def _route_rows(
    loc: np.ndarray, t: np.ndarray, service: np.ndarray, legs: np.ndarray, upper: np.ndarray, loads: np.ndarray,
    cap: np.ndarray, arcs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """``route_rows``, compiled."""
    nodes, dims = len(loc), len(cap)
    latest = upper.copy()
    for k in range(nodes - 2, -1, -1):
        latest[k] = min(latest[k], latest[k + 1] - service[k] - legs[k])
    absorb = np.zeros(nodes + 1, dtype=np.int64)
    for k in range(nodes - 1, 0, -1):
        absorb[k] = absorb[k + 1] + t[k] - t[k - 1] - service[k - 1] - legs[k - 1]
    absorb[0] = absorb[1]  # no waiting at the start depot
    n = nodes - 1
    positions = np.empty((_HEAD0 + dims, n), dtype=np.int64)
    high = np.empty(dims, dtype=np.int64)
    for k in range(n):
        here, after = loc[k], loc[k + 1]
        positions[_HERE, k], positions[_AFTER, k] = here, after
        positions[_READY, k] = t[k] + service[k]
        positions[_BASE, k] = arcs[here, after]
        positions[_T_NEXT, k], positions[_LATEST, k], positions[_ABSORB, k] = t[k + 1], latest[k + 1], absorb[k + 2]
        for d in range(dims):  # a depot delivery rides from the start: the highest load after nodes 0..k
            high[d] = loads[k, d] if k == 0 else max(high[d], loads[k, d])
            positions[_HEAD0 + d, k] = cap[d] - high[d]
    # Pairs (i, j), i <= j, row-major: capacity less the highest load after nodes i..j.
    headroom = np.empty((dims, n * (n + 1) // 2), dtype=np.int64)
    h = 0
    for i in range(n):
        for d in range(dims):
            high[d] = loads[i, d]
        for j in range(i, n):
            for d in range(dims):
                high[d] = max(high[d], loads[j, d])
                headroom[d, h] = cap[d] - high[d]
            h += 1
    return latest, absorb, positions, headroom


#: Splice at most this many changed routes into a fleet; rebuild it when more changed.
SPLICE_MAX = 4


@dataclass(frozen=True)
class Fleet:
    """The insertion arrays of all routes (those with a schedule), concatenated, and the matrices they read.

    Build it with ``Fleet.of``; it is never changed afterwards (copies of an ``Inserter`` share it),
    ``spliced`` makes a new one.
    """

    vids: tuple[str, ...]  # per route number
    slot: dict[str, int]  # vehicle id -> route number
    in_order: np.ndarray  # route numbers in the inserter's route order
    pos: np.ndarray  # (rows, positions): ``RouteRows.positions`` side by side
    count: np.ndarray  # positions per route
    table: np.ndarray  # (routes, ``_SCALARS``)
    headroom: np.ndarray  # (dimensions, pairs)
    durations: List  # the duration matrices, each route's by its ``dur_group`` (numba typed list, read-only)
    arcs: List  # the priced arc matrices, by ``arc_group``
    start: np.ndarray  # first position per route
    pair_start: np.ndarray  # first pair per route

    @classmethod
    def of(
        cls,
        rows: dict[str, RouteRows],
        order: Sequence[str],
        durations: List,
        arcs: List,
    ) -> Fleet:
        """Concatenate the routes of ``order`` that have rows (``durations``, ``arcs``: the groups' ``matrix_list``)."""
        vids = tuple(v for v in order if v in rows)
        slot = {v: k for k, v in enumerate(vids)}
        parts = [rows[v] for v in vids]
        count = np.array([p.positions.shape[1] for p in parts], dtype=np.int64)
        table = np.array([p.scalars for p in parts], dtype=np.int64).reshape(len(vids), len(_SCALARS))
        pair_count = count * (count + 1) // 2
        return cls(
            vids,
            slot,
            np.array([slot[v] for v in order if v in slot], dtype=np.int64),
            np.concatenate([p.positions for p in parts], axis=1),
            count,
            table,
            np.concatenate([p.headroom for p in parts], axis=1),
            durations,
            arcs,
            np.cumsum(count) - count,
            np.cumsum(pair_count) - pair_count,
        )

    def spliced(self, vid: str, rows: RouteRows) -> Fleet:
        """A fleet like this one with the route of ``vid`` (which has one) replaced by ``rows``."""
        pos, count, table, headroom, start, pair_start = _spliced(
            self.pos, self.count, self.table, self.headroom, self.start, self.pair_start, self.slot[vid],
            rows.positions, rows.headroom, rows.scalars,
        )  # fmt: skip
        return Fleet(
            self.vids,
            self.slot,
            self.in_order,
            pos,
            count,
            table,
            headroom,
            self.durations,
            self.arcs,
            start,
            pair_start,
        )


@kernel
def _spliced(
    pos: np.ndarray, count: np.ndarray, table: np.ndarray, headroom: np.ndarray, start: np.ndarray,
    pair_start: np.ndarray, s: int, new_pos: np.ndarray, new_headroom: np.ndarray, scalars: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """``Fleet.spliced``'s arrays: route ``s``'s positions, pairs and scalars replaced, the offsets after it moved."""
    a, b = start[s], start[s] + count[s]
    pa, pb = pair_start[s], pair_start[s] + count[s] * (count[s] + 1) // 2
    n = new_pos.shape[1]
    moved, pairs_moved = n - count[s], n * (n + 1) // 2 - (pb - pa)
    out_pos = np.empty((pos.shape[0], pos.shape[1] + moved), dtype=np.int64)
    out_pos[:, :a] = pos[:, :a]
    out_pos[:, a : a + n] = new_pos
    out_pos[:, a + n :] = pos[:, b:]
    out_head = np.empty((headroom.shape[0], headroom.shape[1] + pairs_moved), dtype=np.int64)
    out_head[:, :pa] = headroom[:, :pa]
    out_head[:, pa : pa + n * (n + 1) // 2] = new_headroom
    out_head[:, pa + n * (n + 1) // 2 :] = headroom[:, pb:]
    out_count, out_table = count.copy(), table.copy()
    out_count[s] = n
    out_table[s] = scalars
    out_start, out_pair_start = start.copy(), pair_start.copy()
    out_start[s + 1 :] += moved
    out_pair_start[s + 1 :] += pairs_moved
    return out_pos, out_count, out_table, out_head, out_start, out_pair_start


def read_only(matrix: np.ndarray) -> np.ndarray:
    """A read-only, C-contiguous int64 view of ``matrix`` (a copy only where it is neither).

    The one array type of the matrices the kernels read, as the matrix cache hands out memory-mapped ones.
    """
    view = np.ascontiguousarray(matrix, dtype=np.int64).view()
    view.setflags(write=False)
    return view


def matrix_list(matrices: Sequence[np.ndarray]) -> List:
    """Matrices as the pricing kernel takes them: a numba typed list of ``read_only`` views."""
    out = List()
    for m in matrices:
        out.append(read_only(m))
    return out


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

    @cached_property
    def numbers(self) -> np.ndarray:
        """The request as the kernel reads it (``_DEPOT`` .. ``_P_LOC``; a depot delivery's pickup -1)."""
        depot = self.p_loc is None
        fields = (self.d_open, self.d_close, self.sd, self.p_open, self.p_close, self.sp, self.d_loc)
        return np.array([depot, *fields, -1 if self.p_loc is None else self.p_loc], dtype=np.int64)


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


# Rows of the per-position work arrays of ``_price_routes``: drop-off, pickup, both after the same node.
_DROP, _PICK, _SAME = range(3)
# Entries of the request's integer array (``price``).
_DEPOT, _D_OPEN, _D_CLOSE, _SD, _P_OPEN, _P_CLOSE, _SP, _D_LOC, _P_LOC = range(9)
# Columns of the fleet's table (``_SCALARS``) naming a route's matrices.
_DUR_GROUP, _ARC_GROUP = _SCALARS.index("dur_group"), _SCALARS.index("arc_group")


@kernel
def _filter_route(
    pos: np.ndarray, s: int, n: int, dur: np.ndarray, dur_pd: np.ndarray, ask: np.ndarray, q: np.ndarray,
    ok: np.ndarray, nxt: np.ndarray,
) -> bool:  # fmt: skip
    """The single-position filters of one route's positions ``s`` .. ``s + n - 1``; whether some position passes.

    Fills ``ok`` and ``nxt`` (rows ``_DROP``, ``_PICK``, ``_SAME``): whether the new stop(s) fit right
    after the node, and the arrival at the next node with them there.
    """
    any_drop = any_pick = any_same = False
    for k in range(s, s + n):
        ready, t_next, latest = pos[_READY, k], pos[_T_NEXT, k], pos[_LATEST, k]
        arrive_d = max(ask[_D_OPEN], ready + dur[0, k])
        nxt[_DROP, k] = arrive_d + ask[_SD] + dur[1, k]
        fits = arrive_d <= ask[_D_CLOSE] and max(t_next, nxt[_DROP, k]) <= latest
        if ask[_DEPOT]:  # a depot delivery rides from the start: the load up to its drop-off must leave room
            for d in range(len(q)):
                fits = fits and pos[_HEAD0 + d, k] >= q[d]
        ok[_DROP, k] = fits
        any_drop = any_drop or fits
        if ask[_DEPOT]:
            continue
        arrive_p = max(ask[_P_OPEN], ready + dur[2, k])
        in_p = arrive_p <= ask[_P_CLOSE]
        nxt[_PICK, k] = arrive_p + ask[_SP] + dur[3, k]
        ok[_PICK, k] = in_p and max(t_next, nxt[_PICK, k]) <= latest
        # Both right after the node: pickup, drop-off, then the next node.
        arrive_pd = max(ask[_D_OPEN], arrive_p + ask[_SP] + dur_pd[k])
        nxt[_SAME, k] = arrive_pd + ask[_SD] + dur[1, k]
        ok[_SAME, k] = in_p and arrive_pd <= ask[_D_CLOSE] and max(t_next, nxt[_SAME, k]) <= latest
        any_pick = any_pick or ok[_PICK, k]
        any_same = any_same or ok[_SAME, k]
    return any_drop if ask[_DEPOT] else any_same or (any_pick and any_drop)


@kernel
def _longer_duty(
    pos: np.ndarray, row: np.ndarray, k: int, s: int, n: int, next_arrival: int, lead: int, back: int
) -> int:
    """Seconds of paid duty a new stop after position ``k`` adds (estimated; exact for one inserted stop).

    ``row``: the route's ``_SCALARS``; ``next_arrival``: the arrival at the next node with the new
    stop after position ``k``; ``lead``: when the duty would start with a new first stop (the
    departure, or the stop itself where the deadhead is unpaid); ``back``: the return from a new
    last stop. The delay at the next node, less the waiting at the nodes after it, moves the
    return; a new first stop may move the start of the duty (an idle vehicle's duty is the new
    stop's). Where the deadhead is unpaid the duty ends on leaving the new last stop.
    """
    later = max(max(next_arrival - pos[_T_NEXT, k], 0) - pos[_ABSORB, k], 0)
    if k == s:
        later += row[4] - lead if row[3] else max(row[5] - lead, 0)
    if k == s + n - 1 and row[2]:
        later -= back - row[6]
    return int(later)


@kernel
def _gathered(
    pos: np.ndarray, start: np.ndarray, count: np.ndarray, table: np.ndarray, routes: np.ndarray, durations: List,
    arcs: List, ask: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The request's matrix entries at the positions of ``routes``, under each route's own matrices.

    Rows of ``dur`` and ``dist`` (durations, priced arcs): node to drop-off, drop-off to next node, node
    to pickup, pickup to next node (the last two not for a depot delivery); ``dur_pd`` and ``arc_pd``:
    pickup to drop-off.
    """
    size = pos.shape[1]
    dur, dist = np.empty((4, size), dtype=np.int64), np.empty((4, size), dtype=np.int64)
    dur_pd, arc_pd = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    d, p, depot = ask[_D_LOC], ask[_P_LOC], ask[_DEPOT]
    for o in range(len(routes)):
        r = routes[o]
        m, a = durations[table[r, _DUR_GROUP]], arcs[table[r, _ARC_GROUP]]
        for k in range(start[r], start[r] + count[r]):
            here, after = pos[_HERE, k], pos[_AFTER, k]
            dur[0, k], dur[1, k], dist[0, k], dist[1, k] = m[here, d], m[d, after], a[here, d], a[d, after]
            if not depot:
                dur[2, k], dur[3, k], dist[2, k], dist[3, k] = m[here, p], m[p, after], a[here, p], a[p, after]
                dur_pd[k], arc_pd[k] = m[p, d], a[p, d]
    return dur, dist, dur_pd, arc_pd


@kernel
def _eligible(table: np.ndarray, order: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """The routes of ``order`` whose vehicle is ``allowed`` (by vehicle number); of idle ones only the first per kind.

    Interchangeable idle vehicles offer the same insertions: pricing one of them is enough.
    """
    seen = np.zeros(table[:, KIND].max() + 1 if table.shape[0] else 0, dtype=np.bool_)
    routes = np.empty(len(order), dtype=np.int64)
    m = 0
    for r in order:
        if not allowed[table[r, VEHICLE]]:
            continue
        if table[r, EMPTY]:
            if seen[table[r, KIND]]:
                continue
            seen[table[r, KIND]] = True
        routes[m] = r
        m += 1
    return routes[:m]


@kernel
def _price_routes(
    pos: np.ndarray, start: np.ndarray, count: np.ndarray, pair_start: np.ndarray, headroom: np.ndarray,
    table: np.ndarray, order: np.ndarray, allowed: np.ndarray, durations: List, arcs: List, ask: np.ndarray,
    q: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """``price`` on the fleet's arrays (see ``price``).

    Returns the candidates' cost, owner, pickup and drop-off position, and the routes that kept some.
    """
    routes = _eligible(table, order, allowed)
    dur, dist, dur_pd, arc_pd = _gathered(pos, start, count, table, routes, durations, arcs, ask)
    ok = np.zeros((3, pos.shape[1]), dtype=np.bool_)
    nxt = np.zeros((3, pos.shape[1]), dtype=np.int64)
    kept = np.zeros(len(routes), dtype=np.bool_)
    total = 0
    for o in range(len(routes)):
        r = routes[o]
        if _filter_route(pos, start[r], count[r], dur, dur_pd, ask, q, ok, nxt):
            kept[o] = True
            total += count[r] if ask[_DEPOT] else count[r] * (count[r] + 1) // 2
    cost = np.empty(total, dtype=np.int64)
    owner = np.empty(total, dtype=np.int64)
    pick = np.empty(total, dtype=np.int64)
    drop = np.empty(total, dtype=np.int64)
    m = owner_no = 0
    for o in range(len(routes)):
        if not kept[o]:
            continue
        r = routes[o]
        s, n, row = start[r], count[r], table[r]
        last = s + n - 1
        # The duty's start with a new first stop, and the return from a new last one (drop-off, pickup).
        first_d = max(ask[_D_OPEN], pos[_READY, s] + dur[0, s])
        lead_d = first_d if row[2] else first_d - dur[0, s]
        if ask[_DEPOT]:
            for k in range(s, s + n):
                if ok[_DROP, k]:
                    c = dist[0, k] + dist[1, k] - pos[_BASE, k] + row[1]
                    if row[0]:
                        c += row[0] * _longer_duty(pos, row, k, s, n, nxt[_DROP, k], lead_d, dur[1, last])
                    cost[m], owner[m], pick[m], drop[m] = c, owner_no, -1, k - s
                    m += 1
            owner_no += 1
            continue
        first_p = max(ask[_P_OPEN], pos[_READY, s] + dur[2, s])
        lead_p = first_p if row[2] else first_p - dur[2, s]
        h = pair_start[r]
        for a in range(s, s + n):
            for b in range(a, s + n):
                fits = ok[_SAME, a] if a == b else ok[_PICK, a] and ok[_DROP, b]
                for d in range(len(q)):
                    fits = fits and headroom[d, h] >= q[d]
                h += 1
                if not fits:
                    continue
                if a == b:
                    c = dist[2, a] + arc_pd[a] + dist[1, a] - pos[_BASE, a]
                    span = _longer_duty(pos, row, a, s, n, nxt[_SAME, a], lead_p, dur[1, last]) if row[0] else 0
                else:
                    c = dist[2, a] + dist[3, a] - pos[_BASE, a] + dist[0, b] + dist[1, b] - pos[_BASE, b]
                    span = (
                        _longer_duty(pos, row, a, s, n, nxt[_PICK, a], lead_p, dur[3, last])
                        + _longer_duty(pos, row, b, s, n, nxt[_DROP, b], lead_d, dur[1, last])
                        if row[0]
                        else 0
                    )
                cost[m], owner[m], pick[m], drop[m] = c + row[1] + row[0] * span, owner_no, a - s, b - s
                m += 1
        owner_no += 1
    return cost[:m], owner[:m], pick[:m], drop[:m], routes[kept]


def price(fleet: Fleet, ask: Ask, order: np.ndarray, allowed: np.ndarray) -> Candidates:
    """Every insertion of one request into the routes of ``order`` that passes the filters.

    Parameters
    ----------
    fleet
        The routes' arrays.
    ask
        The request.
    order
        Route numbers of ``fleet``, in the order the candidates should come in; only those whose
        vehicle is ``allowed`` (bool by vehicle number) are priced, and of interchangeable idle
        vehicles (the same kind) only the first.

    Returns
    -------
    Candidates
        Their estimated costs and positions; routes with no position passing the
        single-position filters are left out.
    """
    if not len(order):
        return Candidates.none()
    cost, owner, pick, drop, kept = _price_routes(
        fleet.pos, fleet.start, fleet.count, fleet.pair_start, fleet.headroom, fleet.table, order, allowed,
        fleet.durations, fleet.arcs, ask.numbers, ask.q,
    )  # fmt: skip
    return Candidates(cost, owner, pick, drop, [fleet.vids[r] for r in kept.tolist()])


def warm_up() -> None:
    """Compile this module's kernels, or load them from the cache, on an idle one-vehicle route.

    The argument types are those of a search's calls (int64, C-contiguous, matrices read-only), so a solve that calls
    this before its clock starts (``routing.solve.solve``) spends none of its time limit compiling.
    """
    one, two = np.zeros(1, dtype=np.int64), np.zeros(2, dtype=np.int64)
    arcs = np.zeros((1, 1), dtype=np.int64)
    arcs.setflags(write=False)  # the inserter's matrices are read-only views (``insertion._read_only``)
    _, _, positions, headroom = route_rows(two, two, two, one, two, np.zeros((1, 1), dtype=np.int64), one, arcs)
    table = np.zeros((1, len(_SCALARS)), dtype=np.int64)
    _spliced(positions, one + 1, table, headroom, one, one, 0, positions, headroom, table[0])
    matrices = matrix_list([arcs])
    for depot in (0, 1):
        numbers = np.array([depot, 0, 1, 0, 0, 1, 0, 0, -1 if depot else 0], dtype=np.int64)
        allowed = np.ones(1, dtype=np.bool_)
        _price_routes(positions, one, one + 1, one, headroom, table, one, allowed, matrices, matrices, numbers, one)
