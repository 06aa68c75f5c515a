"""Scenario files: good ones load; bad ones fail with code, key path, value and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from routing import ScenarioError, load_scenario
from routing.scenario import build_scenario
from tests.helpers import DEMO


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    return [str(p) for p in info.value.problems]


def test_ok_small_loads_with_seconds_internally(fixtures: Path) -> None:
    """Tests that the small fixture loads and converts HH:MM and minutes to seconds."""
    s = load_scenario(fixtures / "ok_small.yaml")
    assert [r.id for r in s.requests] == ["a", "b", "c"]
    a = s.request("a")
    assert a.dropoff.window is not None and a.dropoff.window.start_s == 7 * 3600 + 40 * 60
    assert a.pickup.service_s == 120
    assert a.ride.absolute_s == 3600
    assert s.request("c").load.as_dict() == {"wheelchairs": 1}
    assert s.solver["solution_limit"] == 20


def test_demo_scenario_loads() -> None:
    """Tests that the shipped demo is valid and has the promised mix."""
    s = load_scenario(DEMO)
    assert 35 <= len(s.requests) <= 45
    assert any(r.solo for r in s.requests)
    assert s.not_together_pairs()
    assert any(r.load.get("wheelchairs") for r in s.requests)
    assert {vt.id for vt in s.vehicle_types} == {"taxi", "liftbus"}


def test_wrong_type_is_reported_with_path(fixtures: Path) -> None:
    """Tests that a text where a number belongs names the key path and the value."""
    (p,) = problems_of(fixtures / "wrong_type.yaml")
    assert "vehicle_types[0].capacity.seats" in p and "'four'" in p


def test_unknown_key_gets_a_did_you_mean(fixtures: Path) -> None:
    """Tests that a misspelt key is rejected with a suggestion."""
    (p,) = problems_of(fixtures / "unknown_key.yaml")
    assert "requests[0].pickup.windw" in p and "Did you mean 'window'" in p


def test_window_closing_before_it_opens_is_rejected(fixtures: Path) -> None:
    """Tests that a reversed window is reported at its path with both times."""
    (p,) = problems_of(fixtures / "window_closes_before_opens.yaml")
    assert p.startswith("E302 requests[1].pickup.window") and "07:30" in p and "07:45" in p


def test_unknown_location_is_reported(fixtures: Path) -> None:
    """Tests that a reference to a missing location names the request's path and the id."""
    (p,) = problems_of(fixtures / "unknown_location.yaml")
    assert "requests[0].pickup.location" in p and "'hjem'" in p


def test_negative_capacity_is_rejected(fixtures: Path) -> None:
    """Tests that a negative capacity is refused."""
    (p,) = problems_of(fixtures / "negative_capacity.yaml")
    assert "vehicle_types[0].capacity.seats" in p and "-4" in p


@pytest.mark.parametrize(
    ("name", "code"), [("empty.yaml", "E003"), ("not_yaml.yaml", "E002"), ("missing.yaml", "E001")]
)
def test_unreadable_files_are_reported(fixtures: Path, name: str, code: str) -> None:
    """Tests that an empty file, broken YAML and a missing file each get their own error."""
    (p,) = problems_of(fixtures / name)
    assert p.startswith(code)


def test_all_problems_are_collected_at_once() -> None:
    """Tests that several independent mistakes are reported together."""
    data = {
        "locations": [{"id": "d", "lat": 95, "lon": 12.0}, {"id": "h", "lat": 55.9, "lon": 12.5}],
        "vehicle_types": [{"id": "taxi", "capacity": {"seats": 4}, "fuel": "coal"}],
        "vehicles": [{"id": "t", "type": "bus", "start": "d"}],
        "requests": [
            {
                "id": "r",
                "pickup": {"location": "h", "window": ["7:00", "25:99"]},
                "dropoff": {"location": "d"},
                "solo": "yes",
            }
        ],
    }
    with pytest.raises(ScenarioError) as info:
        build_scenario(data, source="inline.yaml")
    text = str(info.value)
    for expected in ("vehicle_types[0].fuel", "requests[0].pickup.window[1]", "requests[0].solo"):
        assert expected in text


