"""Cheapest feasible insertion of requests into fixed routes, checked exactly.

For each request (earliest window first) every position pair in every route whose
time span can hold it is priced by what it adds under the solve objective
(``routing.solve.objective``): its priced arcs (distance, and under ``cost`` the price per km),
the duty price of the longer duty (estimated from the route's earliest schedule: the delay an insertion
causes, less the waiting that absorbs it, moves the return; a new first stop moves the
departure) and the fixed price when it starts an idle vehicle. Candidates are then checked
in order of that cost with the exact scheduler, and the first feasible one is taken. Routes
include idle vehicles (empty routes), so a request that fits nowhere else starts a
vehicle of its own when the fleet has one to spare.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from routing.limits import max_duration_s, ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Scenario
from routing.solve.objective import Objective
from routing.solve.search import splice
from routing.solve.search.pricing import (
    SPLICE_MAX,
    Ask,
    Candidates,
    Fleet,
    RouteRows,
    matrix_list,
    price,
    read_only,
    route_rows,
)
from routing.solve.search.schedule import Step, earliest_array, occupancy_problem
from routing.solve.search.tighten import search_windows
from routing.solve.stop import past


@dataclass(frozen=True, slots=True)
class _Nodes:
    """One route's nodes (start depot, each step, end depot) as the schedule and the profile read them (int64 arrays).

    ``splice`` puts a request in or takes requests out of them in one compiled call.
    """

    loc: np.ndarray  # matrix index
    service: np.ndarray
    lower: np.ndarray  # window opening (shift start at the depots)
    upper: np.ndarray  # window closing (shift end at the depots)
    back: np.ndarray  # (edges, 3): ``schedule.earliest_array`` edges: route duration, ride limits
    legs: np.ndarray  # travel time between consecutive nodes
    role: np.ndarray  # ``splice.DEPOT`` .. ``splice.DEPOT_DROPOFF`` per node

    @classmethod
    def of(cls, spliced: splice.Spliced) -> _Nodes:
        """The nodes of a ``splice`` kernel's result."""
        _, loc, service, lower, upper, legs, back, role, _, _ = spliced
        return cls(loc, service, lower, upper, back, legs, role)

    def arrays(self) -> splice.NodeArrays:
        """loc, service, lower, upper, back, role: what the ``splice`` kernels take."""
        return self.loc, self.service, self.lower, self.upper, self.back, self.role


class Trial(NamedTuple):
    """A checked route: its nodes, earliest schedule and loads (``Inserter.loads``); ``Inserter.apply`` takes it."""

    steps: list[Step]
    nodes: _Nodes
    times: list[int]
    loads: np.ndarray


@dataclass(frozen=True)
class _RouteProfile:
    """Arrays of one route for vectorised insertion filters (nodes: start depot, steps; then end depot)."""

    loc: np.ndarray  # matrix index per node, end depot included
    t: np.ndarray  # earliest service start per node
    service: np.ndarray
    latest: np.ndarray  # latest service start per node that keeps the rest of the route within its windows
    absorb: np.ndarray  # [k]: waiting at nodes k.. (absorbs a delay arriving at node k - 1), 0 past the end
    leave: float  # start of the paid duty: leaving the depot, or service at the first stop (inf when empty)
    end: int  # end of the paid duty: return to the end depot, or leaving the last stop
    first_stop: bool  # paid from the first stop to the last (deadhead unpaid)
    positions: np.ndarray  # ``RouteRows.positions`` of the batched pricing
    headroom: np.ndarray  # ``RouteRows.headroom``

    @classmethod
    def of(
        cls,
        nodes: _Nodes,
        loads: np.ndarray,
        times: list[int],
        cap: np.ndarray,
        arcs: np.ndarray,
        first_stop: bool = False,
    ) -> _RouteProfile:
        """The profile of a route with a schedule (``loads``: per dimension, after each node but the end depot).

        ``cap`` and ``arcs``: the vehicle's capacity and its priced arc matrix.
        """
        legs, loc, service = nodes.legs, nodes.loc, nodes.service
        t = np.array(times, dtype=np.int64)
        latest, absorb, positions, headroom = route_rows(
            loc,
            t,
            service,
            legs,
            nodes.upper,
            loads,
            cap,
            arcs,
        )
        steps = len(times) > 2
        if first_stop:
            leave, end = (float(times[1]) if steps else float("inf")), int(times[-1] - legs[-1])
        else:
            leave, end = (float(max(times[0], times[1] - int(legs[0]))) if steps else float("inf")), int(times[-1])
        return cls(loc, t, service, latest, absorb, leave, end, first_stop, positions, headroom)


