"""The 15 befordringsområder as data (``routing/fredensborg/data/areas.yaml``), with the seed's invariants checked.

The 2021 cost table is the seed's (Fredensborg *Visiteret Borgerbefordringsanalyse*, 2022):
per area the cost by channel (private vognmænd, Movia, egne vogne, refusion). Loading checks
that there are exactly the areas 1-15 and that the columns add up to the seed's total row
(21 978 894 kr., "22.0 mio"), so an edit that breaks the table is caught at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.scenario.load import read_yaml

#: The Fredensborg configuration the generator reads (package data): areas.yaml, municipality.yaml,
#: generator.yaml, and the geography under geo/ and osm/. Installs are unpacked, so it is a directory.
FREDENSBORG_DIR = Path(str(resources.files("routing.fredensborg").joinpath("data")))
#: The seed's cost columns, in its order.
COST_CHANNELS = ("private_vognmaend", "movia", "egne_vogne", "refusion")
#: The seed's grand total (sourced: seed, "TOTAL, alle befordringsområder").
SEED_TOTAL_2021_DKK = 21_978_894


@dataclass(frozen=True, slots=True)
class Area:
    """One befordringsområde: who is responsible, under which law, and what it cost in 2021."""

    id: int
    name: str
    centre: str
    legal_basis: str
    description: str
    cost_2021: dict[str, int]  # by COST_CHANNELS; 0 where the seed says "not estimated"
    not_estimated: tuple[str, ...]  # channels the seed marks "Ikke estimeret"
    movia_product_split: dict[str, float]
    demand: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def total_2021(self) -> int:
        """The area's 2021 cost over all channels (kr.)."""
        return sum(self.cost_2021.values())


def load_areas(path: str | Path | None = None) -> tuple[Area, ...]:
    """Read ``areas.yaml`` and check it: areas 1-15, known channels, columns adding up to the seed's totals."""
    path = Path(path) if path else FREDENSBORG_DIR / "areas.yaml"
    data = read_yaml(path)
    problems: list[Problem] = []
    areas: list[Area] = []
    for i, spec in enumerate(data.get("areas") or []):
        where = f"areas[{i}]"
        cost = spec.get("cost_2021") or {}
        unknown = sorted(set(cost) - set(COST_CHANNELS))
        if unknown:
            problems.append(
                Problem(
                    "E610", f"{where}.cost_2021", f"unknown channel(s) {unknown}", f"Use {', '.join(COST_CHANNELS)}."
                )
            )
        for ch in COST_CHANNELS:
            v = cost.get(ch)
            if v is not None and (not isinstance(v, (int, float)) or v < 0):
                problems.append(
                    Problem(
                        "E611",
                        f"{where}.cost_2021.{ch}",
                        f"{v!r} is not a cost",
                        "Give kr. (0 or more), or null for 'not estimated'.",
                    )
                )
        areas.append(
            Area(
                id=int(spec.get("id", 0)),
                name=str(spec.get("name", "")),
                centre=str(spec.get("centre", "")),
                legal_basis=str(spec.get("legal_basis", "")),
                description=str(spec.get("description", "")),
                cost_2021={ch: int(cost.get(ch) or 0) for ch in COST_CHANNELS},
                not_estimated=tuple(ch for ch in COST_CHANNELS if ch in cost and cost[ch] is None),
                movia_product_split=dict(spec.get("movia_product_split") or {}),
                demand=dict(spec.get("demand") or {}),
                note=str(spec.get("note", "")),
            )
        )
    ids = [a.id for a in areas]
    if ids != list(range(1, 16)):
        problems.append(Problem("E612", "areas", f"ids are {ids}", "List the 15 befordringsområder 1 to 15, in order."))
    for a in areas:
        if not a.name or not a.description:
            problems.append(
                Problem(
                    "E613",
                    f"areas[{a.id - 1}]",
                    "name or description missing",
                    "Give the area's Danish name and the seed's description.",
                )
            )
    totals = data.get("total_cost_2021") or {}
    for ch in COST_CHANNELS:
        column = sum(a.cost_2021[ch] for a in areas)
        if totals.get(ch) != column:
            problems.append(
                Problem(
                    "E614",
                    f"total_cost_2021.{ch}",
                    f"the areas add up to {column}, the total row says {totals.get(ch)!r}",
                    "Keep the seed's table consistent.",
                )
            )
    grand = sum(a.total_2021 for a in areas)
    if grand != SEED_TOTAL_2021_DKK or totals.get("total") != SEED_TOTAL_2021_DKK:
        problems.append(
            Problem(
                "E615",
                "total_cost_2021.total",
                f"areas add up to {grand}, total row {totals.get('total')!r}",
                f"The seed's 2021 total is {SEED_TOTAL_2021_DKK} kr.",
            )
        )
    if problems:
        raise ScenarioError(problems, str(path))
    return tuple(areas)


def load_municipality(path: str | Path | None = None) -> dict[str, Any]:
    """The municipality, its service rules and the analysis' validation targets (``municipality.yaml``)."""
    return read_yaml(Path(path) if path else FREDENSBORG_DIR / "municipality.yaml")
