"""Scenario transforms resolve through the registry the core owns: entry points and ``module:function``."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from routing.exceptions import ScenarioError
from routing.scenario import transforms as registry
from routing.scenario.build import load_scenario

ROOT = Path(__file__).resolve().parents[2]

BASE = """\
name: base
locations:
  - {id: depot, x: 0, y: 0}
  - {id: home, x: 3, y: 4}
  - {id: school, x: 6, y: 8}
vehicle_types:
  - {id: car, capacity: {seats: 4}}
vehicles:
  - {id: v1, type: car, start: depot}
requests:
  - {id: r1, area: north, pickup: {location: home}, dropoff: {location: school}}
"""

MODULE = '''\
def rename(data):
    """Tests' transform: a new name and every request in area 'south'."""
    data["name"] = "renamed"
    for r in data["requests"]:
        r["area"] = "south"
    return data
'''


@pytest.fixture
def own_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A municipality's own module, importable but not registered anywhere."""
    (tmp_path / "my_municipality_transforms.py").write_text(MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "my_municipality_transforms"
    sys.modules.pop("my_municipality_transforms", None)


def _scenario(tmp_path: Path, transforms: str) -> Path:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "variant.yaml"
    path.write_text(f"extends: base.yaml\ntransforms: {transforms}\n", encoding="utf-8")
    return path


def test_a_module_function_name_applies_that_function(tmp_path: Path, own_module: str) -> None:
    """Tests that ``module:function`` needs no registration and changes the scenario, not the base file."""
    scenario = load_scenario(_scenario(tmp_path, f"['{own_module}:rename']"))
    assert scenario.name == "renamed"
    assert [r.area for r in scenario.requests] == ["south"]
    assert load_scenario(tmp_path / "base.yaml").requests[0].area == "north"


def test_a_registered_entry_point_is_found_by_its_name(
    tmp_path: Path, own_module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests entry-point discovery: a name registered under ``routing.transforms`` resolves to its function."""
    registered = [metadata.EntryPoint("school_reform", f"{own_module}:rename", registry.ENTRY_POINT_GROUP)]

    def entry_points(group: str) -> list[metadata.EntryPoint]:
        return registered if group == registry.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(registry.metadata, "entry_points", entry_points)
    assert list(registry.registered_transforms()) == ["school_reform"]
    assert load_scenario(_scenario(tmp_path, "[school_reform]")).name == "renamed"
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario(tmp_path, "[school_reforms]"))
    message = str(err.value)
    assert "E016 transforms[0]: unknown transform 'school_reforms'" in message and "Use one of school_reform" in message


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("no_such_module_xyz:f", "module 'no_such_module_xyz' cannot be imported"),
        ("os.path:no_such_function", "'os.path' has no 'no_such_function'"),
        ("os:sep", "'os:sep' is not a function"),
    ],
)
def test_a_module_function_name_that_does_not_resolve_is_error_e016(tmp_path: Path, name: str, cause: str) -> None:
    """Tests that a broken ``module:function`` name is reported with the coded error and its cause."""
    with pytest.raises(ScenarioError, match="E016") as err:
        load_scenario(_scenario(tmp_path, f"['{name}']"))
    assert cause in str(err.value)


def test_pyproject_registers_every_fredensborg_indsats() -> None:
    """Tests that the entry points in pyproject.toml name exactly the Fredensborg transforms, each importable."""
    from routing.fredensborg.transforms import TRANSFORMS

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    points = declared[registry.ENTRY_POINT_GROUP]
    assert set(points) == set(TRANSFORMS)
    for name, target in points.items():
        assert registry.resolve_transform(target) is TRANSFORMS[name], name