#: One route's cheapest exact insertion of a request: its estimated cost, the new steps and their schedule.
_Option = tuple[float, Trial]


def _read_only(matrix: np.ndarray, views: dict[int, np.ndarray]) -> np.ndarray:
    """``pricing.read_only`` of ``matrix``, one per matrix (``views``, by identity, as ``_numbered`` groups)."""
    known = views.get(id(matrix))
    if known is None:
        known = views[id(matrix)] = read_only(matrix)
    return known


def _numbered(matrices: dict[str, np.ndarray]) -> tuple[list[np.ndarray], dict[str, int]]:
    """The distinct matrices (by identity) of a mapping, and each key's number among them."""
    distinct: dict[int, int] = {}
    for m in matrices.values():
        distinct.setdefault(id(m), len(distinct))
    unique = {id(m): m for m in matrices.values()}
    return [unique[k] for k in distinct], {key: distinct[id(m)] for key, m in matrices.items()}


def insert_requests(
    scenario: Scenario,
    matrices: MatrixSet,
    routes: dict[str, list[Step]],
    request_ids: Sequence[str],
    deadline: float,
    keep_order: bool = False,
    objective: Objective | None = None,
    implied_windows: bool = True,
) -> tuple[dict[str, list[Step]], list[str]]:
    """Insert requests into routes where they add least; return the routes and the ids left over.

    Parameters
    ----------
    scenario, matrices
        The model and its matrices.
    routes
        Steps per vehicle id (feasible).
    request_ids
        Requests to insert; in order of their earliest window unless ``keep_order``.
    deadline
        ``time.monotonic()`` value; whatever is not inserted by then is returned as left over.
    keep_order
        Insert in the given order.
    objective
        What an insertion costs (default: the ``distance`` objective).
    implied_windows
        Filter positions by windows tightened by ride limits, direct times and shifts
        (``SolveParams.implied_windows``); False: by the windows as given.

    Returns
    -------
    tuple[dict[str, list[Step]], list[str]]
        The routes and the ids left over.
    """
    inserter = Inserter(scenario, matrices, routes, objective, implied_windows)
    left = inserter.insert(request_ids, deadline, keep_order)
    return inserter.routes(), left