def test_model_level_problems_are_mapped_to_yaml_paths() -> None:
    """Tests that cross-reference problems found by the model are reported at the YAML path."""
    data = yaml.safe_load(
        """
locations: [{id: d, lat: 55.90, lon: 12.49}, {id: h, lat: 55.93, lon: 12.50}]
vehicle_types: [{id: taxi, capacity: {seats: 4}}]
vehicles: [{id: t, type: bus, start: d}]
requests:
- {id: r, pickup: {location: h}, dropoff: {location: d}, not_with: [ghost]}
- {id: s, pickup: {location: h}, dropoff: {location: h}}
"""
    )
    with pytest.raises(ScenarioError) as info:
        build_scenario(data)
    paths = {p.path for p in info.value.problems}
    assert "requests[1].dropoff.location" in paths  # same place as pickup
    data["requests"].pop()
    with pytest.raises(ScenarioError) as info:
        build_scenario(data)
    paths = {p.path for p in info.value.problems}
    assert {"vehicles[0].type", "requests[0].not_with"} <= paths


def test_vehicle_count_expands_ids() -> None:
    """Tests that 'count: 3' makes three vehicles with numbered ids."""
    data = yaml.safe_load(
        """
locations: [{id: d, lat: 55.90, lon: 12.49}, {id: h, lat: 55.93, lon: 12.50}]
vehicle_types: [{id: taxi, capacity: {seats: 4}}]
vehicles: [{id: taxi, type: taxi, start: d, count: 3, shift: ["06:00", "18:00"]}]
requests: [{id: r, pickup: {location: h}, dropoff: {location: d}}]
"""
    )
    s = build_scenario(data)
    assert [v.id for v in s.vehicles] == ["taxi-1", "taxi-2", "taxi-3"]
    assert s.vehicles[0].shift.end_s == 18 * 3600


def test_solver_block_takes_the_pipeline_and_reports_its_problems_at_their_paths() -> None:
    """Tests that solver.pipeline and solver.implied_windows load into SolveParams, and bad values get coded paths."""
    from routing import SolveParams

    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["solver"] = {"implied_windows": False, "pipeline": {"relaxation_share": 0.2, "lns_shares": [0.9, 0.5]}}
    params = SolveParams.of(build_scenario(data))
    assert params.implied_windows is False
    assert params.pipeline.relaxation_share == 0.2 and params.pipeline.lns_shares == (0.9, 0.5)
    data["solver"] = {"pipeline": {"relaxation_shar": 0.2, "lns_shares": "x"}}
    with pytest.raises(ScenarioError) as err:
        build_scenario(data)
    assert [(p.code, p.path) for p in err.value.problems] == [
        ("E011", "solver.pipeline.relaxation_shar"),
        ("E013", "solver.pipeline.lns_shares"),
    ]
    data["solver"] = {"pipeline": {"relaxation_share": 2}}
    with pytest.raises(ScenarioError) as err:
        build_scenario(data)
    assert [(p.code, p.path) for p in err.value.problems] == [("E520", "solver.pipeline.relaxation_share")]


def test_a_request_pinned_to_an_unknown_vehicle_is_e321_at_its_path() -> None:
    """Tests that ``vehicles:`` on a request loads as the pin, and a name the fleet lacks is a located error."""
    data = yaml.safe_load(
        """
locations: [{id: d, lat: 55.90, lon: 12.49}, {id: h, lat: 55.93, lon: 12.50}]
vehicle_types: [{id: taxi, capacity: {seats: 4}}]
vehicles: [{id: taxi, type: taxi, start: d, count: 2}]
requests: [{id: r, pickup: {location: h}, dropoff: {location: d}, vehicles: [taxi-2]}]
"""
    )
    assert build_scenario(data).request("r").vehicles == frozenset({"taxi-2"})
    data["requests"][0]["vehicles"] = ["taxi-2", "taxi"]
    with pytest.raises(ScenarioError) as info:
        build_scenario(data)
    (problem,) = info.value.problems
    assert (problem.code, problem.path) == ("E321", "requests[0].vehicles")
    assert "'taxi'" in problem.cause and "taxi-1" in problem.fix
