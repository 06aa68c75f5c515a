"""Readers for classic benchmark formats, producing ordinary ``Scenario`` objects.

Planar instances use the Euclidean profile; coordinates and times are scaled by
an integer ``scale`` so that solver quantities stay integral. Location ids are the
instance's node numbers, request ids the number of the customer (VRPTW) or of the
pickup node (PDPTW, DARP).

Conventions (see ``benchmarks/data/README.md``):

- Solomon: DIMACS — each arc truncated to one decimal (``scale=10``), travel time =
  distance; up to 25 vehicles; objective distance.
- Gehring & Homberger, Li & Lim: double precision; objective vehicles, then distance.
- Cordeau DARP (the 2006 a/b sets and the 2003 'pr' set, told apart by row count): capacity Q,
  maximum route duration T, maximum ride time L; K vehicles; objective distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routing.model import (
    Location,
    Quantities,
    Request,
    RideTimeRule,
    Scenario,
    TimeWindow,
    TravelProfile,
    Vehicle,
    VehicleType,
    Visit,
)

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Family:
    """A benchmark family: where its files are, how to read them and what its objective is."""

    name: str
    folder: str
    objective: str  # "distance" or "vehicles_then_distance"
    truncate_decimals: int | None
    scale: int
    first_solution: str | None = None  # the solvers' first-solution strategy where not their default

    @property
    def instances(self) -> list[Path]:
        """The vendored instance files, sorted by name."""
        return sorted((DATA / self.folder / "instances").glob("*.txt"), key=lambda p: _natural(p.stem))


def _natural(name: str) -> list[object]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


FAMILIES = {
    "solomon": Family("solomon", "solomon", "distance", 1, 10),
    "homberger": Family("homberger", "gehring_homberger", "vehicles_then_distance", None, 1000),
    "lilim": Family("lilim", "li_lim", "vehicles_then_distance", None, 1000),
    "cordeau": Family("cordeau", "cordeau_darp", "distance", None, 1000, "LOCAL_CHEAPEST_INSERTION"),
    "cordeau_pr": Family("cordeau_pr", "cordeau_pr", "distance", None, 1000, "LOCAL_CHEAPEST_INSERTION"),
}
ALIASES = {
    "gehring_homberger": "homberger",
    "gh": "homberger",
    "li_lim": "lilim",
    "cordeau_darp": "cordeau",
    "darp": "cordeau",
    "pr": "cordeau_pr",
    "cordeau_laporte": "cordeau_pr",
}


def family(name: str) -> Family:
    """The family called ``name`` (or one of its aliases)."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in FAMILIES:
        raise KeyError(f"unknown benchmark family {name!r}; use one of {', '.join(FAMILIES)}")
    return FAMILIES[key]


