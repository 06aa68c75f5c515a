"""The domain model: frozen, typed and validated at construction.

Every object checks its own fields when it is made and raises ``ScenarioError``
naming the object, the field, the value found and what is expected. Make
variants with ``dataclasses.replace`` (which re-validates), never by mutation.

Units: seconds since midnight of the plan day for clock times, seconds for
durations, metres for distances, DKK for prices given by users.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from routing.exceptions import Problem, ScenarioError
from routing.units import MAX_CLOCK_S, format_clock

#: Largest time value the model accepts (planar benchmark instances use scaled time units).
MAX_TIME = 2**31 - 1

#: Latitude and longitude ranges in WGS84 degrees (``Location``; the scenario reader checks the same).
LATITUDE = (-90.0, 90.0)
LONGITUDE = (-180.0, 180.0)

#: Weekday codes a request may recur on (``Request.days``; ``solve --day``).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How a trip or a vehicle is bought (see the glossary): Movia Flexrute (per vehicle-hour),
#: Flexkommune (per trip), Flexhandicap (per trip, Movia's pool), a private vognmand,
#: the municipality's own vehicles (egne vogne), or reimbursement (refusion, not driven).
CHANNELS = ("flexrute", "flexkommune", "flexhandicap", "private", "own", "refusion")
#: Channels bought as routes (planned on vehicles: per vehicle-hour, or the municipality's own).
ROUTED_CHANNELS = ("flexrute", "own")
#: Channels bought trip by trip (priced per trip, never routed by the municipality).
PER_TRIP_CHANNELS = tuple(c for c in CHANNELS if c not in ROUTED_CHANNELS)


#: Area id that comparisons use for their totals row; no request may belong to it.
TOTAL_AREA = "total"


def area_sort_key(area: str | None) -> tuple[int, int, str]:
    """Order of area ids in plans, tables and charts.

    Numeric ids come first in numeric order (``"2"`` before ``"10"``), then the other ids
    alphabetically, then None (trips without an area).

    Parameters
    ----------
    area
        An area id as in ``Request.area``.

    Returns
    -------
    tuple[int, int, str]
        A key for ``sorted``.
    """
    if area is None:
        return (2, 0, "")
    if area.isascii() and area.isdigit():
        return (0, int(area), area)
    return (1, 0, area)


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ScenarioError(problems)


@dataclass(frozen=True, slots=True)
class Quantities:
    """Named non-negative integer amounts per load dimension, e.g. ``seats=2, wheelchairs=1``.

    Used for vehicle capacity and request load. Missing dimensions are 0.
    """

    items: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, int] | None = None, **kwargs: int) -> Quantities:
        """Build from a mapping or keyword arguments; zero entries are kept."""
        merged = dict(values or {}, **kwargs)
        return cls(tuple(sorted((str(k), int(v)) for k, v in merged.items())))

    def __post_init__(self) -> None:
        problems = [
            Problem("E201", f"Quantities.{name}", f"{amount!r} is negative", "Amounts are whole numbers of 0 or more.")
            for name, amount in self.items
            if amount < 0
        ]
        _raise(problems)

    def get(self, dimension: str) -> int:
        """Amount in ``dimension`` (0 when absent)."""
        for name, amount in self.items:
            if name == dimension:
                return amount
        return 0

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Names of the dimensions given (including zero ones)."""
        return tuple(name for name, _ in self.items)

    def as_dict(self) -> dict[str, int]:
        """Return a plain dict."""
        return dict(self.items)

    def fits_in(self, capacity: Quantities) -> bool:
        """True when every positive amount here is at most ``capacity``'s amount."""
        return all(amount <= capacity.get(name) for name, amount in self.items if amount > 0)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self.items)


