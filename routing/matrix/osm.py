"""Road-network travel times from a local OpenStreetMap extract (``kind: osm`` profiles).

Each location is snapped to its nearest road node of the drivable, strongly connected graph
(``osm_graph``); one ``scipy.sparse.csgraph.dijkstra`` per distinct snapped node, over a CSR matrix of
edge weights, gives the fastest time to every location and the length of that fastest path in the same
search: a weight packs whole milliseconds above whole centimetres (``_packed_weights``), exact in float64.
csgraph runs the searches in C: a Python loop over networkx's ``single_source_dijkstra`` would cost
seconds per hundred sources on a town graph and minutes for a municipality.

The walk (or slow drive) from a location to its road node is added to both ends of each trip, at
``ACCESS_SPEED_KPH``. Matrices are not symmetric: one-way streets make them differ.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.exceptions import MatrixError
from routing.matrix.osm_graph import FloatArray, IndexArray, RoadGraph, file_sha256, road_graph
from routing.matrix.osm_speeds import CLASS_DEFAULTS, DRIVE_CLASSES, IMPLICIT_KPH
from routing.matrix.provider import IntMatrix
from routing.matrix.sphere import haversine_pairs_m
from routing.model import Location, TravelProfile

#: Speed from a location to its snapped road node (driveway, car park, yard). Assumption: slow driving.
ACCESS_SPEED_KPH = 20.0
#: Sources per batch of searches: bounds the (batch x nodes) float arrays to ~100 MB on a 50 000-node graph.
_BATCH = 256
#: Shortest edge time in seconds (one packed unit): csgraph reads an explicit 0 in a sparse matrix as "no edge".
_MIN_EDGE_S = 1e-3


@dataclass(frozen=True)
class Snap:
    """Where the locations meet the road network.

    ``node[i]`` is the graph node of location ``location_ids[i]`` (OSM node ``osm_id[i]``),
    ``distance_m[i]`` the great-circle distance between them.
    """

    location_ids: tuple[str, ...]
    node: IndexArray
    osm_id: IndexArray
    distance_m: FloatArray


def snap_locations(graph: RoadGraph, locations: Sequence[Location], profile: TravelProfile) -> Snap:
    """Snap each location to its nearest node of ``graph``.

    Raises
    ------
    MatrixError
        E530 naming every location farther than ``profile.max_snap_m`` from the network, with its distance;
        E529 if a location is planar (x/y).
    """
    from scipy.spatial import cKDTree  # imported on use: scipy adds ~0.2 s to every command's start

    planar = [loc.id for loc in locations if loc.is_planar]
    if planar:
        raise MatrixError(f"E529 profile {profile.name!r} is osm but locations {planar[:5]} are planar x/y")
    lat = np.array([loc.lat for loc in locations], dtype=np.float64)
    lon = np.array([loc.lon for loc in locations], dtype=np.float64)
    # Nearest node in a local equirectangular plane (exact enough over a municipality), distance by haversine.
    cos0 = np.cos(np.radians(float(np.mean(graph.lat))))
    tree = cKDTree(np.column_stack([graph.lon * cos0, graph.lat]))
    _, node = tree.query(np.column_stack([lon * cos0, lat]))
    node = np.asarray(node, dtype=np.int64)
    distance = haversine_pairs_m(lat, lon, graph.lat[node], graph.lon[node])
    far = [f"{loc.id!r} ({d:,.0f} m)" for loc, d in zip(locations, distance, strict=True) if d > profile.max_snap_m]
    if far:
        raise MatrixError(
            f"E530 profile {profile.name!r}: {len(far)} location(s) farther than max_snap_m "
            f"{profile.max_snap_m:,.0f} m from the nearest road of {profile.osm_file}: {', '.join(far)}. "
            "Check their coordinates, use an extract that covers them, or raise max_snap_m."
        )
    return Snap(tuple(loc.id for loc in locations), node, graph.osm_id[node], distance)


def _edge_times(graph: RoadGraph, speed_cap_kph: float | None) -> FloatArray:
    """Seconds per edge at its speed, capped by the vehicle's."""
    speed = graph.speed_kph if speed_cap_kph is None else np.minimum(graph.speed_kph, speed_cap_kph)
    times: FloatArray = np.maximum(graph.length_m / (speed / 3.6), _MIN_EDGE_S)
    return times


