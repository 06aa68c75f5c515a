"""Bounded input: files too large, too deep, alias bombs, huge counts, base-60 times and non-finite numbers.

Each is refused with a code, a location and the limit or range, before anything large is built.
"""

from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path

import pytest
import yaml

from routing import ScenarioError, load_scenario
from routing.cli import main
from routing.costing.params import Parameters
from routing.scenario import Limits, build_scenario
from routing.scenario import load as load_module
from routing.scenario.load import read_yaml
from routing.studies.changes import read_changes
from routing.units import parse_clock
from tests.helpers import FIXTURES

BROKEN = FIXTURES / "broken"
OK_SMALL = FIXTURES / "ok_small.yaml"
LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    """Each YAML loader the reader may use: libyaml's and PyYAML's pure-Python fallback."""
    chosen: type = request.param
    monkeypatch.setattr(load_module, "_LOADER", chosen)
    return chosen


def refused(path: Path, limits: Limits | None = None) -> tuple[list[str], float]:
    """The problems ``load_scenario`` raises for ``path`` (as text) and the seconds it took."""
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path) if limits is None else load_scenario(path, limits=limits)
    return [str(p) for p in info.value.problems], time.perf_counter() - start


def variant(tmp_path: Path, old: str, new: str) -> Path:
    """``ok_small.yaml`` with ``old`` replaced by ``new`` (which must occur)."""
    text = OK_SMALL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_billion_vehicles_are_refused_before_any_is_made() -> None:
    """Tests that ``count: 1000000000`` is E223 at the count, with the limit, at once (it once ran to a MemoryError)."""
    (problem,), seconds = refused(BROKEN / "vehicle_count_billion.yaml")
    assert problem.startswith("E223 vehicles[0].count:")
    assert "1,000,000,000" in problem and "10,000" in problem and "max_vehicles" in problem
    assert seconds < 1.0


def test_too_many_requests_and_locations_are_refused_with_their_limits(tmp_path: Path) -> None:
    """Tests that lists longer than the limits are E322 and E106, and that a larger limit lets them through."""
    problems, _ = refused(OK_SMALL, Limits(max_requests=2, max_locations=4))
    assert [p[:4] for p in problems] == ["E106", "E322"]
    assert "5 locations, more than the limit of 4" in problems[0]
    assert load_scenario(OK_SMALL, limits=Limits(max_requests=3, max_locations=5)).requests


def test_a_larger_vehicle_limit_lets_a_large_fleet_load(tmp_path: Path) -> None:
    """Tests that ``Limits(max_vehicles=...)`` raises the vehicle bound for a region's fleet."""
    path = variant(tmp_path, 'shift: ["06:30", "10:00"]}', 'shift: ["06:30", "10:00"], count: 30}')
    (problem,), _ = refused(path, Limits(max_vehicles=20))
    assert problem.startswith("E223 vehicles[0].count") and "31" in problem
    assert len(load_scenario(path, limits=Limits(max_vehicles=31)).vehicles) == 31


def test_an_alias_bomb_is_refused_before_it_expands(loader: type) -> None:
    """Tests that nine anchors of nine aliases under ``requests:`` are E007 in well under a second, either loader."""
    (problem,), seconds = refused(BROKEN / "alias_bomb_under_requests.yaml")
    assert problem.startswith("E007 line ") and "10,000,000 nodes" in problem and "max_nodes" in problem
    assert seconds < 1.0


def test_a_few_anchors_still_load(tmp_path: Path, loader: type) -> None:
    """Tests that ordinary anchors (one window shared by several requests) load as before."""
    path = variant(tmp_path, 'window: ["07:40", "08:00"]}', 'window: &school ["07:40", "08:00"]}')
    text = path.read_text(encoding="utf-8").replace('window: ["07:40", "08:00"]}', "window: *school}")
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.request("a").dropoff.window == scenario.request("b").dropoff.window


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 2500 + "]" * 2500 + "\n",
        "meta:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(2500)),
        "meta: " + "{a: " * 2500 + "1" + "}" * 2500 + "\n",
    ],
    ids=["flow lists", "block mappings", "flow mappings"],
)
def test_deep_nesting_is_refused_without_a_recursion_error(tmp_path: Path, loader: type, text: str) -> None:
    """Tests that 2 500 levels are E006 with the limit, never a RecursionError, with either loader."""
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    (problem,), seconds = refused(path)
    assert problem.startswith("E006 line ") and "more than 64 levels" in problem and "max_depth" in problem
    assert seconds < 1.0


