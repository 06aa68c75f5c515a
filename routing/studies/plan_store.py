"""The stored-plans file (schema ``routing.plans/1``): a scenario's day plans per silo, gzip JSON.

``{"schema": "routing.plans/1", "scenario": name, "generator": meta.generator,
"days": {day: {silo key: <routes and unserved of routing.plan/1>}}}`` — each silo's plan in the
``routes``/``unserved`` structure of ``plan.json``, written and read by the one plan serializer
(``routing.report.plan_json.routes_to_dict``/``routes_from_dict``). Documented in
``docs/plan-format.md``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.files import write_atomic_bytes
from routing.model import Scenario
from routing.plan import Plan
from routing.report.plan_json import routes_from_dict, routes_to_dict

SCHEMA = "routing.plans/1"


def write_plans(path: str | Path, scenario: Scenario, days: dict[str, dict[str, Plan]]) -> None:
    """Store a scenario's day plans as gzip JSON (schema ``routing.plans/1``), atomically.

    Parameters
    ----------
    path
        The file to write (``.json.gz`` by convention).
    scenario
        The scenario the plans were made for (its name and ``meta.generator`` are recorded).
    days
        Day -> silo key -> plan.
    """
    data = {
        "schema": SCHEMA,
        "scenario": scenario.name,
        "generator": scenario.meta.get("generator"),
        "days": {day: {key: routes_to_dict(plan) for key, plan in silos.items()} for day, silos in days.items()},
    }
    blob = gzip.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"), mtime=0)
    write_atomic_bytes(path, blob)


def _unreadable(path: str | Path, cause: str) -> ScenarioError:
    return ScenarioError(
        [
            Problem(
                "E018",
                "meta.plans",
                f"{path} cannot be read as stored plans: {cause}",
                "Re-plan with --replan, or remove meta.plans.",
            )
        ],
        str(path),
    )


def read_plans(path: str | Path) -> dict[str, dict[str, Plan]]:
    """Day -> silo key -> plan, from a ``write_plans`` file.

    Parameters
    ----------
    path
        The stored-plans file.

    Returns
    -------
    dict
        Day -> silo key -> plan.

    Raises
    ------
    ScenarioError
        E018 if the file cannot be read or is not of schema ``routing.plans/1``; E601 (naming the
        day and silo) if a plan in it is malformed.
    """
    try:
        data: Any = json.loads(gzip.decompress(Path(path).read_bytes()).decode("utf-8"))
    except (OSError, ValueError, EOFError) as exc:
        raise _unreadable(path, str(exc)) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("days"), dict):
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise _unreadable(path, f"schema {found!r} is not {SCHEMA!r} with days")
    out: dict[str, dict[str, Plan]] = {}
    for day, silos in data["days"].items():
        if not isinstance(silos, dict):
            raise _unreadable(path, f"days.{day} is not an object of silo plans")
        out[day] = {key: routes_from_dict(p, str(path), f"days.{day}.{key}.") for key, p in silos.items()}
    return out
