"""Exchange of route tails between vehicles (2-opt* at empty-vehicle points), checked exactly.

A dial-a-ride route can be cut only where nobody is on board: after such a point its rest (the
*tail*) is a sequence of whole trips. Two routes cut at such points swap their tails: route A
keeps its head and drives on with B's tail, B with A's (Potvin & Rousseau 1995's 2-opt*, at
zero-load points so no trip is split). With one empty route it moves a tail to an idle vehicle
(splitting a route) or appends a tail to another route (merging two). It moves whole runs of trips
between vehicles in one step — the ruin-and-recreate's insertions move one request at a time.

Every pair of cuts of two different routes is rated in one compiled loop: the priced arcs it changes
(under each vehicle's own arc prices, the tail's arcs included when the two vehicles price
differently), an estimate of the duty it adds or saves (the tail's delay beyond the waiting that
absorbs it moves the return) and the fixed price of a vehicle it empties or starts; a quick time
test drops pairs whose new link arrives after the latest start that keeps the tail in its
windows. The most promising pairs are then checked exactly (occupancy on the new vehicle, the
earliest schedule with ride limits and maximum duty) and priced by the solve objective; improving
ones are applied, at most one per route per round, and the rating is redone until a round finds
nothing or the deadline passes.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

import numpy as np
from numba.typed import List

from routing.solve.search.insertion import Inserter, Trial
from routing.solve.search.jit import kernel
from routing.solve.search.pricing import matrix_list
from routing.solve.search.schedule import Step, occupancy_problem
from routing.solve.stop import past

#: Pairs of cuts checked exactly per round (the best-rated ones).
CHECKED_PER_ROUND = 48
#: Rows of the pair table rated at a time (memory: rows x cuts per array).
CHUNK = 256

RouteCost = Callable[[str, list[Step], list[int] | None], int]


@dataclass(frozen=True)
class _Cuts:
    """Every empty-vehicle point of every scheduled route, as parallel arrays (one entry per cut)."""

    vids: list[str]
    route: np.ndarray  # route number (index into ``vids``)
    pos: np.ndarray  # the cut follows node ``pos`` (0: the start depot; n: the last stop)
    last: np.ndarray  # the route's number of steps (``pos == last``: the tail is empty)
    here: np.ndarray  # matrix index of node ``pos``
    nxt: np.ndarray  # matrix index of node ``pos + 1`` (the end depot after the last stop)
    depart: np.ndarray  # earliest leaving of node ``pos``
    t_next: np.ndarray  # earliest service start at node ``pos + 1``
    latest_next: np.ndarray  # latest service start at node ``pos + 1`` keeping the tail in its windows
    absorb_next: np.ndarray  # waiting from node ``pos + 1`` on, which absorbs a delay arriving there
    back: np.ndarray  # the route's return to its end depot
    leave: np.ndarray  # the route's duty start
    dur_group: np.ndarray  # the vehicle's duration matrix number (``Inserter.dur_matrices``)
    arc_group: np.ndarray  # the vehicle's arc price matrix number (``Inserter.arc_matrices``)
    per_s: np.ndarray
    fixed: np.ndarray
    out_arc: np.ndarray  # the route's own arc price from node ``pos`` to ``pos + 1``
    suffix: np.ndarray  # [group, cut]: arc price of the route from node ``pos + 1`` to its end under each group
    table: np.ndarray  # the fields above, a row each in ``_ROUTE_FIELDS`` order, then ``suffix``


#: The fields of one route's cut table (``_route_cuts``), one row each; ``suffix`` takes the rows after them.
_ROUTE_FIELDS = tuple(k for k in _Cuts.__dataclass_fields__ if k not in ("vids", "route", "suffix", "table"))
# Its rows, as the compiled loops read them.
(
    _POS, _LAST, _HERE, _NXT, _DEPART, _T_NEXT, _LATEST_NEXT, _ABSORB_NEXT, _BACK, _LEAVE, _DUR_GROUP, _ARC_GROUP,
    _PER_S, _FIXED, _OUT_ARC,
) = (_ROUTE_FIELDS.index(name) for name in (
    "pos", "last", "here", "nxt", "depart", "t_next", "latest_next", "absorb_next", "back", "leave", "dur_group",
    "arc_group", "per_s", "fixed", "out_arc",
))  # fmt: skip


class TailCache:
    """Each route's cut table, kept while its steps and profile stay the same objects (a search's state)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[object, object, np.ndarray]] = {}

    def of(self, state: Inserter, vid: str) -> np.ndarray:
        """The cut arrays of the route of ``vid`` (``_route_cuts``), computed when it changed."""
        steps, rp = state.current[vid], state.profiles[vid]
        known = self.routes.get(vid)
        if known is None or known[0] is not steps or known[1] is not rp:
            known = self.routes[vid] = (steps, rp, _route_cuts(state, vid))
        return known[2]