def test_nesting_up_to_the_limit_loads_and_survives_downstream_copies(tmp_path: Path, loader: type) -> None:
    """Tests that a ``meta`` nested just within the limit loads and can be deep-copied and written as JSON."""
    depth = Limits().max_depth - 2  # the top-level mapping and meta's own mapping
    text = OK_SMALL.read_text(encoding="utf-8") + "meta: " + "{a: " * depth + "1" + "}" * depth + "\n"
    path = tmp_path / "deep_meta.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    json.dumps(copy.deepcopy(scenario.meta))


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """Tests that a file larger than 64 MiB is E005 from its size alone (a sparse file: nothing to read)."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(Limits().max_file_bytes + 1)
    (problem,), seconds = refused(path)
    assert problem.startswith("E005 (file):") and "67,108,865 bytes" in problem and "max_file_bytes" in problem
    assert seconds < 1.0
    (problem,), _ = refused(OK_SMALL, Limits(max_file_bytes=100))
    assert problem.startswith("E005") and "more than the limit of 100" in problem


def test_an_unquoted_time_is_refused_with_the_time_it_meant() -> None:
    """Tests that ``7:40`` unquoted (YAML's base-60 number 460) is E024 in windows and shifts, naming '07:40'."""
    problems, _ = refused(BROKEN / "unquoted_clock_time.yaml")
    assert problems == [
        "E024 vehicles[0].shift[0]: 390 is not a time: YAML reads an unquoted 6:30 as the number 390 (base 60). "
        "Quote the time, e.g. '06:30'.",
        "E024 requests[0].dropoff.window[0]: 460 is not a time: YAML reads an unquoted 7:40 as the number 460 "
        "(base 60). Quote the time, e.g. '07:40'.",
    ]


def test_an_unquoted_time_in_a_change_file_is_refused(tmp_path: Path) -> None:
    """Tests that change files' times (``freeze_until``, ``from``) get the same base-60 explanation."""
    found = {}
    for i, text in enumerate(
        [
            "day: tue\nfreeze_until: 10:00\nchanges: [{kind: cancel, passenger: p}]\n",
            "changes:\n- {kind: vehicle_unavailable, vehicle: t, from: 13:30:15}\n",
        ]
    ):
        path = tmp_path / f"change{i}.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError) as info:
            read_changes(path)
        found.update({p.path: p for p in info.value.problems})
    assert "600 is not a time" in found["freeze_until"].cause and "'10:00'" in found["freeze_until"].fix
    assert "unquoted 13:30:15" in found["changes[0].from"].cause


def test_infinite_numbers_are_refused_with_path_value_and_range() -> None:
    """Tests that ``.inf`` and ``1.0e+400`` (both float infinity) are refused at their paths with the range."""
    problems, _ = refused(BROKEN / "infinite_cost_per_hour.yaml")
    assert problems == [
        "E020 profiles.car.speed_kph[1][1]: inf is not a finite number. Give a number from 1 to 300.",
        "E020 vehicle_types[0].cost_per_hour_dkk: inf is not a finite number. Give a number from 0 to 1,000,000.",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("cost_per_hour_dkk: 380", "cost_per_hour_dkk: .nan", "E020 vehicle_types[0].cost_per_hour_dkk: nan is not"),
        (
            "cost_per_hour_dkk: 380",
            "cost_per_hour_dkk: 5.0e+6",
            "E020 vehicle_types[0].cost_per_hour_dkk: 5000000.0 is",
        ),
        ("circuity: 1.3", "circuity: 40", "E020 profiles.car.circuity: 40 is out of range. Give a number from 1 to 10"),
        ("[null, 70]", "[null, 900]", "E020 profiles.car.speed_kph[2][1]: 900 is out of range"),
        ("[10, 50]", "[1.0e+6, 50]", "E020 profiles.car.speed_kph[1][0]: 1000000.0 is out of range"),
        ("seats: 4,", "seats: 10000000,", "E201 vehicle_types[0].capacity.seats: 10000000 is out of range"),
        (
            "load: {wheelchairs: 1}",
            "load: {wheelchairs: 1.0e+300}",
            "E306 requests[2].load.wheelchairs: 1e+300 is not a whole",
        ),
        ("service_min: 2", "service_min: -.inf", "E020 defaults.service_min: -inf is not a finite number"),
        ("absolute_min: 60", "absolute_min: 100000", "E020 requests[0].max_ride.absolute_min: 100000 is out of range"),
        ("lat: 55.9046232", "lat: 95", "E103 locations[0].lat: 95 is out of range. Give a number from -90 to 90."),
        ("lon: 12.4983774", "lon: .inf", "E103 locations[0].lon: inf is not a finite number"),
        ("solution_limit: 20", "solution_limit: 20, time_limit_s: .inf", "E020 solver.time_limit_s: inf is not a"),
    ],
)
def test_out_of_range_numbers_are_refused_at_their_path(tmp_path: Path, old: str, new: str, expected: str) -> None:
    """Tests that every kind of number is checked for finiteness and its documented range."""
    (problem,), _ = refused(variant(tmp_path, old, new))
    assert problem.startswith(expected), problem


