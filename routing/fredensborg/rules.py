"""Eligibility rules for visiteret befordring that decide *who* travels (not how).

Folkeskoleloven § 26, stk. 1: the municipality must provide transport between home and school
for pupils whose way to school is longer than 2.5 km (børnehaveklasse to 3rd grade), 6 km
(4th–6th), 7 km (7th–9th) or 9 km (10th grade); regardless of distance when the way is unsafe
(trafikfarlig vej) or when illness or disability requires it (stk. 1–2).
Sources: https://danskelove.dk/folkeskoleloven/26 and Fredensborg Kommune's own page
https://www.fredensborg.dk/borger/folkeskoler/befordring (thresholds as in the law).
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.exceptions import Problem, ScenarioError

#: § 26 distance thresholds in km, by the highest grade of each band (0 = børnehaveklasse).
SCHOOL_DISTANCE_KM: tuple[tuple[int, float], ...] = ((3, 2.5), (6, 6.0), (9, 7.0), (10, 9.0))


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether a pupil has the right to school transport, and on which ground."""

    eligible: bool
    reason: str  # distance | unsafe_route | illness | none
    threshold_km: float


def school_distance_threshold_km(grade: int) -> float:
    """The § 26 distance above which a pupil of ``grade`` (0-10) has the right to transport."""
    if not isinstance(grade, int) or isinstance(grade, bool) or not 0 <= grade <= 10:
        raise ScenarioError(
            [Problem("E601", "grade", f"{grade!r} is not a folkeskole grade", "Give 0 (børnehaveklasse) to 10.")]
        )
    return next(km for top, km in SCHOOL_DISTANCE_KM if grade <= top)


def school_transport_eligibility(
    grade: int, distance_km: float, unsafe_route: bool = False, illness: bool = False
) -> Eligibility:
    """§ 26: the right to transport of a pupil of ``grade`` whose way to school is ``distance_km``.

    The way must be *longer than* the threshold (exactly 2.5 km at grade 2 gives no right).
    An unsafe route or illness/disability gives the right at any distance.
    """
    threshold = school_distance_threshold_km(grade)
    if not distance_km >= 0:
        raise ScenarioError(
            [
                Problem(
                    "E602",
                    "distance_km",
                    f"{distance_km!r} is not a distance",
                    "Give the way to school in km, 0 or more.",
                )
            ]
        )
    if distance_km > threshold:
        return Eligibility(True, "distance", threshold)
    if unsafe_route:
        return Eligibility(True, "unsafe_route", threshold)
    if illness:
        return Eligibility(True, "illness", threshold)
    return Eligibility(False, "none", threshold)
