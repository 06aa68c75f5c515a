"""Change files for re-planning a week (``routing.change/1``): read, check against the week, apply.

A change file lists what happened since the week was planned (``docs/change-format.md``)::

    schema: routing.change/1
    day: tue                      # the day being driven, for freeze_until
    freeze_until: "10:00"         # stops before this time on ``day`` are fixed
    changes:
      - {kind: add, request: {...a request as in a scenario...}}
      - {kind: cancel, passenger: a05-p001, days: [tue]}       # or request: <id>; from: wed
      - {kind: move_address, request: a05-p001-am, visit: pickup, location: {id: new_home, lat: 55.93, lon: 12.50}}
      - {kind: move_window, request: a05-p001-am, visit: pickup, window: ["07:30", "07:45"], days: [wed]}
      - {kind: vehicle_unavailable, vehicle: taxi-am-1, days: [tue], from: "10:00"}

Request changes are applied to the week's scenario data (a change on some days splits the request:
the changed days become a request of their own, ``<id>~<days>``, of the same passenger); vehicle
changes hold per day. Every problem is reported with the file, the key path, the value and the fix
(codes E701-E712), before anything is planned or written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.model import WEEKDAYS, Scenario
from routing.scenario.bounds import Limits
from routing.scenario.load import read_yaml
from routing.scenario.validate import (
    LATITUDE_CHECK,
    LONGITUDE_CHECK,
    REQUEST,
    Check,
    Key,
    clock,
    list_of,
    mapping,
    text,
    window,
)
from routing.studies.week import WORKING_DAYS
from routing.units import parse_clock

SCHEMA = "routing.change/1"
KINDS = ("add", "cancel", "move_address", "move_window", "vehicle_unavailable")

_LOCATION = mapping(
    {
        "id": Key(text(), required=True),
        "lat": Key(LATITUDE_CHECK, required=True),
        "lon": Key(LONGITUDE_CHECK, required=True),
        "name": Key(text()),
        "kind": Key(text()),
    }
)


def _location(value: Any, path: str, problems: list[Problem]) -> None:
    """A location id of the week, or a new location with its id and lat/lon."""
    if isinstance(value, dict):
        _LOCATION(value, path, problems)
    else:
        text()(value, path, problems)


_DAYS: Check = list_of(text(WEEKDAYS, code="E318"), min_items=1)
_CHANGE = mapping(
    {
        "kind": Key(text(KINDS, code="E702"), required=True),
        "request": Key(lambda v, p, pr: None),  # a request id, or for ``add`` a whole request (checked below)
        "passenger": Key(text()),
        "vehicle": Key(text()),
        "visit": Key(text(("pickup", "dropoff"), code="E705")),
        "location": Key(_location),
        "window": Key(window),
        "days": Key(_DAYS),
        "from": Key(lambda v, p, pr: None),  # a weekday (requests) or a time of day (vehicles): checked below
    }
)
_FILE = mapping(
    {
        "schema": Key(text((SCHEMA,), code="E701")),
        "day": Key(text(WEEKDAYS, code="E318")),
        "freeze_until": Key(clock),
        "changes": Key(list_of(_CHANGE, min_items=1), required=True),
    }
)
#: Keys each kind needs (besides ``kind``).
_NEEDS = {
    "add": ("request",),
    "cancel": (),
    "move_address": ("request", "visit", "location"),
    "move_window": ("request", "visit", "window"),
    "vehicle_unavailable": ("vehicle",),
}


@dataclass(frozen=True)
class VehicleOut:
    """A vehicle that cannot drive on ``day`` from ``from_s`` (0: the whole day)."""

    vehicle: str
    day: str
    from_s: int


@dataclass
class ChangeSet:
    """A change file applied: the new week's scenario data, and what the changes touched."""

    data: dict[str, Any]
    #: request id (new or old) -> (the change in words, the days it changes)
    touched: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    vehicles_out: list[VehicleOut] = field(default_factory=list)
    day: str | None = None
    freeze_until_s: int | None = None
    cancelled: dict[str, tuple[str, ...]] = field(default_factory=dict)  # request id -> days cancelled


def standalone(data: dict[str, Any], source: Path) -> dict[str, Any]:
    """Scenario data with its file references (``costing.table``, ``meta.plans``) absolute, to be saved elsewhere."""
    out = dict(data)
    for section, key in (("costing", "table"), ("meta", "plans")):
        block = out.get(section)
        if isinstance(block, dict) and isinstance(block.get(key), str) and not Path(block[key]).is_absolute():
            out[section] = {**block, key: str((source.parent / block[key]).resolve())}
    return out


