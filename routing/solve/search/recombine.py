"""Set-partitioning recombination of the routes a search has met (a route pool).

Ruin and recreate visits many plans and throws most of their routes away; the cheapest plan
made of routes it has already seen is often better than any plan it has held (Parragh & Schmid
2013; Subramanian, Uchoa & Ochi 2013's ILS-SP). ``RoutePool`` keeps each distinct route met, by
the kind of vehicle it ran on and the requests it serves, at the cheapest price seen;
``RoutePool.recombine`` picks the cheapest set of them that serves every request of a plan
exactly once with the fleet at hand, a set-partitioning problem solved by HiGHS
(``scipy.optimize.milp``).

Every pooled route was feasible on its vehicle, and a route's rules (windows, ride times, load,
duty) depend only on its own visits and its vehicle's kind (type, depots, shift, longest duty),
so any selection within the fleet's kinds is a feasible plan. A route holding a request pinned
to certain vehicles (``Request.vehicles``) stays on the vehicle it ran on.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

from routing.solve.search.schedule import Step

#: Branch-and-bound nodes each integer program may explore (HiGHS's ``node_limit``): bounds the work
#: in runs bounded by count, where no time limit applies, and keeps them deterministic.
NODE_LIMIT = 200

#: Most routes offered to one integer program: HiGHS's root cuts take ~0.4 s at 1 300 routes and
#: ~5 s at 3 000 on a 96-request Cordeau pool (one core), and node and time limits do not bound them.
MAX_COLUMNS = 1500

#: A pooled route's key: its vehicle kind (or its own vehicle, when pinned) and the requests it serves.
RouteKey = tuple[Hashable, frozenset[str]]


#: One pooled route: its price, the vehicle it ran on and its visits.
Entry = tuple[int, str, list[Step]]


@dataclass(frozen=True)
class _Relaxation:
    """The LP relaxation of a pool's set-partitioning program over some requests."""

    rows: dict[str, int]  # request -> row
    columns: list[tuple[RouteKey, Entry]]  # the routes serving only those requests
    matrix: csr_array  # request rows, then vehicle rows
    upper: np.ndarray  # the vehicle rows' bounds
    prices: np.ndarray  # per column
    bound: float  # the LP optimum: no selection is cheaper
    reduced: np.ndarray  # per column: its reduced cost at the LP optimum


