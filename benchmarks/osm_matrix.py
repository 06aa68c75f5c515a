"""Measure road-matrix build time (osm profile) and cached load time on a ~50 000-node road grid.

Usage: python benchmarks/osm_matrix.py [N ...]   (default: 500 2000)

No real extract that large is in the repository, so the graph is a synthetic town grid written as OSM
XML: ``SIDE`` x ``SIDE`` nodes 100 m apart, every tenth street primary at 80 km/h, the others residential
(class default), every seventh east-west street one-way (alternating direction). Locations are random
points inside it. Appends one row per size to ``benchmarks/results/osm_matrix.csv`` with the command
and date. Figures from a shared machine are indicative.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.matrix import MatrixCache, profile_matrices  # noqa: E402
from routing.matrix.osm_graph import road_graph  # noqa: E402
from routing.model import Location, TravelProfile  # noqa: E402

SIDE = 224  # 50 176 nodes
STEP_DEG = 0.0009  # ~100 m of latitude
LAT0, LON0 = 57.0, 10.0
RESULTS = Path(__file__).resolve().parent / "results" / "osm_matrix.csv"


def write_grid(path: Path, side: int = SIDE) -> None:
    """Write the synthetic grid as OSM XML."""
    lon_step = STEP_DEG / np.cos(np.radians(LAT0))
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="benchmark">\n')
        for r in range(side):
            for c in range(side):
                lat, lon = LAT0 + r * STEP_DEG, LON0 + c * lon_step
                fh.write(f' <node id="{r * side + c + 1}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>\n')
        way = 1
        for r in range(side):  # east-west streets
            refs = [r * side + c + 1 for c in range(side)]
            oneway = r % 7 == 3
            tags = {"highway": "primary" if r % 10 == 0 else "residential"}
            if r % 10 == 0:
                tags["maxspeed"] = "80"
            if oneway:
                tags["oneway"] = "yes" if (r // 7) % 2 else "-1"
            way = _way(fh, way, refs, tags)
        for c in range(side):  # north-south streets
            refs = [r * side + c + 1 for r in range(side)]
            tags = {"highway": "primary", "maxspeed": "80"} if c % 10 == 0 else {"highway": "residential"}
            way = _way(fh, way, refs, tags)
        fh.write("</osm>\n")


def _way(fh: object, way_id: int, refs: list[int], tags: dict[str, str]) -> int:
    lines = [f' <way id="{way_id}" version="1">'] + [f'  <nd ref="{r}"/>' for r in refs]
    lines += [f'  <tag k="{k}" v="{v}"/>' for k, v in tags.items()] + [" </way>"]
    fh.write("\n".join(lines) + "\n")  # type: ignore[attr-defined]
    return way_id + 1


def measure(osm: Path, n: int, cache_dir: Path) -> dict[str, float]:
    """Build (graph already parsed), store, and load one n-location road matrix pair."""
    rng = np.random.default_rng(n)
    span = (SIDE - 1) * STEP_DEG
    lat = LAT0 + rng.uniform(0, span, n)
    lon = LON0 + rng.uniform(0, span / np.cos(np.radians(LAT0)), n)
    locations = [Location(str(i), lat=float(a), lon=float(b)) for i, (a, b) in enumerate(zip(lat, lon, strict=True))]
    profile = TravelProfile("car", kind="osm", osm_file=str(osm))
    t0 = time.perf_counter()
    profile_matrices(locations, profile)
    build = time.perf_counter() - t0
    cache = MatrixCache(cache_dir)
    profile_matrices(locations, profile, cache)
    t0 = time.perf_counter()
    profile_matrices(locations, profile, cache)
    load = time.perf_counter() - t0
    return {"build_s": build, "cached_load_s": load}


if __name__ == "__main__":
    sizes = [int(x) for x in sys.argv[1:]] or [500, 2000]
    with tempfile.TemporaryDirectory() as tmp:
        osm = Path(tmp) / "grid.osm"
        write_grid(osm)
        t0 = time.perf_counter()
        graph = road_graph(osm)
        parse = time.perf_counter() - t0
        print(f"graph: {graph.num_nodes} nodes, {graph.num_edges} edges; parsed and filtered in {parse:.1f} s")
        rows = []
        for n in sizes:
            r = measure(osm, n, Path(tmp) / "cache")
            print(f"{n} locations: build {r['build_s']:.2f} s, cached load {r['cached_load_s']:.3f} s")
            rows.append(
                {
                    "date": dt.date.today().isoformat(),
                    "command": "python " + " ".join(sys.argv),
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores shared with other work: indicative",
                    "graph_nodes": graph.num_nodes,
                    "graph_edges": graph.num_edges,
                    "parse_s": round(parse, 2),
                    "locations": n,
                    "build_s": round(r["build_s"], 3),
                    "cached_load_s": round(r["cached_load_s"], 4),
                }
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        if new:
            writer.writeheader()
        writer.writerows(rows)
    print(f"appended {len(rows)} rows to {RESULTS}")