def read_changes(path: str | Path, limits: Limits | None = None) -> dict[str, Any]:
    """Read a change file and check its structure (located ``ScenarioError`` on any problem).

    Parameters
    ----------
    path
        The change file.
    limits
        Largest file, deepest nesting and most nodes accepted (``read_yaml``). Default: ``DEFAULT_LIMITS``.

    Returns
    -------
    dict[str, Any]
        The file's structure, checked.

    Raises
    ------
    ScenarioError
        Every problem found, each with its code (E0xx, E7xx), key path, value and fix.
    """
    data = read_yaml(path, limits)
    problems: list[Problem] = []
    _FILE(data, "", problems)
    if not problems:
        for i, change in enumerate(data["changes"]):
            _check_kind(change, f"changes[{i}]", problems)
    if "freeze_until" in data and "day" not in data and not problems:
        problems.append(Problem("E703", "freeze_until", "is given without a day", "Add day: (e.g. tue)."))
    if problems:
        raise ScenarioError(problems, str(path))
    return data


def _check_kind(change: dict[str, Any], path: str, problems: list[Problem]) -> None:
    kind = change["kind"]
    for key in _NEEDS[kind]:
        if key not in change:
            problems.append(Problem("E704", f"{path}.{key}", "is missing", f"A {kind} change needs {key}."))
    if kind == "cancel" and ("request" in change) == ("passenger" in change):
        problems.append(Problem("E704", path, "names neither or both of request and passenger", "Give one."))
    if kind == "add" and "request" in change:
        REQUEST(change["request"], f"{path}.request", problems)
    elif "request" in change and not isinstance(change["request"], str):
        problems.append(Problem("E706", f"{path}.request", f"{change['request']!r} is not a request id", "Give an id."))
    if "from" in change:
        if kind == "vehicle_unavailable":
            clock(change["from"], f"{path}.from", problems)
        else:
            text(WEEKDAYS, code="E318")(change["from"], f"{path}.from", problems)
        if "days" in change and kind != "vehicle_unavailable":
            problems.append(Problem("E707", path, "gives both days and from", "Give the days, or the first day."))


def apply_changes(week_data: dict[str, Any], week: Scenario, changes: dict[str, Any], source: str) -> ChangeSet:
    """Apply a checked change file to the week's scenario data (a deep copy; ``week_data`` is not changed).

    Parameters
    ----------
    week_data
        The week scenario as data (``extends`` resolved).
    week
        The same week, built (to check names against).
    changes
        ``read_changes``'s result.
    source
        The change file's name, for errors.

    Returns
    -------
    ChangeSet
        The new data and what changed.

    Raises
    ------
    ScenarioError
        A change names an unknown request, passenger, vehicle or location, or adds an id that exists.
    """
    out = ChangeSet(copy.deepcopy(week_data), day=changes.get("day"))
    if "freeze_until" in changes:
        out.freeze_until_s = parse_clock(changes["freeze_until"])
    week_days = WORKING_DAYS
    problems: list[Problem] = []
    for i, change in enumerate(changes["changes"]):
        _apply_one(out, week, change, f"changes[{i}]", week_days, problems)
    if problems:
        raise ScenarioError(problems, source)
    return out


def _days_of(change: dict[str, Any], week_days: tuple[str, ...]) -> tuple[str, ...]:
    if "days" in change:
        return tuple(d for d in WEEKDAYS if d in change["days"])
    first = change.get("from")
    if first in week_days:
        return week_days[week_days.index(first) :]
    return week_days


