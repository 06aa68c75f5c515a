"""Named scenario transforms: how a scenario's ``transforms: [name, ...]`` finds its functions.

A transform takes a scenario's YAML structure (a dict) and returns the changed structure, so the
result is an ordinary scenario a user could have written by hand. The core ships none and knows
no municipality; a name is resolved through the registered providers:

- ``module:function`` — any importable function, e.g. ``my_municipality.scenarios:school_reform``
  (a municipality outside this package needs no registration);
- a plain name — a Python entry point of the group ``routing.transforms``. A package registers
  its transforms in its ``pyproject.toml``::

      [project.entry-points."routing.transforms"]
      indsats_11 = "routing.fredensborg.transforms:indsats_11"

  (this package registers the Fredensborg indsatser so; entry points are read from the installed
  package's metadata, so a changed list needs a re-install).
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from importlib import metadata
from typing import Any

from routing.exceptions import Problem, ScenarioError

#: The entry-point group transforms are registered under.
ENTRY_POINT_GROUP = "routing.transforms"

Transform = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownTransform(LookupError):
    """A transform name no provider resolves; the message says why."""


def registered_transforms() -> dict[str, metadata.EntryPoint]:
    """The transforms registered as entry points (group ``routing.transforms``), by name.

    Returns
    -------
    dict[str, importlib.metadata.EntryPoint]
        Name -> entry point, sorted by name; the first registration of a name wins.
    """
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return dict(sorted(found.items()))


def resolve_transform(name: str) -> Transform:
    """The function a transform name stands for.

    Parameters
    ----------
    name
        ``module:function`` (imported as given) or the name of a registered entry point.

    Returns
    -------
    Transform
        A function from a scenario dict to a scenario dict.

    Raises
    ------
    UnknownTransform
        If no provider resolves the name, or it resolves to something that is not callable.
    """
    if ":" in name:
        module_name, _, attr = name.partition(":")
        if not module_name.strip() or module_name.startswith("."):
            # importlib refuses these with ValueError or TypeError, not ImportError.
            raise UnknownTransform(f"{module_name!r} is not a module name (give an absolute one, e.g. 'my_town.rules')")
        try:
            target: Any = importlib.import_module(module_name)
        except Exception as exc:  # a module that fails while it is imported cannot provide a transform either
            raise UnknownTransform(f"module {module_name!r} cannot be imported ({type(exc).__name__}: {exc})") from None
        for part in attr.split("."):
            if not hasattr(target, part):
                raise UnknownTransform(f"{module_name!r} has no {attr!r}") from None
            target = getattr(target, part)
    else:
        ep = registered_transforms().get(name)
        if ep is None:
            raise UnknownTransform(f"unknown transform {name!r}")
        target = ep.load()
    if not callable(target):
        raise UnknownTransform(f"{name!r} is not a function")
    transform: Transform = target
    return transform


def apply_transforms(
    data: dict[str, Any], transforms: list[Transform], names: list[str] | None = None
) -> dict[str, Any]:
    """``data`` with ``transforms`` applied in order, on a deep copy (``data`` is left as it was).

    Parameters
    ----------
    data
        A scenario's YAML structure.
    transforms
        Functions from ``resolve_transform``.
    names
        The names the scenario gave them (for messages); default: the functions' own names.

    Returns
    -------
    dict[str, Any]
        The transformed structure.

    Raises
    ------
    ScenarioError
        E016 at ``transforms[i]`` if a transform fails on this structure (it runs before the result is
        validated, so it may meet a malformed scenario) or returns something that is not a mapping.
    """
    out = copy.deepcopy(data)
    for i, transform in enumerate(transforms):
        name = names[i] if names is not None else getattr(transform, "__qualname__", repr(transform))
        try:
            result: Any = transform(out)
        except Exception as exc:  # the function is the scenario's choice; its failure is a problem of the input
            cause = f"transform {name!r} failed on this scenario ({type(exc).__name__}: {exc})"
            raise ScenarioError([Problem("E016", f"transforms[{i}]", cause, _TRANSFORM_FIX)]) from None
        if not isinstance(result, dict):
            cause = f"transform {name!r} returned {type(result).__name__}, not a scenario mapping"
            raise ScenarioError([Problem("E016", f"transforms[{i}]", cause, _TRANSFORM_FIX)])
        out = result
    return out


_TRANSFORM_FIX = (
    "Check the scenario it is applied to, or name a function that takes a scenario mapping and returns one."
)
