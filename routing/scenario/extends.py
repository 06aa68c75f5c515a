"""Scenario inheritance: ``extends: BASE.yaml`` plus named ``transforms`` applied to the base's dict.

Transform names resolve through ``routing.scenario.transforms`` (registered entry points or ``module:function``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.scenario.bounds import Limits
from routing.scenario.load import read_yaml
from routing.scenario.transforms import (
    Transform,
    UnknownTransform,
    apply_transforms,
    registered_transforms,
    resolve_transform,
)

#: The ``costing:`` key naming a scenario's own tariff table (``routing.costing.params.TABLE_KEY``).
TABLE_KEY = "table"
#: Top-level keys merged key by key with the base's; every other key (and every list) replaces the base's.
MERGED_KEYS = ("meta", "costing")


def resolve_extends(
    data: dict[str, Any], path: Path, seen: tuple[Path, ...] = (), limits: Limits | None = None
) -> dict[str, Any]:
    """Resolve ``extends: BASE.yaml`` and ``transforms: [...]`` into one scenario dict.

    Top-level keys of the file replace the base's, except ``meta`` and ``costing``, which are merged.
    A base's own ``costing.table``, road files (``profiles.*.file``) and stored plans (``meta.plans``) stay
    relative to the base file.

    Parameters
    ----------
    data
        The scenario file's YAML structure.
    path
        The scenario file (``extends`` is relative to it).
    seen
        Files already on the chain (to report loops).
    limits
        Bounds on each base file read (``read_yaml``). Default: ``DEFAULT_LIMITS``.

    Returns
    -------
    dict[str, Any]
        The scenario dict with the base merged in and the transforms applied.

    Raises
    ------
    ScenarioError
        E016 for an unknown transform (listing the registered ones), E017 for a missing or looping base.
    """
    extends, names = data.get("extends"), data.get("transforms") or []
    if extends is None and not names:
        return data
    problems: list[Problem] = []
    if not isinstance(names, list):
        problems.append(Problem("E016", "transforms", f"{names!r} is not a list", "Give a list of transform names."))
        names = []
    functions: list[Transform] = []
    for i, name in enumerate(names):
        try:
            functions.append(resolve_transform(str(name)))
        except UnknownTransform as exc:
            known = ", ".join(registered_transforms()) or "(none registered)"
            problems.append(
                Problem(
                    "E016",
                    f"transforms[{i}]",
                    str(exc),
                    f"Use one of {known}, or name a function as module:function.",
                )
            )
    base: dict[str, Any] = {}
    if extends is not None:
        base_path, problem = _base_path(extends, path, seen)
        if problem is not None:
            problems.append(problem)
        else:
            chain = (*seen, path.resolve())
            base = _rebase_table(resolve_extends(read_yaml(base_path, limits), base_path, chain, limits), base_path)
    if problems:
        raise ScenarioError(problems, str(path))
    given = [str(name) for name in names]
    try:
        merged = (
            apply_transforms(base, functions, given)
            if base
            else apply_transforms(
                {k: v for k, v in data.items() if k not in ("extends", "transforms")}, functions, given
            )
        )
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, str(path)) from None
    for key, value in data.items():
        if key in ("extends", "transforms"):
            continue
        if key in MERGED_KEYS and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        elif base:
            merged[key] = value
    return merged


def read_base(path: str | Path, limits: Limits | None = None) -> dict[str, Any]:
    """A scenario file's dict as a file extending it sees it: its own base resolved, its file paths absolute.

    Parameters
    ----------
    path
        The scenario file.
    limits
        Bounds on each file read. Default: ``DEFAULT_LIMITS``.

    Returns
    -------
    dict[str, Any]
        The dict ``resolve_extends`` merges a file's keys into when that file says ``extends: <path>``.

    Raises
    ------
    ScenarioError
        As ``read_yaml`` and ``resolve_extends``.
    """
    path = Path(path)
    return _rebase_table(resolve_extends(read_yaml(path, limits), path, (), limits), path)


def _base_path(extends: Any, path: Path, seen: tuple[Path, ...]) -> tuple[Path, Problem | None]:
    """The base file ``extends`` names (relative to ``path``), or the problem with it (E017)."""
    shown = repr(extends) if len(repr(extends)) <= 80 else repr(extends)[:77] + "..."
    fix = "Give the base scenario's path relative to this file, e.g. extends: baseline_2021.yaml."
    if not isinstance(extends, str) or not extends.strip() or "\0" in extends:
        return path, Problem("E017", "extends", f"{shown} is not a file path", fix)
    try:
        base_path = (path.parent / extends).resolve()
        exists = base_path.exists()
    except OSError as exc:  # e.g. a name longer than the file system allows
        return path, Problem("E017", "extends", f"{shown} cannot be a file path ({exc.strerror})", fix)
    if base_path in seen or base_path == path.resolve():
        cause = f"{shown} extends itself (directly or through other files)"
        return base_path, Problem("E017", "extends", cause, "Point extends at a base scenario.")
    if not exists:
        cause = f"{shown} does not exist (looked for {base_path})"
        return base_path, Problem("E017", "extends", cause, "Give a path relative to this file.")
    return base_path, None


def _rebase_table(base: dict[str, Any], base_path: Path) -> dict[str, Any]:
    """The base with its ``costing.table``, profiles' ``file`` and stored ``meta.plans`` made absolute.

    They are relative to the base file; a file extending it may be elsewhere (a sweep's points are).
    """
    meta = base.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("plans"), str) and meta["plans"]:
        base["meta"] = {**meta, "plans": str((base_path.parent / meta["plans"]).resolve())}
    costing = base.get("costing")
    if isinstance(costing, dict) and costing.get(TABLE_KEY) is not None:
        base["costing"] = {**costing, TABLE_KEY: str((base_path.parent / str(costing[TABLE_KEY])).resolve())}
    profiles = base.get("profiles")
    if isinstance(profiles, dict):
        base["profiles"] = {
            name: {**spec, "file": str((base_path.parent / str(spec["file"])).resolve())}
            if isinstance(spec, dict) and spec.get("file") is not None
            else spec
            for name, spec in profiles.items()
        }
    return base


def _deep_merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