def _route_cuts(state: Inserter, vid: str) -> np.ndarray:
    """The empty-vehicle points of one route: a column per cut, a row per ``_ROUTE_FIELDS``, then ``suffix``."""
    steps, rp = state.current[vid], state.profiles[vid]
    dur_group, arc_group = state.fixed_scalars[vid][0], state.fixed_scalars[vid][1]
    price = state.objective.prices[vid]
    scalars = np.array(
        [len(steps), int(rp.t[-1]), 0 if not steps else int(rp.leave), dur_group, arc_group, price.per_s, price.fixed],
        dtype=np.int64,
    )
    arcs = state.matrix_lists[1]
    return _cut_table(state.load_rows[vid], rp.loc, rp.t, rp.service, rp.latest, rp.absorb, arcs, scalars)


@kernel
def _cut_table(
    loads: np.ndarray, loc: np.ndarray, t: np.ndarray, service: np.ndarray, latest: np.ndarray, absorb: np.ndarray,
    arcs: List, scalars: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """``_route_cuts`` compiled: the route's profile, the arc price matrices of every group, and its scalars.

    ``scalars``: steps, return to the end depot, duty start, duration and arc group, price per
    second, fixed price.
    """
    groups, nodes = len(arcs), len(loads)  # the nodes after which a load is known: all but the end depot
    empty = np.zeros(nodes, dtype=np.bool_)
    count = 0
    for k in range(nodes):
        empty[k] = not np.any(loads[k])
        count += empty[k]
    suffix = np.zeros((groups, nodes + 1), dtype=np.int64)  # arc price from each node to the end
    for g in range(groups):
        m = arcs[g]
        for k in range(nodes - 1, -1, -1):
            suffix[g, k] = suffix[g, k + 1] + m[loc[k], loc[k + 1]]
    table = np.empty((len(_ROUTE_FIELDS) + groups, count), dtype=np.int64)
    c = 0
    for k in range(nodes):
        if not empty[k]:
            continue
        table[_POS, c], table[_LAST, c], table[_HERE, c], table[_NXT, c] = k, scalars[0], loc[k], loc[k + 1]
        table[_DEPART, c], table[_T_NEXT, c] = t[k] + service[k], t[k + 1]
        table[_LATEST_NEXT, c], table[_ABSORB_NEXT, c] = latest[k + 1], absorb[k + 1]
        table[_BACK, c], table[_LEAVE, c] = scalars[1], scalars[2]
        table[_DUR_GROUP, c], table[_ARC_GROUP, c] = scalars[3], scalars[4]
        table[_PER_S, c], table[_FIXED, c] = scalars[5], scalars[6]
        table[_OUT_ARC, c] = suffix[scalars[4], k] - suffix[scalars[4], k + 1]  # the route's own arc k -> k + 1
        for g in range(groups):
            table[len(_ROUTE_FIELDS) + g, c] = suffix[g, k + 1]
        c += 1
    return table


def _cuts(state: Inserter, cache: TailCache) -> _Cuts:
    """The cut table of the state's routes: every scheduled route, one idle vehicle per kind."""
    vids: list[str] = []
    seen_idle: set[object] = set()
    for vid, steps in state.current.items():
        if vid not in state.profiles:
            continue
        if not steps:
            if state.kind[vid] in seen_idle:
                continue
            seen_idle.add(state.kind[vid])
        vids.append(vid)
    per_route = [cache.of(state, vid) for vid in vids]
    route = np.repeat(np.arange(len(vids), dtype=np.int64), [r.shape[1] for r in per_route])
    table = np.concatenate(per_route, axis=1)
    fields = dict(zip(_ROUTE_FIELDS, table, strict=False))
    return _Cuts(vids=vids, route=route, suffix=table[len(_ROUTE_FIELDS) :], table=table, **fields)


@kernel
def _side_gain(table: np.ndarray, x: int, y: int, travel: int, link: int) -> tuple[int, bool]:
    """For the route of cut ``x`` keeping its head and taking the tail of cut ``y``: cost change and time fit.

    ``travel`` and ``link``: duration and arc price, on ``x``'s vehicle, from ``x``'s node to ``y``'s next.
    The arcs it changes (``y``'s tail priced on ``x``'s vehicle), the duty it adds (the tail's delay
    beyond the waiting that absorbs it moves the return; a head-less route starts when the tail did,
    less its own way out, which the estimate ignores) and the fixed price of a vehicle it empties or starts.
    """
    arrive = table[_DEPART, x] + travel
    tail_empty, head_empty = table[_POS, y] == table[_LAST, y], table[_POS, x] == 0
    fits = arrive <= table[_LATEST_NEXT, y] or tail_empty
    group = len(_ROUTE_FIELDS) + table[_ARC_GROUP, x]
    arcs = link + table[group, y] - table[_OUT_ARC, x] - table[group, x]
    old_duty = 0 if table[_LAST, x] == 0 else table[_BACK, x] - table[_LEAVE, x]
    new_duty = 0
    if not (head_empty and tail_empty):
        delay = max(0, arrive - table[_T_NEXT, y] - table[_ABSORB_NEXT, y])
        back = arrive if tail_empty else table[_BACK, y] + delay
        leave = min(table[_LEAVE, y], table[_T_NEXT, y]) if head_empty else table[_LEAVE, x]
        new_duty = max(0, back - leave)
    used = int(not (head_empty and tail_empty)) - int(table[_LAST, x] > 0)
    return arcs + (new_duty - old_duty) * table[_PER_S, x] + used * table[_FIXED, x], fits


@kernel
def _rate_rows(
    table: np.ndarray, route: np.ndarray, in_focus: np.ndarray, rows: np.ndarray, durations: List, arcs: List,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The improving pairs (a, b) with a in ``rows``, row-major: their rating, a and b.

    ``durations``, ``arcs``: the matrices by group (``Inserter.matrix_lists``); each side's new link, from
    its node to the other's next, is read on its own vehicle's. A pair is rated when its cuts are on
    different routes, do not both have empty tails (swapping them changes nothing), and, with both
    in focus, once (a < b); it is kept when both sides fit in time and the sum of their gains is negative.
    """
    total = table.shape[1]
    rating = np.empty(len(rows) * total, dtype=np.int64)
    first = np.empty(len(rows) * total, dtype=np.int64)
    second = np.empty(len(rows) * total, dtype=np.int64)
    m = 0
    for i in range(len(rows)):
        a = rows[i]
        for b in range(total):
            if route[a] == route[b] or (in_focus[b] and a >= b):
                continue
            if table[_POS, a] == table[_LAST, a] and table[_POS, b] == table[_LAST, b]:
                continue
            here_a, next_a, here_b, next_b = table[_HERE, a], table[_NXT, a], table[_HERE, b], table[_NXT, b]
            dur_a, arc_a = durations[table[_DUR_GROUP, a]], arcs[table[_ARC_GROUP, a]]
            dur_b, arc_b = durations[table[_DUR_GROUP, b]], arcs[table[_ARC_GROUP, b]]
            gain_a, fits_a = _side_gain(table, a, b, dur_a[here_a, next_b], arc_a[here_a, next_b])
            gain_b, fits_b = _side_gain(table, b, a, dur_b[here_b, next_a], arc_b[here_b, next_a])
            if fits_a and fits_b and gain_a + gain_b < 0:
                rating[m], first[m], second[m] = gain_a + gain_b, a, b
                m += 1
    return rating[:m], first[:m], second[:m]


def _rated(c: _Cuts, state: Inserter, limit: int, focus: np.ndarray) -> list[tuple[int, int]]:
    """The ``limit`` best-rated pairs of cuts (a, b) of different routes, one on a ``focus`` route, that improve.

    ``focus``: per route number, whether its pairs are rated (a route changed since the last descent).
    Ties keep the order of the rows, then the columns.
    """
    in_focus = focus[c.route]
    rows_of_focus = np.flatnonzero(in_focus)
    best_rating = np.empty(0, dtype=np.int64)
    best_a = np.empty(0, dtype=np.int64)
    best_b = np.empty(0, dtype=np.int64)
    for start in range(0, len(rows_of_focus), CHUNK):
        a = rows_of_focus[start : start + CHUNK]
        rating, ra, rb = _rate_rows(
            c.table,
            c.route,
            in_focus,
            a,
            *state.matrix_lists,
        )
        best_rating = np.concatenate([best_rating, rating])
        best_a = np.concatenate([best_a, ra])
        best_b = np.concatenate([best_b, rb])
        if len(best_rating) > 4 * limit:
            keep = np.argsort(best_rating, kind="stable")[:limit]
            best_rating, best_a, best_b = best_rating[keep], best_a[keep], best_b[keep]
    order = np.argsort(best_rating, kind="stable")[:limit]
    return [(int(best_a[k]), int(best_b[k])) for k in order]


def _checked(
    state: Inserter, cost_of: RouteCost, vid: str, steps: list[Step], loads: np.ndarray, rules: bool
) -> tuple[int, Trial] | None:
    """The route's price and checked form on vehicle ``vid``, or None if it breaks a rule.

    ``loads``: ``state.loads(steps)``; ``rules``: whether the occupancy rules need checking (``_same_rules``).
    """
    if rules and steps:
        if occupancy_problem(state.scenario, state.scenario.vehicle(vid), steps, state.requests) is not None:
            return None
    trial = state.scheduled(vid, steps, loads)
    if trial is None:
        return None
    return cost_of(vid, steps, trial.times), trial


def _same_rules(state: Inserter, va: str, vb: str, tails: tuple[list[Step], list[Step]]) -> bool:
    """Whether the tails, each valid on its vehicle, are valid on the other by the occupancy rules.

    A tail starts with nobody on board, so its riders meet no one of the head; on a vehicle of the
    same type (capacity, skills) only a pin (``Request.vehicles``) can rule it out.
    """
    if state.vehicle_type[va] != state.vehicle_type[vb]:
        return False
    requests = state.requests
    return not any(requests[s.request].vehicles for tail in tails for s in tail)


def exchange_tails(
    state: Inserter,
    cost_of: RouteCost,
    route_costs: MutableMapping[str, int],
    deadline: float,
    focus: set[str] | None = None,
    cache: TailCache | None = None,
) -> tuple[int, set[str]]:
    """Improve ``state`` in place by exchanging route tails at empty-vehicle points until none improves.

    Parameters
    ----------
    state
        The routes (feasible); changed in place.
    cost_of
        The price of one route on its earliest schedule (``lns.route_cost`` under the solve objective).
    route_costs
        Each route's current price; updated for the routes changed.
    deadline
        ``time.monotonic()`` value to stop at.
    focus
        Rate only pairs with a route of these vehicles (the routes a search changed; the others were
        rated against each other before) and, after the first round, with a route changed since.
        Default: every pair.
    cache
        The cut arrays of unchanged routes, kept between calls (a search's ``TailCache``).

    Returns
    -------
    tuple[int, set[str]]
        The total saving (cost units, > 0 when something improved) and the vehicles whose routes changed.
    """
    saved, changed = 0, set[str]()
    cache = cache or TailCache()
    while not past(deadline):
        c = _cuts(state, cache)
        focused = np.array([focus is None or vid in focus for vid in c.vids], dtype=bool)
        if len(c.route) < 2 or not focused.any():
            break
        touched: set[int] = set()
        for a, b in _rated(c, state, CHECKED_PER_ROUND, focused):
            if past(deadline):
                break
            ra, rb = int(c.route[a]), int(c.route[b])
            if ra in touched or rb in touched:
                continue
            va, vb = c.vids[ra], c.vids[rb]
            sa, sb = state.current[va], state.current[vb]
            ia, ib = int(c.pos[a]), int(c.pos[b])
            new_a, new_b = sa[:ia] + sb[ib:], sb[:ib] + sa[ia:]
            # Nobody is on board at either cut: each new route's loads are its head's and the other's tail's.
            la, lb = state.load_rows[va], state.load_rows[vb]
            rules = not _same_rules(state, va, vb, (sa[ia:], sb[ib:]))
            done_a = _checked(state, cost_of, va, new_a, np.concatenate((la[: ia + 1], lb[ib + 1 :])), rules)
            if done_a is None:
                continue
            done_b = _checked(state, cost_of, vb, new_b, np.concatenate((lb[: ib + 1], la[ia + 1 :])), rules)
            if done_b is None:
                continue
            gain = route_costs[va] + route_costs[vb] - done_a[0] - done_b[0]
            if gain <= 0:
                continue
            state.apply(va, done_a[1])
            state.apply(vb, done_b[1])
            route_costs[va], route_costs[vb] = done_a[0], done_b[0]
            saved += gain
            changed.update((va, vb))
            touched.update((ra, rb))
        if not touched:
            break
        focus = {c.vids[r] for r in touched}
    return saved, changed


def warm_up() -> None:
    """Compile this module's kernels, or load them from the cache (see ``pricing.warm_up``)."""
    one, two = np.zeros(1, dtype=np.int64), np.zeros(2, dtype=np.int64)
    matrices = matrix_list([np.zeros((1, 1), dtype=np.int64)])
    table = _cut_table(
        np.zeros((1, 1), dtype=np.int64), two, two, two, two, np.zeros(3, dtype=np.int64), matrices,
        np.zeros(7, dtype=np.int64),
    )  # fmt: skip
    focus = np.ones(table.shape[1], dtype=np.bool_)
    _rate_rows(table, np.zeros(table.shape[1], dtype=np.int64), focus, one, matrices, matrices)