def _apply_one(
    out: ChangeSet,
    week: Scenario,
    change: dict[str, Any],
    path: str,
    week_days: tuple[str, ...],
    problems: list[Problem],
) -> None:
    kind = change["kind"]
    requests: list[dict[str, Any]] = out.data["requests"]
    by_id = {str(r["id"]): r for r in requests}
    days = _days_of(change, week_days)
    if kind == "vehicle_unavailable":
        vid = change["vehicle"]
        if vid not in {v.id for v in week.vehicles}:
            problems.append(_unknown("E708", f"{path}.vehicle", "vehicle", vid, sorted(v.id for v in week.vehicles)))
            return
        from_s = parse_clock(change["from"]) if "from" in change else 0
        out.vehicles_out.extend(VehicleOut(vid, d, from_s) for d in days)
        return
    if kind == "add":
        spec = dict(change["request"])
        rid = str(spec["id"])
        if rid in by_id:
            problems.append(Problem("E709", f"{path}.request.id", f"{rid!r} exists already", "Give a new id."))
            return
        requests.append(spec)
        out.touched[rid] = ("added", tuple(d for d in week_days if not spec.get("days") or d in spec["days"]))
        return
    if kind == "cancel":
        _cancel(out, week, change, path, days, problems)
        return
    rid = change["request"]
    if rid not in by_id:
        problems.append(_unknown("E706", f"{path}.request", "request", rid, sorted(by_id)))
        return
    target = _split(requests, by_id[rid], days, week_days)
    visit = target.get(change["visit"])
    if visit is None:
        problems.append(Problem("E705", f"{path}.visit", f"request {rid!r} has no {change['visit']}", "Use dropoff."))
        return
    on = tuple(target.get("days") or week_days)
    if kind == "move_address":
        visit["location"] = _new_location(out.data, change["location"], f"{path}.location", problems)
        out.touched[str(target["id"])] = (f"{change['visit']} moved to {visit['location']}", on)
    else:
        visit["window"] = list(change["window"])
        out.touched[str(target["id"])] = (f"{change['visit']} window now {'-'.join(change['window'])}", on)


def _cancel(
    out: ChangeSet,
    week: Scenario,
    change: dict[str, Any],
    path: str,
    days: tuple[str, ...],
    problems: list[Problem],
) -> None:
    requests: list[dict[str, Any]] = out.data["requests"]
    if "passenger" in change:
        who = change["passenger"]
        ids = [str(r["id"]) for r in requests if str(r.get("passenger") or r["id"]) == who]
        if not ids:
            passengers = sorted({r.passenger or r.id for r in week.requests})
            problems.append(_unknown("E710", f"{path}.passenger", "passenger", who, passengers))
            return
    else:
        ids = [change["request"]]
        if ids[0] not in {str(r["id"]) for r in requests}:
            problems.append(
                _unknown("E706", f"{path}.request", "request", ids[0], sorted(str(r["id"]) for r in requests))
            )
            return
    for r in requests:
        if str(r["id"]) in ids:
            own = tuple(r.get("days") or WORKING_DAYS)
            gone = tuple(d for d in own if d in days)
            r["days"] = [d for d in own if d not in days]
            out.cancelled[str(r["id"])] = gone
            out.touched[str(r["id"])] = (f"cancelled on {', '.join(gone) or 'no day it travels'}", gone)
    out.data["requests"] = [r for r in requests if r.get("days") or str(r["id"]) not in ids]


def _split(
    requests: list[dict[str, Any]], spec: dict[str, Any], days: tuple[str, ...], week_days: tuple[str, ...]
) -> dict[str, Any]:
    """The request to change on ``days``: ``spec`` itself if it travels on no other day, else a copy for those days."""
    own = tuple(spec.get("days") or week_days)
    changed = tuple(d for d in own if d in days)
    if changed == own:
        return spec
    twin = copy.deepcopy(spec)
    twin["id"] = f"{spec['id']}~{'-'.join(changed)}"
    twin["days"] = list(changed)
    twin["passenger"] = spec.get("passenger") or spec["id"]
    spec["days"] = [d for d in own if d not in changed]
    requests.append(twin)
    return twin


def _new_location(data: dict[str, Any], value: Any, path: str, problems: list[Problem]) -> str:
    """The id of the location a change names; a new one (with lat/lon) is added to the data."""
    known = {str(loc["id"]) for loc in data["locations"]}
    if isinstance(value, str):
        if value not in known:
            problems.append(_unknown("E711", path, "location", value, sorted(known)))
        return value
    if str(value["id"]) in known:
        problems.append(Problem("E712", f"{path}.id", f"{value['id']!r} exists already", "Give a new id, or name it."))
    else:
        data["locations"].append({**value, "kind": value.get("kind", "home")})
    return str(value["id"])


def _unknown(code: str, path: str, what: str, value: str, known: list[str]) -> Problem:
    shown = ", ".join(known[:6]) + (" ..." if len(known) > 6 else "")
    return Problem(code, path, f"unknown {what} {value!r}", f"Name a {what} of the week, e.g. {shown}.")
