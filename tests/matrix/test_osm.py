"""Road-network matrices from OpenStreetMap XML: exact times on a tiny synthetic town, and the Sindal extract.

The synthetic town (written by ``_write_town``), 100-odd metres between nodes::

    13 ──one-way──▶ 23        13-12-11  primary, 80 km/h (and a parallel service road 11-12)
    │               │         23-22-21  residential, maxspeed 30
    12 ···footway··· 22       21-11     service, no maxspeed (class default 20 km/h)
    │               │         12-22     footway: must be ignored (a shortcut if it were driven)
    11 ─────────── 21         31-32     an island road ~1 km north, not connected
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing import Location, TravelProfile, build_matrices, check_plan, load_scenario, solve
from routing.exceptions import MatrixError, ScenarioError
from routing.matrix import MatrixCache, profile_matrices
from routing.matrix.osm import ACCESS_SPEED_KPH, road_matrices, snap_locations
from routing.matrix.osm_graph import drivable_graph, road_graph
from routing.matrix.osm_speeds import CLASS_DEFAULTS, parse_maxspeed
from routing.matrix.sphere import haversine_pairs_m
from routing.solve.params import SolveParams
from tests.helpers import ROOT

NODES = {
    11: (57.000, 10.0000),
    12: (57.001, 10.0000),
    13: (57.002, 10.0000),
    21: (57.000, 10.0015),
    22: (57.001, 10.0015),
    23: (57.002, 10.0015),
    31: (57.010, 10.0000),
    32: (57.010, 10.0015),
}
WAYS: list[tuple[int, list[int], dict[str, str]]] = [
    (1, [11, 12, 13], {"highway": "primary", "maxspeed": "80"}),
    (2, [11, 12], {"highway": "service"}),
    (3, [21, 22, 23], {"highway": "residential", "maxspeed": "30"}),
    (4, [13, 23], {"highway": "residential", "maxspeed": "DK:urban", "oneway": "yes"}),
    (5, [21, 11], {"highway": "service"}),
    (6, [12, 22], {"highway": "footway"}),
    (7, [31, 32], {"highway": "residential"}),
    (8, [11, 21, 22, 12, 11], {"building": "yes"}),
]


def _write_town(path: Path) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    lines += [f'  <node id="{k}" lat="{lat}" lon="{lon}" version="1"/>' for k, (lat, lon) in NODES.items()]
    for way_id, refs, tags in WAYS:
        lines.append(f'  <way id="{way_id}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic town's .osm file."""
    return _write_town(tmp_path_factory.mktemp("osm") / "town.osm")


def _metres(a: int, b: int) -> float:
    (la, oa), (lb, ob) = NODES[a], NODES[b]
    return float(haversine_pairs_m(np.array([la]), np.array([oa]), np.array([lb]), np.array([ob]))[0])


def _seconds(a: int, b: int, kph: float) -> float:
    return _metres(a, b) / (kph / 3.6)


def _at(node: int, name: str) -> Location:
    return Location(name, lat=NODES[node][0], lon=NODES[node][1])


def _profile(path: Path, **settings: float) -> TravelProfile:
    return TravelProfile("road", kind="osm", osm_file=str(path), **settings)  # type: ignore[arg-type]


def test_maxspeed_values_are_parsed_with_danish_implicit_limits() -> None:
    """Tests that numbers, mph, DK:* words and multiple values give km/h, and unusable values give None."""
    assert parse_maxspeed("50") == 50.0
    assert parse_maxspeed("50;80") == 50.0
    assert parse_maxspeed(["80", "60"]) == 60.0
    assert parse_maxspeed("30 mph") == pytest.approx(48.28032)
    assert parse_maxspeed("DK:urban") == 50.0
    assert parse_maxspeed("DK:rural") == 80.0
    assert parse_maxspeed("DK:motorway") == 130.0
    assert parse_maxspeed("none") is None
    assert parse_maxspeed("signals") is None
    assert parse_maxspeed(None) is None


def test_the_drive_network_leaves_out_footways_buildings_and_the_island(town: Path) -> None:
    """Tests that only drivable ways are edges and only the largest strongly connected component is kept."""
    everything = drivable_graph(town)
    assert set(everything.osm_id.tolist()) == {11, 12, 13, 21, 22, 23, 31, 32}
    graph = road_graph(town)
    assert set(graph.osm_id.tolist()) == {11, 12, 13, 21, 22, 23}
    edges = {(int(graph.osm_id[t]), int(graph.osm_id[h])) for t, h in zip(graph.tail, graph.head, strict=True)}
    assert (12, 22) not in edges and (22, 12) not in edges
    assert (13, 23) in edges and (23, 13) not in edges


