"""The regression corpus: every input that once failed badly, run through the command line.

Each file of ``tests/fixtures/broken/`` (listed with its history in its README.md) gives its documented
exit code and, for bad input, its documented problem code and key path. Files made by the fuzz tests'
findings are here too, so a finding stays fixed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fuzz.harness import assert_coded, explain, run
from tests.helpers import FIXTURES

BROKEN = FIXTURES / "broken"
OK_SMALL = FIXTURES / "ok_small.yaml"
#: No --solution-limit: some files are about the solver settings (those that solve set their own).
SOLVE = ["--no-report", "--quiet", "--no-cache"]

# (scenario file, exit code, (code, path) of a problem it must list; None for a file that now solves)
SCENARIOS: list[tuple[str, int, tuple[str, str] | None]] = [
    ("vehicle_count_billion.yaml", 2, ("E223", "vehicles[0].count")),
    ("infinite_cost_per_hour.yaml", 2, ("E020", "vehicle_types[0].cost_per_hour_dkk")),
    ("alias_bomb_under_requests.yaml", 2, ("E007", "line 13, column 10")),
    ("unquoted_clock_time.yaml", 2, ("E024", "vehicles[0].shift[0]")),
    ("unknown_empty_key.yaml", 2, ("E011", "''")),
    ("null_cost_per_hour.yaml", 0, None),
    ("speed_almost_zero.yaml", 2, ("E020", "profiles.car.speed_kph")),
    ("extends_null_byte.yaml", 2, ("E017", "extends")),
    ("transform_relative_module.yaml", 2, ("E016", "transforms[0]")),
    ("transform_returns_a_list.yaml", 2, ("E016", "transforms[0]")),
    ("transform_fails.yaml", 2, ("E016", "transforms[0]")),
    ("solver_time_limit_huge.yaml", 2, ("E501", "solver.time_limit_s")),
    ("solver_seed_past_32_bits.yaml", 2, ("E506", "solver.seed")),
    ("solver_solution_limit_huge.yaml", 2, ("E502", "solver.solution_limit")),
    ("solver_workers_huge.yaml", 2, ("E508", "solver.workers")),
]
# (plan file checked against ok_small.yaml, (code, path) of a problem it must list)
PLANS: list[tuple[str, tuple[str, str]]] = [
    ("plan_stop_pickup_string.json", ("E601", "routes[0].stops[1].pickup")),
    ("plan_stops_integer.json", ("E601", "routes[0].stops")),
    ("plan_unserved_bare_strings.json", ("E601", "unserved[0]")),
]


def _problems(stderr: str, prefix: str = "E") -> list[tuple[str, str]]:
    return [(p["code"], p["path"]) for p in assert_coded(stderr, prefix)]


@pytest.mark.parametrize(("name", "exit_code", "problem"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_a_corpus_scenario_gives_its_documented_outcome(
    tmp_path: Path, name: str, exit_code: int, problem: tuple[str, str] | None
) -> None:
    code, stdout, stderr = run(["solve", str(BROKEN / name), "--out", str(tmp_path / "out"), *SOLVE])
    assert code == exit_code, explain(code, stdout, stderr)
    assert "RuntimeWarning" not in stderr, stderr
    if problem is not None:
        assert problem in _problems(stderr), stderr
        assert not (tmp_path / "out" / "plan.json").exists()
    else:
        checked = run(["check", str(BROKEN / name), str(tmp_path / "out" / "plan.json"), "--no-cache"])
        assert checked[0] == 0, explain(*checked)


@pytest.mark.parametrize(("name", "problem"), PLANS, ids=[p[0] for p in PLANS])
def test_a_corpus_plan_is_refused_with_its_code(name: str, problem: tuple[str, str]) -> None:
    code, stdout, stderr = run(["check", str(OK_SMALL), str(BROKEN / name), "--no-cache"])
    assert code == 2, explain(code, stdout, stderr)
    assert problem in _problems(stderr, "E6"), stderr


def test_nesting_two_thousand_levels_deep_is_refused(tmp_path: Path) -> None:
    """2 000 nested lists under a known key: E006 at its line (generated: the file would be 4 kB of brackets)."""
    path = tmp_path / "deep.yaml"
    path.write_text(OK_SMALL.read_text(encoding="utf-8") + "meta: {deep: " + "[" * 2000 + "]" * 2000 + "}\n")
    code, stdout, stderr = run(["solve", str(path), "--out", str(tmp_path / "out"), *SOLVE])
    assert code == 2, explain(code, stdout, stderr)
    assert [c for c, _ in _problems(stderr)] == ["E006"]


def test_a_base_path_longer_than_the_file_system_allows_is_refused(tmp_path: Path) -> None:
    """``extends:`` a 5 000-character name: OSError "File name too long" was an internal error; now E017."""
    path = tmp_path / "long.yaml"
    path.write_text(f"extends: {'a' * 5000}.yaml\n", encoding="utf-8")
    code, stdout, stderr = run(["solve", str(path), "--out", str(tmp_path / "out"), *SOLVE])
    assert code == 2, explain(code, stdout, stderr)
    assert _problems(stderr) == [("E017", "extends")]


def test_the_readme_lists_every_corpus_file() -> None:
    readme = (BROKEN / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in BROKEN.iterdir() if p.name != "README.md")
    assert [f for f in files if f"`{f}`" not in readme] == []
    assert sorted([s[0] for s in SCENARIOS] + [p[0] for p in PLANS]) == files
    assert json.loads((BROKEN / "plan_stops_integer.json").read_text(encoding="utf-8"))["routes"][0]["stops"] == 6
