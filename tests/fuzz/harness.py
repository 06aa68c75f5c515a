"""What the fuzz tests share: their settings (CI budget or release profile) and a captured CLI run."""

from __future__ import annotations

import io
import json
import os
import re
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from routing.cli import main

CODE = re.compile(r"^E\d{3}$")
#: Examples per fuzz test in the release profile when ``FUZZ_EXAMPLES`` does not say.
RELEASE_EXAMPLES = 2000


def register_profiles() -> None:
    """Register the ``fuzz-ci`` and ``fuzz-release`` hypothesis profiles (``conftest.py`` does, at start)."""
    common = settings(
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
        ],
    )
    settings.register_profile("fuzz-ci", common)
    settings.register_profile(
        "fuzz-release", common, max_examples=int(os.environ.get("FUZZ_EXAMPLES") or RELEASE_EXAMPLES)
    )


def budget(ci_examples: int) -> settings:
    """Settings for a fuzz test: ``ci_examples`` in CI; the ``fuzz-release`` profile when asked for.

    The release run is asked for by the environment variable ``FUZZ_EXAMPLES`` (its example count) or
    by ``--hypothesis-profile fuzz-release`` (profiles in ``conftest.py``).
    """
    register_profiles()
    if os.environ.get("FUZZ_EXAMPLES") or settings.get_current_profile_name() == "fuzz-release":
        return settings(settings.get_profile("fuzz-release"))
    return settings(settings.get_profile("fuzz-ci"), max_examples=ci_examples)


def run(argv: list[str]) -> tuple[int, str, str]:
    """Run the command line with ``argv``: (exit code, stdout, stderr). Any exception escapes to the test.

    A ``RuntimeWarning`` (numpy's overflow or invalid cast, ...) would be printed to the user's terminal;
    pytest captures warnings instead, so each one is put at the start of stderr here, for the tests to see.
    """
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        code = main(argv)
    shown = "".join(
        f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}\n"
        for w in caught
        if issubclass(w.category, RuntimeWarning)
    )
    return code, out.getvalue(), shown + err.getvalue()


def last_json(err: str) -> dict[str, Any]:
    """The JSON object on the last line of stderr (the CLI's machine-readable error)."""
    lines = err.strip().splitlines()
    assert lines, "nothing on stderr"
    detail = json.loads(lines[-1])
    assert isinstance(detail, dict), lines[-1]
    return detail


def explain(code: int, out: str, err: str) -> str:
    """A failure message: the exit code, the output and, for an internal error, the trace from its log."""
    text = f"exit {code}\n--- stdout\n{out[-2000:]}\n--- stderr\n{err[-4000:]}"
    try:
        log = last_json(err).get("log")
    except (AssertionError, ValueError):
        log = None
    if log and Path(log).is_file():
        text += f"\n--- {log}\n{Path(log).read_text(encoding='utf-8')[-6000:]}"
    return text


def assert_coded(err: str, prefix: str = "E") -> list[dict[str, Any]]:
    """Assert that stderr ends in the JSON of coded problems (codes starting ``prefix``, non-empty paths)."""
    detail = last_json(err)
    problems = detail.get("problems")
    assert isinstance(problems, list) and problems, detail
    for problem in problems:
        assert CODE.match(str(problem.get("code"))) and str(problem["code"]).startswith(prefix), problem
        assert isinstance(problem.get("path"), str) and problem["path"].strip(), problem
    return problems
