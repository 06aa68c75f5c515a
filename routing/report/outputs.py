"""The files a coordinator opens beside each plan: vognløb manifests, ``routes.geojson`` and the map.

``write_plan_outputs`` writes, for one day's checked plan, ``manifest.csv`` and ``manifest.html``
(``routing.report.manifest``), ``routes.geojson`` (``routing.report.geojson``) and a map PNG
(``routing.report.maps``) — the last two only for geographic scenarios (a planar one gets a note
in the returned messages instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from routing.check import CheckResult
from routing.files import write_atomic
from routing.model import Scenario
from routing.plan import Plan
from routing.report.geojson import NotGeographic, geojson_text, routes_geojson
from routing.report.legs import duty_lines
from routing.report.manifest import Duty, duties, manifest_csv, manifest_html
from routing.report.maps import Ring, write_map


def write_plan_outputs(
    folder: str | Path,
    scenario: Scenario,
    plan: Plan,
    result: CheckResult,
    day: str = "",
    usual_s: Mapping[str, int] | None = None,
    boundary: Sequence[Ring] = (),
    map_path: str | Path | None = None,
    plan_id: str = "",
) -> tuple[list[Path], list[str]]:
    """Write the manifests, GeoJSON and map of one checked plan; return (files written, notes).

    Parameters
    ----------
    folder
        Where ``manifest.csv``, ``manifest.html`` and ``routes.geojson`` go (made if missing).
    scenario, plan, result
        The plan, the scenario it was checked against and the checker's result.
    day
        The day's label.
    usual_s
        Request id -> usual pickup time (week plans), shown in the manifests.
    boundary
        (lon, lat) rings drawn under the routes (``maps.boundary_rings``).
    map_path
        The map PNG (default ``folder/map.png``).
    plan_id
        Named in each manifest page's footer.

    Returns
    -------
    tuple[list[Path], list[str]]
        The files written, and notes (e.g. no map for a planar scenario).
    """
    all_duties = duties(scenario, plan, result, day, usual_s)
    return write_duty_outputs(folder, scenario, all_duties, boundary, map_path, plan_id)


def write_duty_outputs(
    folder: str | Path,
    scenario: Scenario,
    all_duties: Sequence[Duty],
    boundary: Sequence[Ring] = (),
    map_path: str | Path | None = None,
    plan_id: str = "",
) -> tuple[list[Path], list[str]]:
    """``write_plan_outputs`` for duties already made (e.g. of several silo plans of one day)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    write_atomic(folder / "manifest.csv", manifest_csv(all_duties))
    write_atomic(folder / "manifest.html", manifest_html(all_duties, plan_id or scenario.name, stamp))
    written = [folder / "manifest.csv", folder / "manifest.html"]
    notes: list[str] = []
    lines = duty_lines(scenario, all_duties)
    try:
        collection = routes_geojson(all_duties, scenario.is_planar, lines=lines)
    except NotGeographic as exc:
        notes.append(f"{scenario.name}: {exc}")
        return written, notes
    write_atomic(folder / "routes.geojson", geojson_text(collection))
    target = Path(map_path) if map_path else folder / "map.png"
    days = sorted({d.day for d in all_duties if d.day})
    title = f"{scenario.name}{', ' + ', '.join(days) if days else ''}: {len(all_duties)} routes"
    write_map(target, scenario, all_duties, title, boundary, lines)
    return [*written, folder / "routes.geojson", target], notes
