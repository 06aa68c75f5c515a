"""Exception types of the engine.

Input problems are ``ScenarioError`` (a ``ValueError``); matrix problems are
``MatrixError``; a solve that yields no usable plan is ``SolveError``. Internal
bugs are ``RuntimeError``/``AssertionError``, never one of these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in user input.

    Parameters
    ----------
    code
        Stable code, e.g. ``E301``. Ranges: E0xx file, E1xx locations,
        E2xx vehicles, E3xx requests, E4xx tariffs, E5xx solver and matrix settings.
    path
        Where the problem is: a YAML key path such as ``requests[12].pickup.window``
        or a model object such as ``Request 'r12'.pickup``.
    cause
        What is wrong, quoting the value found.
    fix
        What is expected instead.
    """

    code: str
    path: str
    cause: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.code} {self.path}: {self.cause}"
        return f"{text}. {self.fix}" if self.fix else text


class ScenarioError(ValueError):
    """Invalid user input: lists every problem found, each with code, path, cause and fix."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        count = len(self.problems)
        lines = [f"{head}{count} problem{'s' if count != 1 else ''} in the input:"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    def as_dict(self) -> dict[str, object]:
        """Return the error as a JSON-serialisable dict (for the CLI's stderr)."""
        return {
            "error": "input",
            "file": self.source,
            "problems": [{"code": p.code, "path": p.path, "cause": p.cause, "fix": p.fix} for p in self.problems],
        }


class MatrixError(RuntimeError):
    """A travel matrix cannot be built (unreachable pair, bad profile, unusable cache)."""


class SolveError(RuntimeError):
    """The solver produced no usable plan (e.g. no plan found within the time limit)."""


class Interrupted(Exception):
    """A stop was asked for (Ctrl-C, SIGTERM) before any plan existed: there is nothing to write."""
