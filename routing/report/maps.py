"""Maps of a day's routes (PNG, matplotlib, offline): routes in distinct colours over an optional boundary.

Depots and institutions are marked, with a legend, a kilometre grid (an equirectangular projection
about the map's centre, exact enough at municipal scale) and the attribution line. The boundary is a
list of (lon, lat) rings a caller gives — e.g. the municipal polygon a scenario names in
``meta.boundary`` (``boundary_rings``). Plot functions take data and an optional ``ax`` and return nothing.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from routing.files import write_atomic_bytes
from routing.model import Scenario
from routing.report.manifest import Duty

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ATTRIBUTION = "© OpenStreetMap contributors (ODbL), DAGI"
KM_PER_DEG_LAT = 111.32
Ring = Sequence[tuple[float, float]]


def boundary_rings(scenario: Scenario, scenario_path: str | Path | None) -> list[Ring]:
    """The (lon, lat) rings of the GeoJSON polygon named by ``meta.boundary``, or none.

    ``meta.boundary`` is a path relative to the scenario file, or ``package:resource/path`` for a
    file shipped inside a Python package (e.g. ``routing.fredensborg:data/geo/fredensborg_kommune.geojson``).
    """
    name = scenario.meta.get("boundary") if isinstance(scenario.meta, dict) else None
    if not isinstance(name, str):
        return []
    if ":" in name and not Path(name).exists():
        package, _, inner = name.partition(":")
        text = (resources.files(package) / inner).read_text(encoding="utf-8")
    else:
        base = Path(scenario_path).parent if scenario_path else Path(".")
        text = (base / name).read_text(encoding="utf-8")
    rings: list[Ring] = []
    for feature in json.loads(text).get("features", []):
        geometry = feature.get("geometry") or {}
        polygons = [geometry["coordinates"]] if geometry.get("type") == "Polygon" else geometry.get("coordinates", [])
        for polygon in polygons:
            rings.extend([(float(p[0]), float(p[1])) for p in ring] for ring in polygon[:1])
    return rings


def _km(lon: float, lat: float, lon0: float, lat0: float) -> tuple[float, float]:
    return (lon - lon0) * KM_PER_DEG_LAT * math.cos(math.radians(lat0)), (lat - lat0) * KM_PER_DEG_LAT


def plot_routes(
    scenario: Scenario,
    all_duties: Sequence[Duty],
    boundary: Sequence[Ring] = (),
    ax: Axes | None = None,
    lines: Sequence[Sequence[tuple[float, float]]] | None = None,
) -> None:
    """Draw the duties' routes (one colour each), depots, institutions and the boundary on ``ax``, in km.

    ``lines``: per duty, the (lat, lon) points it drives (``legs.duty_lines``); default straight between stops.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    ax = ax or plt.gca()
    points = [s.coords for d in all_duties for s in d.stops] + [(lat, lon) for ring in boundary for lon, lat in ring]
    if not points:
        points = [loc.coords for loc in scenario.locations]
    lat0 = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    lon0 = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
    for ring in boundary:
        xy = [_km(lon, lat, lon0, lat0) for lon, lat in ring]
        ax.fill([x for x, _ in xy], [y for _, y in xy], facecolor="#f2f2ee", edgecolor="#777", linewidth=0.8, zorder=0)
    colours = plt.get_cmap("tab20")
    # One collection of all routes and one marker line per kind of place: a 3 351-request day's 481 routes
    # and hundreds of institutions drew as ~800 separate lines in 0.6 s.
    paths = [
        [_km(lon, lat, lon0, lat0) for lat, lon in (lines[k] if lines is not None else [s.coords for s in d.stops])]
        for k, d in enumerate(all_duties)
    ]
    palette = [colours(k % 20) for k in range(len(paths))]
    ax.add_collection(LineCollection(paths, colors=palette, linewidths=1.0, alpha=0.85, zorder=2))
    places: dict[str, list[tuple[float, float]]] = {}
    for loc in scenario.locations:
        if loc.kind != "home":
            places.setdefault("depot" if loc.kind == "depot" else "institution", []).append(
                _km(loc.coords[1], loc.coords[0], lon0, lat0)
            )
    for label, (marker, colour) in {"depot": ("s", "black"), "institution": ("^", "#c0392b")}.items():
        xy = places.get(label, [])
        if xy:
            ax.plot([x for x, _ in xy], [y for _, y in xy], marker, color=colour, markersize=6, zorder=3, label=label)
    ax.plot([], [], "-", color=colours(0), label=f"routes ({len(all_duties)}, one colour each)")
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.grid(True, linewidth=0.3, color="#bbb")
    ax.set_xlabel("km east")
    ax.set_ylabel("km north")
    ax.legend(loc="upper right", fontsize=8)


def write_map(
    path: str | Path,
    scenario: Scenario,
    all_duties: Sequence[Duty],
    title: str,
    boundary: Sequence[Ring] = (),
    lines: Sequence[Sequence[tuple[float, float]]] | None = None,
) -> None:
    """Render ``plot_routes`` with a title and the attribution line to a PNG (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
    try:
        plot_routes(scenario, all_duties, boundary, ax, lines)
        ax.set_title(title)
        fig.text(0.01, 0.01, ATTRIBUTION, fontsize=7, color="#444")
        # Fixed margins that fit the title, labels and attribution: tight_layout drew the figure once more.
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.08, top=0.95)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        write_atomic_bytes(path, buf.getvalue())
    finally:
        plt.close(fig)
