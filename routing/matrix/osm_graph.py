"""A drivable road graph from a local OpenStreetMap XML file, as flat numpy arrays.

osmnx parses the file (``graph_from_xml``, unsimplified so every road node is a snapping candidate);
this module keeps the ways a car may drive (``osm_speeds.DRIVE_CLASSES``, open ``access``), gives each
edge its length and speed, and keeps the largest *strongly* connected component, so that every pair of
nodes left is reachable both ways (a weakly connected graph can still strand a vehicle behind a
one-way street). The arrays are what ``routing.matrix.osm`` runs ``scipy.sparse.csgraph`` on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from routing.exceptions import MatrixError
from routing.matrix.osm_speeds import CLOSED_ACCESS, DRIVE_CLASSES, edge_speed_kph

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.int64]

#: Bytes read to tell an OSM XML file from something else.
_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class RoadGraph:
    """Directed drivable road network: node coordinates and edges with length and speed.

    Node ``k`` is OSM node ``osm_id[k]`` at (``lat[k]``, ``lon[k]``). Edge ``e`` runs from node
    ``tail[e]`` to node ``head[e]``, ``length_m[e]`` metres (great circle between its ends, as osmnx
    measures) at ``speed_kph[e]``. Parallel edges may occur (two ways between the same nodes).
    """

    osm_id: IndexArray
    lat: FloatArray
    lon: FloatArray
    tail: IndexArray
    head: IndexArray
    length_m: FloatArray
    speed_kph: FloatArray

    @property
    def num_nodes(self) -> int:
        """Number of nodes."""
        return int(self.osm_id.size)

    @property
    def num_edges(self) -> int:
        """Number of directed edges."""
        return int(self.tail.size)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex): the identity of an extract in cache keys."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def osm_file_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be an OSM XML file (missing, unreadable, other content), or None if it may be one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"<") or b"<osm" not in text:
        return "is not OpenStreetMap XML (no <osm> element at its start)"
    return None


def road_graph(path: str | Path) -> RoadGraph:
    """The drivable, strongly connected road graph of an OSM XML file (parsed once per content per process).

    Parameters
    ----------
    path
        The ``.osm`` file.

    Returns
    -------
    RoadGraph
        Drivable edges of the largest strongly connected component.

    Raises
    ------
    MatrixError
        E528 if the file cannot be parsed as OSM XML or holds no drivable road.
    """
    return _parsed(str(Path(path).resolve()), file_sha256(path))


@lru_cache(maxsize=4)
def _parsed(path: str, digest: str) -> RoadGraph:
    """Parse and filter; memoised by content digest (a pure function of the file's bytes)."""
    del digest  # part of the memo key only: a changed file is parsed again
    return strongly_connected(drivable_graph(path))


def drivable_graph(path: str | Path) -> RoadGraph:
    """Every drivable edge of an OSM XML file, before any connectivity pruning.

    Raises
    ------
    MatrixError
        E528 if osmnx cannot read the file or it holds no drivable road.
    """
    import osmnx as ox

    try:
        graph = ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
    except Exception as exc:  # osmnx raises ParseError, ValueError, KeyError... for broken files
        raise MatrixError(f"E528 {path}: cannot be read as OpenStreetMap XML ({type(exc).__name__}: {exc})") from exc
    index: dict[int, int] = {}
    tails: list[int] = []
    heads: list[int] = []
    lengths: list[float] = []
    speeds: list[float] = []
    for u, v, data in graph.edges(data=True):
        highway = data.get("highway")
        if not isinstance(highway, str) or highway not in DRIVE_CLASSES or data.get("access") in CLOSED_ACCESS:
            continue
        tails.append(index.setdefault(u, len(index)))
        heads.append(index.setdefault(v, len(index)))
        lengths.append(float(data["length"]))
        speeds.append(edge_speed_kph(highway, data.get("maxspeed")))
    if not tails:
        raise MatrixError(f"E528 {path}: holds no drivable road (no way with a highway class a car may use)")
    nodes = graph.nodes
    osm_id = np.fromiter(index, dtype=np.int64, count=len(index))
    return RoadGraph(
        osm_id=osm_id,
        lat=np.array([nodes[k]["y"] for k in index], dtype=np.float64),
        lon=np.array([nodes[k]["x"] for k in index], dtype=np.float64),
        tail=np.array(tails, dtype=np.int64),
        head=np.array(heads, dtype=np.int64),
        length_m=np.array(lengths, dtype=np.float64),
        speed_kph=np.array(speeds, dtype=np.float64),
    )


def strongly_connected(graph: RoadGraph) -> RoadGraph:
    """The largest strongly connected component of ``graph`` (nodes renumbered in their old order)."""
    from scipy.sparse import coo_matrix  # imported on use, as in routing.matrix.osm
    from scipy.sparse.csgraph import connected_components

    n = graph.num_nodes
    adjacency = coo_matrix((np.ones(graph.num_edges), (graph.tail, graph.head)), shape=(n, n)).tocsr()
    _, labels = connected_components(adjacency, directed=True, connection="strong")
    keep = labels == np.bincount(labels).argmax()
    renumber = np.cumsum(keep) - 1
    inside = keep[graph.tail] & keep[graph.head]
    return RoadGraph(
        osm_id=graph.osm_id[keep],
        lat=graph.lat[keep],
        lon=graph.lon[keep],
        tail=renumber[graph.tail[inside]],
        head=renumber[graph.head[inside]],
        length_m=graph.length_m[inside],
        speed_kph=graph.speed_kph[inside],
    )