@dataclass(frozen=True, slots=True)
class Location:
    """A place: geographic (``lat``/``lon``, WGS84 degrees) or planar (``x``/``y``, benchmarks)."""

    id: str
    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None
    name: str = ""
    kind: str = ""

    def __post_init__(self) -> None:
        where = f"Location {self.id!r}"
        problems: list[Problem] = []
        if not self.id:
            problems.append(Problem("E101", "Location.id", "the id is empty", "Give every location a non-empty id."))
        geo = self.lat is not None or self.lon is not None
        planar = self.x is not None or self.y is not None
        if geo == planar:
            problems.append(
                Problem(
                    "E102",
                    where,
                    "has " + ("both lat/lon and x/y" if geo else "neither lat/lon nor x/y"),
                    "Give either lat and lon, or x and y.",
                )
            )
        elif geo:
            if self.lat is None or not LATITUDE[0] <= self.lat <= LATITUDE[1] or not math.isfinite(self.lat):
                problems.append(
                    Problem(
                        "E103", f"{where}.lat", f"{self.lat!r} is not a latitude", "Give degrees between -90 and 90."
                    )
                )
            if self.lon is None or not LONGITUDE[0] <= self.lon <= LONGITUDE[1] or not math.isfinite(self.lon):
                problems.append(
                    Problem(
                        "E103", f"{where}.lon", f"{self.lon!r} is not a longitude", "Give degrees between -180 and 180."
                    )
                )
        else:
            for axis in ("x", "y"):
                value = getattr(self, axis)
                if value is None or not math.isfinite(value):
                    problems.append(
                        Problem(
                            "E104",
                            f"{where}.{axis}",
                            f"{value!r} is not a finite number",
                            "Give both x and y as numbers.",
                        )
                    )
        _raise(problems)

    @property
    def is_planar(self) -> bool:
        """True for x/y locations (benchmarks), False for lat/lon."""
        return self.x is not None

    @property
    def coords(self) -> tuple[float, float]:
        """``(lat, lon)`` or ``(x, y)``."""
        first, second = (self.x, self.y) if self.is_planar else (self.lat, self.lon)
        if first is None or second is None:  # construction rejects half-given coordinates (E102-E104)
            raise RuntimeError(f"Location {self.id!r} has incomplete coordinates")
        return (float(first), float(second))


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval of clock times, seconds since midnight: ``start_s <= t <= end_s``."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name in ("start_s", "end_s"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TIME:
                problems.append(
                    Problem(
                        "E301",
                        f"TimeWindow.{name}",
                        f"{value!r} is not a time of 0 or more",
                        "Give whole seconds since midnight.",
                    )
                )
        if not problems and self.end_s < self.start_s:
            problems.append(
                Problem(
                    "E302",
                    "TimeWindow",
                    f"window closes ({format_clock(self.end_s)}) before it opens ({format_clock(self.start_s)})",
                    "Swap the times or widen the window.",
                )
            )
        _raise(problems)

    def contains(self, t: int) -> bool:
        """True when ``t`` lies in the window."""
        return self.start_s <= t <= self.end_s

    def as_list(self) -> list[int]:
        """``[start_s, end_s]``."""
        return [self.start_s, self.end_s]

    def as_clock(self) -> str:
        """``HH:MM-HH:MM`` (seconds shown where not whole minutes)."""
        return f"{format_clock(self.start_s)}-{format_clock(self.end_s)}"


#: No restriction: used where no window or shift is given.
OPEN_WINDOW = TimeWindow(0, MAX_TIME)


@dataclass(frozen=True, slots=True)
class RideTimeRule:
    """Maximum ride time of one request.

    The limit is ``min(absolute_s, direct + max(relative * direct, min_extra_s))``
    where ``direct`` is the direct travel time from pickup to drop-off on the
    scenario's reference profile. Any part may be absent; no part means no limit.
    Example (coordinated flex, Movia/Midttrafik practice): ``relative=1.0,
    min_extra_s=1800`` = direct + 100 %, but at least 30 min of detour tolerated.

    Parameters
    ----------
    absolute_s
        Hard cap on ride time in seconds. Default: none.
    relative
        Allowed detour as a fraction of the direct time. Default: none.
    min_extra_s
        Detour always tolerated, seconds; only used together with ``relative``.
    """

    absolute_s: int | None = None
    relative: float | None = None
    min_extra_s: int = 0

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if self.absolute_s is not None and self.absolute_s <= 0:
            problems.append(
                Problem(
                    "E310",
                    "RideTimeRule.absolute_s",
                    f"{self.absolute_s!r} is not positive",
                    "Give a maximum ride time above 0, or none.",
                )
            )
        if self.relative is not None and (self.relative < 0 or not math.isfinite(self.relative)):
            problems.append(
                Problem(
                    "E311",
                    "RideTimeRule.relative",
                    f"{self.relative!r} is negative",
                    "Give the allowed detour as a fraction of 0 or more (1.0 = +100 %).",
                )
            )
        if self.min_extra_s < 0:
            problems.append(
                Problem(
                    "E312", "RideTimeRule.min_extra_s", f"{self.min_extra_s!r} is negative", "Give 0 or more seconds."
                )
            )
        _raise(problems)

    @property
    def is_limited(self) -> bool:
        """True when the rule sets any limit."""
        return self.absolute_s is not None or self.relative is not None

    def limit_s(self, direct_s: int) -> int | None:
        """Maximum ride time in seconds for a trip whose direct travel time is ``direct_s``."""
        limit: int | None = None
        if self.relative is not None:
            limit = direct_s + max(int(math.floor(self.relative * direct_s)), self.min_extra_s)
        if self.absolute_s is not None:
            limit = self.absolute_s if limit is None else min(limit, self.absolute_s)
        return limit


