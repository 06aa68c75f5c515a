"""Manifests, GeoJSON and maps beside a plan: what a driver, a GIS colleague and a manager open."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import shapely.geometry

from routing import (
    CheckResult,
    Plan,
    Quantities,
    Scenario,
    SolveParams,
    TimeWindow,
    Vehicle,
    VehicleType,
    build_matrices,
    check_plan,
    load_scenario,
)
from routing.report.geojson import NotGeographic, routes_geojson
from routing.report.manifest import duties, manifest_csv, manifest_html
from routing.report.maps import boundary_rings, plot_routes
from routing.report.outputs import write_plan_outputs
from tests.helpers import DEMO, FIXTURES, planar, req, solve_checked

Small = tuple[Scenario, Plan, CheckResult]


@pytest.fixture(scope="module")
def small() -> Small:
    scenario = load_scenario(FIXTURES / "ok_small.yaml")
    matrices = build_matrices(scenario)
    from routing import solve

    plan = solve(scenario, matrices, SolveParams(solution_limit=10))
    return scenario, plan, check_plan(scenario, matrices, plan)


def test_a_duty_lists_every_stop_with_load_aids_notes_and_usual_times(small: Small) -> None:
    """Tests the vognløb: the wheelchair user's aid, the arrive-by note, the load after each stop, the usual time."""
    scenario, plan, result = small
    found = duties(scenario, plan, result, "mon", usual_s={"c": 7 * 3600})
    assert sum(d.passengers for d in found) == 3 and all(d.day == "mon" for d in found)
    stops = [s for d in found for s in d.stops]
    c_stop = next(s for s in stops if "c" in s.pick_up)
    assert "c: wheelchair" in c_stop.aids and "c: needs lift" in c_stop.aids
    assert c_stop.load_after.get("wheelchairs") == 1 and c_stop.usual == ("c 07:00",)
    a_drop = next(s for s in stops if "a" in s.set_down)
    assert "a: arrive by 08:00" in a_drop.notes and "a set down 07:40-08:00" in a_drop.windows
    assert all(not d.stops[-1].load_after for d in found)  # everybody off at the end


def test_manifest_csv_and_html_have_a_row_per_stop_and_a_page_per_duty(small: Small) -> None:
    """Tests the CSV rows and the printable HTML (one section per duty, print CSS, nothing fetched)."""
    scenario, plan, result = small
    found = duties(scenario, plan, result, "mon")
    rows = list(csv.DictReader(io.StringIO(manifest_csv(found))))
    assert len(rows) == sum(len(d.stops) for d in found)
    assert {r["vehicle"] for r in rows} == {d.vehicle for d in found}
    page = manifest_html(found, "plan-1", "2026-12-02 10:00 UTC")
    assert page.count("<section class='duty'>") == len(found)
    assert "@page { size: A4" in page and "plan-1" in page and "OpenStreetMap" in page
    assert "http://" not in page and "https://" not in page


def test_routes_geojson_is_valid_rfc7946_with_a_feature_per_route_and_stop(small: Small) -> None:
    """Tests the GeoJSON: shapely parses each geometry, lon/lat in range, a LineString per route, a Point per stop."""
    scenario, plan, result = small
    found = duties(scenario, plan, result)
    collection = json.loads(json.dumps(routes_geojson(found, scenario.is_planar)))
    features = collection["features"]
    lines = [f for f in features if f["geometry"]["type"] == "LineString"]
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    assert len(lines) == len(found) and len(points) == sum(len(d.stops) for d in found)
    for f in features:
        geometry = shapely.geometry.shape(f["geometry"])
        assert geometry.is_valid
        for lon, lat in geometry.coords if f["geometry"]["type"] == "LineString" else [geometry.coords[0]]:
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert 12 < lon < 13 and 55 < lat < 57  # Fredensborg: lon first, as RFC 7946 says
    assert {f["properties"]["vehicle"] for f in lines} == {d.vehicle for d in found}


