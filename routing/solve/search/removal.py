"""Removal (ruin) operators of the adaptive large neighbourhood search (``lns``).

After Ropke & Pisinger (2006, "An adaptive large neighborhood search heuristic for the pickup
and delivery problem with time windows"): each operator picks ``q`` served requests to take out
of a feasible plan, which stays feasible without them (a route with requests removed keeps its
order and only gets earlier). Choices are randomised by ``y ** p`` (``y`` uniform in [0, 1)) over
a ranked list, so the best-ranked is likeliest but not certain.

* ``random``: any ``q`` requests.
* ``related`` (Shaw removal): a seed request, then requests close to one already removed in
  place (pickup to pickup, drop-off to drop-off) and time (first window opening).
* ``time_band``: requests whose first window opens close to a seed's (time only): a slice of
  the day re-planned across all vehicles.
* ``worst``: requests whose priced arcs save most when taken out (detours).
* ``route``: every request of one route, short routes likelier: empties a vehicle, which the
  fixed and duty prices reward.

Every operator returns request ids sorted by id (the caller's random draws then do not depend on
set order).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from routing.matrix.provider import MatrixSet
from routing.model import Request
from routing.solve.search.schedule import Step

#: Randomisation of the ranked choices (Ropke & Pisinger's p for Shaw and worst removal).
SHAW_P = 6.0
WORST_P = 3.0
ROUTE_P = 3.0


@dataclass
class RemovalContext:
    """What removal operators read: the served requests and where they sit.

    Parameters
    ----------
    routes
        Steps per vehicle id (the current plan).
    owner
        Vehicle id per served request id.
    served
        Served request ids, sorted.
    savings
        Priced-arc saving per served request id when taken out of its route (``worst``).
    """

    routes: dict[str, list[Step]]
    owner: dict[str, str]
    served: list[str]
    savings: Callable[[], dict[str, float]]


class Relatedness:
    """Vectorised relatedness of requests (Shaw): travel between their pickups and drop-offs, window gaps.

    Parameters
    ----------
    requests
        Every request that may be served.
    matrices
        The matrices (durations of the first profile measure place).
    """

    def __init__(self, requests: list[Request], matrices: MatrixSet) -> None:
        index = matrices.index()
        self.dur = next(iter(matrices.duration_s.values()))
        self.row = {r.id: k for k, r in enumerate(requests)}
        first = [r.pickup or r.dropoff for r in requests]
        self.p = np.array([index[v.location] for v in first], dtype=np.int64)
        self.d = np.array([index[r.dropoff.location] for r in requests], dtype=np.int64)
        self.t = np.array([v.effective_window.start_s for v in first], dtype=np.int64)

    def scores(self, seed: str, rows: np.ndarray, space: float, time_weight: float) -> np.ndarray:
        """Relatedness of the requests at ``rows`` to ``seed`` (lower: more related)."""
        k = self.row[seed]
        out = np.abs(self.t[rows] - self.t[k]).astype(np.float64) * time_weight
        if space:
            travel = self.dur[self.p[k], self.p[rows]] + self.dur[self.d[k], self.d[rows]]
            out += space * travel
        return np.asarray(out, dtype=np.float64)


def _ranked_pick(rng: random.Random, count: int, p: float) -> int:
    """An index into a ranked list of ``count``: ``floor(y ** p * count)``, the first likeliest."""
    return min(count - 1, int(rng.random() ** p * count))


def random_removal(ctx: RemovalContext, q: int, rng: random.Random) -> list[str]:
    """Any ``q`` served requests."""
    return sorted(rng.sample(ctx.served, min(q, len(ctx.served))))


def _related_removal(
    ctx: RemovalContext, q: int, rng: random.Random, rel: Relatedness, space: float, time_weight: float
) -> list[str]:
    served = ctx.served
    removed = [rng.choice(served)]
    rest = [rid for rid in served if rid != removed[0]]
    while len(removed) < min(q, len(served)) and rest:
        seed = removed[rng.randrange(len(removed))]
        rows = np.array([rel.row[rid] for rid in rest], dtype=np.int64)
        order = np.argsort(rel.scores(seed, rows, space, time_weight), kind="stable")
        removed.append(rest.pop(int(order[_ranked_pick(rng, len(order), SHAW_P)])))
    return sorted(removed)


def related_removal(ctx: RemovalContext, q: int, rng: random.Random, rel: Relatedness) -> list[str]:
    """Shaw removal: requests close in place and time to ones already removed."""
    return _related_removal(ctx, q, rng, rel, 1.0, 0.25)


def time_band_removal(ctx: RemovalContext, q: int, rng: random.Random, rel: Relatedness) -> list[str]:
    """Requests whose first window opens close to that of ones already removed."""
    return _related_removal(ctx, q, rng, rel, 0.0, 1.0)


def worst_removal(ctx: RemovalContext, q: int, rng: random.Random) -> list[str]:
    """Requests that save most priced arcs when taken out, randomised."""
    savings = ctx.savings()
    ranked = sorted(ctx.served, key=lambda rid: (-savings[rid], rid))
    removed: list[str] = []
    while len(removed) < min(q, len(ctx.served)):
        removed.append(ranked.pop(_ranked_pick(rng, len(ranked), WORST_P)))
    return sorted(removed)


def route_removal(ctx: RemovalContext, q: int, rng: random.Random) -> list[str]:
    """Every request of one route, short routes likelier (``q`` unused: a route goes whole)."""
    del q
    sizes = sorted((len(steps), vid) for vid, steps in ctx.routes.items() if steps)
    _, vid = sizes[_ranked_pick(rng, len(sizes), ROUTE_P)]
    return sorted({s.request for s in ctx.routes[vid]})


def route_savings(steps: list[Step], loc: list[int], arc: np.ndarray) -> dict[str, float]:
    """Priced-arc saving per request of one route when taken out (``loc``: its nodes' matrix indices)."""

    def cut(k: int) -> float:  # node k alone out
        return float(arc[loc[k - 1], loc[k]] + arc[loc[k], loc[k + 1]] - arc[loc[k - 1], loc[k + 1]])

    nodes: dict[str, list[int]] = {}
    for k, s in enumerate(steps, start=1):
        nodes.setdefault(s.request, []).append(k)
    out: dict[str, float] = {}
    for rid, at in nodes.items():
        if len(at) == 2 and at[1] == at[0] + 1:
            a, b = at
            out[rid] = float(
                arc[loc[a - 1], loc[a]] + arc[loc[a], loc[b]] + arc[loc[b], loc[b + 1]] - arc[loc[a - 1], loc[b + 1]]
            )
        else:
            out[rid] = sum(cut(k) for k in at)
    return out
