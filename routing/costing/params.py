"""Cost and emission parameters with their sources.

One table holds every value. The default ships inside the package
(``routing/costing/data/parameters.yaml``: Danish tariffs at 2021 price level, from the Fredensborg
analysis), and each value's trailing comment says whether it is *sourced* (with the URL or "seed"),
*derived* or an *assumption*. ``Parameters`` reads the values and those comments, so every figure the
costing layer computes can name the parameters it used and their sources.

A scenario's ``costing:`` section overrides any value by the same key path (the source of an
override is the scenario file); ``costing.table`` names a whole table of the scenario's own
(a path relative to the scenario file) to use instead of the default.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.scenario.load import read_yaml

#: The shipped default table (package data).
DEFAULT_TABLE = resources.files("routing.costing").joinpath("data", "parameters.yaml")
#: The key of a scenario's ``costing:`` section that names its own table.
TABLE_KEY = "table"
_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_]+):(?P<rest>.*)$")


@dataclass(frozen=True, slots=True)
class Param:
    """One value with its unit and source, as used in a figure."""

    path: str
    value: Any
    source: str

    def as_dict(self) -> dict[str, Any]:
        """The parameter as a row: ``parameter``, ``value``, ``source``."""
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
        """Read a parameter table with the sources in its comments.

        Parameters
        ----------
        path
            A YAML table. Default: the table shipped with the package (``DEFAULT_TABLE``).

        Returns
        -------
        routing.costing.params.Parameters
            The values, their sources, and the table's path as origin.

        Raises
        ------
        ScenarioError
            If the file is missing or not a YAML mapping.
        """
        if path is None:
            with resources.as_file(DEFAULT_TABLE) as default:
                return cls.load(default)
        values = read_yaml(path)
        return cls(values, comment_sources(Path(path).read_text(encoding="utf-8")), str(path))

    @classmethod
    def for_scenario(cls, costing: Mapping[str, Any], scenario_path: str | Path) -> Parameters:
        """The parameters a scenario is priced with: its own table or the default, with its overrides.

        Parameters
        ----------
        costing
            The scenario's ``costing:`` section (``Scenario.costing``). ``table``, if given, is the
            path of the scenario's own table, relative to the scenario file; every other key overrides
            a value of the table by key path.
        scenario_path
            The scenario file (overrides name it as their source).

        Returns
        -------
        routing.costing.params.Parameters
            The table with the overrides laid over.

        Raises
        ------
        ScenarioError
            If the table cannot be read or an override names an unknown key path (E401, E402).
        """
        overrides = dict(costing)
        table = overrides.pop(TABLE_KEY, None)
        base = cls.load(Path(scenario_path).parent / str(table) if table is not None else None)
        return base.with_overrides(overrides, str(scenario_path))

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
        """Like ``get``, for a finite numeric value (clear error otherwise: YAML's ``.inf`` is no price)."""
        p = self.get(path)
        if isinstance(p.value, bool) or not isinstance(p.value, (int, float)) or not math.isfinite(p.value):
            raise ScenarioError(
                [Problem("E404", f"costing.{path}", f"{p.value!r} is not a finite number", "Give a number.")],
                self.origin,
            )
        return p
