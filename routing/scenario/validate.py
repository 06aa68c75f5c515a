"""Structural validation of a scenario dict: known keys, types and value formats, with YAML paths.

Collects every problem before raising, so a user sees all of them at once.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from routing.exceptions import Problem
from routing.model import CHANNELS, LATITUDE, LONGITUDE, WEEKDAYS
from routing.scenario.bounds import (
    MAX_AMOUNT,
    MAX_BAND_KM,
    MAX_CIRCUITY,
    MAX_DECIMALS,
    MAX_DKK,
    MAX_MINUTES,
    MAX_PLANAR,
    MAX_RELATIVE_DETOUR,
    MAX_SCALE,
    MAX_SNAP_M,
    MAX_SPEED_KPH,
    MIN_SPEED_KPH,
    Limits,
    active_limits,
    how_to_raise,
)
from routing.solve.params import BACKENDS, OBJECTIVES, Pipeline
from routing.units import parse_clock, sexagesimal_clock

Check = Callable[[Any, str, list[Problem]], None]


@dataclass(frozen=True)
class Key:
    """One allowed key: its check and whether it must be present."""

    check: Check
    required: bool = False


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def key_path(path: str, key: Any) -> str:
    """The path of ``key`` under ``path``; a key that is no plain name is quoted, so that the path never is empty.

    Examples: ``vehicles[0].typ``, ``' name'`` (a key with spaces around it), ``requests[0].''`` (an empty key),
    ``solver.None`` (YAML's ``~`` as a key).
    """
    plain = not isinstance(key, str) or (key != "" and key.strip() == key)
    name = str(key) if plain else repr(key)
    return f"{path}.{name}" if path else name


def mapping(schema: dict[str, Key], code: str = "E010") -> Check:
    """A mapping with exactly the keys of ``schema`` (unknown keys are errors with a hint)."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, dict):
            problems.append(
                Problem(
                    code, path, f"{_describe(value)} is not a mapping", f"Give a mapping with keys {', '.join(schema)}."
                )
            )
            return
        for key in value:
            if key not in schema:
                hint = difflib.get_close_matches(str(key), list(schema), n=1)
                fix = f"Did you mean '{hint[0]}'?" if hint else f"Allowed keys: {', '.join(schema)}."
                problems.append(Problem("E011", key_path(path, key), "unknown key", fix))
        for key, spec in schema.items():
            sub = f"{path}.{key}" if path else key
            if key in value and value[key] is not None:
                spec.check(value[key], sub, problems)
            elif spec.required and key not in value:
                problems.append(Problem("E012", sub, "is missing", "This key is required."))
            elif spec.required:
                problems.append(Problem("E012", sub, "is empty (null)", "Give a value."))

    return check


def list_of(item: Check, min_items: int = 0) -> Check:
    """A list whose items all pass ``item``."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, list):
            problems.append(
                Problem(
                    "E013", path, f"{_describe(value)} is not a list", "Give a YAML list (lines starting with '- ')."
                )
            )
            return
        if len(value) < min_items:
            problems.append(Problem("E014", path, f"has {len(value)} items", f"Give at least {min_items}."))
        for i, element in enumerate(value):
            item(element, f"{path}[{i}]", problems)

    return check


def dict_of(item: Check) -> Check:
    """A mapping from free names to values that pass ``item``."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, dict):
            problems.append(
                Problem("E010", path, f"{_describe(value)} is not a mapping", "Give a mapping of names to values.")
            )
            return
        for key, element in value.items():
            if not isinstance(key, str) or not key:
                problems.append(
                    Problem(
                        "E015", key_path(path, key), "the name is not a non-empty text", "Use names such as 'seats'."
                    )
                )
            item(element, key_path(path, key), problems)

    return check


def _bound(x: float) -> str:
    """A range end as written in messages: ``90``, ``0.5``, ``1,000,000``."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _range_text(minimum: float | None, exclusive: bool, maximum: float | None) -> str:
    """``from 0 to 2,880``, ``above 0``, ``0 or more``, ``above 0 and at most 300``, ``at most 5``."""
    if minimum is not None and maximum is not None:
        if exclusive:
            return f"above {_bound(minimum)} and at most {_bound(maximum)}"
        return f"from {_bound(minimum)} to {_bound(maximum)}"
    if minimum is not None:
        return f"above {_bound(minimum)}" if exclusive else f"{_bound(minimum)} or more"
    return "" if maximum is None else f"at most {_bound(maximum)}"


def number(
    minimum: float | None = None,
    exclusive: bool = False,
    integer: bool = False,
    code: str = "E020",
    maximum: float | None = None,
    range_code: str | None = None,
) -> Check:
    """A finite number (never a bool, inf or nan), optionally whole and within ``[minimum, maximum]``.

    ``exclusive`` makes the minimum itself out of range. ``code`` is reported for a value of the wrong
    type, ``range_code`` (default: ``code``) for one that is not finite or out of range. YAML's ``.inf``,
    ``-.inf`` and ``.nan`` and decimals beyond a float's range (``1.0e+400``) are refused: a limit that
    means "none" is left out.
    """
    allowed = _range_text(minimum, exclusive, maximum)

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        kind = "a whole number" if integer else "a number"
        fix = f"Give {kind} {allowed}." if allowed else f"Give {kind}."
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type:
            problems.append(Problem(code, path, f"{_describe(value)} is not {kind}", fix))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(Problem(range_code or code, path, f"{value!r} is not a finite number", fix))
        elif (minimum is not None and (value <= minimum if exclusive else value < minimum)) or (
            maximum is not None and value > maximum
        ):
            problems.append(Problem(range_code or code, path, f"{value!r} is out of range", fix))

    return check


def text(choices: tuple[str, ...] | None = None, code: str = "E021") -> Check:
    """A non-empty string, optionally from a fixed set."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(code, path, f"{_describe(value)} is not a non-empty text", "Give a text value."))
        elif choices is not None and value not in choices:
            hint = difflib.get_close_matches(value, list(choices), n=1)
            fix = f"Did you mean '{hint[0]}'?" if hint else f"Use one of {', '.join(choices)}."
            problems.append(Problem(code, path, f"unknown value {value!r}", fix))

    return check


def identifier(value: Any, path: str, problems: list[Problem]) -> None:
    """An id: a non-empty string or an integer (integers are read as their text)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, str) and not value.strip()):
        problems.append(Problem("E022", path, f"{_describe(value)} is not an id", "Give a non-empty text or number."))


def boolean(value: Any, path: str, problems: list[Problem]) -> None:
    """True or false."""
    if not isinstance(value, bool):
        problems.append(Problem("E023", path, f"{_describe(value)} is not true/false", "Write true or false."))


def clock(value: Any, path: str, problems: list[Problem]) -> None:
    """A time of day ``"HH:MM"``.

    An unquoted ``7:40`` (or ``10:30``) is read by YAML 1.1 as the base-60 number 460 (630); it is
    refused with the time it was meant to be. ``07:40``, with its leading zero, stays text.
    """
    meant = sexagesimal_clock(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if meant is not None:
        quoted = meant if meant.index(":") >= 2 else "0" + meant
        problems.append(
            Problem(
                "E024",
                path,
                f"{value!r} is not a time: YAML reads an unquoted {meant} as the number {value} (base 60)",
                f"Quote the time, e.g. '{quoted}'.",
            )
        )
        return
    if not isinstance(value, str):
        problems.append(
            Problem(
                "E024", path, f"{_describe(value)} is not a time of day", "Write it in quotes as 'HH:MM', e.g. '07:45'."
            )
        )
        return
    try:
        parse_clock(value)
    except ValueError as exc:
        problems.append(Problem("E024", path, str(exc), "Write it as 'HH:MM'."))


def window(value: Any, path: str, problems: list[Problem]) -> None:
    """A time window ``["HH:MM", "HH:MM"]`` that does not close before it opens."""
    if not isinstance(value, list) or len(value) != 2:
        problems.append(
            Problem("E025", path, f"{_describe(value)} is not a window", "Give two times: ['07:30', '08:00'].")
        )
        return
    before = len(problems)
    clock(value[0], f"{path}[0]", problems)
    clock(value[1], f"{path}[1]", problems)
    if len(problems) == before and parse_clock(value[1]) < parse_clock(value[0]):
        problems.append(
            Problem(
                "E302",
                path,
                f"window closes ({value[1]}) before it opens ({value[0]})",
                "Swap the times or widen the window.",
            )
        )


def string_list(value: Any, path: str, problems: list[Problem]) -> None:
    """A list of ids/names."""
    list_of(identifier)(value, path, problems)


def _free_mapping(value: Any, path: str, problems: list[Problem]) -> None:
    """Any mapping (free-form facts such as sources and calibration targets)."""
    if not isinstance(value, dict):
        problems.append(
            Problem(
                "E010", path, f"{_describe(value)} is not a mapping", "Give key: value pairs, or leave the key out."
            )
        )


# --- The scenario schema ----------------------------------------------------------
# Value ranges are defined once, in routing.scenario.bounds (with why each bound is what it is).

#: Money in DKK (costs and prices).
DKK = number(0, maximum=MAX_DKK)
#: A duration in minutes (service, tolerated detour).
MINUTES = number(0, maximum=MAX_MINUTES)
#: A limit in minutes (ride, duty): above 0; leave the key out for none.
LIMIT_MINUTES = number(0, exclusive=True, maximum=MAX_MINUTES)
#: A speed in km/h.
SPEED = number(MIN_SPEED_KPH, maximum=MAX_SPEED_KPH)
#: WGS84 degrees (out of range: E103, the model's code for a bad coordinate).
LATITUDE_CHECK = number(LATITUDE[0], maximum=LATITUDE[1], range_code="E103")
LONGITUDE_CHECK = number(LONGITUDE[0], maximum=LONGITUDE[1], range_code="E103")
#: A planar (benchmark) coordinate (out of range: E104, as the model's).
PLANAR = number(-MAX_PLANAR, maximum=MAX_PLANAR, range_code="E104")

_PROFILE_KEYS = mapping(
    {
        "kind": Key(text(("geodesic", "euclidean", "osm"))),
        "circuity": Key(number(1.0, maximum=MAX_CIRCUITY)),
        "speed_kph": Key(lambda v, p, pr: (SPEED if not isinstance(v, list) else list_of(_speed_band, 1))(v, p, pr)),
        "scale": Key(number(1, integer=True, maximum=MAX_SCALE)),
        "truncate_decimals": Key(number(0, integer=True, maximum=MAX_DECIMALS)),
        "file": Key(text()),
        "speed_cap_kph": Key(SPEED),
        "max_snap_m": Key(number(0, exclusive=True, maximum=MAX_SNAP_M)),
    }
)

#: Keys that only a road-network profile reads, and the ones it does not read.
_OSM_ONLY = ("file", "speed_cap_kph", "max_snap_m")
_NOT_OSM = ("circuity", "speed_kph", "scale", "truncate_decimals")


def PROFILE(value: Any, path: str, problems: list[Problem]) -> None:  # noqa: N802 (a schema constant, as its peers)
    """A travel profile: its keys, and which of them its ``kind`` reads (E524 file, E532 others)."""
    _PROFILE_KEYS(value, path, problems)
    if not isinstance(value, dict):
        return
    is_osm = value.get("kind") == "osm"
    if is_osm and value.get("file") is None:
        problems.append(
            Problem(
                "E524", f"{path}.file", "is missing", "A kind: osm profile needs file: PATH.osm (relative to the file)."
            )
        )
    for key in _NOT_OSM if is_osm else _OSM_ONLY:
        if key in value:
            problems.append(
                Problem(
                    "E524" if key == "file" else "E532",
                    f"{path}.{key}",
                    f"is not read by a kind: {value.get('kind', 'geodesic')} profile",
                    "Remove it, or use kind: osm." if not is_osm else "Remove it: road speeds come from the extract.",
                )
            )


def _speed_band(value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, list) or len(value) != 2:
        problems.append(
            Problem(
                "E512",
                path,
                f"{_describe(value)} is not a band",
                "Give [up_to_km, speed_kph]; the last band's up_to_km is null.",
            )
        )
        return
    if value[0] is not None:
        number(0, exclusive=True, maximum=MAX_BAND_KM)(value[0], f"{path}[0]", problems)
    SPEED(value[1], f"{path}[1]", problems)


LOCATION = mapping(
    {
        "id": Key(identifier, required=True),
        "name": Key(text()),
        "kind": Key(text()),
        "lat": Key(LATITUDE_CHECK),
        "lon": Key(LONGITUDE_CHECK),
        "x": Key(PLANAR),
        "y": Key(PLANAR),
    }
)

VEHICLE_TYPE = mapping(
    {
        "id": Key(identifier, required=True),
        "label": Key(text()),
        "capacity": Key(dict_of(number(0, integer=True, code="E201", maximum=MAX_AMOUNT)), required=True),
        "profile": Key(text()),
        "skills": Key(string_list),
        "fuel": Key(text(("diesel", "petrol", "hvo", "electric"))),
        "fixed_cost_dkk": Key(DKK),
        "cost_per_hour_dkk": Key(DKK),
        "cost_per_km_dkk": Key(DKK),
        "max_duration_min": Key(LIMIT_MINUTES),
        "channel": Key(text(CHANNELS)),
        "hours_from": Key(text(("depot", "first_stop"))),
    }
)

VEHICLE = mapping(
    {
        "id": Key(identifier, required=True),
        "type": Key(identifier, required=True),
        "start": Key(identifier, required=True),
        "end": Key(identifier),
        "shift": Key(window),
        "max_duration_min": Key(LIMIT_MINUTES),
        "count": Key(number(1, integer=True)),  # its total is bounded by Limits.max_vehicles (check_sizes)
    }
)

RIDE = mapping(
    {
        "absolute_min": Key(LIMIT_MINUTES),
        "relative": Key(number(0, maximum=MAX_RELATIVE_DETOUR)),
        "min_extra_min": Key(MINUTES),
    }
)

VISIT = mapping(
    {
        "location": Key(identifier, required=True),
        "window": Key(window),
        "service_min": Key(MINUTES),
    }
)

REQUEST = mapping(
    {
        "id": Key(identifier, required=True),
        "label": Key(text()),
        "area": Key(identifier),
        "pickup": Key(VISIT),
        "dropoff": Key(VISIT, required=True),
        "load": Key(dict_of(number(0, integer=True, code="E306", maximum=MAX_AMOUNT))),
        "max_ride": Key(RIDE),
        "solo": Key(boolean),
        "not_with": Key(string_list),
        "skills": Key(string_list),
        "days": Key(list_of(text(WEEKDAYS))),
        "channel": Key(text(CHANNELS)),
        "passenger": Key(text()),
        "vehicles": Key(string_list),
    }
)

DEFAULTS = mapping(
    {
        "service_min": Key(MINUTES),
        "load": Key(dict_of(number(0, integer=True, maximum=MAX_AMOUNT))),
        "max_ride": Key(RIDE),
    }
)


def _pipeline_schema() -> Check:
    """The ``solver.pipeline`` block: one key per ``Pipeline`` field, typed as the field is (values: E52x)."""
    keys: dict[str, Key] = {}
    for f in fields(Pipeline):
        kind = str(f.type)
        if kind.startswith("tuple[str"):
            keys[f.name] = Key(list_of(text(), 1))
        elif kind.startswith("tuple["):
            keys[f.name] = Key(list_of(number(0), 1))
        else:
            keys[f.name] = Key(number(0, integer=kind == "int"))
    return mapping(keys)


def _parts(value: Any, path: str, problems: list[Problem]) -> None:
    """``solver.decompose``: any text or number here; ``SolveParams`` says which (E509, located by the builder)."""


SOLVER = mapping(
    {
        "time_limit_s": Key(number(0, exclusive=True)),
        "solution_limit": Key(number(1, integer=True)),
        "first_solution": Key(text()),
        "metaheuristic": Key(text()),
        "seed": Key(number(0, integer=True)),
        "objective": Key(text(OBJECTIVES)),
        "backend": Key(text(BACKENDS)),
        "workers": Key(number(1, integer=True)),
        "implied_windows": Key(boolean),
        "log_search": Key(boolean),
        "pipeline": Key(_pipeline_schema()),
        "decompose": Key(_parts),
        "executor": Key(text()),
    }
)

SCENARIO = mapping(
    {
        "schema": Key(text(("routing.scenario/1",))),
        "name": Key(text()),
        "description": Key(text()),
        "profiles": Key(dict_of(PROFILE)),
        "reference_profile": Key(text()),
        "defaults": Key(DEFAULTS),
        "locations": Key(list_of(LOCATION, 1), required=True),
        "vehicle_types": Key(list_of(VEHICLE_TYPE, 1), required=True),
        "vehicles": Key(list_of(VEHICLE, 1), required=True),
        "requests": Key(list_of(REQUEST), required=True),
        "solver": Key(SOLVER),
        "meta": Key(_free_mapping),
        "costing": Key(_free_mapping),
    }
)


def _count(spec: Any) -> int:
    """How many vehicles a ``vehicles:`` entry makes (a bad count is the schema's to report: 1)."""
    count = spec.get("count", 1) if isinstance(spec, dict) else 1
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 1 else 1


def check_sizes(data: dict[str, Any], limits: Limits | None = None) -> list[Problem]:
    """Refuse more locations (E106), vehicles (E223, after ``count``) or requests (E322) than ``limits`` allow.

    Checked before anything else, so that ``count: 1000000000`` is refused without making a vehicle.

    Parameters
    ----------
    data
        The scenario's YAML structure.
    limits
        The largest sizes accepted.

    Returns
    -------
    list[Problem]
        One problem per section over its limit (empty: fine).
    """
    limits = limits or active_limits()
    problems: list[Problem] = []
    for key, code, limit_name in (("locations", "E106", "max_locations"), ("requests", "E322", "max_requests")):
        items, limit = data.get(key), getattr(limits, limit_name)
        if isinstance(items, list) and len(items) > limit:
            problems.append(
                Problem(
                    code,
                    key,
                    f"has {len(items):,} {key}, more than the limit of {limit:,}",
                    f"Plan a smaller area or period, {how_to_raise(limit_name)}.",
                )
            )
    vehicles = data.get("vehicles")
    if isinstance(vehicles, list):
        counts = [_count(spec) for spec in vehicles]
        if sum(counts) > limits.max_vehicles:
            largest = max(range(len(counts)), key=counts.__getitem__)
            path = f"vehicles[{largest}].count" if counts[largest] > 1 else "vehicles"
            problems.append(
                Problem(
                    "E223",
                    path,
                    f"{counts[largest]:,} vehicles here make {sum(counts):,} in all, "
                    f"more than the limit of {limits.max_vehicles:,}",
                    f"Give the number of vehicles there are, {how_to_raise('max_vehicles')}.",
                )
            )
    return problems


def validate_scenario_dict(data: dict[str, Any], limits: Limits | None = None) -> list[Problem]:
    """Check a scenario dict's sizes and structure; return every problem found (empty list: fine).

    Sizes beyond ``limits`` are reported alone: the rest is not checked item by item.
    """
    problems = check_sizes(data, limits)
    if problems:
        return problems
    SCENARIO(data, "", problems)
    return problems