def test_shortest_times_are_exact_and_one_ways_make_them_asymmetric(town: Path) -> None:
    """Tests exact times and lengths both ways past a one-way street, with the fastest of parallel edges."""
    locations = [_at(13, "north_west"), _at(23, "north_east")]
    distance, duration = profile_matrices(locations, _profile(town))
    there = _seconds(13, 23, 50)
    back = _seconds(23, 22, 30) + _seconds(22, 21, 30) + _seconds(21, 11, 20) + _seconds(11, 13, 80)
    assert duration[0, 1] == round(there)
    # Summing the parallel primary and service edges 11-12 (csgraph's COO default) would add ~20 s.
    assert duration[1, 0] == round(back)
    assert distance[0, 1] == round(_metres(13, 23))
    assert distance[1, 0] == round(_metres(23, 22) + _metres(22, 21) + _metres(21, 11) + _metres(11, 13))
    assert duration[0, 1] != duration[1, 0]
    assert duration[0, 0] == duration[1, 1] == 0


def test_a_speed_cap_slows_only_the_faster_roads(town: Path) -> None:
    """Tests that speed_cap_kph caps the 80 km/h primary road and leaves slower roads alone."""
    locations = [_at(13, "north_west"), _at(23, "north_east")]
    _, capped = profile_matrices(locations, _profile(town, speed_cap_kph=40))
    back = _seconds(23, 22, 30) + _seconds(22, 21, 30) + _seconds(21, 11, 20) + _seconds(11, 13, 40)
    assert capped[1, 0] == round(back)
    assert capped[0, 1] == round(_seconds(13, 23, 40))


def test_locations_are_snapped_and_the_walk_to_the_road_is_added(town: Path) -> None:
    """Tests snapping to the nearest road node (never the footway's or the island's) and its access time."""
    graph = road_graph(town)
    off_road = Location("yard", lat=57.0021, lon=10.0015)  # ~11 m north of node 23
    snap = snap_locations(graph, [_at(13, "nw"), off_road], _profile(town))
    assert snap.osm_id.tolist() == [13, 23]
    assert snap.distance_m[1] == pytest.approx(11.1, abs=0.2)
    distance, duration = road_matrices(graph, snap)
    assert distance[0, 1] == round(_metres(13, 23) + snap.distance_m[1])
    assert duration[0, 1] == round(_seconds(13, 23, 50) + snap.distance_m[1] / (ACCESS_SPEED_KPH / 3.6))


def test_a_location_too_far_from_any_road_is_a_coded_error_with_its_distance(town: Path) -> None:
    """Tests E530: a location on the (dropped) island is 890 m from the kept network, over max_snap_m."""
    locations = [_at(13, "nw"), Location("island_home", lat=57.010, lon=10.0)]
    with pytest.raises(MatrixError, match=r"E530 .*'island_home' \(890 m\)"):
        profile_matrices(locations, _profile(town))
    distance, _ = profile_matrices(locations, _profile(town, max_snap_m=1000))
    assert distance[0, 1] > 0


def test_an_unreachable_pair_is_a_coded_error_naming_both_locations(town: Path) -> None:
    """Tests E531 on a graph left unpruned: the island cannot be reached from the town."""
    graph = drivable_graph(town)
    locations = [_at(13, "town_hall"), _at(31, "island_home")]
    with pytest.raises(MatrixError, match=r"E531 no road from 'town_hall' to 'island_home'"):
        road_matrices(graph, snap_locations(graph, locations, _profile(town)))


def test_road_times_are_never_shorter_than_the_straight_line_at_top_speed(town: Path) -> None:
    """Tests the lower bound: straight-line distance at the network's top speed never beats a road time."""
    points = [_at(k, f"n{k}") for k in (11, 12, 13, 21, 22, 23)] + [Location("yard", lat=57.0021, lon=10.0016)]
    distance, duration = profile_matrices(points, _profile(town))
    lat = np.array([p.lat for p in points], dtype=np.float64)
    lon = np.array([p.lon for p in points], dtype=np.float64)
    i, j = np.meshgrid(np.arange(len(points)), np.arange(len(points)), indexing="ij")
    straight = haversine_pairs_m(lat[i.ravel()], lon[i.ravel()], lat[j.ravel()], lon[j.ravel()]).reshape(i.shape)
    top_speed = max(80.0, max(d.speed_kph for d in CLASS_DEFAULTS.values() if d.speed_kph <= 80.0))
    assert (duration >= np.floor(straight / (top_speed / 3.6))).all()
    assert (distance >= np.floor(straight)).all()


