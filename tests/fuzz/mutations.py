"""Structural mutations of a parsed YAML or JSON document, as hypothesis strategies.

A document is a tree of dicts, lists and scalars. ``mutated(base)`` draws 1-3 mutations at random key
paths (drop, duplicate, retype, nest, enlarge, swap ids, unknown reference, rename a key, raw YAML text)
and returns the new tree with a description of each. Raw YAML text (an unquoted ``7:40``, ``1.0e+400``,
``!!binary`` ...) cannot be a Python value: it is a sentinel string that ``to_yaml`` replaces after dumping.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st

Path = tuple[str | int, ...]
Tree = Any

#: Values a key may be retyped to: every JSON/YAML type, edge numbers, odd strings, nested junk.
ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63,
    -(2**63) - 1,
    10**30,
    10**400,
    0.5,
    -0.0,
    5e-324,
    1e308,
    -1e308,
    math.nan,
    math.inf,
    -math.inf,
    "",
    " ",
    "0",
    "-1",
    "1e3",
    "null",
    "07:40",
    "25:99",
    "total",
    "æøå ÆØÅ",
    "🚌",
    "\u202e",
    "a" * 300,
    "\0",
    "/",
    "ok_small.yaml",
    "../ok_small.yaml",
    "indsats_11",
    ":",
    ".:x",
    "json:loads",
    "builtins:list",
    [],
    {},
    [None],
    [1, "a"],
    [[]],
    {"a": 1},
    {"": None},
    {"id": "x"},
]
# Each draw is a fresh copy: a later mutation of the same example may change the value in place (drop a key
# of {"a": 1}, rename one of {"id": "x"}), and a constant changed so would change later examples: the
# likely cause of a FlakyStrategyDefinition ("inconsistent data generation") in an 8 000-example run.
VALUES = st.one_of(
    st.sampled_from(ODD_VALUES).map(copy.deepcopy),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
)

#: YAML text that is no Python literal: base-60 times, numbers past a float, tags, dates.
RAW_TOKENS = [
    "7:40",
    "07:40",
    "10:30",
    "7:40:00",
    "07.40",
    "-7:40",
    "1.0e+400",
    "-1.0e+400",
    ".nan",
    ".inf",
    "-.inf",
    "0x1F",
    "0o17",
    "1_000",
    "~",
    "yes",
    "off",
    "2026-12-02",
    "2026-12-02 07:40:00",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [{a: 1}]",
    "!!str",
    "!!float 1",
    "[1, [2, [3]]]",
    "{a: {b: {c: 1}}}",
]

#: Numbers at or just past the ends of the documented ranges (docs/scenario-format.md, Limits).
EDGE_NUMBERS: list[Any] = [
    0,
    0.0,
    1e-9,
    5e-324,
    1,
    10,
    90,
    100,
    100.5,
    300,
    2880,
    2880.5,
    20040,
    10**6,
    10**6 + 1,
    10**9,
]
#: Clock times at the ends of the plan's 48-hour clock, and near misses.
EDGE_CLOCKS = ["00:00", "23:59", "24:00", "47:59", "48:00", "7:5", "07:60", "-01:00", " 07:40", "07:40:30"]

#: Keys whose value names another object of the scenario (a location, vehicle type, profile, request ...).
REFERENCE_KEYS = {"location", "start", "end", "type", "profile", "reference_profile", "not_with", "vehicles"}
CLOCK = re.compile(r"^\d{1,2}:\d{2}$")
SENTINEL = re.compile(r"'?__raw(\d+)__'?")


def paths(tree: Tree, prefix: Path = ()) -> list[Path]:
    """Every key path below ``tree`` (not the root itself), depth first."""
    found: list[Path] = []
    items: list[tuple[str | int, Any]] = []
    if isinstance(tree, dict):
        items = list(tree.items())
    elif isinstance(tree, list):
        items = list(enumerate(tree))
    for key, value in items:
        found.append((*prefix, key))
        found += paths(value, (*prefix, key))
    return found


def get(tree: Tree, path: Path) -> Any:
    """The value at ``path``."""
    for key in path:
        tree = tree[key]
    return tree


def put(tree: Tree, path: Path, value: Any) -> None:
    """Set the value at ``path`` (its parent must exist)."""
    get(tree, path[:-1])[path[-1]] = value


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _reference(path: Path) -> bool:
    named = [k for k in path if isinstance(k, str)]
    return bool(named) and named[-1] in REFERENCE_KEYS and not (named[-1] == "vehicles" and len(named) == 1)


class Mutator:
    """Applies drawn mutations to one tree and records what it did (and which raw YAML tokens it placed)."""

    def __init__(self, tree: Tree, draw: st.DrawFn, raw: bool) -> None:
        self.tree = tree
        self.draw = draw
        self.raw = raw
        self.tokens: list[str] = []
        self.done: list[str] = []

    def pick(self, candidates: list[Path]) -> Path | None:
        """One of ``candidates`` (None when there are none)."""
        if not candidates:
            return None
        return candidates[self.draw(st.integers(0, len(candidates) - 1))]

    def apply(self, kind: str) -> None:
        """Apply one mutation of ``kind``; fall back to retyping where the tree offers no target for it."""
        operations: dict[str, Callable[[], str | None]] = {
            "drop": self.drop,
            "duplicate": self.duplicate,
            "retype": self.retype,
            "nest": self.nest,
            "enlarge": self.enlarge,
            "swap_ids": self.swap_ids,
            "unknown_ref": self.unknown_ref,
            "rename_key": self.rename_key,
            "raw": self.raw_text,
            "unquoted_time": self.unquoted_time,
            "move_request": self.move_request,
            "shuffle": self.shuffle,
            "edge": self.edge,
        }
        did = operations[kind]() or self.retype()
        self.done.append(did or "nothing")

    def drop(self) -> str | None:
        path = self.pick(paths(self.tree))
        if path is None:
            return None
        del get(self.tree, path[:-1])[path[-1]]
        return f"drop {path}"

    def duplicate(self) -> str | None:
        path = self.pick([p for p in paths(self.tree) if isinstance(get(self.tree, p[:-1]), list)])
        if path is None:
            return None
        parent = get(self.tree, path[:-1])
        parent.insert(self.draw(st.integers(0, len(parent))), copy.deepcopy(parent[path[-1]]))
        return f"duplicate {path}"

    def retype(self) -> str | None:
        path = self.pick(paths(self.tree))
        if path is None:
            return None
        value = self.draw(VALUES)
        put(self.tree, path, value)
        return f"retype {path} = {value!r}"

    def nest(self) -> str | None:
        path = self.pick(paths(self.tree))
        if path is None:
            return None
        wrapper = self.draw(st.sampled_from(["list", "dict", "deep"]))
        value = get(self.tree, path)
        put(self.tree, path, [value] if wrapper == "list" else {"value": value} if wrapper == "dict" else [[[value]]])
        return f"nest {path} in {wrapper}"

    def enlarge(self) -> str | None:
        path = self.pick([p for p in paths(self.tree) if _numeric(get(self.tree, p))])
        if path is None:
            return None
        value = get(self.tree, path)
        put(self.tree, path, value * 10**6 if isinstance(value, int) else value * 1e6)
        return f"enlarge {path}"

    def swap_ids(self) -> str | None:
        lists = [
            p for p in paths(self.tree) if isinstance(v := get(self.tree, p), list) and sum(_has_id(x) for x in v) >= 2
        ]
        path = self.pick(lists)
        if path is None:
            return None
        items = [x for x in get(self.tree, path) if _has_id(x)]
        i, j = self.draw(st.lists(st.integers(0, len(items) - 1), min_size=2, max_size=2, unique=True))
        items[i]["id"], items[j]["id"] = items[j]["id"], items[i]["id"]
        return f"swap ids {path}[{i}] and [{j}]"

    def unknown_ref(self) -> str | None:
        path = self.pick([p for p in paths(self.tree) if _reference(p) and isinstance(get(self.tree, p), str)])
        if path is None:
            return None
        name = self.draw(st.sampled_from(["nowhere", "Depot", "depot ", "taxi-9", "ø"]))
        put(self.tree, path, name)
        return f"unknown reference {path} = {name!r}"

    def rename_key(self) -> str | None:
        path = self.pick([p for p in paths(self.tree) if isinstance(p[-1], str)])
        if path is None:
            return None
        parent = get(self.tree, path[:-1])
        new = self.draw(st.sampled_from([f"{path[-1]}s", str(path[-1]).upper(), f" {path[-1]}", "", "0"]))
        parent[new] = parent.pop(path[-1])
        return f"rename {path} to {new!r}"

    def raw_text(self) -> str | None:
        if not self.raw:
            return None
        path = self.pick(paths(self.tree))
        if path is None:
            return None
        return self._place(path, self.draw(st.sampled_from(RAW_TOKENS)))

    def unquoted_time(self) -> str | None:
        if not self.raw:
            return None
        path = self.pick([p for p in paths(self.tree) if isinstance(v := get(self.tree, p), str) and CLOCK.match(v)])
        if path is None:
            return None
        hours, minutes = str(get(self.tree, path)).split(":")
        spelling = self.draw(st.sampled_from(["{h}:{m}", "{hh}:{m}", "{h}:{m}:00", "{hh}.{m}", "{h}{m}"]))
        return self._place(path, spelling.format(h=int(hours), hh=hours, m=minutes))

    def edge(self) -> str | None:
        """A number at the end of its range, or a clock time at the end of the 48-hour clock."""
        numbers = [p for p in paths(self.tree) if _numeric(get(self.tree, p))]
        clocks = [p for p in paths(self.tree) if isinstance(v := get(self.tree, p), str) and CLOCK.match(v)]
        path = self.pick(numbers + clocks)
        if path is None:
            return None
        value = self.draw(st.sampled_from(EDGE_NUMBERS if path in numbers else EDGE_CLOCKS))
        put(self.tree, path, value)
        return f"edge {path} = {value!r}"

    def _place(self, path: Path, token: str) -> str:
        put(self.tree, path, f"__raw{len(self.tokens)}__")
        self.tokens.append(token)
        return f"raw {path} = {token}"

    def move_request(self) -> str | None:
        """Plans: move a request id from one stop's pickup/dropoff list to another stop's."""
        ids = [p for p in paths(self.tree) if len(p) > 2 and p[-2] in ("pickup", "dropoff")]
        lists = [
            p for p in paths(self.tree) if p and p[-1] in ("pickup", "dropoff") and isinstance(get(self.tree, p), list)
        ]
        source, target = self.pick(ids), self.pick(lists)
        if source is None or target is None:
            return None
        value = get(self.tree, source)
        del get(self.tree, source[:-1])[source[-1]]
        get(self.tree, target).append(value)
        return f"move {source} to {target}"

    def shuffle(self) -> str | None:
        """Plans: reorder a list (a route's stops, the routes)."""
        path = self.pick([p for p in paths(self.tree) if isinstance(v := get(self.tree, p), list) and len(v) >= 2])
        if path is None:
            return None
        items = get(self.tree, path)
        put(self.tree, path, self.draw(st.permutations(items)))
        return f"shuffle {path}"


def _has_id(item: Any) -> bool:
    return isinstance(item, dict) and "id" in item


SCENARIO_KINDS = [
    "drop",
    "duplicate",
    "retype",
    "nest",
    "enlarge",
    "swap_ids",
    "unknown_ref",
    "rename_key",
    "raw",
    "unquoted_time",
    "edge",
]
PLAN_KINDS = ["drop", "duplicate", "retype", "nest", "enlarge", "rename_key", "move_request", "shuffle", "edge"]


@dataclass
class Case:
    """One mutated document: its base's name, the tree, what was done to it and the raw YAML tokens placed."""

    base: str
    tree: Tree
    done: list[str]
    tokens: list[str]

    def __repr__(self) -> str:
        return f"Case({self.base}: {'; '.join(self.done)})"


@st.composite
def mutated(draw: st.DrawFn, name: str, base: Tree, kinds: list[str], raw: bool = True) -> Case:
    """A deep copy of ``base`` (called ``name``) with 1-3 mutations drawn from ``kinds``."""
    mutator = Mutator(copy.deepcopy(base), draw, raw)
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3)):
        mutator.apply(kind)
    return Case(name, mutator.tree, mutator.done, mutator.tokens)


def identity(data: dict[str, Any]) -> dict[str, Any]:
    """A transform that changes nothing (``module:function`` in the fuzzed variant scenario)."""
    return data


def to_yaml(tree: Tree, tokens: list[str]) -> str:
    """The YAML text of ``tree`` with each raw-token sentinel replaced by its token, unquoted."""
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6)
    return SENTINEL.sub(lambda m: tokens[int(m.group(1))], text)
