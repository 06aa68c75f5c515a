"""Cost and emission parameters with their sources.

One table holds every value: ``scenarios/fredensborg/parameters.yaml`` (the project's domain
table, 2021 price level), where each value's trailing comment says whether it is *sourced* (with
the URL or "seed"), *derived* or an *assumption*. ``Parameters`` reads the values and those
comments, so every figure the costing layer computes can name the parameters it used and their
sources. A scenario's ``costing:`` section overrides any value by the same key path; the source
of an override is the scenario file.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.scenario.load import read_yaml

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "fredensborg" / "parameters.yaml"
_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_]+):(?P<rest>.*)$")


@dataclass(frozen=True, slots=True)
class Param:
    """One value with its unit and source, as used in a figure."""

    path: str
    value: Any
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"parameter": self.path, "value": self.value, "source": self.source}


def comment_sources(text: str) -> dict[str, str]:
    """Key path -> the trailing comment on that key's line, for a block-style YAML text.

    A comment applies to the key and everything under it (flow mappings on the line included).
    """
    sources: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in text.splitlines():
        m = _KEY.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent = len(m["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([k for _, k in stack] + [m["key"]])
        stack.append((indent, m["key"]))
        rest = m["rest"]
        if "#" in rest:
            # The comment starts at the first '#' outside quotes.
            quote = None
            for i, ch in enumerate(rest):
                if ch in "'\"":
                    quote = None if quote == ch else (quote or ch)
                elif ch == "#" and quote is None:
                    sources[path] = rest[i + 1 :].strip()
                    break
    return sources


class Parameters:
    """Values by key path (``channels.flexrute.price_per_vehicle_hour.taxi``) with their sources."""

    def __init__(self, values: dict[str, Any], sources: dict[str, str], origin: str) -> None:
        self.values = values
        self.sources = sources
        self.origin = origin

    @classmethod
    def load(cls, path: str | Path | None = None) -> Parameters:
        """The parameter table (default: the shipped Fredensborg table)."""
        path = Path(path) if path else DEFAULT_FILE
        values = read_yaml(path)
        return cls(values, comment_sources(path.read_text(encoding="utf-8")), str(path))

    def with_overrides(self, overrides: dict[str, Any] | None, origin: str) -> Parameters:
        """A copy with a scenario's ``costing:`` values laid over (their source: ``origin``)."""
        if not overrides:
            return self
        values = copy.deepcopy(self.values)
        sources = dict(self.sources)
        problems: list[Problem] = []

        def lay(target: dict[str, Any], patch: dict[str, Any], prefix: str) -> None:
            for key, value in patch.items():
                path = f"{prefix}.{key}" if prefix else str(key)
                if key not in target:
                    problems.append(
                        Problem("E401", f"costing.{path}", "unknown parameter", f"Use a key path of {self.origin}.")
                    )
                elif isinstance(target[key], dict) and isinstance(value, dict):
                    lay(target[key], value, path)
                elif isinstance(target[key], dict) != isinstance(value, dict):
                    problems.append(
                        Problem(
                            "E402",
                            f"costing.{path}",
                            f"{value!r} does not match the table's structure",
                            "Give a value of the same shape as the default.",
                        )
                    )
                else:
                    target[key] = value
                    sources[path] = f"scenario {origin}"

        lay(values, overrides, "")
        if problems:
            raise ScenarioError(problems, origin)
        return Parameters(values, sources, origin)

    def get(self, path: str) -> Param:
        """The value at ``path`` with the source of its nearest commented ancestor."""
        node: Any = self.values
        for part in path.split("."):
            key: Any = int(part) if isinstance(node, dict) and part not in node and part.isdigit() else part
            if not isinstance(node, dict) or key not in node:
                raise ScenarioError(
                    [Problem("E403", f"costing.{path}", "missing in the parameter table", f"Add it to {self.origin}.")],
                    self.origin,
                )
            node = node[key]
        parts = path.split(".")
        source = next(
            (
                self.sources[".".join(parts[:k])]
                for k in range(len(parts), 0, -1)
                if ".".join(parts[:k]) in self.sources
            ),
            "unstated (treat as assumption)",
        )
        return Param(path, node, source)

    def number(self, path: str) -> Param:
        """Like ``get``, for a numeric value (clear error otherwise)."""
        p = self.get(path)
        if isinstance(p.value, bool) or not isinstance(p.value, (int, float)):
            raise ScenarioError(
                [Problem("E404", f"costing.{path}", f"{p.value!r} is not a number", "Give a number.")], self.origin
            )
        return p