def test_the_cache_key_follows_the_file_content_not_just_its_name(town: Path, tmp_path: Path) -> None:
    """Tests that a second build is a cache hit and an edited extract (same path) is a new entry."""
    cache = MatrixCache(tmp_path / "cache")
    locations = [_at(13, "nw"), _at(23, "ne")]
    first = profile_matrices(locations, _profile(town), cache)
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1
    second = profile_matrices(locations, _profile(town), cache)
    assert (first[1] == second[1]).all()
    edited = _write_town(tmp_path / "edited.osm")
    edited.write_text(edited.read_text(encoding="utf-8").replace('v="DK:urban"', 'v="20"'), encoding="utf-8")
    _, slower = profile_matrices(locations, _profile(edited), cache)
    assert slower[0, 1] == round(_seconds(13, 23, 20))
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 2


def _scenario_yaml(road_file: str, extra_profile: str = "") -> str:
    return f"""
profiles:
  car: {{kind: osm, file: {road_file}{extra_profile}}}
locations:
  - {{id: depot, lat: 57.0, lon: 10.0}}
  - {{id: school, lat: 57.002, lon: 10.0015}}
  - {{id: home, lat: 57.002, lon: 10.0}}
vehicle_types:
  - {{id: taxi, capacity: {{seats: 4}}, cost_per_hour_dkk: 380}}
vehicles:
  - {{id: taxi-1, type: taxi, start: depot, shift: ["07:00", "09:00"]}}
requests:
  - {{id: r1, pickup: {{location: home}}, dropoff: {{location: school, window: ["07:40", "08:00"]}}}}
solver: {{time_limit_s: 10, solution_limit: 5}}
"""


