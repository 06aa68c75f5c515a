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
        try:
            target: Any = importlib.import_module(module_name)
        except ImportError as exc:
            raise UnknownTransform(f"module {module_name!r} cannot be imported ({exc})") from None
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


def apply_transforms(data: dict[str, Any], transforms: list[Transform]) -> dict[str, Any]:
    """``data`` with ``transforms`` applied in order, on a deep copy (``data`` is left as it was).

    Parameters
    ----------
    data
        A scenario's YAML structure.
    transforms
        Functions from ``resolve_transform``.

    Returns
    -------
    dict[str, Any]
        The transformed structure.
    """
    out = copy.deepcopy(data)
    for transform in transforms:
        out = transform(out)
    return out
