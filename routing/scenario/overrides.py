"""Scenario variants by key path: a small scenario that ``extends`` a base and sets a few keys.

An override path addresses a key of the scenario file: dotted keys, with ``[i]`` for a list item,
e.g. ``costing.channels.flexkommune.base_per_trip``, ``vehicle_types[2].fuel``, ``solver.seed``.
``extends`` merges ``meta`` and ``costing`` key by key but replaces every other top-level key (and
any list) wholesale, so the variant carries what the merge would otherwise lose: below ``meta`` and
``costing`` only the keys set (down to the first list), elsewhere a copy of the base's top-level
value with the one key changed. Either way the variant is an ordinary scenario file a user can read
and re-run by hand.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from routing.scenario.extends import MERGED_KEYS

_SEGMENT = re.compile(r"([A-Za-z0-9_-]+)((?:\[\d+\])*)")


class BadOverride(ValueError):
    """An override path that is not a path, or does not fit the base scenario; the message says why."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One step of a path: a mapping key, then list positions (``vehicle_types[2]``: key and ``(2,)``)."""

    key: str
    indices: tuple[int, ...]


def parse_path(path: str) -> list[Segment]:
    """The steps of an override path.

    Parameters
    ----------
    path
        E.g. ``vehicle_types[2].fuel``.

    Returns
    -------
    list[Segment]
        One per dotted part.

    Raises
    ------
    BadOverride
        If a part is not ``key`` or ``key[i]...`` (letters, digits, ``_`` and ``-``).
    """
    if not isinstance(path, str) or not path:
        raise BadOverride(f"{path!r} is not a key path")
    segments = []
    for part in path.split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise BadOverride(f"{part!r} is not a key or key[i] (in {path!r})")
        segments.append(Segment(match.group(1), tuple(int(i) for i in re.findall(r"\d+", match.group(2)))))
    return segments


def variant(base: Mapping[str, Any], extends: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario dict of a variant: ``extends: <base>`` plus the overridden keys.

    Parameters
    ----------
    base
        The base scenario's dict with its own ``extends`` resolved (``routing.scenario.extends.read_base``).
    extends
        The base file as the variant names it (relative to where the variant is written).
    overrides
        Key path -> value, applied in order.

    Returns
    -------
    dict[str, Any]
        The variant, ready for ``write_scenario``.

    Raises
    ------
    BadOverride
        For a path that is not a path, a list position the base does not have, or a step into a value
        that is not a mapping.
    """
    out: dict[str, Any] = {"extends": extends}
    for path, value in overrides.items():
        segments = parse_path(path)
        top = segments[0]
        if top.key in MERGED_KEYS:
            _set_merged(out, base, segments, value, path)
        else:
            if top.key not in out:
                if top.key not in base and (top.indices or len(segments) > 1):
                    raise BadOverride(f"the base scenario has no {top.key!r} to change (in {path!r})")
                out[top.key] = copy.deepcopy(base.get(top.key))
            _set_within(out, segments, value, path)
    return out


def _set_merged(out: dict[str, Any], base: Mapping[str, Any], segments: list[Segment], value: Any, path: str) -> None:
    """Set a key below ``meta``/``costing``: mappings merge, so only the keys on the way are written (to a list)."""
    target, source = out, base
    for depth, seg in enumerate(segments):
        if seg.indices:
            if seg.key not in target:
                found = source.get(seg.key) if isinstance(source, Mapping) else None
                if found is None:
                    raise BadOverride(f"the base scenario has no list {seg.key!r} (in {path!r})")
                target[seg.key] = copy.deepcopy(found)  # lists are replaced wholesale: carry the base's
            _set_within(target, [seg, *segments[depth + 1 :]], value, path)
            return
        if depth == len(segments) - 1:
            target[seg.key] = value
            return
        nxt = target.setdefault(seg.key, {})
        if not isinstance(nxt, dict):
            raise BadOverride(f"{seg.key!r} is set to a value, not a mapping, before {path!r}")
        target = nxt
        source = source.get(seg.key, {}) if isinstance(source, Mapping) else {}


def _set_within(root: dict[str, Any], segments: list[Segment], value: Any, path: str) -> None:
    """Set ``value`` at ``segments`` inside a structure this variant owns (a copy of the base's part)."""
    node: Any = root
    for depth, seg in enumerate(segments):
        last = depth == len(segments) - 1
        if not isinstance(node, dict):
            raise BadOverride(f"{seg.key!r} is looked up in {_kind(node)}, not a mapping (in {path!r})")
        if not seg.indices:
            if last:
                node[seg.key] = value
                return
            if node.get(seg.key) is None:
                node[seg.key] = {}
            node = node[seg.key]
            continue
        container = node.get(seg.key)
        for n, index in enumerate(seg.indices):
            if not isinstance(container, list) or index >= len(container):
                size = f"a list of {len(container)}" if isinstance(container, list) else _kind(container)
                where = seg.key + "".join(f"[{i}]" for i in seg.indices[:n])
                raise BadOverride(f"the base's {where} is {size}: no item [{index}] (in {path!r})")
            if last and n == len(seg.indices) - 1:
                container[index] = value
                return
            container = container[index]
        node = container


def _kind(value: Any) -> str:
    """A value's kind in a message."""
    if value is None:
        return "missing"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__} ({value!r})"
