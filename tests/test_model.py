"""Model objects validate themselves and are immutable."""

from __future__ import annotations

import dataclasses

import pytest

from routing import Location, Quantities, Request, RideTimeRule, ScenarioError, TimeWindow, VehicleType, Visit


def test_window_closing_before_opening_names_object_and_values() -> None:
    """Tests that a reversed window raises with both clock times."""
    with pytest.raises(ScenarioError, match=r"closes \(07:30\) before it opens \(07:45\)"):
        TimeWindow(7 * 3600 + 45 * 60, 7 * 3600 + 30 * 60)


def test_location_needs_exactly_one_coordinate_kind() -> None:
    """Tests that a location must be either lat/lon or x/y."""
    with pytest.raises(ScenarioError, match="Location 'x'"):
        Location("x")
    with pytest.raises(ScenarioError, match="latitude"):
        Location("y", lat=123.0, lon=12.0)


def test_negative_capacity_is_rejected() -> None:
    """Tests that capacities cannot be negative."""
    with pytest.raises(ScenarioError, match="negative"):
        Quantities.of(seats=-1)


def test_vehicle_type_validates_costs_and_fuel() -> None:
    """Tests that a vehicle type names the wrong field and value."""
    with pytest.raises(ScenarioError) as info:
        VehicleType("taxi", Quantities.of(seats=4), fuel="coal", cost_per_hour_dkk=-1)
    text = str(info.value)
    assert "VehicleType 'taxi'.fuel" in text and "'coal'" in text and "cost_per_hour_dkk" in text


def test_ride_time_rule_combines_absolute_and_relative() -> None:
    """Tests the rule: min(absolute, direct + max(relative x direct, min_extra))."""
    rule = RideTimeRule(absolute_s=4500, relative=1.0, min_extra_s=1800)
    assert rule.limit_s(600) == 600 + 1800  # detour floor of 30 min
    assert rule.limit_s(2000) == 4000  # +100 %
    assert rule.limit_s(3000) == 4500  # absolute cap
    assert RideTimeRule().limit_s(600) is None


def test_request_rejects_same_pickup_and_dropoff() -> None:
    """Tests that a trip to the place it starts from is refused."""
    with pytest.raises(ScenarioError, match="E305"):
        Request("r", Visit("a"), Visit("a"))


def test_replace_makes_a_new_object_and_revalidates() -> None:
    """Tests that variants are made with dataclasses.replace, never by mutation."""
    r = Request("r", Visit("a"), Visit("b"))
    variant = dataclasses.replace(r, solo=True)
    assert r.solo is False and variant.solo is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.solo = True  # type: ignore[misc]
    with pytest.raises(ScenarioError):
        dataclasses.replace(r, area=99)