def test_a_scenario_with_an_osm_profile_solves_on_the_roads(town: Path, tmp_path: Path) -> None:
    """Tests a scenario file naming its extract by a relative path, solved and accepted by the checker."""
    (tmp_path / "roads").mkdir()
    (tmp_path / "roads" / "town.osm").write_bytes(town.read_bytes())
    path = tmp_path / "s.yaml"
    path.write_text(_scenario_yaml("roads/town.osm", ", speed_cap_kph: 80, max_snap_m: 300"), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.profile("car").osm_file == str((tmp_path / "roads" / "town.osm").resolve())
    matrices = build_matrices(scenario)
    assert matrices.travel_s("car", "home", "school") == round(_seconds(13, 23, 50))
    plan = solve(scenario, matrices, SolveParams.of(scenario))
    assert check_plan(scenario, matrices, plan).is_feasible
    assert plan.served_ids == {"r1"}


def test_the_matrix_command_builds_the_cache_and_a_second_run_hits_it(
    town: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tests ``cli.py matrix``: the first run builds, stores and reports snapping; the second loads only."""
    from routing.cli import main

    (tmp_path / "town.osm").write_bytes(town.read_bytes())
    path = tmp_path / "s.yaml"
    path.write_text(_scenario_yaml("town.osm"), encoding="utf-8")
    cache = str(tmp_path / "cache")
    assert main(["matrix", str(path), "--cache-dir", cache]) == 0
    first = capsys.readouterr().out
    assert "car (osm): 3 locations, built and stored in" in first
    assert "snapped to the road: mean 0 m, max 0 m" in first
    assert main(["matrix", str(path), "--cache-dir", cache]) == 0
    second = capsys.readouterr().out
    assert "cache hit, loaded in" in second and "snapped" not in second


def test_a_base_scenario_keeps_its_road_file_relative_to_itself(town: Path, tmp_path: Path) -> None:
    """Tests ``extends``: a variant in another folder finds the extract its base names relative to the base."""
    (tmp_path / "base").mkdir()
    (tmp_path / "variants").mkdir()
    (tmp_path / "base" / "town.osm").write_bytes(town.read_bytes())
    (tmp_path / "base" / "s.yaml").write_text(_scenario_yaml("town.osm"), encoding="utf-8")
    variant = tmp_path / "variants" / "v.yaml"
    variant.write_text("extends: ../base/s.yaml\nname: variant\n", encoding="utf-8")
    scenario = load_scenario(variant)
    assert scenario.profile("car").osm_file == str((tmp_path / "base" / "town.osm").resolve())


@pytest.mark.parametrize(
    ("road_file", "extra", "code"),
    [
        ("missing.osm", "", "E527"),
        ("not_osm.osm", "", "E528"),
        ("roads.osm", ", circuity: 1.3", "E532"),
        ("roads.osm", ", max_snap_m: 0", "E020"),
    ],
)
def test_bad_road_profiles_are_coded_errors(tmp_path: Path, road_file: str, extra: str, code: str) -> None:
    """Tests E527 (missing file), E528 (not OSM XML), E532 (a key osm does not read) and a bad snap limit."""
    _write_town(tmp_path / "roads.osm")
    (tmp_path / "not_osm.osm").write_text("<html><body>rate limited</body></html>", encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(_scenario_yaml(road_file, extra), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [p.code for p in info.value.problems] == [code]
    assert info.value.problems[0].path.startswith("profiles.car")


def test_an_osm_profile_without_a_file_is_e524(tmp_path: Path) -> None:
    """Tests E524: kind: osm names no file."""
    path = tmp_path / "s.yaml"
    path.write_text(_scenario_yaml("x.osm").replace(", file: x.osm", ""), encoding="utf-8")
    with pytest.raises(ScenarioError, match="E524 profiles.car.file"):
        load_scenario(path)


SINDAL = ROOT / "scenarios" / "sindal.yaml"


@pytest.mark.skipif(not SINDAL.exists(), reason="the Sindal scenario is not in this checkout")
def test_the_sindal_scenario_snaps_and_solves_on_its_real_roads() -> None:
    """Tests the real extract: every location snaps within its limit, and a short solve passes the checker."""
    scenario = load_scenario(SINDAL)
    road = next(p for p in scenario.profiles if p.kind == "osm")
    assert road.osm_file is not None
    snap = snap_locations(road_graph(road.osm_file), scenario.locations, road)
    assert (snap.distance_m <= road.max_snap_m).all()
    matrices = build_matrices(scenario)
    assert (matrices.duration_s[road.name] != matrices.duration_s[road.name].T).any()
    plan = solve(scenario, matrices, SolveParams.of(scenario, solution_limit=3, time_limit_s=20))
    assert check_plan(scenario, matrices, plan).is_feasible


def test_road_paths_follow_the_roads_the_matrices_timed(town: Path) -> None:
    """Tests the drawn line of a leg: its locations at the ends, the road's nodes between, around the one-way."""
    from routing.matrix.osm import road_paths

    west, east = _at(13, "north_west"), _at(23, "north_east")
    there, back, still = road_paths(_profile(town), [(west, east), (east, west), (west, west)])
    on_road = [NODES[k] for k in (13, 23)]
    assert there == [west.coords, *on_road, east.coords]
    around = [NODES[k] for k in (23, 22, 21, 11, 12, 13)]  # the one-way 13 -> 23 cannot be driven back
    assert back == [east.coords, *around, west.coords]
    assert still == [west.coords, NODES[13], west.coords]


@pytest.mark.skipif(not SINDAL.exists(), reason="the Sindal scenario is not in this checkout")
def test_the_sindal_outputs_draw_each_route_along_its_roads(tmp_path: Path) -> None:
    """Tests routes.geojson of a road-network solve: each LineString runs from its first stop to its last along
    many more points than it has stops (the roads), and the stops stay on it."""
    import json

    from cli import main

    out = tmp_path / "sindal"
    assert main(["solve", str(SINDAL), "--out", str(out), "--solution-limit", "5", "--quiet"]) == 0
    features = json.loads((out / "routes.geojson").read_text(encoding="utf-8"))["features"]
    for line in (f for f in features if f["geometry"]["type"] == "LineString"):
        stops = [
            f["geometry"]["coordinates"]
            for f in features
            if f["geometry"]["type"] == "Point" and f["properties"]["vehicle"] == line["properties"]["vehicle"]
        ]
        points = line["geometry"]["coordinates"]
        assert len(points) > 2 * len(stops)
        assert points[0] == stops[0] and points[-1] == stops[-1]
        assert all(stop in points for stop in stops)
    assert (out / "map.png").read_bytes().startswith(b"\x89PNG")
