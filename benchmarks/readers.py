"""Readers for classic benchmark formats, producing ordinary ``Scenario`` objects.

Planar instances use the Euclidean profile; coordinates and times are scaled by
an integer ``scale`` so that solver quantities stay integral (``scale=100``:
distances and times to 0.01 of the instance's unit).
"""

from __future__ import annotations

from pathlib import Path

from routing.model import Location, Quantities, Request, RideTimeRule, Scenario, TimeWindow, TravelProfile, Vehicle, VehicleType, Visit
from routing.solve.params import SolveParams

DATA = Path(__file__).resolve().parent / "data"


def _rows(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def read_cordeau(path: str | Path, scale: int = 100) -> Scenario:
    """Read a Cordeau (2006) dial-a-ride instance.

    Format: a header ``K N T Q L`` (vehicles, requests, maximum route duration,
    capacity, maximum ride time), then rows ``id x y service load earliest latest``
    for the start depot (0), pickups 1..N, drop-offs N+1..2N and the end depot (2N+1).
    Location ids are the instance's node numbers.

    Parameters
    ----------
    path
        Instance file.
    scale
        Integer units per instance unit of distance and time.

    Returns
    -------
    Scenario
        Distance objective, ``K`` identical vehicles of capacity ``Q``.
    """
    path = Path(path)
    rows = _rows(path)
    k, n, t_max, q, l_max = (float(x) for x in rows[0][:5])
    num_vehicles, num_requests = int(k), int(n)
    nodes = rows[1 : 2 * num_requests + 3]

    def at(v: str) -> int:
        return int(round(float(v) * scale))

    locations = tuple(Location(row[0], x=float(row[1]), y=float(row[2])) for row in nodes)
    requests = []
    for i in range(1, num_requests + 1):
        p, d = nodes[i], nodes[i + num_requests]
        requests.append(
            Request(
                id=p[0],
                pickup=Visit(p[0], TimeWindow(at(p[5]), at(p[6])), at(p[3])),
                dropoff=Visit(d[0], TimeWindow(at(d[5]), at(d[6])), at(d[3])),
                load=Quantities.of(seats=int(float(p[4]))),
                ride=RideTimeRule(absolute_s=at(str(l_max))),
            )
        )
    depot, end = nodes[0], nodes[-1]
    vt = VehicleType("vehicle", Quantities.of(seats=int(q)), profile="euclid", max_duration_s=at(str(t_max)))
    vehicles = tuple(Vehicle(f"v{j + 1}", vt.id, depot[0], end[0], TimeWindow(at(depot[5]), at(depot[6]))) for j in range(num_vehicles))
    return Scenario(
        name=path.stem,
        description=f"Cordeau DARP instance {path.stem}: {num_vehicles} vehicles, {num_requests} requests, Q={int(q)}, L={l_max:g}, T={t_max:g}",
        locations=locations,
        requests=tuple(requests),
        vehicle_types=(vt,),
        vehicles=vehicles,
        profiles=(TravelProfile("euclid", kind="euclidean", circuity=1.0, scale=scale),),
        reference_profile="euclid",
        solver=SolveParams(objective="distance", first_solution="LOCAL_CHEAPEST_INSERTION"),
    )
