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

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from routing.limits import ride_limits_s
from routing.matrix.provider import MatrixSet
from routing.model import Request, Scenario, Vehicle
from routing.solve.objective import Objective
from routing.solve.search.pricing import SPLICE_MAX, Ask, Candidates, Fleet, RouteRows, price, route_rows
from routing.solve.search.schedule import Step, earliest_schedule, occupancy_problem
from routing.solve.search.tighten import search_windows
from routing.solve.stop import past


def _locations(vehicle: Vehicle, steps: Sequence[Step], requests: dict[str, Request]) -> list[str]:
    locs = [vehicle.start]
    for s in steps:
        visit = requests[s.request].pickup if s.kind == "pickup" else requests[s.request].dropoff
        assert visit is not None
        locs.append(visit.location)
    locs.append(vehicle.end)
    return locs


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
    cap: np.ndarray  # capacity per dimension
    range_max: np.ndarray  # [i, j, dim]: highest load after nodes i..j (i <= j), -inf elsewhere

    @classmethod
    def of(
        cls,
        scenario: Scenario,
        matrices: MatrixSet,
        vehicle: Vehicle,
        steps: Sequence[Step],
        requests: dict[str, Request],
        times: list[int],
        dims: tuple[str, ...],
        first_stop: bool = False,
    ) -> _RouteProfile:
        index = matrices.index()
        vt = scenario.vehicle_type(vehicle.type)
        dur = matrices.duration_s[vt.profile]
        loc = np.array([index[x] for x in _locations(vehicle, steps, requests)])
        service = [0]
        upper = [vehicle.shift.end_s]
        load = [
            [
                sum(
                    requests[s.request].load.get(d)
                    for s in steps
                    if s.kind == "dropoff" and requests[s.request].pickup is None
                )
                for d in dims
            ]
        ]
        for s in steps:
            r = requests[s.request]
            visit = r.pickup if s.kind == "pickup" else r.dropoff
            assert visit is not None
            service.append(visit.service_s)
            upper.append(visit.effective_window.end_s)
            sign = 1 if s.kind == "pickup" else -1
            load.append([load[-1][k] + sign * r.load.get(d) for k, d in enumerate(dims)])
        service.append(0)
        upper.append(vehicle.shift.end_s)
        legs = dur[loc[:-1], loc[1:]]
        latest_list = upper
        leg_list = legs.tolist()
        for k in range(len(upper) - 2, -1, -1):
            latest_list[k] = min(latest_list[k], latest_list[k + 1] - service[k] - leg_list[k])
        latest = np.array(latest_list, dtype=np.int64)
        loads = np.array(load, dtype=np.int64)  # after each node except the end depot
        n = len(loads)
        grid = np.broadcast_to(loads[None, :, :], (n, n, len(dims))).copy()
        grid[_strictly_lower(n)] = _NEG
        range_max = np.maximum.accumulate(grid, axis=1)
        cap = np.array([vt.capacity.get(d) for d in dims], dtype=np.int64)
        t = np.array(times, dtype=np.int64)
        svc = np.array(service, dtype=np.int64)
        wait = np.zeros(len(loc) + 1, dtype=np.int64)
        wait[:-1] = t - np.concatenate(([t[0]], t[:-1] + svc[:-1] + legs))
        absorb = np.cumsum(wait[::-1])[::-1]
        if first_stop:
            leave, end = (float(times[1]) if steps else float("inf")), int(times[-1] - leg_list[-1])
        else:
            leave, end = (float(max(times[0], times[1] - leg_list[0])) if steps else float("inf")), int(times[-1])
        return cls(loc, t, svc, latest, absorb, leave, end, first_stop, cap, range_max)


#: One route's cheapest exact insertion of a request: its estimated cost, the new steps and their schedule.
_Option = tuple[float, list[Step], list[int]]

_LOWER: dict[int, np.ndarray] = {}
_NEG = np.iinfo(np.int64).min // 2