#: Packed search: an edge weighs ``time_ms * 2**_LENGTH_BITS + length_cm``, both whole numbers, so one
#: search finds the fastest path (the shortest of equally fast ones) and its length together, exactly in
#: float64 while every sum stays below 2**53: paths up to 2**28 ms (74 h) and 2**25 cm (335 km).
_LENGTH_BITS = 25
_MAX_PACKED_MS = 2**28


def _packed_weights(times: FloatArray, lengths: FloatArray) -> FloatArray:
    """Edge weights packing whole milliseconds above whole centimetres."""
    weights: FloatArray = np.rint(times * 1000.0) * 2.0**_LENGTH_BITS + np.rint(lengths * 100.0)
    return weights


def _fastest_edges(graph: RoadGraph, weights: FloatArray) -> tuple[IndexArray, IndexArray, FloatArray]:
    """One edge per (tail, head): the lightest of parallel ones (csgraph would *sum* duplicates)."""
    order = np.lexsort((weights, graph.head, graph.tail))
    tail, head = graph.tail[order], graph.head[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    pick = order[first]
    return graph.tail[pick], graph.head[pick], weights[pick]


def _network(graph: RoadGraph, weights: FloatArray) -> Any:
    """The graph as a sparse (tail, head) matrix of the lightest parallel edge's weight."""
    from scipy.sparse import csr_matrix  # imported on use: scipy adds ~0.2 s to every command's start

    n = graph.num_nodes
    tail, head, edge_weights = _fastest_edges(graph, weights)
    return csr_matrix((edge_weights, (tail, head)), shape=(n, n))


def _search(graph: RoadGraph, weights: FloatArray, sources: IndexArray, targets: IndexArray) -> FloatArray:
    """Least packed weight from each source to each target (inf if unreachable), in batches of searches."""
    from scipy.sparse.csgraph import dijkstra

    network = _network(graph, weights)
    found = np.empty((sources.size, targets.size))
    for start in range(0, sources.size, _BATCH):
        batch = sources[start : start + _BATCH]
        found[start : start + batch.size] = dijkstra(network, directed=True, indices=batch)[:, targets]
    return found


def road_matrices(graph: RoadGraph, snap: Snap, speed_cap_kph: float | None = None) -> tuple[IntMatrix, IntMatrix]:
    """Fastest-path durations (s) and their lengths (m) between all snapped locations.

    Edge times are counted in whole milliseconds and lengths in whole centimetres (``_packed_weights``):
    rounding adds at most 0.5 ms and 0.5 cm per edge.

    Parameters
    ----------
    graph
        The road graph the locations were snapped to.
    snap
        The snapped locations (``snap_locations``).
    speed_cap_kph
        The vehicle's top speed (e.g. 80 km/h for a bus over 3.5 t, Færdselsloven § 43), or None.

    Returns
    -------
    tuple of IntMatrix
        ``(distance_m, duration_s)``, int64, shape (n, n), zero on the diagonal, not symmetric.

    Raises
    ------
    MatrixError
        E531 naming both locations of a pair with no route (only on a graph not pruned to one strongly
        connected component); E533 if a fastest path is longer than the packed search can count.
    """
    times = _edge_times(graph, speed_cap_kph)
    sources, source_of = np.unique(snap.node, return_inverse=True)
    packed = _search(graph, _packed_weights(times, graph.length_m), sources, snap.node)[source_of]
    unreachable = np.argwhere(~np.isfinite(packed))
    if unreachable.size:
        i, j = unreachable[0]
        raise MatrixError(
            f"E531 no road from {snap.location_ids[i]!r} to {snap.location_ids[j]!r} "
            f"({len(unreachable)} pair(s) unreachable): the extract's network is split between them"
        )
    time_ms = np.floor(packed / 2.0**_LENGTH_BITS)
    # A path's length is at most its time at the top speed: within bounds, the low bits never carried.
    top_cm_per_ms = float(np.max(graph.length_m / times)) * 0.1
    if time_ms.max() >= _MAX_PACKED_MS or time_ms.max() * top_cm_per_ms >= 2.0**_LENGTH_BITS:
        raise MatrixError(
            f"E533 a fastest path takes {time_ms.max() / 3.6e6:.1f} h: more than the road search counts exactly "
            "(74 h, 335 km). Cut the extract to the area the scenario needs."
        )
    duration = time_ms / 1000.0
    distance = (packed - time_ms * 2.0**_LENGTH_BITS) / 100.0
    access_s = snap.distance_m / (ACCESS_SPEED_KPH / 3.6)
    duration += access_s[:, None] + access_s[None, :]
    distance += snap.distance_m[:, None] + snap.distance_m[None, :]
    np.fill_diagonal(duration, 0.0)
    np.fill_diagonal(distance, 0.0)
    return np.rint(distance).astype(np.int64), np.rint(duration).astype(np.int64)


#: Digest of the speed tables and access speed: a change to them is a different cache entry by itself.
_TABLES_DIGEST = hashlib.sha256(
    json.dumps(
        [sorted(DRIVE_CLASSES), {k: v.speed_kph for k, v in CLASS_DEFAULTS.items()}, IMPLICIT_KPH, ACCESS_SPEED_KPH],
        sort_keys=True,
    ).encode()
).hexdigest()[:16]


class OsmProvider:
    """Fastest road paths on an OpenStreetMap extract; the profile names the file, speed cap and snap limit."""

    name = "osm"
    version = "1"

    def fingerprint(self, profile: TravelProfile) -> str:
        """The extract's content hash and the speed tables' digest (the cache key's road-network part)."""
        if profile.osm_file is None:
            raise MatrixError(f"E524 profile {profile.name!r} is osm but names no file")
        return f"{file_sha256(profile.osm_file)}|{_TABLES_DIGEST}"

    def snap(self, locations: Sequence[Location], profile: TravelProfile) -> Snap:
        """Where the locations meet the profile's road network (``snap_locations``)."""
        if profile.osm_file is None:
            raise MatrixError(f"E524 profile {profile.name!r} is osm but names no file")
        return snap_locations(road_graph(profile.osm_file), locations, profile)

    def compute(self, locations: Sequence[Location], profile: TravelProfile) -> tuple[IntMatrix, IntMatrix]:
        """Return ``(distance_m, duration_s)`` as int64 arrays."""
        if profile.osm_file is None:
            raise MatrixError(f"E524 profile {profile.name!r} is osm but names no file")
        graph = road_graph(profile.osm_file)
        return road_matrices(graph, snap_locations(graph, locations, profile), profile.speed_cap_kph)


#: A leg's road path: (lat, lon) points from its start location through the road nodes to its end location.
Path = list[tuple[float, float]]


def road_paths(profile: TravelProfile, legs: Sequence[tuple[Location, Location]]) -> list[Path]:
    """The fastest road path of each leg, as the matrices time it (same weights, same tie-break).

    Each path runs from the leg's first location to its snapped road node, along the road's nodes, and
    from the last node to the leg's second location; a leg between locations on one node is the straight
    pair of points. One search per distinct start node (``scipy.sparse.csgraph.dijkstra`` with
    predecessors), so a day's legs cost a few searches, not one per leg.

    Raises
    ------
    MatrixError
        As ``snap_locations``; E524 if the profile names no file.
    """
    from scipy.sparse.csgraph import dijkstra

    if profile.osm_file is None:
        raise MatrixError(f"E524 profile {profile.name!r} is osm but names no file")
    if not legs:
        return []
    graph = road_graph(profile.osm_file)
    places = list({loc.id: loc for leg in legs for loc in leg}.values())
    snap = snap_locations(graph, places, profile)
    node_of = dict(zip(snap.location_ids, snap.node.tolist(), strict=True))
    weights = _packed_weights(_edge_times(graph, profile.speed_cap_kph), graph.length_m)
    sources = sorted({node_of[a.id] for a, _ in legs})
    _, before = dijkstra(_network(graph, weights), directed=True, indices=sources, return_predecessors=True)
    row = {node: k for k, node in enumerate(sources)}
    paths: list[Path] = []
    for a, b in legs:
        start, node = node_of[a.id], node_of[b.id]
        nodes = [node]
        while node != start and node >= 0:
            node = int(before[row[start], node])
            nodes.append(node)
        points = [(float(graph.lat[k]), float(graph.lon[k])) for k in reversed(nodes)] if node == start else []
        paths.append([a.coords, *points, b.coords])
    return paths
