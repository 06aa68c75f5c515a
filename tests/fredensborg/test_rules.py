"""Folkeskoleloven § 26: the right to school transport at each threshold."""

import pytest

from routing.exceptions import ScenarioError
from routing.fredensborg.rules import school_distance_threshold_km, school_transport_eligibility


@pytest.mark.parametrize(
    ("grade", "threshold"), [(0, 2.5), (3, 2.5), (4, 6.0), (6, 6.0), (7, 7.0), (9, 7.0), (10, 9.0)]
)
def test_thresholds_by_grade(grade: int, threshold: float) -> None:
    assert school_distance_threshold_km(grade) == threshold
    # "longer than": exactly at the threshold gives no right, just above does.
    assert not school_transport_eligibility(grade, threshold).eligible
    above = school_transport_eligibility(grade, threshold + 0.01)
    assert above.eligible and above.reason == "distance"


def test_unsafe_route_and_illness_give_the_right_at_any_distance() -> None:
    assert school_transport_eligibility(5, 0.3, unsafe_route=True).reason == "unsafe_route"
    assert school_transport_eligibility(8, 1.0, illness=True).reason == "illness"
    assert school_transport_eligibility(8, 1.0).reason == "none"


@pytest.mark.parametrize("grade", [-1, 11, 2.5, True])
def test_bad_grade_is_a_clear_error(grade: object) -> None:
    with pytest.raises(ScenarioError, match="E601"):
        school_distance_threshold_km(grade)  # type: ignore[arg-type]


def test_negative_distance_is_rejected() -> None:
    with pytest.raises(ScenarioError, match="E602"):
        school_transport_eligibility(2, -1.0)
