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

_UPPER: dict[int, np.ndarray] = {}
_LOWER: dict[int, np.ndarray] = {}
_NEG = np.iinfo(np.int64).min // 2


def _strictly_lower(n: int) -> np.ndarray:
    """The n x n mask of i > j, built once per n."""
    mask = _LOWER.get(n)
    if mask is None:
        mask = _LOWER[n] = np.tril(np.ones((n, n), dtype=bool), -1)
    return mask


def _strictly_upper(n: int) -> np.ndarray:
    """The n x n mask of i < j (pickup after node i, drop-off after a later node j), built once per n."""
    mask = _UPPER.get(n)
    if mask is None:
        mask = _UPPER[n] = np.triu(np.ones((n, n), dtype=bool), 1)
    return mask


def _longer_duty(
    rp: _RouteProfile, next_arrival: np.ndarray, first_arrival: int, depot_to_new: int, new_to_depot: int, empty: bool
) -> np.ndarray:
    """Seconds of paid duty an insertion after each node adds (estimated; exact for one inserted stop).

    ``next_arrival[k]``: arrival at node k + 1 with the new stop(s) after node k. When the new
    stop comes first it is served at ``first_arrival``, ``depot_to_new`` after leaving the depot;
    when it comes last the return takes ``new_to_depot``. The delay at node k + 1, less the waiting
    at the nodes after it, moves the return; a new first stop may move the start of the duty.
    Where the deadhead is unpaid (``first_stop``) the duty runs from the first stop to the last.
    """
    delay = np.maximum(next_arrival - rp.t[1:], 0)
    later_end = np.maximum(delay - rp.absorb[2:], 0).astype(np.float64)
    if rp.first_stop:
        lead = float(first_arrival)
        # Last position: the paid duty ends on leaving the new stop, not on the return trip.
        later_end[-1] -= new_to_depot - (rp.t[-1] - rp.end)
    else:
        lead = float(first_arrival - depot_to_new)
    if empty:
        return np.asarray(later_end + (rp.end - lead), dtype=np.float64)
    later_end[0] += max(0.0, rp.leave - lead)
    return np.asarray(later_end, dtype=np.float64)


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
        # Per route: the priced arc of each leg and when each node is ready to leave (set with the profile).
        self.legs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.current: dict[str, list[Step]] = {}
        self.schedules: dict[str, list[int] | None] = {}
        self.profiles: dict[str, _RouteProfile] = {}
        routes = routes or {}
        for v in scenario.vehicles:
            self.set_route(v.id, list(routes.get(v.id, [])))

    def copy(self) -> Inserter:
        """An independent state sharing the immutable parts."""
        other = object.__new__(Inserter)
        other.__dict__.update(self.__dict__)
        other.current, other.schedules, other.profiles = dict(self.current), dict(self.schedules), dict(self.profiles)
        other.legs = dict(self.legs)
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
            self.legs[vid] = (self.arcs[vid][rp.loc[:-1], rp.loc[1:]], rp.t[:-1] + rp.service[:-1])
        else:
            self.profiles.pop(vid, None)
            self.legs.pop(vid, None)

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
            costs, owners, picks, drops, route_ids = self._gather(rid)
            if not costs or not self._place_cheapest(rid, costs, owners, picks, drops, route_ids):
                left.append(rid)
        return left

    def _gather(
        self, rid: str, only: Collection[str] | None = None
    ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray], list[str]]:
        """Candidate positions of request ``rid`` per route (``only`` those routes, when given).

        Returns
        -------
        tuple
            Per route with candidates: their estimated costs, the route's number, pickup and
            drop-off positions; and the routes' vehicle ids. Of interchangeable idle vehicles
            only the first is priced.
        """
        current, schedules = self.current, self.schedules
        request = self.requests[rid]
        pw, dw = self.windows[rid]
        q = np.array([request.load.get(d) for d in self.dims], dtype=np.int64)
        costs: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        picks: list[np.ndarray] = []
        drops: list[np.ndarray] = []
        route_ids: list[str] = []
        idle_seen: set[tuple[object, ...]] = set()
        # A vehicle whose shift ends before the drop-off window opens, or starts after the first
        # visit's window closes, has no feasible position (the vectorised filters below would
        # reject every one): skip it before any array work. Exact, so plans are unchanged.
        first_closes, drop_opens = (pw or dw).end_s, dw.start_s
        pins = request.vehicles  # empty: any vehicle (Request.allows), tested here without a call per vehicle
        for vid in current if only is None else only:
            if schedules[vid] is None:
                continue
            shift_start, shift_end = self.shift[vid]
            if shift_start > first_closes or shift_end < drop_opens:
                continue
            if pins and vid not in pins:
                continue
            if not current[vid]:
                if self.kind[vid] in idle_seen:
                    continue
                idle_seen.add(self.kind[vid])
            vt = self.vehicle_type[vid]
            if not request.skills <= vt.skills or not request.load.fits_in(vt.capacity):
                continue
            found = self._candidates(vid, request, q)
            if found is None:
                continue
            costs.append(found[0])
            picks.append(found[1])
            drops.append(found[2])
            owners.append(np.full(len(costs[-1]), len(owners)))
            route_ids.append(vid)
        return costs, owners, picks, drops, route_ids

    def _candidates(
        self, vid: str, request: Request, q: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Estimated cost, pickup and drop-off position of every position pair of ``vid`` that passes the filters.

        None when no position passes. Positions: after node i (0: the start depot); -1 for the
        pickup of a depot delivery.
        """
        pw, dw = self.windows[request.id]
        d_loc = self.index[request.dropoff.location]
        p_loc = self.index[request.pickup.location] if request.pickup is not None else None
        current = self.current
        rp = self.profiles[vid]
        price = self.objective.prices[vid]
        dist, dur = self.arcs[vid], self.durations[vid]
        here, after = rp.loc[:-1], rp.loc[1:]
        base, ready = self.legs[vid]
        sd = request.dropoff.service_s
        # Drop-off after node j: reachable in its window, and the next node still in time.
        arrive_d = np.maximum(dw.start_s, ready + dur[here, d_loc])
        drop_ok = (arrive_d <= dw.end_s) & (np.maximum(rp.t[1:], arrive_d + sd + dur[d_loc, after]) <= rp.latest[1:])
        room = rp.cap - q
        if p_loc is None:
            # A depot delivery rides from the start: the load up to its drop-off must leave room.
            drop_ok &= (rp.range_max[0] <= room).all(axis=1)
            feasible = bool(drop_ok.any())
        else:
            assert pw is not None and request.pickup is not None
            sp = request.pickup.service_s
            arrive_p = np.maximum(pw.start_s, ready + dur[here, p_loc])
            pick_ok = (arrive_p <= pw.end_s) & (
                np.maximum(rp.t[1:], arrive_p + sp + dur[p_loc, after]) <= rp.latest[1:]
            )
            # Both right after node i: pickup, drop-off, then the next node.
            arrive_pd = np.maximum(dw.start_s, arrive_p + sp + dur[p_loc, d_loc])
            same_ok = (
                (arrive_p <= pw.end_s)
                & (arrive_pd <= dw.end_s)
                & (np.maximum(rp.t[1:], arrive_pd + sd + dur[d_loc, after]) <= rp.latest[1:])
            )
            feasible = bool(same_ok.any() or (pick_ok.any() and drop_ok.any()))
        if not feasible:
            return None  # no position in this route: skip the pricing (exact, plans unchanged)
        cost_d = dist[here, d_loc] + dist[d_loc, after] - base
        per_s = price.per_s
        empty = not current[vid]
        fixed = price.fixed if empty else 0
        if per_s:
            span_d = _longer_duty(
                rp,
                arrive_d + sd + dur[d_loc, after],
                int(arrive_d[0]),
                int(dur[rp.loc[0], d_loc]),
                int(dur[d_loc, rp.loc[-1]]),
                empty,
            )
        if p_loc is None:
            j = np.flatnonzero(drop_ok)
            price_d = cost_d + (per_s * span_d if per_s else 0) + fixed
            return price_d[j], np.full(len(j), -1), j
        else:
            cost_p = dist[here, p_loc] + dist[p_loc, after] - base
            pair = cost_p[:, None] + cost_d[None, :]
            same = dist[here, p_loc] + dist[p_loc, d_loc] + dist[d_loc, after] - base
            diagonal = slice(None, None, len(base) + 1)
            pair.flat[diagonal] = same
            # Pickup after node i, drop-off after a later node j (i < j), or both after node i.
            ok = pick_ok[:, None] & drop_ok[None, :]
            ok &= _strictly_upper(len(base))
            ok.flat[diagonal] = same_ok
            ok &= (rp.range_max <= room).all(axis=2)
            i, j = np.nonzero(ok)
            priced = pair + fixed
            if per_s:
                # Both delays counted in full (an upper bound when the first one also delays the second).
                first_p, to_p = int(arrive_p[0]), int(dur[rp.loc[0], p_loc])
                span_p = _longer_duty(
                    rp, arrive_p + sp + dur[p_loc, after], first_p, to_p, int(dur[p_loc, rp.loc[-1]]), empty
                )
                span_pair = span_p[:, None] + span_d[None, :]
                span_pair.flat[diagonal] = _longer_duty(
                    rp,
                    arrive_pd + sd + dur[d_loc, after],
                    first_p,
                    to_p,
                    int(dur[d_loc, rp.loc[-1]]),
                    empty,
                )
                priced = priced + per_s * span_pair
        return priced[i, j], i, j

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

    def _place_cheapest(
        self,
        rid: str,
        costs: list[np.ndarray],
        owners: list[np.ndarray],
        picks: list[np.ndarray],
        drops: list[np.ndarray],
        route_ids: list[str],
    ) -> bool:
        """Check candidates cheapest first with the exact scheduler; take the first feasible one."""
        all_costs = np.concatenate(costs)
        owner = np.concatenate(owners)
        pick_at = np.concatenate(picks)
        drop_at = np.concatenate(drops)
        for k in np.argsort(all_costs, kind="stable"):
            vid = route_ids[int(owner[k])]
            placed = self._try(rid, vid, int(pick_at[k]), int(drop_at[k]))
            if placed is not None:
                self.set_route(vid, *placed)
                return True
        return False

    def _options(self, rid: str, only: Collection[str] | None = None) -> dict[str, _Option]:
        """Per route (``only`` those, when given): the cheapest insertion of ``rid`` that passes the exact check."""
        out: dict[str, _Option] = {}
        costs, _, picks, drops, route_ids = self._gather(rid, only)
        for cost, pick, drop, vid in zip(costs, picks, drops, route_ids, strict=True):
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
