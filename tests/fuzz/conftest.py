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

from tests.fuzz.harness import register_profiles

register_profiles()