class Inserter:
    """Routes of every vehicle with their schedules and insertion profiles, kept between insertions.

    ``copy`` is cheap (profiles are immutable and shared), so a search can try a change on a
    copy and keep or drop it; only routes that change are rescheduled.
    """

    def __init__(
        self,
        scenario: Scenario,
        matrices: MatrixSet,
        routes: dict[str, list[Step]] | None = None,
        objective: Objective | None = None,
        implied_windows: bool = True,
    ) -> None:
        self.scenario = scenario
        self.objective = objective or Objective.of(scenario, matrices, "distance")  # metres only by default
        self.matrices = matrices
        self.requests = {r.id: r for r in scenario.requests}
        self.limits = ride_limits_s(scenario, matrices)
        self.windows = search_windows(scenario, matrices, scenario.requests, implied_windows)
        self.index = matrices.index()
        self.dims = scenario.dimensions
        # Idle vehicles that are interchangeable: only one per kind needs pricing.
        self.kind = {v.id: (v.type, v.start, v.end, v.shift, v.max_duration_s) for v in scenario.vehicles}
        self.vehicle_type = {v.id: scenario.vehicle_type(v.type) for v in scenario.vehicles}
        self.shift = {v.id: (v.shift.start_s, v.shift.end_s) for v in scenario.vehicles}
        # Read-only views, as the matrix cache hands out memory-mapped matrices: the kernels see one array type.
        views: dict[int, np.ndarray] = {}
        self.arcs = {v.id: _read_only(self.objective.arcs(v.id), views) for v in scenario.vehicles}
        self.durations = {
            v.id: _read_only(matrices.duration_s[self.vehicle_type[v.id].profile], views) for v in scenario.vehicles
        }
        # The distinct matrices, numbered (the batched pricing groups positions by them), and per vehicle
        # the scalars of its route that do not change: duration and arc matrix, number, kind.
        self.dur_matrices, dur_group = _numbered(self.durations)
        self.arc_matrices, arc_group = _numbered(self.arcs)
        self.matrix_lists = (matrix_list(self.dur_matrices), matrix_list(self.arc_matrices))  # for ``Fleet``
        kinds = {k: n for n, k in enumerate(dict.fromkeys(self.kind.values()))}
        self.fixed_scalars = {
            v.id: (dur_group[v.id], arc_group[v.id], n, kinds[self.kind[v.id]]) for n, v in enumerate(scenario.vehicles)
        }
        self.vehicle_number = {v.id: n for n, v in enumerate(scenario.vehicles)}
        self.capacity = {
            v.id: np.array([self.vehicle_type[v.id].capacity.get(d) for d in self.dims], dtype=np.int64)
            for v in scenario.vehicles
        }
        # Per vehicle: its depots' matrix indices, shift start and end, longest duty (-1: none) (``splice.built``).
        self.ends_row = {}
        for v in scenario.vehicles:
            longest = max_duration_s(scenario, v)
            depots = (self.index[v.start], self.index[v.end])
            ends = (*depots, v.shift.start_s, v.shift.end_s, -1 if longest is None else longest)
            self.ends_row[v.id] = np.array(ends, dtype=np.int64)
        self.request_row = {r.id: k for k, r in enumerate(scenario.requests)}
        # Per request row: its pickup and drop-off node (matrix index, service, window as given; a depot
        # delivery's pickup is its drop-off, never read) and ride limit (-1: none), as ``splice`` reads them.
        self.visit_table = np.array(
            [
                [
                    (self.index[v.location], v.service_s, v.effective_window.start_s, v.effective_window.end_s)
                    for v in (r.pickup or r.dropoff, r.dropoff)
                ]
                for r in scenario.requests
            ],
            dtype=np.int64,
        ).reshape(len(scenario.requests), 2, 4)
        self.limit_row = np.array(
            [-1 if (x := self.limits.get(r.id)) is None else x for r in scenario.requests], dtype=np.int64
        )
        self.load_table = np.array(
            [[r.load.get(d) for d in self.dims] for r in scenario.requests], dtype=np.int64
        ).reshape(len(scenario.requests), len(self.dims))
        self.depot_delivery = np.array([r.pickup is None for r in scenario.requests], dtype=bool)
        # Rules the pricing does not filter (it checks load, skills and pins): without enekørsel, only
        # a request with a not-together partner needs the occupancy check when inserted.
        self.any_solo = any(r.solo for r in scenario.requests)
        self.partnered = {rid for pair in scenario.not_together_pairs() for rid in pair}
        # Per request: which vehicles may take it at all, and its pricing inputs (``_request``), computed once.
        self.static: dict[str, tuple[np.ndarray, Ask]] = {}
        self.current: dict[str, list[Step]] = {}
        self.schedules: dict[str, list[int] | None] = {}
        self.profiles: dict[str, _RouteProfile] = {}
        self.nodes: dict[str, _Nodes] = {}
        self.load_rows: dict[str, np.ndarray] = {}  # ``loads`` of each route (never changed in place)
        self.rows: dict[str, RouteRows] = {}
        self.fleet: Fleet | None = None  # the rows concatenated (``_fleet``)
        self.changed: set[str] = set()  # routes changed since
        routes = routes or {}
        for v in scenario.vehicles:
            self.set_route(v.id, list(routes.get(v.id, [])))

    def copy(self) -> Inserter:
        """An independent state sharing the immutable parts."""
        other = object.__new__(Inserter)
        other.__dict__.update(self.__dict__)
        other.current, other.schedules, other.profiles = dict(self.current), dict(self.schedules), dict(self.profiles)
        other.nodes, other.load_rows = dict(self.nodes), dict(self.load_rows)
        other.rows, other.changed = dict(self.rows), set(self.changed)
        return other

    def set_route(self, vid: str, steps: list[Step], times: list[int] | None = None) -> None:
        """Replace one vehicle's route and reschedule it (a route that breaks a rule takes no insertions).

        ``times``, when given, is the route's earliest schedule, already computed by the caller.
        """
        nodes = self._nodes(vid, steps)
        if times is None:
            times = self._schedule(nodes)
        self._set(vid, steps, nodes, times, self.loads(steps))

    def remove(self, vid: str, taken: Collection[str]) -> None:
        """Take the requests ``taken`` off the route of ``vid`` and reschedule it.

        Spliced from the route's nodes and loads (``splice.removed``; ``set_route`` of the remaining
        steps gives the same).
        """
        steps, old = self.current[vid], self.nodes[vid]
        keep = np.fromiter((s.request not in taken for s in steps), dtype=np.bool_, count=len(steps))
        if keep.all():
            return
        mask = np.ones(len(steps) + 2, dtype=np.bool_)
        mask[1:-1] = keep
        out = splice.removed(*old.arrays(), self.load_rows[vid], mask, self.durations[vid])
        fits, times, loads = out[0], out[8], out[9]
        kept = [s for s, k in zip(steps, keep.tolist(), strict=True) if k]
        self._set(vid, kept, _Nodes.of(out), times.tolist() if fits else None, loads)

    def _set(self, vid: str, steps: list[Step], nodes: _Nodes, times: list[int] | None, loads: np.ndarray) -> None:
        """Replace one vehicle's route, given its nodes, earliest schedule (None: it has none) and ``loads``."""
        self.current[vid] = steps
        self.schedules[vid] = times
        self.nodes[vid] = nodes
        self.load_rows[vid] = loads
        if times is not None:
            first_stop = self.objective.prices[vid].first_stop
            rp = _RouteProfile.of(nodes, loads, times, self.capacity[vid], self.arcs[vid], first_stop)
            self.profiles[vid] = rp
            self.rows[vid] = self._route_rows(vid, rp, not steps)
        else:
            self.profiles.pop(vid, None)
            self.rows.pop(vid, None)
        self.changed.add(vid)

    def _nodes(self, vid: str, steps: Sequence[Step]) -> _Nodes:
        """The nodes of ``steps`` on the vehicle ``vid``: locations, windows, ride-limit and duration edges, legs."""
        n = len(steps)
        rows = np.fromiter((self.request_row[s.request] for s in steps), dtype=np.int64, count=n)
        pick = np.fromiter((s.kind == "pickup" for s in steps), dtype=np.bool_, count=n)
        loc, service, lower, upper, legs, back, role = splice.built(
            rows, pick, self.visit_table, self.depot_delivery, self.limit_row, self.ends_row[vid], self.durations[vid]
        )
        return _Nodes(loc, service, lower, upper, back, legs, role)

    def loads(self, steps: Sequence[Step]) -> np.ndarray:
        """Load per dimension after each node but the end depot (depot deliveries ride from the start)."""
        n = len(steps)
        rows = np.fromiter((self.request_row[s.request] for s in steps), dtype=np.int64, count=n)
        sign = np.fromiter((s.kind == "pickup" for s in steps), dtype=bool, count=n)
        table = self.load_table[rows]
        change = np.empty((n + 1, len(self.dims)), dtype=np.int64)
        change[1:] = np.where(sign[:, None], table, -table)
        change[0] = table[self.depot_delivery[rows]].sum(axis=0)  # only their drop-offs are on a route
        return np.asarray(np.cumsum(change, axis=0))

    def scheduled(self, vid: str, steps: list[Step], loads: np.ndarray | None = None) -> Trial | None:
        """``steps`` on vehicle ``vid`` with their earliest schedule (start depot, each step, end depot), or None.

        ``loads``, when given, is ``loads(steps)``, already known to the caller. Occupancy rules are not checked.
        """
        nodes = self._nodes(vid, steps)
        times = self._schedule(nodes)
        if times is None:
            return None
        return Trial(steps, nodes, times, self.loads(steps) if loads is None else loads)

    def apply(self, vid: str, trial: Trial) -> None:
        """Make ``trial`` (``scheduled``, or a checked insertion) the route of ``vid``."""
        self._set(vid, *trial)

    @staticmethod
    def _schedule(nodes: _Nodes) -> list[int] | None:
        """The earliest schedule of the nodes (``schedule.earliest_array``), or None if none fits."""
        fits, times = earliest_array(nodes.lower, nodes.upper, nodes.service[:-1] + nodes.legs, nodes.back)
        return times.tolist() if fits else None

    def _route_rows(self, vid: str, rp: _RouteProfile, empty: bool) -> RouteRows:
        """The batched pricing's arrays of one route (``pricing.route_rows``, computed with its profile)."""
        price = self.objective.prices[vid]
        leave = 0 if empty else int(rp.leave)  # an idle vehicle's duty starts with the new stop
        scalars = (
            price.per_s,
            price.fixed if empty else 0,
            int(price.first_stop),
            int(empty),
            rp.end,
            leave,
            int(rp.t[-1]) - rp.end,
            *self.fixed_scalars[vid],
        )
        return RouteRows(rp.positions, rp.headroom, np.array(scalars, dtype=np.int64))

    def routes(self) -> dict[str, list[Step]]:
        """Non-empty routes by vehicle id."""
        return {vid: steps for vid, steps in self.current.items() if steps}

    def owners(self) -> dict[str, str]:
        """The vehicle id serving each routed request, by request id."""
        return {s.request: vid for vid, steps in self.current.items() for s in steps}

    def insert(
        self,
        request_ids: Sequence[str],
        deadline: float,
        keep_order: bool = False,
        noise: float = 0.0,
        rng: random.Random | None = None,
    ) -> list[str]:
        """Insert each request where it adds least; return the ids that fit nowhere or not reached by ``deadline``.

        With ``noise`` (and ``rng``) each candidate's cost is perturbed by up to that share of its size
        (Ropke & Pisinger's noised insertion), so the cheapest position is likeliest, not certain.
        """
        windows = self.windows
        left: list[str] = []

        def window_start(rid: str) -> int:
            pw, dw = windows[rid]
            return (pw or dw).start_s

        for rid in list(request_ids) if keep_order else sorted(request_ids, key=window_start):
            if past(deadline):
                left.append(rid)
                continue
            found = self._gather(rid)
            if noise and rng is not None and len(found.cost):
                shake = np.random.default_rng(rng.getrandbits(32)).uniform(-noise, noise, len(found.cost))
                found = replace(found, cost=found.cost + np.abs(found.cost) * shake)
            if not self._place_cheapest(rid, found):
                left.append(rid)
        return left

    def _gather(self, rid: str, only: Collection[str] | None = None) -> Candidates:
        """Candidate positions of request ``rid`` in every route (``only`` those routes, when given).

        Returns
        -------
        Candidates
            Their estimated costs, routes, pickup and drop-off positions, by route in the order
            of the routes (of ``only``); of interchangeable idle vehicles only the first is priced.
        """
        fleet = self._fleet()
        if fleet is None:
            return Candidates.none()
        if only is None:
            order = fleet.in_order
        else:
            order = np.array([fleet.slot[v] for v in only if v in fleet.slot], dtype=np.int64)
        allowed, ask = self._request(rid)
        return price(fleet, ask, order, allowed)

    def _fleet(self) -> Fleet | None:
        """All routes' pricing arrays: the last ones with the changed routes spliced in, or rebuilt (None: no route)."""
        fleet, changed = self.fleet, self.changed
        if fleet is not None and not changed:
            return fleet
        if not self.rows:
            return None
        if fleet is None or len(changed) > SPLICE_MAX or any((v in fleet.slot) != (v in self.rows) for v in changed):
            fleet = Fleet.of(self.rows, list(self.current), *self.matrix_lists)
        else:
            for vid in sorted(changed):
                fleet = fleet.spliced(vid, self.rows[vid])
        self.fleet = fleet
        self.changed = set()
        return fleet

    def _request(self, rid: str) -> tuple[np.ndarray, Ask]:
        """Which vehicles may take ``rid`` at all (by vehicle number), and the request as the pricing sees it.

        A vehicle whose shift ends before the drop-off window opens, or starts after the first
        visit's window closes, has no feasible position; neither has one the request's pins
        (``Request.vehicles``), skills or load rule out. Computed once per request.
        """
        known = self.static.get(rid)
        if known is not None:
            return known
        request = self.requests[rid]
        pw, dw = self.windows[rid]
        first_closes, drop_opens = (pw or dw).end_s, dw.start_s
        pins = request.vehicles  # empty: any vehicle (Request.allows)
        allowed = np.array(
            [
                self.shift[v.id][0] <= first_closes
                and self.shift[v.id][1] >= drop_opens
                and (not pins or v.id in pins)
                and request.skills <= self.vehicle_type[v.id].skills
                and request.load.fits_in(self.vehicle_type[v.id].capacity)
                for v in self.scenario.vehicles
            ],
            dtype=bool,
        )
        q = np.array([request.load.get(d) for d in self.dims], dtype=np.int64)
        drop = request.dropoff
        ask = Ask(self.index[drop.location], dw.start_s, dw.end_s, drop.service_s, q)
        if request.pickup is not None:
            assert pw is not None
            pick = request.pickup
            ask = Ask(
                ask.d_loc,
                ask.d_open,
                ask.d_close,
                ask.sd,
                q,
                self.index[pick.location],
                pw.start_s,
                pw.end_s,
                pick.service_s,
            )
        self.static[rid] = (allowed, ask)
        return allowed, ask

    def _try(self, rid: str, vid: str, at_pick: int, at_drop: int) -> Trial | None:
        """The route of ``vid`` with ``rid`` inserted at these positions and its schedule, or None if infeasible."""
        trial = list(self.current[vid])
        trial.insert(at_drop, Step(rid, "dropoff"))
        if at_pick >= 0:
            trial.insert(at_pick, Step(rid, "pickup"))
        # The pricing admitted only positions within capacity on vehicles the request's skills and pins allow.
        if self.any_solo or rid in self.partnered:
            vehicle = self.scenario.vehicle(vid)
            if occupancy_problem(self.scenario, vehicle, trial, self.requests) is not None:
                return None
        new, q, limit = self._splice_args(rid)
        out = splice.inserted(
            *self.nodes[vid].arrays(), self.load_rows[vid], new, q, at_pick, at_drop, limit, self.durations[vid]
        )
        if not out[0]:
            return None
        return Trial(trial, _Nodes.of(out), out[8].tolist(), out[9])

    def _splice_args(self, rid: str) -> tuple[np.ndarray, np.ndarray, int]:
        """A request as ``splice.inserted`` takes it: its two nodes (2 x 4), load and ride limit (-1: none)."""
        row = self.request_row[rid]
        return self.visit_table[row], self.load_table[row], int(self.limit_row[row])

    def _place_cheapest(self, rid: str, found: Candidates) -> bool:
        """Check candidates cheapest first with the exact scheduler; take the first feasible one."""
        for k in np.argsort(found.cost, kind="stable"):
            vid = found.vids[int(found.owner[k])]
            placed = self._try(rid, vid, int(found.pick[k]), int(found.drop[k]))
            if placed is not None:
                self._set(vid, *placed)
                return True
        return False

    def _options(self, rid: str, only: Collection[str] | None = None) -> dict[str, _Option]:
        """Per route (``only`` those, when given): the cheapest insertion of ``rid`` that passes the exact check."""
        out: dict[str, _Option] = {}
        found = self._gather(rid, only)
        if not len(found.cost):
            return out
        bounds = np.flatnonzero(np.diff(found.owner)) + 1
        for cost, pick, drop, owner in zip(
            *(np.split(a, bounds) for a in (found.cost, found.pick, found.drop, found.owner)), strict=True
        ):
            vid = found.vids[int(owner[0])]
            for k in np.argsort(cost, kind="stable"):
                placed = self._try(rid, vid, int(pick[k]), int(drop[k]))
                if placed is not None:
                    out[vid] = (float(cost[k]), placed)
                    break
        return out

    def insert_regret(self, request_ids: Sequence[str], deadline: float) -> list[str]:
        """Regret-2 insertion: place first the request that loses most if its best route is taken.

        Each round, every waiting request has its cheapest feasible insertion per route (checked
        exactly); the one whose second-best route costs most more than its best (a request with a
        single route first; ties: the cheaper best) goes to its best route. Only the changed route
        is re-priced for the others. Ropke & Pisinger (2006).

        Parameters
        ----------
        request_ids
            The requests to insert.
        deadline
            ``time.monotonic()`` value; whatever is not inserted by then is returned as left over.

        Returns
        -------
        list[str]
            The ids that fit nowhere or were not reached by ``deadline``.
        """
        pending = list(request_ids)
        options: dict[str, dict[str, _Option]] = {}
        left: list[str] = []
        for rid in pending:
            if past(deadline):
                return pending
            options[rid] = self._options(rid)
        while pending:
            if past(deadline):
                return left + pending
            chosen, key = "", (0.0, 0.0)
            for rid in pending:
                ranked = sorted(o[0] for o in options[rid].values())
                if not ranked:
                    continue
                regret = ranked[1] - ranked[0] if len(ranked) > 1 else float("inf")
                if not chosen or (regret, -ranked[0]) > key:
                    chosen, key = rid, (regret, -ranked[0])
            if not chosen:
                return left + pending
            vid = min(options[chosen], key=lambda v: (options[chosen][v][0], v))
            was_idle = not self.current[vid]
            placed = options[chosen][vid][1]
            self._set(vid, *placed)
            pending.remove(chosen)
            changed = [vid] + (
                [v for v in self.current if not self.current[v] and self.kind[v] == self.kind[vid]] if was_idle else []
            )
            for rid in pending:
                for v in changed:
                    options[rid].pop(v, None)
                options[rid].update(self._options(rid, changed))
        return left
