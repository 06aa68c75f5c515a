"""``read_yaml``'s one-pass build of plain data gives exactly what ``yaml.load`` gives, and leaves the rest to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from routing import ScenarioError
from routing.scenario import Limits
from routing.scenario import load as load_module
from routing.scenario.load import read_yaml
from tests.helpers import DEMO, FIXTURES, ROOT

LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])

#: Every implicit scalar type of YAML 1.1 as PyYAML reads it, in block and flow style, keys of all kinds.
PLAIN = """\
name: Hillerød – "test"
flags: [yes, No, on, OFF, true, FALSE, y, n]
ints: [0, -7, 1_000, 0x1F, 0o17, 017, 0b101, '12', "13", 1:30, 190:20:30]
floats: [1.5, -.5, 1e3, 6.8523015e+5, .inf, -.Inf, .NaN, 1_000.5, 190:20:30.15]
nulls: [~, null, Null, '', ]
empty:
times: {start: "07:30", end: 07:30, date: 2026-12-03, stamp: 2026-12-03 07:30:00+01:00}
binary: !!binary aGVsbG8=
nested:
  - {a: 1, b: [1, [2, [3]]], 3: three, 1.5: x, null: y, true: z}
  - []
  - {}
  - |
    two
    lines
  - >
    folded
    text
1: one
"07:30": quoted key
"""


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    """Each YAML loader the reader may use: libyaml's and PyYAML's pure-Python fallback."""
    chosen: type = request.param
    monkeypatch.setattr(load_module, "_LOADER", chosen)
    return chosen


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_data_is_built_in_one_pass_exactly_as_yaml_load_builds_it(loader: type) -> None:
    """Tests every implicit scalar type, nesting and key kind, and the shipped scenarios, against ``yaml.load``."""
    plain = PLAIN.replace("binary: !!binary aGVsbG8=\n", "")  # an explicit tag leaves the fast road
    files = [
        FIXTURES / "ok_small.yaml",
        ROOT / "scenarios" / "sindal.yaml",
        ROOT / "routing" / "costing" / "data" / "parameters.yaml",
    ]
    for text in [plain] + [path.read_text(encoding="utf-8") for path in files]:
        problem, data = load_module._build_plain(text, Limits())
        assert problem is None and data is not load_module._NOT_PLAIN
        # repr tells True from 1, 1.0 from 1 and NaN from NaN, which == does not.
        assert repr(data) == repr(yaml.load(text, Loader=loader))


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {a: 1}\nother: *b\n",  # anchor and alias
        "base: {a: 1}\nother:\n  <<: {a: 2, b: 3}\n  c: 4\n",  # merge key
        "value: !!str 12\n",  # explicit tag
        PLAIN,  # !!binary
        "? [a, b]\n: c\n",  # a list as a key
        "? {a: 1}\n: c\n",  # a mapping as a key
        DEMO.read_text(encoding="utf-8"),  # written by yaml.dump, which shares a repeated load by an anchor
    ],
    ids=["alias", "merge", "tag", "binary", "list-key", "map-key", "demo"],
)
def test_anything_but_plain_data_falls_back_to_yaml_load(loader: type, text: str, tmp_path: Path) -> None:
    """Tests that anchors, merges, tags and complex keys leave the fast road, and the result is ``yaml.load``'s."""
    assert load_module._build_plain(text, Limits()) == (None, load_module._NOT_PLAIN)
    try:
        expected = yaml.load(text, Loader=loader)
    except yaml.YAMLError:  # an unhashable key: read_yaml reports it, as yaml.load refuses it
        with pytest.raises(ScenarioError, match="E002"):
            read_yaml(written(tmp_path, text))
        return
    assert repr(read_yaml(written(tmp_path, text))) == repr(expected)


def test_two_documents_are_refused_as_yaml_load_refuses_them(loader: type, tmp_path: Path) -> None:
    """Tests that a second document leaves the fast road and is E002, as before."""
    with pytest.raises(ScenarioError, match="E002"):
        read_yaml(written(tmp_path, "a: 1\n---\nb: 2\n"))


def test_the_bounds_hold_on_the_fast_road(loader: type, tmp_path: Path) -> None:
    """Tests that plain data deeper or larger than the limits is E006 / E007 at the place it broke them."""
    path = written(tmp_path, "a:\n  b:\n    c: [1, 2, 3]\nd: 4\n")
    assert read_yaml(path, Limits(max_depth=4, max_nodes=12))["d"] == 4
    with pytest.raises(ScenarioError) as info:
        read_yaml(path, Limits(max_depth=3))
    assert [p.code for p in info.value.problems] == ["E006"] and "line 3" in str(info.value)
    with pytest.raises(ScenarioError) as info:
        read_yaml(path, Limits(max_nodes=11))
    assert [p.code for p in info.value.problems] == ["E007"] and "line 4" in str(info.value)