@dataclass(frozen=True, slots=True)
class Visit:
    """One end of a request: where, when (window on the start of service) and how long the service takes."""

    location: str
    window: TimeWindow | None = None
    service_s: int = 0

    def __post_init__(self) -> None:
        if self.service_s < 0:
            _raise(
                [
                    Problem(
                        "E303",
                        "Visit.service_s",
                        f"{self.service_s!r} is negative",
                        "Give a service time of 0 or more seconds.",
                    )
                ]
            )

    @property
    def effective_window(self) -> TimeWindow:
        """The window, or the whole horizon when none is given."""
        return self.window or OPEN_WINDOW


@dataclass(frozen=True, slots=True)
class Request:
    """One passenger trip from pickup to drop-off.

    Parameters
    ----------
    id
        Unique id from the scenario file.
    pickup, dropoff
        The two visits. A window on the pickup is a pickup window; a window on the
        drop-off is an arrive-by (*senest fremme*) window. Windows bound the start of service.
        ``pickup=None`` makes a *depot delivery*: the load boards at the start depot
        of whichever vehicle serves it (the classic VRP customer; used for benchmarks).
    load
        Space taken on board per dimension, e.g. ``seats=1`` or ``wheelchairs=1, seats=1``.
    ride
        Maximum ride time rule.
    solo
        *Enekørsel*: nobody else may be on board while this passenger is.
    not_with
        Ids of requests that may not be on board at the same time as this one.
    skills
        Vehicle skills required, e.g. ``lift``, ``child_certificate``.
    area
        The befordringsområde (or any grouping of trips the scenario uses) by the scenario's own
        id, e.g. ``"7"`` or ``"north"``, or None. Reports group and order by it (``area_sort_key``).
    days
        Weekdays the trip recurs on (``mon`` ... ``sun``); empty: every day of the scenario.
    channel
        How the trip is bought today (one of ``CHANNELS``), or None; the costing layer
        prices a baseline with it.
    passenger
        Who travels (several requests share it: the morning and afternoon legs).
    vehicles
        The vehicles allowed to serve it, by id (a passenger pinned to their usual vehicle, e.g.
        by the week planner); empty: any vehicle with the skills and room.
    """

    id: str
    pickup: Visit | None
    dropoff: Visit
    load: Quantities = field(default_factory=lambda: Quantities.of(seats=1))
    ride: RideTimeRule = field(default_factory=RideTimeRule)
    solo: bool = False
    not_with: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    area: str | None = None
    label: str = ""
    days: frozenset[str] = frozenset()
    channel: str | None = None
    passenger: str = ""
    vehicles: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        where = f"Request {self.id!r}"
        problems: list[Problem] = []
        if not self.id:
            problems.append(Problem("E304", "Request.id", "the id is empty", "Give every request a non-empty id."))
        if self.pickup is not None and self.pickup.location == self.dropoff.location:
            problems.append(
                Problem(
                    "E305",
                    f"{where}.dropoff.location",
                    f"drop-off is the pickup location {self.pickup.location!r}",
                    "A trip must go somewhere else.",
                )
            )
        if not any(amount > 0 for _, amount in self.load):
            problems.append(
                Problem(
                    "E306",
                    f"{where}.load",
                    f"{self.load.as_dict()!r} takes no space",
                    "A passenger takes at least one seat or wheelchair place.",
                )
            )
        if self.id in self.not_with:
            problems.append(
                Problem("E307", f"{where}.not_with", "names the request itself", "List only other requests.")
            )
        if self.area is not None and (not isinstance(self.area, str) or not self.area.strip()):
            problems.append(
                Problem("E308", f"{where}.area", f"{self.area!r} is not an area id", "Give a non-empty text or number.")
            )
        elif self.area == TOTAL_AREA:
            problems.append(
                Problem(
                    "E308",
                    f"{where}.area",
                    f"{TOTAL_AREA!r} is reserved for the totals of a comparison",
                    "Give the area another id.",
                )
            )
        for day in sorted(self.days - set(WEEKDAYS)):
            problems.append(
                Problem("E318", f"{where}.days", f"{day!r} is not a weekday code", f"Use {', '.join(WEEKDAYS)}.")
            )
        if self.channel is not None and self.channel not in CHANNELS:
            problems.append(
                Problem(
                    "E319",
                    f"{where}.channel",
                    f"{self.channel!r} is not a channel",
                    f"Use one of {', '.join(CHANNELS)}.",
                )
            )
        if self.pickup is None and self.ride.is_limited:
            problems.append(
                Problem(
                    "E316",
                    f"{where}.max_ride",
                    "a depot delivery (no pickup) cannot have a ride limit",
                    "Give the request a pickup visit, or drop the limit.",
                )
            )
        if self.pickup is None and (self.solo or self.not_with):
            problems.append(
                Problem(
                    "E317",
                    f"{where}",
                    "a depot delivery (no pickup) cannot be solo or have not_with",
                    "Give the request a pickup visit.",
                )
            )
        if (
            self.pickup
            and self.pickup.window
            and self.dropoff.window
            and self.dropoff.window.end_s < self.pickup.window.start_s
        ):
            problems.append(
                Problem(
                    "E309",
                    f"{where}.dropoff.window",
                    f"closes ({format_clock(self.dropoff.window.end_s)}) "
                    f"before the pickup window opens ({format_clock(self.pickup.window.start_s)})",
                    "Check the two windows.",
                )
            )
        _raise(problems)

    def allows(self, vehicle_id: str) -> bool:
        """True when the vehicle ``vehicle_id`` may serve this request (``vehicles`` empty or naming it)."""
        return not self.vehicles or vehicle_id in self.vehicles

    @property
    def visits(self) -> tuple[Visit, ...]:
        """The request's visits: pickup (if any) and drop-off."""
        return (self.dropoff,) if self.pickup is None else (self.pickup, self.dropoff)


