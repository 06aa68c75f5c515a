"""Regenerate the golden files: ``python -m tests.golden.update [CASE ...]`` from the repository root.

Run it after a change that is meant to alter plans (e.g. the objective), then review
``git diff tests/golden/`` and commit the files with the reason in the message.
"""

from __future__ import annotations

import sys

from tests.golden.cases import CASES, dumps, golden_path


def main(argv: list[str]) -> int:
    """Solve each named case (default: all) and write its stored file; return the exit code."""
    unknown = [c for c in argv if c not in CASES]
    if unknown:
        print(f"unknown case(s) {', '.join(unknown)}; use {', '.join(CASES)}", file=sys.stderr)
        return 2
    for case in argv or list(CASES):
        path = golden_path(case)
        path.write_text(dumps(CASES[case]()), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