class RoutePool:
    """Distinct feasible routes met by a search, each at the cheapest price seen.

    Parameters
    ----------
    kind
        Per vehicle id, the key of the vehicles it is interchangeable with (same type, depots,
        shift and longest duty: ``Inserter.kind``).
    pinned
        Requests that only some vehicles may serve: a route holding one is kept for its own vehicle.
    """

    def __init__(self, kind: Mapping[str, Hashable], pinned: Iterable[str] = ()) -> None:
        self.kind = dict(kind)
        self.pinned = frozenset(pinned)
        self.members: dict[Hashable, list[str]] = {}
        for vid, k in self.kind.items():
            self.members.setdefault(k, []).append(vid)
        #: Key -> (price, vehicle it ran on, its visits).
        self.routes: dict[RouteKey, Entry] = {}

    def __len__(self) -> int:
        return len(self.routes)

    def add(self, vid: str, steps: list[Step], price: int) -> None:
        """Pool one feasible route of vehicle ``vid`` at ``price`` (an empty route is not pooled)."""
        if not steps:
            return
        served = frozenset(s.request for s in steps)
        owner: Hashable = ("vehicle", vid) if served & self.pinned else self.kind[vid]
        key = (owner, served)
        known = self.routes.get(key)
        if known is None or price < known[0]:
            self.routes[key] = (price, vid, steps)

    def add_routes(self, routes: Mapping[str, list[Step]], prices: Mapping[str, int], vids: Iterable[str]) -> None:
        """Pool the routes of vehicles ``vids`` (``add``) at their ``prices``."""
        for vid in vids:
            self.add(vid, routes[vid], prices[vid])

    def merge(self, other: RoutePool) -> None:
        """Pool the routes of another search's pool over the same fleet (cheapest price kept)."""
        if other.kind != self.kind or other.pinned != self.pinned:
            raise ValueError("the pools are of different fleets or pinned requests")
        for price, vid, steps in other.routes.values():
            self.add(vid, steps, price)

    def shortlist(self, requests: Iterable[str], count: int, deadline: float) -> RoutePool:
        """A pool of at most ``count`` of these routes: those likeliest in a cheap plan serving ``requests``.

        They are the routes of smallest reduced cost in the LP relaxation over ``requests``; the plan
        the LP was solved for keeps its routes (reduced cost 0 where they are in the LP optimum).
        Small enough to send to another process (``solve._portfolio``'s recombination of its searches).
        Empty when the LP finds no solution by ``deadline``.
        """
        out = RoutePool(self.kind, self.pinned)
        relaxed = self._relax(requests, deadline)
        if relaxed is not None:
            for j in np.argsort(relaxed.reduced, kind="stable")[:count]:
                out.routes[relaxed.columns[j][0]] = relaxed.columns[j][1]
        return out

    def recombine(
        self, requests: Iterable[str], below: int, deadline: float
    ) -> tuple[int, dict[str, list[Step]]] | None:
        """The cheapest selection of pooled routes below ``below`` serving each of ``requests`` once.

        The LP relaxation's bound and reduced costs first leave out every route that cannot be in
        a selection cheaper than ``below`` (reduced-cost fixing: exact); the integer program then
        runs on the routes within a quarter of that margin, then half, then all, each success
        narrowing the margin (small programs solve in a fraction of a second; the full one can
        take seconds).

        Parameters
        ----------
        requests
            The requests the plan must serve (those of the plan being improved); routes serving
            any other request are left out.
        below
            The price to beat (the plan's own routes, which are in the pool).
        deadline
            ``time.monotonic()`` value: HiGHS stops there, with its best selection so far.

        Returns
        -------
        tuple[int, dict[str, list[Step]]] | None
            The cheapest selection found and its routes per vehicle id (idle vehicles absent);
            None when none cheaper than ``below`` was found.
        """
        relaxed = self._relax(requests, deadline)
        if relaxed is None or relaxed.bound > below - 1 + 1e-6:
            return None  # no time, or no selection can be cheaper
        columns, matrix, prices, reduced = relaxed.columns, relaxed.matrix, relaxed.prices, relaxed.reduced
        n, upper = len(relaxed.rows), relaxed.upper
        lower_rows = np.concatenate([np.ones(n), np.zeros(len(upper))])
        upper_rows = np.concatenate([np.ones(n), upper])
        found: tuple[int, dict[str, list[Step]]] | None = None
        share = 0.25
        while time.monotonic() < deadline:
            keep = np.flatnonzero(reduced <= share * (below - 1 - relaxed.bound) + 1e-6)
            if len(keep) > MAX_COLUMNS:  # the cheapest by reduced cost, and no wider
                keep, share = keep[np.argsort(reduced[keep], kind="stable")[:MAX_COLUMNS]], 1.0
            if len(keep):  # (none within a narrow margin: try the wider one)
                chosen = self._solve(columns, keep, prices, matrix, (lower_rows, upper_rows), deadline)
                if chosen is not None and sum(value[0] for _, value in chosen) < below:
                    below = sum(value[0] for _, value in chosen)
                    found = below, self._assign(chosen)
            if share >= 1:
                break  # every route that could be in a cheaper plan was offered
            share = min(1.0, 2 * share)
        return found

    def _relax(self, requests: Iterable[str], deadline: float) -> _Relaxation | None:
        """The LP relaxation over ``requests`` (routes serving others left out).

        None when no route serves only those requests, or the LP has no optimum by ``deadline``.
        """
        rows = {rid: i for i, rid in enumerate(sorted(requests))}
        columns = [(key, value) for key, value in self.routes.items() if key[1] <= rows.keys()]
        if not rows or not columns:
            return None
        matrix, upper = self._matrix(rows, columns)
        prices = np.array([value[0] for _, value in columns], dtype=float)
        n = len(rows)
        lp = linprog(
            prices,
            A_eq=matrix[:n],
            b_eq=np.ones(n),
            A_ub=matrix[n:],
            b_ub=upper,
            bounds=(0, None),
            method="highs",
            options={"time_limit": max(0.01, deadline - time.monotonic())},
        )
        if lp.status != 0:
            return None
        reduced = prices - matrix.T @ np.concatenate([lp.eqlin.marginals, lp.ineqlin.marginals])
        return _Relaxation(rows, columns, matrix, upper, prices, float(lp.fun), reduced)

    @staticmethod
    def _solve(
        columns: list[tuple[RouteKey, Entry]],
        keep: np.ndarray,
        prices: np.ndarray,
        matrix: csr_array,
        rows: tuple[np.ndarray, np.ndarray],
        deadline: float,
    ) -> list[tuple[RouteKey, Entry]] | None:
        """HiGHS's best selection among the routes ``keep`` by the deadline (None: none found)."""
        result = milp(
            prices[keep],
            constraints=LinearConstraint(matrix[:, keep], *rows),
            integrality=np.ones(len(keep)),
            bounds=Bounds(0, 1),
            # HiGHS's presolve takes seconds on these programs and gains nothing.
            options={
                "time_limit": max(0.01, deadline - time.monotonic()),
                "node_limit": NODE_LIMIT,
                "presolve": False,
                "disp": False,
            },
        )
        if result.x is None:
            return None
        return [columns[keep[j]] for j in np.flatnonzero(result.x > 0.5)]

    def _matrix(self, rows: dict[str, int], columns: list[tuple[RouteKey, Entry]]) -> tuple[csr_array, np.ndarray]:
        """The program's rows: each request once; each kind's routes, and each pinned vehicle's, at most its vehicles.

        Returns the matrix (request rows first) and the upper bounds of the vehicle rows.
        """
        kinds = {k: len(rows) + i for i, k in enumerate(self.members)}
        pinned_on = sorted({vid for (owner, _), (_, vid, _) in columns if owner == ("vehicle", vid)})
        own = {vid: len(rows) + len(kinds) + i for i, vid in enumerate(pinned_on)}
        at_row: list[int] = []
        at_col: list[int] = []
        for j, ((owner, served), (_, vid, _)) in enumerate(columns):
            at_row += [rows[rid] for rid in served]
            at_row.append(kinds[self.kind[vid]])  # one vehicle of its kind
            if owner == ("vehicle", vid):
                at_row.append(own[vid])  # a pinned route also its own vehicle
            at_col += [j] * (len(served) + 1 + (owner == ("vehicle", vid)))
        shape = (len(rows) + len(kinds) + len(own), len(columns))
        matrix = csr_array((np.ones(len(at_row)), (np.array(at_row), np.array(at_col))), shape=shape)
        upper = np.array([len(self.members[k]) for k in kinds] + [1] * len(own), dtype=float)
        return matrix, upper

    def _assign(self, chosen: list[tuple[RouteKey, Entry]]) -> dict[str, list[Step]]:
        """Vehicles for the chosen routes: pinned ones on their own, the others on the kind's free vehicles."""
        routes: dict[str, list[Step]] = {}
        free = {k: list(vids) for k, vids in self.members.items()}
        for (owner, _), (_, vid, steps) in chosen:
            if owner == ("vehicle", vid):
                routes[vid] = steps
                free[self.kind[vid]].remove(vid)
        rest = [(owner, vid, steps) for (owner, _), (_, vid, steps) in chosen if owner != ("vehicle", vid)]
        later = []
        for owner, vid, steps in rest:  # on the vehicle it ran on where that one is free, else on another
            if vid in free[owner]:
                routes[vid] = steps
                free[owner].remove(vid)
            else:
                later.append((owner, steps))
        for owner, steps in later:
            routes[free[owner].pop(0)] = steps
        return routes