@dataclass(frozen=True, slots=True)
class VehicleType:
    """A kind of vehicle: capacity, skills, travel profile and costs.

    Costs steer the solver's objective; they are not the invoice (see ``routing.costing``).

    Parameters
    ----------
    capacity
        Places per load dimension.
    skills
        What the vehicle offers, e.g. ``lift``.
    fuel
        ``diesel``, ``petrol``, ``hvo`` or ``electric``.
    profile
        Name of the travel profile (matrix) vehicles of this type use.
    fixed_cost_dkk, cost_per_hour_dkk, cost_per_km_dkk
        Cost per vehicle used, per hour of route duration and per km driven.
    hours_from
        Where the paid hours start and end: ``depot`` (leaving the depot to the return) or
        ``first_stop`` (first pickup to last drop-off; deadhead unpaid, as on Flexrute).
    max_duration_s
        Maximum route duration in seconds. Default: none.
    channel
        How vehicles of this type are bought (one of ``CHANNELS``), or None.
    """

    id: str
    capacity: Quantities
    profile: str = "car"
    skills: frozenset[str] = frozenset()
    fuel: str = "diesel"
    fixed_cost_dkk: float = 0.0
    cost_per_hour_dkk: float = 0.0
    cost_per_km_dkk: float = 0.0
    max_duration_s: int | None = None
    label: str = ""
    channel: str | None = None
    hours_from: str = "depot"

    FUELS = ("diesel", "petrol", "hvo", "electric")
    HOURS_FROM = ("depot", "first_stop")

    def __post_init__(self) -> None:
        where = f"VehicleType {self.id!r}"
        problems: list[Problem] = []
        if not self.id:
            problems.append(
                Problem("E210", "VehicleType.id", "the id is empty", "Give every vehicle type a non-empty id.")
            )
        if not any(amount > 0 for _, amount in self.capacity):
            problems.append(
                Problem(
                    "E211",
                    f"{where}.capacity",
                    f"{self.capacity.as_dict()!r} has no room",
                    "Give at least one positive capacity, e.g. seats: 4.",
                )
            )
        if self.fuel not in self.FUELS:
            problems.append(
                Problem("E212", f"{where}.fuel", f"unknown fuel {self.fuel!r}", f"Use one of {', '.join(self.FUELS)}.")
            )
        for name in ("fixed_cost_dkk", "cost_per_hour_dkk", "cost_per_km_dkk"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                problems.append(
                    Problem("E213", f"{where}.{name}", f"{value!r} is not a cost", "Give a cost of 0 or more DKK.")
                )
        if self.channel is not None and self.channel not in CHANNELS:
            problems.append(
                Problem(
                    "E217",
                    f"{where}.channel",
                    f"{self.channel!r} is not a channel",
                    f"Use one of {', '.join(CHANNELS)}.",
                )
            )
        if self.hours_from not in self.HOURS_FROM:
            problems.append(
                Problem(
                    "E218",
                    f"{where}.hours_from",
                    f"{self.hours_from!r} is not understood",
                    f"Use one of {', '.join(self.HOURS_FROM)}.",
                )
            )
        if self.max_duration_s is not None and self.max_duration_s <= 0:
            problems.append(
                Problem(
                    "E214",
                    f"{where}.max_duration_s",
                    f"{self.max_duration_s!r} is not positive",
                    "Give a maximum route duration above 0, or none.",
                )
            )
        _raise(problems)


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One vehicle (one vognløb): its type, start and end depot and shift."""

    id: str
    type: str
    start: str
    end: str
    shift: TimeWindow = OPEN_WINDOW
    max_duration_s: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            _raise([Problem("E220", "Vehicle.id", "the id is empty", "Give every vehicle a non-empty id.")])
        if self.max_duration_s is not None and self.max_duration_s <= 0:
            _raise(
                [
                    Problem(
                        "E214",
                        f"Vehicle {self.id!r}.max_duration_s",
                        f"{self.max_duration_s!r} is not positive",
                        "Give a maximum route duration above 0, or none.",
                    )
                ]
            )


#: Farthest a location may lie from the road network of an osm profile, in metres (``max_snap_m``): a
#: door, yard or farm track away from the nearest mapped road, not a location outside the extract.
DEFAULT_MAX_SNAP_M = 500.0


@dataclass(frozen=True, slots=True)
class TravelProfile:
    """How travel distance and time are computed between locations.

    ``kind='geodesic'`` (lat/lon): distance = great-circle distance × ``circuity``;
    time from ``speed_bands``: ``((up_to_m, speed_kph), ...)`` applied to successive
    parts of each trip (the last band's ``up_to_m`` is None = unbounded), e.g. the
    first 2 km at 30 km/h, up to 10 km at 50 km/h, beyond at 70 km/h.

    ``kind='euclidean'`` (x/y): distance = Euclidean distance × ``scale`` (integer
    units per coordinate unit), time = distance; with ``truncate_decimals`` the
    distance is truncated to that many decimals first (DIMACS: 1).

    ``kind='osm'`` (lat/lon): fastest paths on the roads of the OpenStreetMap extract ``osm_file`` (an
    absolute path once built), each road at its speed limit, capped at ``speed_cap_kph`` (the vehicle's
    legal or practical top speed, e.g. 80 km/h for a bus over 3.5 t: Færdselsloven § 43); a location
    farther than ``max_snap_m`` metres from every road is an error. ``circuity`` and ``speed_bands`` are
    not used.
    """

    name: str
    kind: str = "geodesic"
    circuity: float = 1.3
    speed_bands: tuple[tuple[int | None, float], ...] = ((None, 40.0),)
    scale: int = 1
    truncate_decimals: int | None = None
    osm_file: str | None = None
    speed_cap_kph: float | None = None
    max_snap_m: float = DEFAULT_MAX_SNAP_M

    KINDS = ("geodesic", "euclidean", "osm")

    def __post_init__(self) -> None:
        where = f"TravelProfile {self.name!r}"
        problems: list[Problem] = []
        if self.kind not in self.KINDS:
            problems.append(
                Problem("E510", f"{where}.kind", f"unknown kind {self.kind!r}", f"Use one of {', '.join(self.KINDS)}.")
            )
        if not (math.isfinite(self.circuity) and self.circuity >= 1.0):
            problems.append(
                Problem(
                    "E511",
                    f"{where}.circuity",
                    f"{self.circuity!r} is below 1",
                    "Road distance is at least the straight line: give 1.0 or more.",
                )
            )
        if not self.speed_bands:
            problems.append(
                Problem("E512", f"{where}.speed_bands", "is empty", "Give at least one band, e.g. [[null, 40]].")
            )
        previous = 0
        for i, (up_to_m, speed) in enumerate(self.speed_bands):
            last = i == len(self.speed_bands) - 1
            if not (math.isfinite(speed) and speed > 0):
                problems.append(
                    Problem(
                        "E513",
                        f"{where}.speed_bands[{i}]",
                        f"speed {speed!r} is not a positive finite number",
                        "Give a speed in km/h above 0.",
                    )
                )
            if last and up_to_m is not None:
                problems.append(
                    Problem(
                        "E514",
                        f"{where}.speed_bands[{i}]",
                        f"last band ends at {up_to_m!r} m",
                        "The last band has no end: write null.",
                    )
                )
            if not last and (up_to_m is None or up_to_m <= previous):
                problems.append(
                    Problem(
                        "E514",
                        f"{where}.speed_bands[{i}]",
                        f"band end {up_to_m!r} does not grow",
                        "Band ends must increase; only the last is null.",
                    )
                )
            previous = up_to_m or previous
        if self.scale < 1:
            problems.append(
                Problem("E515", f"{where}.scale", f"{self.scale!r} is below 1", "Give a whole number of 1 or more.")
            )
        problems += self._osm_problems(where)
        if self.truncate_decimals is not None and self.truncate_decimals < 0:
            problems.append(
                Problem(
                    "E516",
                    f"{where}.truncate_decimals",
                    f"{self.truncate_decimals!r} is negative",
                    "Give 0 or more decimals, or none.",
                )
            )
        _raise(problems)

    def _osm_problems(self, where: str) -> list[Problem]:
        """The road-network settings: a file exactly for ``kind='osm'``, a positive cap and snap limit."""
        problems: list[Problem] = []
        if (self.kind == "osm") != (self.osm_file is not None):
            cause = "an osm profile names no file" if self.kind == "osm" else f"a {self.kind} profile names a file"
            problems.append(
                Problem("E524", f"{where}.osm_file", cause, "Give file: PATH.osm exactly on kind: osm profiles.")
            )
        if self.speed_cap_kph is not None and not (math.isfinite(self.speed_cap_kph) and self.speed_cap_kph > 0):
            problems.append(
                Problem("E525", f"{where}.speed_cap_kph", f"{self.speed_cap_kph!r} is not above 0", "Give km/h.")
            )
        if not (math.isfinite(self.max_snap_m) and self.max_snap_m > 0):
            problems.append(
                Problem("E526", f"{where}.max_snap_m", f"{self.max_snap_m!r} is not above 0", "Give metres.")
            )
        return problems


class _Identified(Protocol):
    """Anything with a string id."""

    @property
    def id(self) -> str:
        """The object's id."""
        ...


_Item = TypeVar("_Item", bound=_Identified)


@dataclass(frozen=True, slots=True)
class _Lookups:
    """A scenario's objects by id (profiles by name), built once when the scenario is made."""

    locations: dict[str, Location]
    vehicle_types: dict[str, VehicleType]
    requests: dict[str, Request]
    vehicles: dict[str, Vehicle]
    profiles: dict[str, TravelProfile]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole planning problem: places, demand, fleet, travel profiles and solver settings.

    Cross-references (locations, vehicle types, profiles, ``not_with`` ids) are
    checked here, so a ``Scenario`` that exists is internally consistent.
    """

    name: str
    locations: tuple[Location, ...]
    requests: tuple[Request, ...]
    vehicle_types: tuple[VehicleType, ...]
    vehicles: tuple[Vehicle, ...]
    profiles: tuple[TravelProfile, ...] = (TravelProfile("car"),)
    reference_profile: str = "car"
    #: The scenario's solver settings as plain data (the ``solver:`` block, validated at load);
    #: the solve layer reads them with ``routing.solve.params.SolveParams.of(scenario)``.
    solver: Mapping[str, object] = field(default_factory=dict, hash=False)
    description: str = ""
    #: Free-form facts carried with the scenario (sources, calibration targets, demand that is
    #: counted but not routed); never read by the solver.
    meta: Mapping[str, object] = field(default_factory=dict, compare=False)
    #: Overrides of the cost and emission parameters (``routing.costing.params``), by key path.
    costing: Mapping[str, object] = field(default_factory=dict, compare=False)
    _by_id: _Lookups = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _raise(list(_scenario_problems(self)))
        lookups = _Lookups(
            locations=_index(self.locations),
            vehicle_types=_index(self.vehicle_types),
            requests=_index(self.requests),
            vehicles=_index(self.vehicles),
            profiles={p.name: p for p in self.profiles},
        )
        object.__setattr__(self, "_by_id", lookups)

    # Lookups -----------------------------------------------------------------
    def location(self, location_id: str) -> Location:
        """The location with this id."""
        return self._by_id.locations[location_id]

    def vehicle_type(self, type_id: str) -> VehicleType:
        """The vehicle type with this id."""
        return self._by_id.vehicle_types[type_id]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """The vehicle with this id."""
        return self._by_id.vehicles[vehicle_id]

    def profile(self, name: str) -> TravelProfile:
        """The travel profile with this name."""
        return self._by_id.profiles[name]

    def request(self, request_id: str) -> Request:
        """The request with this id."""
        return self._by_id.requests[request_id]

    @property
    def dimensions(self) -> tuple[str, ...]:
        """All load dimensions named by any vehicle type, sorted."""
        names: set[str] = set()
        for vt in self.vehicle_types:
            names.update(vt.capacity.dimensions)
        return tuple(sorted(names))

    def for_day(self, day: str) -> Scenario:
        """The scenario of one weekday: requests that recur on ``day`` (or on every day).

        ``not_with`` rules keep only partners travelling that day.
        """
        if day not in WEEKDAYS:
            _raise([Problem("E320", "day", f"{day!r} is not a weekday code", f"Use one of {', '.join(WEEKDAYS)}.")])
        return replace(
            self.restricted(r for r in self.requests if not r.days or day in r.days), name=f"{self.name} ({day})"
        )

    def restricted(self, requests: Iterable[Request], vehicles: Iterable[Vehicle] | None = None) -> Scenario:
        """The scenario with only ``requests`` (and ``vehicles``, if given); ``not_with`` keeps partners inside."""
        kept = list(requests)
        ids = {r.id for r in kept}
        kept = [r if r.not_with <= ids else replace(r, not_with=r.not_with & ids) for r in kept]
        return replace(self, requests=tuple(kept), vehicles=self.vehicles if vehicles is None else tuple(vehicles))

    def not_together_pairs(self) -> set[tuple[str, str]]:
        """Pairs ``(a, b)`` with ``a < b`` that may not be on board together (``not_with`` is symmetric)."""
        return {(min(r.id, other), max(r.id, other)) for r in self.requests for other in r.not_with}

    @property
    def horizon_s(self) -> int:
        """Latest time any window or shift allows (at least 48 h; unbounded shifts give ``MAX_TIME``)."""
        ends = [v.shift.end_s for v in self.vehicles]
        ends += [v.window.end_s for r in self.requests for v in r.visits if v.window]
        return max([MAX_CLOCK_S, *ends])

    @property
    def is_planar(self) -> bool:
        """True when the locations are planar x/y points."""
        return bool(self.locations) and self.locations[0].is_planar


def _index(items: Iterable[_Item]) -> dict[str, _Item]:
    return {item.id: item for item in items}


def _duplicates(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for i in ids:
        if i in seen and i not in dups:
            dups.append(i)
        seen.add(i)
    return dups


def _scenario_problems(s: Scenario) -> Iterator[Problem]:
    """Problems across the scenario's parts: duplicate ids, unknown profiles, types, locations and requests."""
    yield from _duplicate_problems(s)
    profile_names = [p.name for p in s.profiles]
    if s.reference_profile not in profile_names:
        yield Problem(
            "E518",
            "Scenario.reference_profile",
            f"unknown profile {s.reference_profile!r}",
            f"Use one of {', '.join(profile_names)}.",
        )
    if s.locations and len({loc.is_planar for loc in s.locations}) > 1:
        yield Problem(
            "E105",
            "Scenario.locations",
            "mixes lat/lon and x/y locations",
            "Use one kind of coordinates in a scenario.",
        )
    yield from _fleet_problems(s, profile_names)
    yield from _request_problems(s)


def _duplicate_problems(s: Scenario) -> Iterator[Problem]:
    """Ids (and profile names) used more than once."""
    for kind, items in (
        ("Location", s.locations),
        ("Request", s.requests),
        ("VehicleType", s.vehicle_types),
        ("Vehicle", s.vehicles),
    ):
        for dup in _duplicates(item.id for item in items):
            yield Problem("E001", f"{kind} {dup!r}", "the id is used more than once", "Ids must be unique.")
    for dup in _duplicates(p.name for p in s.profiles):
        yield Problem(
            "E517", f"TravelProfile {dup!r}", "the name is used more than once", "Profile names must be unique."
        )


def _fleet_problems(s: Scenario, profile_names: list[str]) -> Iterator[Problem]:
    """Vehicle types on unknown profiles; vehicles of unknown types or at unknown depots."""
    location_ids = {loc.id for loc in s.locations}
    type_ids = {vt.id for vt in s.vehicle_types}
    for vt in s.vehicle_types:
        if vt.profile not in profile_names:
            yield Problem(
                "E215",
                f"VehicleType {vt.id!r}.profile",
                f"unknown profile {vt.profile!r}",
                f"Use one of {', '.join(profile_names)}.",
            )
    for v in s.vehicles:
        if v.type not in type_ids:
            yield Problem(
                "E221",
                f"Vehicle {v.id!r}.type",
                f"unknown vehicle type {v.type!r}",
                f"Use one of {', '.join(sorted(type_ids)) or '(none defined)'}.",
            )
        for end in ("start", "end"):
            if getattr(v, end) not in location_ids:
                yield Problem(
                    "E222",
                    f"Vehicle {v.id!r}.{end}",
                    f"unknown location {getattr(v, end)!r}",
                    "Name a location defined under locations.",
                )


def _request_problems(s: Scenario) -> Iterator[Problem]:
    """Requests at unknown locations, not with unknown requests, or loading a dimension no vehicle has."""
    location_ids = {loc.id for loc in s.locations}
    request_ids = {r.id for r in s.requests}
    dims = set(s.dimensions)
    for r in s.requests:
        for end in ("pickup", "dropoff"):
            visit = getattr(r, end)
            loc = visit.location if visit else None
            if visit and loc not in location_ids:
                yield Problem(
                    "E313",
                    f"Request {r.id!r}.{end}.location",
                    f"unknown location {loc!r}",
                    "Name a location defined under locations.",
                )
        for other in sorted(r.not_with - request_ids):
            yield Problem(
                "E314",
                f"Request {r.id!r}.not_with",
                f"unknown request {other!r}",
                "Name requests defined under requests.",
            )
        for dim in r.load.dimensions:
            if dim not in dims and r.load.get(dim) > 0:
                yield Problem(
                    "E315",
                    f"Request {r.id!r}.load.{dim}",
                    f"no vehicle type has the dimension {dim!r}",
                    f"Use one of {', '.join(sorted(dims))}, or add it to a vehicle type's capacity.",
                )
