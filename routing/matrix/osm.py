"""Road-network travel times from a local OpenStreetMap extract (``kind: osm`` profiles).

Each location is snapped to its nearest road node of the drivable, strongly connected graph
(``osm_graph``); one ``scipy.sparse.csgraph.dijkstra`` per distinct snapped node, over a CSR matrix of
edge travel times, gives the fastest times to every node, and the same search's predecessor tree gives
the length of that fastest path (summed up the tree by pointer doubling, vectorised over all nodes).
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
#: Shortest edge time in seconds: csgraph reads an explicit 0 in a sparse matrix as "no edge".
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


def _fastest_edges(graph: RoadGraph, times: FloatArray) -> tuple[IndexArray, IndexArray, FloatArray, FloatArray]:
    """One edge per (tail, head): the fastest of parallel ones (csgraph would *sum* duplicates)."""
    order = np.lexsort((times, graph.head, graph.tail))
    tail, head = graph.tail[order], graph.head[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    pick = order[first]
    return graph.tail[pick], graph.head[pick], times[pick], graph.length_m[pick]


def _path_lengths(pred: IndexArray, edge_len: FloatArray) -> FloatArray:
    """Length of the tree path from each search's source to every node, by pointer doubling.

    ``pred[s, v]`` is v's predecessor in search s (negative at the source and unreached nodes) and
    ``edge_len[s, v]`` the length of the edge into v; after k rounds each node has summed the last 2**k
    edges of its path, so a tree of depth d takes log2(d) vectorised rounds.
    """
    acc = edge_len.copy()
    up = pred.copy()
    while True:
        has = up >= 0
        if not has.any():
            return acc
        safe = np.where(has, up, 0)
        acc = acc + np.where(has, np.take_along_axis(acc, safe, axis=1), 0.0)
        up = np.where(has, np.take_along_axis(up, safe, axis=1), -1)


def road_matrices(graph: RoadGraph, snap: Snap, speed_cap_kph: float | None = None) -> tuple[IntMatrix, IntMatrix]:
    """Fastest-path durations (s) and their lengths (m) between all snapped locations.

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
        connected component).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n_nodes = graph.num_nodes
    tail, head, times, lengths = _fastest_edges(graph, _edge_times(graph, speed_cap_kph))
    travel = csr_matrix((times, (tail, head)), shape=(n_nodes, n_nodes))
    edge_key = tail * n_nodes + head  # sorted: _fastest_edges orders by (tail, head)
    sources, source_of = np.unique(snap.node, return_inverse=True)
    node_time = np.empty((sources.size, snap.node.size))
    node_len = np.empty((sources.size, snap.node.size))
    for start in range(0, sources.size, _BATCH):
        batch = sources[start : start + _BATCH]
        time_to, pred = dijkstra(travel, directed=True, indices=batch, return_predecessors=True)
        pred = pred.astype(np.int64)
        into = np.searchsorted(edge_key, np.where(pred >= 0, pred, 0) * n_nodes + np.arange(n_nodes))
        edge_len = np.where(pred >= 0, lengths[np.minimum(into, lengths.size - 1)], 0.0)
        node_time[start : start + batch.size] = time_to[:, snap.node]
        node_len[start : start + batch.size] = _path_lengths(pred, edge_len)[:, snap.node]
    duration = node_time[source_of]
    distance = node_len[source_of]
    unreachable = np.argwhere(~np.isfinite(duration))
    if unreachable.size:
        i, j = unreachable[0]
        raise MatrixError(
            f"E531 no road from {snap.location_ids[i]!r} to {snap.location_ids[j]!r} "
            f"({len(unreachable)} pair(s) unreachable): the extract's network is split between them"
        )
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
