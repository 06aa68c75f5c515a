"""Plan fuzz: the engine's own plan.json with 1-3 structural mutations is checked, or refused with E6xx codes.

Also the other way round: the engine's plan checked against a mutated scenario.

``cli.py check`` exits 0 (feasible), 1 (violations listed: the checker's job) or 2 (coded E6xx problems and
one JSON line): never an escaped exception, never an internal error. Budget: ``tests/fuzz/conftest.py``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, note
from hypothesis import strategies as st

from tests.fuzz.harness import assert_coded, budget, explain, run
from tests.fuzz.mutations import PLAN_KINDS, SCENARIO_KINDS, Case, mutated, to_yaml
from tests.helpers import DEMO, FIXTURES

#: The scenarios solved (with their --day): a day, a weekday of a week, the demo.
SCENARIOS: dict[str, tuple[Path, list[str]]] = {
    "ok_small": (FIXTURES / "ok_small.yaml", []),
    "week_small": (FIXTURES / "week_small.yaml", ["--day", "tue"]),
    "demo": (DEMO, []),
}
WEIGHTS = ["ok_small"] * 3 + ["week_small"] * 2 + ["demo"]
#: Examples in CI (about 7 s on 2 cores, 15 s when the machine is busy).
CI_EXAMPLES = 600


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The plan.json the engine writes for each scenario (solved once, solution limit: deterministic)."""
    docs = {}
    for name, (scenario, day) in SCENARIOS.items():
        out = tmp_path_factory.mktemp(f"plan-{name}")
        solve = ["--solution-limit", "3", "--no-report", "--quiet", "--no-cache"]
        solved = run(["solve", str(scenario), "--out", str(out), *day, *solve])
        assert solved[0] == 0, explain(*solved)
        docs[name] = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    return docs


@budget(CI_EXAMPLES)
@given(data=st.data())
def test_a_mutated_plan_is_checked_or_refused_with_a_code(
    workdir: Path, plans: dict[str, Any], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(WEIGHTS))
    case: Case = data.draw(mutated(name, plans[name], PLAN_KINDS, raw=False))
    text = json.dumps(case.tree, ensure_ascii=False)
    note(text[:3000])
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(text, encoding="utf-8")
        scenario, day = SCENARIOS[name]
        code, stdout, stderr = run(["check", str(scenario), str(path), *day, "--no-cache"])
    assert code in (0, 1, 2), explain(code, stdout, stderr)
    assert "internal error" not in stderr and "RuntimeWarning" not in stderr, explain(code, stdout, stderr)
    if code == 1:
        assert stdout.startswith("infeasible:"), explain(code, stdout, stderr)
    elif code == 2:
        assert_coded(stderr, prefix="E6")


#: Examples in CI of the cross check (about 2 s).
CROSS_EXAMPLES = 200
SCENARIO_DOC = yaml.safe_load((FIXTURES / "ok_small.yaml").read_text(encoding="utf-8"))


@budget(CROSS_EXAMPLES)
@given(case=mutated("ok_small", SCENARIO_DOC, SCENARIO_KINDS))
def test_the_engines_plan_against_a_mutated_scenario_is_checked_or_refused(
    workdir: Path, plans: dict[str, Any], case: Case
) -> None:
    """The plan stays valid and the scenario changes under it: 0, 1 (violations), 2 or 3, never an internal error."""
    text = to_yaml(case.tree, case.tokens)
    note(text)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        scenario, plan = Path(tmp) / "scenario.yaml", Path(tmp) / "plan.json"
        scenario.write_text(text, encoding="utf-8")
        plan.write_text(json.dumps(plans["ok_small"]), encoding="utf-8")
        code, stdout, stderr = run(["check", str(scenario), str(plan), "--no-cache"])
    assert code in (0, 1, 2, 3), explain(code, stdout, stderr)
    assert "internal error" not in stderr and "RuntimeWarning" not in stderr, explain(code, stdout, stderr)
    if code == 1:
        assert stdout.startswith("infeasible:"), explain(code, stdout, stderr)
    elif code == 2:
        assert_coded(stderr)