def test_a_planar_scenario_gets_manifests_and_a_clear_note_instead_of_a_map(tmp_path: Path) -> None:
    """Tests that a benchmark-like planar plan writes manifests, no GeoJSON or map, and says why."""
    car = VehicleType("car", Quantities.of(seats=2), profile="grid")
    s = planar(
        {"depot": (0, 0), "a": (5, 0), "b": (9, 0)},
        [req("r", "a", "b", pw=(0, 60))],
        [car],
        [Vehicle("v", "car", "depot", "depot", TimeWindow(0, 3600 * 4))],
    )
    plan, matrices = solve_checked(s, SolveParams(solution_limit=5))
    with pytest.raises(NotGeographic, match="planar"):
        routes_geojson([], True)
    written, notes = write_plan_outputs(tmp_path, s, plan, check_plan(s, matrices, plan))
    assert [p.name for p in written] == ["manifest.csv", "manifest.html"]
    assert "planar" in notes[0] and not (tmp_path / "routes.geojson").exists()


def test_the_map_draws_on_a_given_axes_and_the_boundary_comes_from_the_package(
    small: tuple,
    tmp_path: Path,
) -> None:
    """Tests plot_routes on a caller's axes (returns nothing) and meta.boundary read as a package resource."""
    import matplotlib

    matplotlib.use("Agg")
    from dataclasses import replace

    import matplotlib.pyplot as plt

    scenario, plan, result = small
    shipped = replace(scenario, meta={"boundary": "routing.fredensborg:data/geo/fredensborg_kommune.geojson"})
    rings = boundary_rings(shipped, None)
    assert rings and all(12.3 < lon < 12.6 and 55.8 < lat < 56.1 for lon, lat in rings[0])
    fig, ax = plt.subplots()
    drawn = duties(scenario, plan, result)
    plot_routes(scenario, drawn, rings, ax)
    assert ax.get_xlabel() == "km east" and ax.get_legend() is not None
    (routes,) = ax.collections  # every duty's route in one collection, one path each
    assert len(routes.get_paths()) == len(drawn) > 0
    labels = ax.get_legend_handles_labels()[1]
    kinds = {loc.kind for loc in scenario.locations if loc.kind != "home"}
    expected = ["depot"] * ("depot" in kinds) + ["institution"] * bool(kinds - {"depot"})
    assert labels[:-1] == expected  # one legend entry per kind of place, not one per place
    assert labels[-1].startswith(f"routes ({len(drawn)},")
    plt.close(fig)


def test_solve_writes_the_outputs_and_no_report_writes_plans_only(tmp_path: Path) -> None:
    """Tests the CLI: solve writes manifest.csv/.html, routes.geojson and map.png; --no-report only the plan files."""
    from cli import main

    assert main(["solve", str(DEMO), "--out", str(tmp_path / "a"), "--solution-limit", "5", "--quiet"]) == 0
    names = {p.name for p in (tmp_path / "a").iterdir()}
    assert {"plan.json", "stops.csv", "manifest.csv", "manifest.html", "routes.geojson", "map.png"} <= names
    png = (tmp_path / "a" / "map.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert (
        main(["solve", str(DEMO), "--out", str(tmp_path / "b"), "--solution-limit", "5", "--quiet", "--no-report"]) == 0
    )
    assert {p.name for p in (tmp_path / "b").iterdir()} == {"plan.json", "stops.csv"}


def test_compare_writes_manifests_and_maps_per_scenario_and_day(tmp_path: Path) -> None:
    """Tests that compare writes <scenario>/<day>/manifest.html + routes.geojson, each day's map, shown by day."""
    from cli import main

    out = tmp_path / "cmp"
    week = FIXTURES / "week_small.yaml"
    assert main(["compare", str(week), "--days", "mon,tue", "--time-limit", "5", "--out", str(out), "--quiet"]) == 0
    day = out / "week_small" / "mon"
    assert (day / "manifest.html").exists() and (day / "routes.geojson").exists()
    assert (out / "week_small" / "map_mon.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "week_small/mon/manifest.html" in page and "week_small/map_mon.png" in page
    assert "week_small/tue/manifest.html" in page
    assert page.index("<h3>mon</h3>") < page.index("week_small/map_mon.png") < page.index("<h3>tue</h3>")
    assert page.index("<h3>tue</h3>") < page.index("week_small/map_tue.png")
