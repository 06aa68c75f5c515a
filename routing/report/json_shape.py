"""Structural checks of the JSON files the engine reads back (``plan.json``, ``week.json``, stored plans).

A shape is a function ``(value, path, problems) -> None`` that appends a located ``Problem`` for
every way ``value`` deviates and never raises; shapes are built from a few helpers (``obj``,
``list_of``, ``day_map``, ``ident``, ``seconds``, ``text``, ``number``, ``whole``, ``anything``),
so a file's shape is a table (``PLAN_PART``, ``PLAN_DOC``, ``WEEK_DOC``) rather than code. A reader
walks the whole document, collects every problem (up to ``MAX_PROBLEMS``) and raises one
``ScenarioError`` before it builds anything, so no malformed value reaches the checker.

Codes (docs/plan-format.md): E601 a value of the wrong type; E604 a required key missing or null;
E605 a number out of range; E606 an unknown key; E607 a value not allowed (an empty id, an unknown
``unserved[].code``, an unknown day); E608 a key given twice in one object (``read_json_document``);
E609 more problems than listed. Structure only: whether ids exist, requests are served once or
times add up is the checker's business (``routing.check``).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.model import WEEKDAYS

Shape = Callable[[Any, str, list[Problem]], None]

#: The most problems one error lists; the rest are counted in a last E609.
MAX_PROBLEMS = 50
#: The latest time a plan may give: seven days of seconds after midnight of its day.
MAX_TIME_S = 7 * 86400
#: ``unserved[].code`` values (``routing.plan.Unserved``).
UNSERVED_CODES = ("infeasible", "not_placed")


def quote(value: Any) -> str:
    """The value as a user wrote it (strings quoted, the rest as JSON), cut to 60 characters."""
    if isinstance(value, str):
        shown = repr(value)
    else:
        try:
            shown = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def kind(value: Any) -> str:
    """What a JSON value is, in words: ``a string``, ``an integer``, ``a boolean``, ``null`` ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number" if math.isfinite(value) else "a non-finite number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def join(path: str, key: str) -> str:
    """``path.key`` (just ``key`` at the top)."""
    return f"{path}.{key}" if path else key


def wrong_type(value: Any, path: str, expected: str, fix: str) -> Problem:
    """E601: ``value`` at ``path`` is not ``expected``."""
    return Problem("E601", path or "(document)", f"{quote(value)} is {kind(value)}, not {expected}", fix)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def anything(value: Any, path: str, problems: list[Problem]) -> None:
    """Any value: a key the writer writes and the reader ignores (recomputed, or for people)."""


def seconds(value: Any, path: str, problems: list[Problem]) -> None:
    """A time: whole seconds since midnight of the plan day, 0 to seven days."""
    if not _is_int(value):
        problems.append(wrong_type(value, path, "whole seconds", "Give whole seconds since midnight, e.g. 25200."))
    elif not 0 <= value <= MAX_TIME_S:
        problems.append(
            Problem("E605", path, f"{value} is outside 0..{MAX_TIME_S}", "Give seconds since midnight, 0 to 7 days.")
        )


def ident(what: str, example: str) -> Shape:
    """An id: a non-empty string, e.g. a request, vehicle or location id."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, str):
            problems.append(wrong_type(value, path, what, f'Write the id as a string, e.g. "{example}".'))
        elif not value.strip():
            problems.append(Problem("E607", path, f"{quote(value)} is an empty id", f'Give {what}, e.g. "{example}".'))

    return check


def text(choices: tuple[str, ...] = ()) -> Shape:
    """A string (any, or one of ``choices``)."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, str):
            fix = f"Give one of {', '.join(choices)}." if choices else "Give a string."
            problems.append(wrong_type(value, path, "a string", fix))
        elif choices and value not in choices:
            problems.append(Problem("E607", path, f"{quote(value)} is not allowed", f"Use {', '.join(choices)}."))

    return check


