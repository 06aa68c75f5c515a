"""Golden files: fixed scenarios, fixed seed, solution limits; the plans must match the stored JSON exactly.

Regenerate with ``python -m tests.golden.update`` (or ``UPDATE_GOLDEN=1 python -m pytest tests/golden``)
when a change is meant to alter plans, and review the diff.
"""

from __future__ import annotations

import difflib
import json
import os

import pytest

from tests.golden.cases import CASES, dumps, golden_path


@pytest.mark.parametrize("case", list(CASES))
def test_the_plan_matches_its_golden_file(case: str) -> None:
    """Tests that a deterministic solve gives the stored routes and unserved requests, showing a diff if not."""
    actual = dumps(CASES[case]())
    path = golden_path(case)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
        pytest.skip(f"UPDATE_GOLDEN=1: wrote {path}")
    assert path.is_file(), f"no golden file {path}: run 'python -m tests.golden.update {case}'"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True), f"{path.name} (stored)", "solved"
            )
        )
        pytest.fail(
            f"the {case} plan differs from {path}; if intended, run 'python -m tests.golden.update {case}'\n{diff}"
        )


def test_golden_files_are_sorted_json_of_routes_and_unserved() -> None:
    """Tests that every stored file is valid JSON in the serialiser's own layout (so diffs stay line by line)."""
    for case in CASES:
        text = golden_path(case).read_text(encoding="utf-8")
        data = json.loads(text)
        assert set(data) == {"routes", "unserved"}
        assert [r["vehicle"] for r in data["routes"]] == sorted(r["vehicle"] for r in data["routes"])
        assert dumps(data) == text
