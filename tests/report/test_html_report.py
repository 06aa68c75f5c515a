"""report.html opens from disk in headless Chromium: it renders, its tables and maps are there, nothing fails.

Chromium is Debian's ``chromium`` (``.ci/run`` installs it when missing). The test copies the report
and adds one inline script that records each image's natural size on the page (the shipped report has
no script), then reads the DOM, a screenshot and Chromium's console log.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cli import main
from routing.report.html_report import render_report
from tests.helpers import DEMO, FIXTURES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
    "--enable-logging=stderr",
    "--v=0",
]
PROBE = (
    "<script>window.addEventListener('load', () => document.body.setAttribute('data-images', "
    "Array.from(document.images).map(i => i.naturalWidth + 'x' + i.naturalHeight).join(',')));</script>"
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def _open(page: Path, tmp_path: Path) -> tuple[str, str, Path]:
    """(DOM after load, Chromium's log, screenshot) of ``page`` with the image probe added."""
    probed = page.with_name("probed.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    assert CHROMIUM is not None
    base = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600"]
    dom = subprocess.run([*base, "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=120)
    shot = tmp_path / "shot.png"
    taken = subprocess.run(
        [*base, f"--screenshot={shot}", probed.as_uri()], capture_output=True, text=True, timeout=120
    )
    return dom.stdout, dom.stderr + taken.stderr, shot


def _assert_rendered(dom: str, log: str, shot: Path, title: str) -> None:
    import matplotlib.image

    assert f'<h1 id="title">{title}' in dom
    assert '<table class="summary">' in dom
    sizes = re.search(r'data-images="([^"]*)"', dom)
    assert sizes, "the page did not finish loading"
    loaded = [s for s in sizes.group(1).split(",") if s and not s.startswith("0x")]
    assert loaded, f"no image loaded: {sizes.group(1)!r}"
    console = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line or "ERR_FILE" in line]
    assert not console, console
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] > 100 and pixels[..., :3].std() > 0.01  # not blank


def test_the_solve_report_renders_with_its_map(tmp_path: Path) -> None:
    """Tests report.html of `solve` on the demo in headless Chromium: title, summary, the map loaded, no errors."""
    out = tmp_path / "solve"
    assert main(["solve", str(DEMO), "--out", str(out), "--solution-limit", "5", "--quiet"]) == 0
    dom, log, shot = _open(out / "report.html", tmp_path)
    _assert_rendered(dom, log, shot, "Plan: ")
    assert "manifest.html" in dom


def test_the_week_report_renders_with_maps_charts_and_consistency(tmp_path: Path) -> None:
    """Tests report.html of `week` (a small week): the consistency section, the charts and the day maps load."""
    out = tmp_path / "week"
    assert main(["week", str(FIXTURES / "week_small.yaml"), "--out", str(out), "--solution-limit", "5", "--quiet"]) == 0
    dom, log, shot = _open(out / "report.html", tmp_path)
    _assert_rendered(dom, log, shot, "Week: ")
    assert "Consistency" in dom and "chart_cost_by_channel.png" in dom and "map_mon.png" in dom


def test_report_renders_again_from_the_files_alone(tmp_path: Path) -> None:
    """Tests `cli.py report DIR`: the same page from the folder's files, with no solve; a folder of nothing is E603."""
    out = tmp_path / "solve"
    assert main(["solve", str(DEMO), "--out", str(out), "--solution-limit", "5", "--quiet"]) == 0
    first = (out / "report.html").read_text(encoding="utf-8")
    (out / "report.html").unlink()
    assert main(["report", str(out), "--quiet"]) == 0
    assert (out / "report.html").read_text(encoding="utf-8") == first
    assert main(["report", str(tmp_path / "empty")]) == 2
    from routing.exceptions import ScenarioError

    with pytest.raises(ScenarioError, match="E603"):
        render_report(tmp_path)


def test_the_compare_report_renders_each_days_maps_side_by_side(tmp_path: Path) -> None:
    """Tests report.html of `compare` (a small week, two days): summary, per-area table and every day's map load."""
    out = tmp_path / "cmp"
    week = str(FIXTURES / "week_small.yaml")
    assert main(["compare", week, "--days", "mon,tue", "--time-limit", "5", "--out", str(out), "--quiet"]) == 0
    dom, log, shot = _open(out / "report.html", tmp_path)
    _assert_rendered(dom, log, shot, "Comparison: ")
    sizes = re.search(r'data-images="([^"]*)"', dom)
    assert sizes and sum(not s.startswith("0x") for s in sizes.group(1).split(",")) >= 2  # mon's and tue's maps
    assert "Routes per day and scenario" in dom


def test_the_replan_report_renders_what_changed(tmp_path: Path) -> None:
    """Tests report.html of `replan` (a cancellation on a small week): the change is listed and the maps load."""
    import yaml

    week = tmp_path / "week"
    args = ["--solution-limit", "5", "--quiet"]
    assert main(["week", str(FIXTURES / "week_small.yaml"), "--out", str(week), "--no-compare", *args]) == 0
    change = tmp_path / "change.yaml"
    cancel = {"kind": "cancel", "passenger": "a", "days": ["wed"]}
    change.write_text(yaml.safe_dump({"schema": "routing.change/1", "changes": [cancel]}), encoding="utf-8")
    out = tmp_path / "new"
    assert main(["replan", str(week), "--change", str(change), "--out", str(out), *args]) == 0
    dom, log, shot = _open(out / "report.html", tmp_path)
    _assert_rendered(dom, log, shot, "Re-planned week: ")
    assert "cancel" in dom
