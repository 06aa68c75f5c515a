"""The only place with scale factors between user units and solver units.

Solver quantities are integers: seconds, metres and *cost units*. One cost unit
is 1/100 000 DKK (a milli-øre), fine enough that per-metre and per-second
prices stay integral without visible rounding.
"""

from __future__ import annotations

import re

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
METRES_PER_KM = 1000
COST_UNITS_PER_DKK = 100_000

#: Latest time of day accepted in files (allows trips past midnight of the plan day).
MAX_CLOCK_S = 2 * SECONDS_PER_DAY

_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")


def parse_clock(text: str) -> int:
    """Convert ``"HH:MM"`` or ``"HH:MM:SS"`` to seconds since midnight.

    Parameters
    ----------
    text
        Clock time; hours 0-47 so that a plan may run past midnight.

    Returns
    -------
    int
        Seconds since midnight of the plan day.

    Raises
    ------
    ValueError
        If the text is not a clock time (a YAML base-60 number such as 460, an unquoted ``7:40``, says so).
    """
    if not isinstance(text, str):
        meant = sexagesimal_clock(text) if isinstance(text, int) and not isinstance(text, bool) else None
        hint = f": YAML reads an unquoted {meant} as the number {text} (base 60); quote the time" if meant else ""
        raise ValueError(f"{text!r} is not a time of day{hint}")
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time of day; write it as HH:MM, e.g. '07:45'")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours >= MAX_CLOCK_S // SECONDS_PER_HOUR:
        raise ValueError(f"{text!r} is past 47:59; times are counted from midnight of the plan day")
    return hours * SECONDS_PER_HOUR + minutes * SECONDS_PER_MINUTE + seconds


def sexagesimal_clock(value: int) -> str | None:
    """The clock text YAML 1.1 reads as the base-60 integer ``value``: 460 -> ``7:40``, 27630 -> ``7:40:30``.

    Parameters
    ----------
    value
        A number a YAML file gave where a time belongs.

    Returns
    -------
    str or None
        The unquoted time that YAML turned into ``value``; None below 60 (no ``H:MM`` reads as that).
    """
    if value < SECONDS_PER_MINUTE:
        return None
    parts: list[int] = []
    rest = value
    while rest:
        rest, digit = divmod(rest, 60)
        parts.append(digit)
    parts.reverse()
    return str(parts[0]) + "".join(f":{p:02d}" for p in parts[1:])


def format_clock(seconds: int | float) -> str:
    """Format seconds since midnight as ``HH:MM`` (or ``HH:MM:SS`` when not whole minutes)."""
    total = int(round(seconds))
    hours, rest = divmod(total, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def minutes_to_s(minutes: float) -> int:
    """Convert minutes to whole seconds (rounded)."""
    return int(round(minutes * SECONDS_PER_MINUTE))


def dkk_to_cost_units(dkk: float) -> int:
    """Convert DKK to whole cost units (1e-5 DKK), rounded."""
    return int(round(dkk * COST_UNITS_PER_DKK))


def dkk_per_hour_to_cost_units_per_s(dkk_per_hour: float) -> int:
    """Convert an hourly price in DKK to whole cost units per second, rounded."""
    return int(round(dkk_per_hour * COST_UNITS_PER_DKK / SECONDS_PER_HOUR))


def dkk_per_km_to_cost_units_per_m(dkk_per_km: float) -> float:
    """Convert a price per km in DKK to cost units per metre (not rounded: arcs are rounded when priced)."""
    return dkk_per_km * COST_UNITS_PER_DKK / METRES_PER_KM