def number(minimum: float = 0.0) -> Shape:
    """A finite number (never true/false) of at least ``minimum``."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(wrong_type(value, path, "a number", f"Give a number of {minimum:g} or more."))
        elif value < minimum:
            problems.append(Problem("E605", path, f"{value} is below {minimum:g}", f"Give {minimum:g} or more."))

    return check


def whole(value: Any, path: str, problems: list[Problem]) -> None:
    """A whole number (never true/false)."""
    if not _is_int(value):
        problems.append(wrong_type(value, path, "a whole number", "Give a whole number, e.g. 0."))


def flag(value: Any, path: str, problems: list[Problem]) -> None:
    """A JSON boolean (true or false)."""
    if not isinstance(value, bool):
        problems.append(wrong_type(value, path, "true or false", "Give true or false."))


def list_of(item: Shape, expected: str, fix: str) -> Shape:
    """A list whose every element has the shape ``item``."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, list):
            problems.append(wrong_type(value, path, expected, fix))
            return
        for i, element in enumerate(value):
            item(element, f"{path}[{i}]", problems)

    return check


def _unknown_keys(value: dict[str, Any], known: list[str], path: str, problems: list[Problem]) -> None:
    for key in value:
        if key not in known:
            hint = difflib.get_close_matches(str(key), known, n=1)
            fix = f"Did you mean '{hint[0]}'?" if hint else f"Allowed keys: {', '.join(known)}."
            problems.append(Problem("E606", join(path, str(key)), "unknown key", fix))


def obj(
    required: dict[str, Shape],
    optional: dict[str, Shape] | None = None,
    *,
    expected: str,
    fix: str,
    other_keys: bool = False,
) -> Shape:
    """An object with the ``required`` keys (never null) and any of the ``optional`` ones.

    An optional key given as null counts as left out. Other keys are E606 unless ``other_keys``
    (a part of a document the reader does not read, e.g. the model facts of ``plan.json``).
    ``expected`` names the object in an E601 (``a stop``), ``fix`` shows one.
    """
    optional = optional or {}

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, dict):
            problems.append(wrong_type(value, path, expected, f"Give {expected}, e.g. {fix}"))
            return
        if not other_keys:
            _unknown_keys(value, [*required, *optional], path, problems)
        for key, shape in required.items():
            if value.get(key) is None:
                cause = "is null" if key in value else "is missing"
                problems.append(Problem("E604", join(path, key), cause, f"Add it: {expected} looks like {fix}"))
            else:
                shape(value[key], join(path, key), problems)
        for key, shape in optional.items():
            if value.get(key) is not None:
                shape(value[key], join(path, key), problems)

    return check


def day_map(item: Shape) -> Shape:
    """An object from weekday codes (``mon`` ... ``sun``) to values of the shape ``item``."""

    def check(value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, dict):
            problems.append(wrong_type(value, path, "an object of days", 'Give {"tue": {"plan": {...}}, ...}.'))
            return
        for day, element in value.items():
            if day not in WEEKDAYS:
                problems.append(
                    Problem("E607", join(path, day), "is not a weekday code", f"Use {', '.join(WEEKDAYS)}.")
                )
            else:
                item(element, join(path, day), problems)

    return check


def refuse(problems: list[Problem], source: str | None) -> None:
    """Raise one ``ScenarioError`` with the first ``MAX_PROBLEMS`` problems (and a count of the rest), if any."""
    if len(problems) > MAX_PROBLEMS:
        rest = len(problems) - MAX_PROBLEMS + 1
        problems = problems[: MAX_PROBLEMS - 1] + [
            Problem("E609", "(document)", f"{rest} more problems are not listed", "Fix the ones above and read again.")
        ]
    if problems:
        raise ScenarioError(problems, source)


def check_shape(shape: Shape, value: Any, source: str | None, at: str = "") -> None:
    """Walk ``value`` with ``shape`` and refuse it (``refuse``) if anything is amiss.

    Parameters
    ----------
    shape
        The shape, e.g. ``PLAN_DOC``.
    value
        The parsed JSON value.
    source
        The file, named in the error.
    at
        Where ``value`` sits in that file (e.g. ``days.tue.all``), prefixed to the paths.

    Raises
    ------
    ScenarioError
        E601, E604–E607 and E609 problems, each with its path, the value found and a fix.
    """
    problems: list[Problem] = []
    shape(value, at.rstrip("."), problems)
    refuse(problems, source)


