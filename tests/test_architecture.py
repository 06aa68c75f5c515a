"""The import boundaries of routing/: the flow runs scenario -> model -> matrices -> solve -> check -> cost -> report.

Each rule is read from the source (``ast``), so a back-arrow fails here before it tangles the layers.
A lazy import inside a function counts like one at the top: it is the same dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "routing"


def _module_name(path: Path) -> str:
    """Dotted module name of a file under routing/ (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


FILES = sorted(PACKAGE.rglob("*.py"))
KNOWN = {_module_name(p) for p in FILES}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, absolute (relative imports resolved against its package)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # 'from routing import solve' imports the module routing.solve when there is one.
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in KNOWN)
    return found


MODULES = {_module_name(p): _imports(p) for p in FILES}


def _within(name: str, prefix: str) -> bool:
    """Whether a dotted name is ``prefix`` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


def _offences(importers: list[str], forbidden: list[str], exempt: list[str]) -> list[str]:
    """``module -> import`` for every import of a forbidden layer by a module of the importing layers."""
    return sorted(
        f"{module} -> {name}"
        for module, names in MODULES.items()
        if any(_within(module, p) for p in importers) and not any(_within(module, e) for e in exempt)
        for name in names
        if any(_within(name, f) for f in forbidden)
    )


def test_the_import_scan_sees_the_package() -> None:
    """Tests the scan itself: it finds the layers and resolves the imports the rules are about."""
    assert {"routing.model", "routing.check", "routing.solve.solve", "routing.cli"} <= MODULES.keys()
    assert "routing.solve.params" in MODULES["routing.solve.solve"]


@pytest.mark.parametrize(
    ("importers", "forbidden", "exempt"),
    [
        # Below the solver: the model, the matrices and the checker never ask it.
        (["routing.model", "routing.matrix", "routing.check"], ["routing.solve"], []),
        # The solver prices plans with its own objective, and knows nothing of invoices, reports or studies.
        (["routing.solve"], ["routing.costing", "routing.report", "routing.studies"], []),
        # The generic core knows no municipality. The command line is the front end above every layer
        # (the top-level cli.py of the design, in the package to be installable): it offers the
        # municipality's generator as a command.
        (["routing"], ["routing.fredensborg"], ["routing.fredensborg", "routing.cli"]),
        # Loading and writing scenarios is no report.
        (["routing.scenario"], ["routing.report"], []),
    ],
    ids=[
        "model-matrix-check-below-solve",
        "solve-below-costing-report-studies",
        "core-without-fredensborg",
        "scenario-no-report",
    ],
)
def test_no_module_imports_against_the_flow(importers: list[str], forbidden: list[str], exempt: list[str]) -> None:
    """Tests that no module of a layer imports a layer it must not depend on (the offending imports are listed)."""
    assert _offences(importers, forbidden, exempt) == []


@pytest.mark.parametrize(
    ("library", "home"), [("ortools", "routing.solve.backends.ortools"), ("pyvrp", "routing.solve.backends.pyvrp")]
)
def test_each_solver_library_is_imported_by_its_backend_alone(library: str, home: str) -> None:
    """Tests that only the backend module of a solver library imports it, so swapping a library touches one file."""
    importers = sorted(module for module, names in MODULES.items() if any(_within(n, library) for n in names))
    assert importers == [home]