def _strictly_lower(n: int) -> np.ndarray:
    """The n x n mask of i > j, built once per n."""
    mask = _LOWER.get(n)
    if mask is None:
        mask = _LOWER[n] = np.tril(np.ones((n, n), dtype=bool), -1)
    return mask


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
        self.arcs = {v.id: self.objective.arcs(v.id) for v in scenario.vehicles}
        self.durations = {v.id: matrices.duration_s[self.vehicle_type[v.id].profile] for v in scenario.vehicles}
        # The distinct matrices, numbered (the batched pricing groups positions by them), and per vehicle
        # the scalars of its route that do not change: duration and arc matrix, number, kind.
        self.dur_matrices, dur_group = _numbered(self.durations)
        self.arc_matrices, arc_group = _numbered(self.arcs)
        kinds = {k: n for n, k in enumerate(dict.fromkeys(self.kind.values()))}
        self.fixed_scalars = {
            v.id: (dur_group[v.id], arc_group[v.id], n, kinds[self.kind[v.id]]) for n, v in enumerate(scenario.vehicles)
        }
        self.vehicle_number = {v.id: n for n, v in enumerate(scenario.vehicles)}
        # Per request: which vehicles may take it at all, and its pricing inputs (``_request``), computed once.
        self.static: dict[str, tuple[np.ndarray, Ask]] = {}
        self.current: dict[str, list[Step]] = {}
        self.schedules: dict[str, list[int] | None] = {}
        self.profiles: dict[str, _RouteProfile] = {}
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
        other.rows, other.changed = dict(self.rows), set(self.changed)
        return other

    def set_route(self, vid: str, steps: list[Step], times: list[int] | None = None) -> None:
        """Replace one vehicle's route and reschedule it (a route that breaks a rule takes no insertions).

        ``times``, when given, is the route's earliest schedule, already computed by the caller.
        """
        self.current[vid] = steps
        vehicle = self.scenario.vehicle(vid)
        if times is None:
            times = earliest_schedule(self.scenario, self.matrices, vehicle, steps, self.requests, self.limits)
        self.schedules[vid] = times
        if times is not None:
            rp = self.profiles[vid] = _RouteProfile.of(
                self.scenario,
                self.matrices,
                vehicle,
                steps,
                self.requests,
                times,
                self.dims,
                self.objective.prices[vid].first_stop,
            )
            self.rows[vid] = self._route_rows(vid, rp, not steps)
        else:
            self.profiles.pop(vid, None)
            self.rows.pop(vid, None)
        self.changed.add(vid)

    def _route_rows(self, vid: str, rp: _RouteProfile, empty: bool) -> RouteRows:
        """The batched pricing's arrays of one route (``pricing.route_rows``)."""
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
        return route_rows(
            rp.loc,
            rp.t,
            rp.service,
            rp.latest,
            rp.absorb,
            rp.range_max,
            rp.cap,
            self.arcs[vid],
            scalars,
            len(self.index),
        )

    def routes(self) -> dict[str, list[Step]]:
        """Non-empty routes by vehicle id."""
        return {vid: steps for vid, steps in self.current.items() if steps}

    def insert(self, request_ids: Sequence[str], deadline: float, keep_order: bool = False) -> list[str]:
        """Insert each request where it adds least; return the ids that fit nowhere or not reached by ``deadline``."""
        windows = self.windows
        left: list[str] = []

        def window_start(rid: str) -> int:
            pw, dw = windows[rid]
            return (pw or dw).start_s

        for rid in list(request_ids) if keep_order else sorted(request_ids, key=window_start):
            if past(deadline):
                left.append(rid)
                continue
            if not self._place_cheapest(rid, self._gather(rid)):
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
        return price(fleet, ask, self._eligible(fleet, allowed, order))

    def _fleet(self) -> Fleet | None:
        """All routes' pricing arrays: the last ones with the changed routes spliced in, or rebuilt (None: no route)."""
        fleet, changed = self.fleet, self.changed
        if fleet is not None and not changed:
            return fleet
        if not self.rows:
            return None
        if fleet is None or len(changed) > SPLICE_MAX or any((v in fleet.slot) != (v in self.rows) for v in changed):
            fleet = Fleet.of(self.rows, list(self.current), self.dur_matrices, self.arc_matrices)
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

    @staticmethod
    def _eligible(fleet: Fleet, allowed: np.ndarray, order: np.ndarray) -> np.ndarray:
        """The routes of ``order`` whose vehicle is ``allowed``; of interchangeable idle vehicles only the first."""
        routes = order[allowed[fleet.scalars["vehicle"][order]]]
        idle = np.flatnonzero(fleet.scalars["empty"][routes])
        if len(idle) > 1:
            _, first = np.unique(fleet.scalars["kind"][routes[idle]], return_index=True)
            twin = np.ones(len(idle), dtype=bool)
            twin[first] = False
            keep = np.ones(len(routes), dtype=bool)
            keep[idle[twin]] = False
            routes = routes[keep]
        return np.asarray(routes)

    def _try(self, rid: str, vid: str, at_pick: int, at_drop: int) -> tuple[list[Step], list[int]] | None:
        """The route of ``vid`` with ``rid`` inserted at these positions and its schedule, or None if infeasible."""
        trial = list(self.current[vid])
        trial.insert(at_drop, Step(rid, "dropoff"))
        if at_pick >= 0:
            trial.insert(at_pick, Step(rid, "pickup"))
        vehicle = self.scenario.vehicle(vid)
        if occupancy_problem(self.scenario, vehicle, trial, self.requests) is not None:
            return None
        times = earliest_schedule(self.scenario, self.matrices, vehicle, trial, self.requests, self.limits)
        return None if times is None else (trial, times)

    def _place_cheapest(self, rid: str, found: Candidates) -> bool:
        """Check candidates cheapest first with the exact scheduler; take the first feasible one."""
        for k in np.argsort(found.cost, kind="stable"):
            vid = found.vids[int(found.owner[k])]
            placed = self._try(rid, vid, int(found.pick[k]), int(found.drop[k]))
            if placed is not None:
                self.set_route(vid, *placed)
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
                    out[vid] = (float(cost[k]), placed[0], placed[1])
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
            _, steps, times = options[chosen][vid]
            self.set_route(vid, steps, times)
            pending.remove(chosen)
            changed = [vid] + (
                [v for v in self.current if not self.current[v] and self.kind[v] == self.kind[vid]] if was_idle else []
            )
            for rid in pending:
                for v in changed:
                    options[rid].pop(v, None)
                options[rid].update(self._options(rid, changed))
        return left
