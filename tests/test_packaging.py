"""A non-editable install works away from the source tree: console script, ``python -m routing``, package data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers import ROOT

#: What a wheel is built from (copied, so the build leaves nothing behind in the checkout).
SOURCES = ("pyproject.toml", "README.md", "routing")


def _run(args: list[str | Path], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a command in ``cwd``; the output is kept for the assertion messages."""
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the package installed from a wheel, not editable.

    The wheel is built from a copy of the sources by this interpreter's setuptools (no build
    isolation, nothing downloaded). The environment reaches this interpreter's packages for the
    dependencies through a ``.pth`` file, after its own site-packages, so its own ``routing`` wins;
    the editable install of the checkout (a ``.pth`` hook) is not run from there.
    """
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", base, src]
    built = _run(build, cwd=base)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = base.glob("borgerbefordring_routing-*.whl")
    env = base / "venv"
    made = _run([sys.executable, "-m", "venv", env], cwd=base)
    assert made.returncode == 0, made.stderr
    purelib = _run([env / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base)
    parent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib.stdout.strip()) / "_dependencies.pth").write_text("\n".join(sorted(parent)) + "\n")
    installed = _run([env / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", wheel], cwd=base)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return env


def test_the_installed_package_is_imported_not_the_checkout(venv: Path, tmp_path: Path) -> None:
    """Tests that, from another directory, the venv's python imports the installed copy with its demo data."""
    done = _run(
        [
            venv / "bin" / "python",
            "-c",
            "import routing, routing.cli as c; print(routing.__file__); print(c.DEMO_SCENARIO.is_file())",
        ],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    where, has_demo = done.stdout.split()
    assert Path(where).is_relative_to(venv) and "site-packages" in where, where
    assert has_demo == "True"


def test_console_script_solves_the_embedded_demo(venv: Path, tmp_path: Path) -> None:
    """Tests that 'borgerbefordring solve' with no scenario plans the demo shipped in the package."""
    out = tmp_path / "demo"
    done = _run(
        [venv / "bin" / "borgerbefordring", "solve", "--solution-limit", "5", "--out", out, "--quiet"], tmp_path
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["schema"] == "routing.plan/1" and plan["summary"]["feasible"] is True
    assert plan["summary"]["served"] + plan["summary"]["unserved"] == 40
    assert (tmp_path / ".cache" / "matrices").is_dir(), "the matrix cache belongs in the working directory"


def test_python_m_routing_solves_a_shipped_scenario_file(venv: Path, tmp_path: Path) -> None:
    """Tests 'python -m routing solve FILE --day tue' on the shipped Fredensborg week, run from another directory."""
    out = tmp_path / "tue"
    scenario = ROOT / "scenarios" / "fredensborg" / "baseline_2021.yaml"
    args = [venv / "bin" / "python", "-m", "routing", "solve", scenario, "--day", "tue", "--solution-limit", "1"]
    done = _run([*args, "--out", out, "--no-cache", "--quiet"], tmp_path)
    assert done.returncode == 0, done.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["summary"]["feasible"] is True and plan["summary"]["requests"] > 100


def test_python_m_routing_compares_with_the_packaged_tariffs(venv: Path, tmp_path: Path) -> None:
    """Tests 'python -m routing compare' on the shipped baseline (its stored plans), which needs the tariff data."""
    out = tmp_path / "compare"
    scenario = ROOT / "scenarios" / "fredensborg" / "baseline_2021.yaml"
    args = [venv / "bin" / "python", "-m", "routing", "compare", scenario, "--days", "tue", "--out", out]
    done = _run([*args, "--no-cache", "--quiet"], tmp_path)
    assert done.returncode == 0, (
        "compare failed in a non-editable install (are the Fredensborg and tariff files package data?)\n" + done.stderr
    )
    assert (out / "comparison.csv").is_file() and (out / "comparison.md").is_file()
