"""Scenario fuzz: a valid scenario with 1-3 structural mutations is solved, or refused with coded problems.

Never an escaped exception, never exit 1 (an internal error): exit 0 with a plan the checker accepts and
every request accounted for, 2 with coded problems (code, key path) and one JSON line, or 3 (no route).
Budget and the longer release run: ``tests/fuzz/conftest.py``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, note
from hypothesis import strategies as st

from routing import load_scenario
from tests.fuzz.harness import assert_coded, budget, explain, last_json, run
from tests.fuzz.mutations import SCENARIO_KINDS, Case, mutated, to_yaml
from tests.helpers import DEMO, FIXTURES

#: The valid scenarios mutated, each as often as its weight (the demo takes ~20 times longer to solve).
BASES: dict[str, Path] = {
    "ok_small": FIXTURES / "ok_small.yaml",
    "week_small": FIXTURES / "week_small.yaml",
    "demo": DEMO,
}
WEIGHTS = ["ok_small"] * 5 + ["week_small"] * 2 + ["variant"] * 2 + ["demo"]
DOCS: dict[str, Any] = {name: yaml.safe_load(path.read_text(encoding="utf-8")) for name, path in BASES.items()}
#: A variant of ok_small (written beside it): ``extends``, ``transforms`` and merged ``meta`` and ``costing``.
DOCS["variant"] = {
    "extends": "ok_small.yaml",
    "transforms": ["indsats_11", "tests.fuzz.mutations:identity"],
    "name": "variant",
    "solver": {"time_limit_s": 5},
    "meta": {"planning": "joint", "operating_days_per_year": {"12": 200}},
    "costing": {"channels": {"flexkommune": {"base_per_trip": 90}}},
}
SOLVE = ["--solution-limit", "3", "--no-report", "--quiet", "--no-cache"]
#: Examples in CI (about 15 s on 2 cores, 30 s when the machine is busy).
CI_EXAMPLES = 800

cases = st.sampled_from(WEIGHTS).flatmap(lambda name: mutated(name, DOCS[name], SCENARIO_KINDS))
#: ``--day``: none (every request), a school day, a Saturday (no request of week_small travels then).
DAYS: list[str | None] = [None, None, "tue", "sat"]


def served_or_listed(scenario_path: Path, plan_path: Path, day: str | None) -> None:
    """Assert that every request of the scenario (of ``day``) is on a route or in ``unserved`` with a reason."""
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    on_routes = {r for route in plan["routes"] for stop in route["stops"] for r in stop["pickup"] + stop["dropoff"]}
    listed = {u["request"] for u in plan["unserved"] if str(u.get("reason", "")).strip()}
    scenario = load_scenario(scenario_path)
    wanted = {r.id for r in (scenario if day is None else scenario.for_day(day)).requests}
    assert wanted <= on_routes | listed, sorted(wanted - on_routes - listed)


@budget(CI_EXAMPLES)
@given(case=cases, day=st.sampled_from(DAYS))
def test_a_mutated_scenario_is_solved_or_refused_with_a_code(workdir: Path, case: Case, day: str | None) -> None:
    text = to_yaml(case.tree, case.tokens)
    note(text)
    days = [] if day is None else ["--day", day]
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path, out = Path(tmp) / "scenario.yaml", Path(tmp) / "out"
        path.write_text(text, encoding="utf-8")
        shutil.copy(BASES["ok_small"], Path(tmp) / "ok_small.yaml")  # the variant's base
        code, stdout, stderr = run(["solve", str(path), "--out", str(out), *days, *SOLVE])
        assert code in (0, 2, 3), explain(code, stdout, stderr)
        assert "RuntimeWarning" not in stderr, explain(code, stdout, stderr)
        if code == 2:
            assert_coded(stderr)
        elif code == 3:
            assert last_json(stderr)["error"] in ("MatrixError", "SolveError"), stderr
        else:
            checked = run(["check", str(path), str(out / "plan.json"), *days, "--no-cache"])
            assert checked[0] == 0, explain(*checked)
            served_or_listed(path, out / "plan.json", day)
