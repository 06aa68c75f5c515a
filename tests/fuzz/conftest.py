"""Hypothesis profiles of the fuzz tests: a fixed CI budget, and a longer run before a release.

CI runs each fuzz test with the example count its module gives (``python -m pytest tests/fuzz -q``,
about a minute on 2 cores). Before a release, run many more examples with either of::

    FUZZ_EXAMPLES=3000 python -m pytest tests/fuzz -q
    python -m pytest tests/fuzz -q --hypothesis-profile fuzz-release      # 2000 per test

Both are derandomized (the same examples every run), so a failure is reproduced by the same command.
The profiles are registered here, before hypothesis reads ``--hypothesis-profile``
(``tests.fuzz.harness.register_profiles``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzz.harness import register_profiles

register_profiles()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A working directory of the module's own: an internal error's log goes to its ``.cache/logs``."""
    folder = tmp_path_factory.mktemp("fuzz")
    before = Path.cwd()
    os.chdir(folder)
    yield folder
    os.chdir(before)
