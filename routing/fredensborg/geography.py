"""Real Fredensborg geography: the municipal polygon (DAGI) and OSM places and institutions.

Homes are sampled inside the municipal polygon (shapely point-in-polygon), weighted by town
population: a town's homes scatter around its centre (normal, ``TOWN_SPREAD_KM``), rural homes
are uniform over the polygon. Sources and licences: ``routing/fredensborg/data/geo/SOURCE.md`` and
``routing/fredensborg/data/osm/SOURCE.md`` (package data).
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.prepared import prep

from routing.exceptions import Problem, ScenarioError
from routing.fredensborg.areas import FREDENSBORG_DIR

POLYGON_FILE = FREDENSBORG_DIR / "geo" / "fredensborg_kommune.geojson"
OSM_FILE = FREDENSBORG_DIR / "osm" / "fredensborg_places_institutions_2019.csv"
#: Standard deviation of a town's homes around its centre, km. Assumption: the four towns are
#: 2-4 km across (Kokkedal/Nivå/Humlebæk/Fredensborg on the DAGI map).
TOWN_SPREAD_KM = 1.0
KM_PER_DEG_LAT = 111.32


@dataclass(frozen=True, slots=True)
class Place:
    """A named point: an OSM node, or a stand-in the data say is one."""

    osm_id: str
    name: str
    kind: str  # OSM key=value, e.g. amenity=social_facility, place=town
    lat: float
    lon: float
    population: int | None
    in_municipality: bool


def load_places(path: Path = OSM_FILE) -> dict[str, Place]:
    """OSM nodes by node id (``data/osm`` of this package; ODbL, © OpenStreetMap contributors)."""
    if not path.exists():
        raise ScenarioError(
            [Problem("E001", str(path), "file missing", "Reinstall the package (routing/fredensborg/data/osm).")]
        )
    places = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            places[row["osm_node_id"]] = Place(
                osm_id=row["osm_node_id"],
                name=row["name"],
                kind=f"{row['key']}={row['value']}",
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                population=int(row["population"]) if row["population"] else None,
                in_municipality=row["in_fredensborg_kommune"] == "1",
            )
    return places


class Municipality:
    """The municipal polygon with point-in-polygon tests and seeded home sampling."""

    def __init__(self, path: Path = POLYGON_FILE) -> None:
        if not path.exists():
            raise ScenarioError(
                [Problem("E001", str(path), "file missing", "Reinstall the package (routing/fredensborg/data/geo).")]
            )
        feature = json.loads(path.read_text(encoding="utf-8"))["features"][0]
        self.polygon = shape(feature["geometry"])
        self._prepared = prep(self.polygon)
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = self.polygon.bounds

    def contains(self, lat: float, lon: float) -> bool:
        """True if the point lies inside the municipality."""
        return bool(self._prepared.contains(Point(lon, lat)))

    def sample_near(
        self, rng: random.Random, lat: float, lon: float, spread_km: float = TOWN_SPREAD_KM
    ) -> tuple[float, float]:
        """A point inside the municipality, normally scattered around ``(lat, lon)``."""
        km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(lat))
        for _ in range(10_000):
            p_lat = lat + rng.gauss(0.0, spread_km) / KM_PER_DEG_LAT
            p_lon = lon + rng.gauss(0.0, spread_km) / km_per_deg_lon
            if self.contains(p_lat, p_lon):
                return round(p_lat, 6), round(p_lon, 6)
        raise RuntimeError(f"no point inside the municipality near {lat}, {lon}")

    def sample_uniform(self, rng: random.Random) -> tuple[float, float]:
        """A point uniformly inside the municipality (rejection sampling in its bounding box)."""
        while True:
            p_lat = rng.uniform(self.min_lat, self.max_lat)
            p_lon = rng.uniform(self.min_lon, self.max_lon)
            if self.contains(p_lat, p_lon):
                return round(p_lat, 6), round(p_lon, 6)


def straight_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points in km (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))