def _rows(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def _profile(fam: Family) -> TravelProfile:
    return TravelProfile(
        "euclid", kind="euclidean", circuity=1.0, scale=fam.scale, truncate_decimals=fam.truncate_decimals
    )


def _scaled(value: str | float, scale: int) -> int:
    return int(round(float(value) * scale))


def read_solomon(path: str | Path, fam: Family | None = None) -> Scenario:
    """Read a Solomon / Gehring & Homberger VRPTW instance.

    The file has a ``NUMBER CAPACITY`` header and rows
    ``CUST XCOORD YCOORD DEMAND READY DUE SERVICE``; row 0 is the depot, whose due
    date is the horizon. Each customer becomes a depot delivery.
    """
    path = Path(path)
    fam = fam or (FAMILIES["solomon"] if path.stem[0].isupper() else FAMILIES["homberger"])
    rows = _rows(path)
    head = next(i for i, r in enumerate(rows) if r and r[0].upper() == "NUMBER")
    num_vehicles, capacity = int(rows[head + 1][0]), int(rows[head + 1][1])
    nodes = [r for r in rows[head + 2 :] if len(r) == 7 and r[0].isdigit()]
    s = fam.scale
    locations = tuple(Location(r[0], x=float(r[1]), y=float(r[2])) for r in nodes)
    requests = tuple(
        Request(
            id=r[0],
            pickup=None,
            dropoff=Visit(r[0], TimeWindow(_scaled(r[4], s), _scaled(r[5], s)), _scaled(r[6], s)),
            load=Quantities.of(load=int(r[3])),
        )
        for r in nodes[1:]
    )
    depot = nodes[0]
    description = (
        f"{fam.name} VRPTW instance {path.stem}: {len(requests)} customers, capacity {capacity}, "
        f"up to {num_vehicles} vehicles"
    )
    return _fleet_scenario(
        path, fam, description, locations, requests, capacity, num_vehicles, depot[0], (depot[4], depot[5])
    )


def _fleet_scenario(
    path: Path,
    fam: Family,
    description: str,
    locations: tuple[Location, ...],
    requests: tuple[Request, ...],
    capacity: int,
    num_vehicles: int,
    depot: str,
    horizon: tuple[str, str],
) -> Scenario:
    """A scenario with ``num_vehicles`` identical vehicles at one depot (VRPTW and PDPTW families)."""
    vt = VehicleType("vehicle", Quantities.of(load=capacity), profile="euclid")
    shift = TimeWindow(_scaled(horizon[0], fam.scale), _scaled(horizon[1], fam.scale))
    return Scenario(
        name=path.stem,
        description=description,
        locations=locations,
        requests=requests,
        vehicle_types=(vt,),
        vehicles=tuple(Vehicle(f"v{j + 1}", vt.id, depot, depot, shift) for j in range(num_vehicles)),
        profiles=(_profile(fam),),
        reference_profile="euclid",
        solver={"objective": fam.objective},
    )


def read_li_lim(path: str | Path, fam: Family | None = None) -> Scenario:
    """Read a Li & Lim PDPTW instance.

    First line ``K Q S``; then rows ``id x y demand earliest latest service pickup delivery``.
    A pickup row has ``pickup = 0`` and names its delivery; each pair becomes a request.
    """
    path = Path(path)
    fam = fam or FAMILIES["lilim"]
    rows = _rows(path)
    num_vehicles, capacity = int(rows[0][0]), int(rows[0][1])
    nodes = {int(r[0]): r for r in rows[1:] if len(r) >= 9}
    s = fam.scale
    locations = tuple(Location(str(i), x=float(r[1]), y=float(r[2])) for i, r in sorted(nodes.items()))

    def visit(i: int) -> Visit:
        r = nodes[i]
        return Visit(str(i), TimeWindow(_scaled(r[4], s), _scaled(r[5], s)), _scaled(r[6], s))

    requests = tuple(
        Request(id=str(i), pickup=visit(i), dropoff=visit(int(r[8])), load=Quantities.of(load=int(r[3])))
        for i, r in sorted(nodes.items())
        if i != 0 and int(r[3]) > 0 and int(r[7]) == 0
    )
    depot = nodes[0]
    description = (
        f"Li & Lim PDPTW instance {path.stem}: {len(requests)} requests, capacity {capacity}, "
        f"up to {num_vehicles} vehicles"
    )
    return _fleet_scenario(
        path, fam, description, locations, requests, capacity, num_vehicles, "0", (depot[4], depot[5])
    )


def read_cordeau(path: str | Path, fam: Family | None = None) -> Scenario:
    """Read a Cordeau dial-a-ride instance: the 2006 a/b sets or the Cordeau & Laporte (2003) 'pr' set.

    Both start with a header ``K N T Q L`` (vehicles, N, maximum route duration, capacity,
    maximum ride time), then rows ``id x y service load earliest latest``: the start depot (0),
    pickups 1..n, drop-offs n+1..2n. The two formats are told apart by the number of rows:

    - a/b (2006): N is the number of requests n, and a last row 2n+1 is the end depot
      (2n+2 rows);
    - pr (2003): N counts the nodes 2n, and there is no end-depot row (2n+1 rows); vehicles
      return to the start depot.

    Parameters
    ----------
    path
        The instance file.
    fam
        The family whose scale and objective apply (default: ``cordeau``).

    Returns
    -------
    Scenario
        K identical vehicles of capacity Q (seats), each with maximum duration T and the depot's
        window as shift; one request per pickup with its drop-off, both windows and ride limit L.

    Raises
    ------
    ValueError
        When the row count fits neither format.
    """
    path = Path(path)
    fam = fam or FAMILIES["cordeau"]
    rows = _rows(path)
    k, second, t_max, q, l_max = (float(x) for x in rows[0][:5])
    num_vehicles, body = int(k), [r for r in rows[1:] if len(r) >= 7]
    if len(body) == 2 * int(second) + 2:
        num_requests, fmt = int(second), "a/b (2006)"
        nodes, end_id = body, body[-1][0]
    elif len(body) == int(second) + 1 and int(second) % 2 == 0:
        num_requests, fmt = int(second) // 2, "pr (2003)"
        nodes, end_id = body, body[0][0]
    else:
        raise ValueError(
            f"{path}: {len(body)} node rows fit neither Cordeau format for N={int(second)} "
            f"(a/b: 2N+2 = {2 * int(second) + 2} rows with an end depot; pr: N+1 = {int(second) + 1} rows without)"
        )
    s = fam.scale

    def visit(r: list[str]) -> Visit:
        return Visit(r[0], TimeWindow(_scaled(r[5], s), _scaled(r[6], s)), _scaled(r[3], s))

    locations = tuple(Location(r[0], x=float(r[1]), y=float(r[2])) for r in nodes)
    requests = tuple(
        Request(
            id=nodes[i][0],
            pickup=visit(nodes[i]),
            dropoff=visit(nodes[i + num_requests]),
            load=Quantities.of(seats=int(float(nodes[i][4]))),
            ride=RideTimeRule(absolute_s=_scaled(l_max, s)),
        )
        for i in range(1, num_requests + 1)
    )
    depot = nodes[0]
    vt = VehicleType("vehicle", Quantities.of(seats=int(q)), profile="euclid", max_duration_s=_scaled(t_max, s))
    vehicles = tuple(
        Vehicle(f"v{j + 1}", vt.id, depot[0], end_id, TimeWindow(_scaled(depot[5], s), _scaled(depot[6], s)))
        for j in range(num_vehicles)
    )
    return Scenario(
        name=path.stem,
        description=(
            f"Cordeau DARP instance {path.stem} ({fmt} format): {num_vehicles} vehicles, {num_requests} requests, "
            f"Q={int(q)}, L={l_max:g}, T={t_max:g}"
        ),
        locations=locations,
        requests=requests,
        vehicle_types=(vt,),
        vehicles=vehicles,
        profiles=(_profile(fam),),
        reference_profile="euclid",
        solver={"objective": fam.objective, "first_solution": "LOCAL_CHEAPEST_INSERTION"},
    )


READERS = {
    "solomon": read_solomon,
    "homberger": read_solomon,
    "lilim": read_li_lim,
    "cordeau": read_cordeau,
    "cordeau_pr": read_cordeau,
}


def read_instance(fam: Family, path: str | Path) -> Scenario:
    """Read one instance file of a family."""
    return READERS[fam.name](path, fam)