def duplicate_keys(pairs: Iterable[tuple[str, Any]], found: list[str]) -> dict[str, Any]:
    """A JSON object from its pairs, noting in ``found`` every key it gives twice (``json.loads`` hook)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            found.append(key)
        out[key] = value
    return out


# --- The shapes of the files -----------------------------------------------------------

_REQUEST_IDS = list_of(ident("a request id", "r1"), "a list of request ids", 'Give a list, e.g. ["r1"], or [].')
_STOP_EXAMPLE = '{"location": "home_04", "arrival_s": 25740, "departure_s": 26040, "pickup": ["r1"], "dropoff": []}'

STOP = obj(
    {"location": ident("a location id", "home_04"), "arrival_s": seconds, "departure_s": seconds},
    {
        "service_start_s": seconds,
        "pickup": _REQUEST_IDS,
        "dropoff": _REQUEST_IDS,
        **dict.fromkeys(("x", "y", "lat", "lon"), anything),
    },
    expected="a stop",
    fix=_STOP_EXAMPLE + ".",
)
ROUTE = obj(
    {
        "vehicle": ident("a vehicle id", "lift-am-1"),
        "stops": list_of(STOP, "a list of stops", f"Give the stops in order, e.g. [{_STOP_EXAMPLE}, ...]."),
    },
    dict.fromkeys(("vehicle_type", "distance_m", "duration_s", "cost_dkk", "ride_s"), anything),
    expected="a route",
    fix='{"vehicle": "lift-am-1", "stops": [...]}.',
)
UNSERVED = obj(
    {"request": ident("a request id", "r1")},
    {"reason": text(), "code": text(UNSERVED_CODES)},
    expected="an unserved entry",
    fix='{"request": "r1", "reason": "why it is not served", "code": "not_placed"}.',
)
_PLAN_KEYS: dict[str, Shape] = {
    "routes": list_of(ROUTE, "a list of routes", "Give a list of routes, or [] for none."),
    "unserved": list_of(UNSERVED, "a list of unserved entries", "Give a list of unserved entries, or [] for none."),
}
_PLAN_FIX = '{"routes": [...], "unserved": [...]} (give [] for none).'
#: The ``routes`` and ``unserved`` part of a plan (``routes_from_dict``; the stored plans); other keys ignored.
PLAN_PART = obj(_PLAN_KEYS, expected="a plan", fix=_PLAN_FIX, other_keys=True)
_IDS = obj({"id": ident("an id", "r1")}, expected="an object with an id", fix='{"id": "r1", ...}.', other_keys=True)
#: ``routing.plan/1`` as the readers read it: routes, unserved, solve's backend and status, request and vehicle ids.
PLAN_DOC = obj(
    _PLAN_KEYS,
    {
        "solve": obj(
            {},
            {"backend": text(), "status": text()},
            expected="a solve entry",
            fix='{"backend": "manual", "status": ""}.',
            other_keys=True,
        ),
        "requests": list_of(_IDS, "a list of requests", 'Give [{"id": "r1", ...}, ...].'),
        "vehicles": list_of(_IDS, "a list of vehicles", 'Give [{"id": "lift-am-1", ...}, ...].'),
        "interrupted": flag,
    },
    expected="a plan",
    fix=_PLAN_FIX,
    other_keys=True,
)
_PASSENGER = obj(
    {"passenger": ident("a passenger id", "p042"), "direction": text()},
    {"usual_s": seconds},
    expected="a passenger",
    fix='{"passenger": "p042", "direction": "am", "usual_s": 27000, ...}.',
    other_keys=True,
)
#: ``routing.week/1`` as ``replan`` and ``report`` read it: each day's plan, the settings and the passengers.
WEEK_DOC = obj(
    {
        "days": day_map(obj({"plan": PLAN_DOC}, expected="a day", fix='{"plan": {...}}.', other_keys=True)),
        "settings": obj(
            {},
            {"tolerance_min": number(), "seed": whole},
            expected="an object of settings",
            fix='{"tolerance_min": 10, "seed": 0, ...}.',
            other_keys=True,
        ),
        "passengers": list_of(_PASSENGER, "a list of passengers", "Give a list of passengers, or []."),
    },
    {
        "source": obj(
            {}, {"scenario": text()}, expected="a source entry", fix='{"scenario": "week.yaml"}.', other_keys=True
        )
    },
    expected="a week",
    fix='{"schema": "routing.week/1", "days": {...}, "settings": {...}, "passengers": [...]}.',
    other_keys=True,
)
