"""Bounds on input files: how big a file may be (``Limits``) and the range of every number a scenario holds.

``Limits`` are the configurable ones: a region planning many municipalities at once may need more than
the defaults, and passes ``load_scenario(path, limits=Limits(max_requests=...))``. The defaults sit far
above a real municipality (Fredensborg's generated week: ~4 200 requests, 177 vehicles, a few MB of YAML)
and far below what exhausts a machine: ``vehicles[0].count: 1000000000`` used to run for three minutes,
grow to 5.7 GB and end in a ``MemoryError``.

The value ranges below are not configurable: they are what the quantities can mean (a speed of a road
vehicle, a duration within the plan's 48-hour clock) and what keeps the solver's integer arithmetic
(cost units of 1e-5 DKK, seconds, metres, summed in int64) far from overflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

#: Largest amount in DKK (a vehicle type's fixed cost, price per hour or per km). Converted to cost units
#: of 1e-5 DKK and multiplied by the metres or seconds of a day's routes, summed over 10 000 vehicles,
#: it stays inside int64; real prices are below 1 000 DKK.
MAX_DKK = 1_000_000.0
#: Longest duration in minutes (service, ride and duty limits): 48 hours, the plan day's clock
#: (times run to 47:59 so that a plan may pass midnight); a longer limit constrains nothing.
MAX_MINUTES = 2880.0
#: Largest allowed detour as a multiple of the direct trip (``max_ride.relative``); rules in use say 0.5-1.0.
MAX_RELATIVE_DETOUR = 100.0
#: Fastest speed in km/h: well above any road vehicle.
MAX_SPEED_KPH = 300.0
#: Slowest speed in km/h: walking pace is 5. Below it travel times leave int64 seconds: a speed of 1e-15
#: km/h made infinite durations, a numpy cast warning and a misleading "no route from 'depot' to 'school'";
#: at 1 km/h the longest trip (half the Earth, circuity 10) is about 7e8 s.
MIN_SPEED_KPH = 1.0
#: Longest speed band in km: half the Earth's circumference, the longest great-circle distance.
MAX_BAND_KM = 20_040.0
#: Largest snapping distance in metres (``max_snap_m`` of an osm profile): a location farther from every road
#: than 50 km is outside any extract a municipality would use.
MAX_SNAP_M = 50_000.0
#: Largest road-to-straight-line distance factor; Danish roads measure ~1.3, a fjord detour ~3.
MAX_CIRCUITY = 10.0
#: Largest load or capacity per dimension: far above any vehicle or benchmark instance, and a sum of
#: 200 000 requests' loads stays an exact integer.
MAX_AMOUNT = 1_000_000
#: Largest planar coordinate (x/y, benchmark units) in absolute value; times ``MAX_SCALE`` it stays
#: far inside int64.
MAX_PLANAR = 1e9
#: Largest Euclidean scale (integer units per coordinate unit); DIMACS instances use 10.
MAX_SCALE = 1_000_000
#: Most decimals a Euclidean distance is truncated to; DIMACS uses 1.
MAX_DECIMALS = 9
# Latitude and longitude (WGS84 degrees) are the model's own ranges: routing.model.LATITUDE and LONGITUDE.


@dataclass(frozen=True, slots=True)
class Limits:
    """How large an input file may be, checked before anything is built from it.

    Every limit refuses input with a coded error (listed per field) that names the limit and how to
    raise it. Raise one by passing ``Limits(max_requests=500_000)`` to ``load_scenario``,
    ``build_scenario``, ``read_yaml`` or ``read_changes``.

    Parameters
    ----------
    max_file_bytes
        Largest file in bytes (E005), checked before the file is read. Default: 64 MiB. The shipped
        Fredensborg files are below 1 MB and a generated 4 200-request week is a few MB; 64 MiB holds a
        region ten times Fredensborg with room to spare, and still parses in under a minute in a few GB.
    max_depth
        Deepest nesting of YAML mappings and lists (E006). Default: 64. A scenario nests about 6 levels
        (``requests[0].pickup.window[0]``); every recursive reader downstream (PyYAML's pure-Python
        composer, ``copy.deepcopy``, JSON writers) uses a few stack frames per level, so 64 levels stay
        far below Python's recursion limit of 1 000 frames.
    max_nodes
        Most YAML nodes (scalars, lists, mappings) in the file once aliases are expanded (E007). Default:
        10 000 000, about 50 times the ~200 000 nodes of a 4 200-request week. Refuses a "billion laughs"
        alias bomb before any Python object is made, while a few anchors (a shared window) stay fine.
    max_locations
        Most locations (E106). Default: 100 000; Fredensborg's week has a few thousand.
    max_vehicles
        Most vehicles once every ``count`` is expanded (E223). Default: 10 000; Fredensborg's week has 177.
    max_requests
        Most requests (E322). Default: 200 000; Fredensborg's week has ~4 200.
    """

    max_file_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 10_000_000
    max_locations: int = 100_000
    max_vehicles: int = 10_000
    max_requests: int = 200_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{f.name} must be a whole number of 1 or more, not {value!r}")


#: The limits of a default run.
DEFAULT_LIMITS = Limits()
_active = DEFAULT_LIMITS


def active_limits() -> Limits:
    """The limits a reader applies when its caller gives none: ``DEFAULT_LIMITS`` unless ``raised_limits`` is on."""
    return _active


@contextmanager
def raised_limits(limits: Limits) -> Iterator[None]:
    """Apply ``limits`` to every scenario and change file read while the block runs (the command line's ``--limit``)."""
    global _active
    before, _active = _active, limits
    try:
        yield
    finally:
        _active = before


def how_to_raise(name: str) -> str:
    """The sentence telling how to raise the limit ``name`` (a ``Limits`` field)."""
    return f"or raise the limit: --limit {name}=N on the command line (Limits({name}=...) in Python)"
