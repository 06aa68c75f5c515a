"""Solver settings: the pipeline's stages and shares are validated, recorded as plain data, read from scenarios."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from routing import ScenarioError
from routing.solve.params import Pipeline, SolveParams
from tests.helpers import planar, req

ROUTING = Path(__file__).resolve().parents[2] / "routing"


def test_pipeline_settings_are_validated_with_codes() -> None:
    """Tests that bad shares, portfolio names and stage orders raise coded problems."""
    with pytest.raises(ScenarioError) as err:
        SolveParams(
            pipeline=Pipeline(
                relaxation_share=0,
                lns_shares=(0.5, 1.5),
                darp_portfolio=("auto",),
                hybrid_stages=("relax", "insert", "repair"),
                polish_max_requests=0,
                lns_threshold_power=0,
            )
        )
    codes = sorted(p.code for p in err.value.problems)
    assert codes == ["E520", "E520", "E520", "E521", "E522", "E523"]
    assert "SolveParams.pipeline.lns_threshold_power" in {p.path for p in err.value.problems}
    with pytest.raises(ScenarioError, match="lns_threshold_power"):
        SolveParams(pipeline=Pipeline(lns_threshold_power=True))


def test_settings_are_recorded_as_json_and_read_back() -> None:
    """Tests that the nested pipeline serialises to JSON and the same settings come back from that data."""
    params = SolveParams(seed=3, pipeline=Pipeline(lns_shares=(0.8,), hybrid_stages=("relax", "repair", "insert")))
    data = json.loads(json.dumps(params.as_dict()))
    assert data["pipeline"]["lns_shares"] == [0.8]
    assert SolveParams.from_mapping(data) == params


def test_scenario_keeps_plain_solver_settings() -> None:
    """Tests that a scenario's solver block is plain data that the solve layer turns into settings."""
    scenario = planar({"depot": (0, 0), "a": (1, 0), "b": (2, 0)}, [req("r1", "a", "b")], solution_limit=7)
    assert dict(scenario.solver) == {"time_limit_s": 60, "solution_limit": 7}
    params = SolveParams.of(scenario, seed=2)
    assert (params.solution_limit, params.seed, params.time_limit_s) == (7, 2, 60)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_import_runs_back_up_the_flow_around_solve() -> None:
    """Tests that the model knows no solver and the solver knows no costing or report."""
    assert not {m for m in _imports(ROUTING / "model.py") if m.startswith("routing.solve")}
    for path in (ROUTING / "solve").rglob("*.py"):
        back = {m for m in _imports(path) if m.startswith(("routing.costing", "routing.report"))}
        assert not back, f"{path.relative_to(ROUTING)} imports {back}"