def test_a_change_files_location_is_checked_in_both_directions(tmp_path: Path) -> None:
    """Tests that a new location's lat above 90 in a change file is refused (only below -90 was before)."""
    path = tmp_path / "change.yaml"
    change = {"kind": "move_address", "request": "a", "visit": "pickup", "location": {"id": "h", "lat": 95, "lon": 12}}
    path.write_text(yaml.safe_dump({"changes": [change]}), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_changes(path)
    assert [str(p) for p in info.value.problems] == [
        "E103 changes[0].location.lat: 95 is out of range. Give a number from -90 to 90."
    ]


def test_other_yaml_inputs_get_the_same_bounds(tmp_path: Path) -> None:
    """Tests that change files, tariff tables and an ``extends`` base are read within the same limits."""
    bomb = BROKEN / "alias_bomb_under_requests.yaml"
    with pytest.raises(ScenarioError) as info:
        read_changes(bomb)
    assert info.value.problems[0].code == "E007"
    with pytest.raises(ScenarioError) as info:
        read_yaml(OK_SMALL, Limits(max_depth=2))
    assert info.value.problems[0].code == "E006"
    variant_file = tmp_path / "variant.yaml"
    variant_file.write_text(f"extends: {bomb}\nname: v\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(variant_file)
    assert info.value.problems[0].code == "E007" and info.value.source == str(bomb.resolve())


def test_build_scenario_takes_limits_for_data_made_in_code() -> None:
    """Tests that the size limits hold for a dict built without a file (e.g. a week with its changes applied)."""
    data = read_yaml(OK_SMALL)
    data["vehicles"][0]["count"] = 10**9
    with pytest.raises(ScenarioError) as info:
        build_scenario(data)
    assert info.value.problems[0].code == "E223"


def test_limits_must_be_positive_whole_numbers() -> None:
    """Tests that a nonsensical limit is a programming error, raised when the ``Limits`` is made."""
    with pytest.raises(ValueError, match="max_depth"):
        Limits(max_depth=0)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("vehicle_count_billion.yaml", "E223"),
        ("alias_bomb_under_requests.yaml", "E007"),
        ("unquoted_clock_time.yaml", "E024"),
        ("infinite_cost_per_hour.yaml", "E020"),
    ],
)
def test_bounded_input_exits_2_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, code: str
) -> None:
    """Tests that each refusal is an input error of the CLI: exit 2, the message, and one JSON line."""
    assert main(["solve", str(BROKEN / name), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    detail = json.loads(err[-1])
    assert detail["error"] == "input" and detail["problems"][0]["code"] == code
    assert not (tmp_path / "out" / "plan.json").exists()


def test_an_infinite_tariff_is_refused_where_it_is_read() -> None:
    """Tests that a tariff override of ``.inf`` is E404 at its ``costing.`` path, not a price of infinity."""
    params = Parameters.load().with_overrides({"channels": {"flexkommune": {"base_per_trip": math.inf}}}, "s.yaml")
    with pytest.raises(ScenarioError) as info:
        params.number("channels.flexkommune.base_per_trip")
    assert str(info.value.problems[0]) == (
        "E404 costing.channels.flexkommune.base_per_trip: inf is not a finite number. Give a number."
    )


def test_every_time_parser_explains_a_base_60_number() -> None:
    """Tests that ``parse_clock`` (used beyond scenarios, e.g. by the generator's config) names the time meant."""
    with pytest.raises(ValueError, match=r"unquoted 7:40 as the number 460 \(base 60\)"):
        parse_clock(460)  # type: ignore[arg-type]


def test_the_command_line_raises_a_limit_and_refuses_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tests --limit: a lowered max_requests refuses the demo (E322, naming the flag), a wrong one is E008."""
    from cli import main
    from tests.helpers import DEMO

    out = str(tmp_path / "out")
    assert main(["solve", str(DEMO), "--out", out, "--limit", "max_requests=10", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "E322" in err and "--limit max_requests=N" in err
    assert main(["solve", str(DEMO), "--out", out, "--limit", "max_bananas=10"]) == 2
    assert "E008" in capsys.readouterr().err
    assert (
        main(["solve", str(DEMO), "--out", out, "--limit", "max_requests=40", "--solution-limit", "3", "--quiet"]) == 0
    )
