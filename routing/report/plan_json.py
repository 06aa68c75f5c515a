"""``plan.json`` (schema ``routing.plan/1``): write a plan with its model facts, and read one back.

The one serializer of a ``Plan``: ``routes_to_dict``/``routes_from_dict`` write and read the
``routes`` and ``unserved`` part (what a plan *is*), which ``plan.json`` extends with model facts,
the checker's figures and the price, and which the stored-plans file (``routing.plans/1``,
``routing.studies.plan_store``) holds per day and silo.

Units, stated once: times are seconds since midnight of the plan day (``*_s``),
durations seconds, distances metres (``*_m``; for planar benchmark scenarios,
scaled coordinate units), money DKK (``*_dkk``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from routing.check import CheckResult
from routing.costing.vehicle_cost import VehicleTypeCost
from routing.exceptions import Problem, ScenarioError
from routing.files import write_atomic
from routing.model import Scenario
from routing.plan import Plan, Route, SolveStats, Stop, Unserved
from routing.report.json_shape import PLAN_DOC, PLAN_PART, check_shape, duplicate_keys, quote, refuse

SCHEMA = "routing.plan/1"


def _coords(scenario: Scenario, location_id: str) -> dict[str, float | None]:
    """The location's coordinates as the scenario gives them (never None once built)."""
    loc = scenario.location(location_id)
    return {"x": loc.x, "y": loc.y} if loc.is_planar else {"lat": loc.lat, "lon": loc.lon}


def _stop_to_dict(stop: Stop, coords: dict[str, float | None]) -> dict[str, Any]:
    return {
        "location": stop.location,
        **coords,
        "arrival_s": stop.arrival_s,
        "service_start_s": stop.service_start_s,
        "departure_s": stop.departure_s,
        "pickup": list(stop.pickup),
        "dropoff": list(stop.dropoff),
    }


def _unserved_to_dict(u: Unserved) -> dict[str, Any]:
    return {"request": u.request, "reason": u.reason, "code": u.code}


def routes_to_dict(plan: Plan) -> dict[str, Any]:
    """The ``routes`` and ``unserved`` part of ``routing.plan/1``: the plan itself, without model facts.

    Routes carry ``vehicle`` and ``stops`` (location, arrival, service start, departure, pickups,
    drop-offs); unserved requests their reason and code. ``routes_from_dict`` reads it back.

    Parameters
    ----------
    plan
        Any plan.

    Returns
    -------
    dict
        ``{"routes": [...], "unserved": [...]}``, JSON-ready.
    """
    return {
        "routes": [{"vehicle": r.vehicle, "stops": [_stop_to_dict(s, {}) for s in r.stops]} for r in plan.routes],
        "unserved": [_unserved_to_dict(u) for u in plan.unserved],
    }


def plan_to_dict(scenario: Scenario, plan: Plan, result: CheckResult, cost: VehicleTypeCost) -> dict[str, Any]:
    """The ``routing.plan/1`` document of a checked, priced plan.

    Parameters
    ----------
    scenario
        The scenario the plan was checked against (coordinates, requests, vehicles).
    plan
        The plan.
    result
        The checker's result: distances, durations, ride times and the summary.
    cost
        The plan priced by its vehicle types' prices (``routing.costing.vehicle_cost``):
        ``routes[].cost_dkk`` and ``summary.cost_dkk``.

    Returns
    -------
    dict
        The document, JSON-ready.
    """
    metrics = {m.vehicle: m for m in result.routes}
    routes = []
    for route in plan.routes:
        m = metrics.get(route.vehicle)
        routes.append(
            {
                "vehicle": route.vehicle,
                "vehicle_type": scenario.vehicle(route.vehicle).type,
                "stops": [_stop_to_dict(s, _coords(scenario, s.location)) for s in route.stops],
                "distance_m": m.distance_m if m else None,
                "duration_s": m.duration_s if m else None,
                "cost_dkk": cost.routes.get(route.vehicle) if m else None,
                "ride_s": m.ride_times_s if m else {},
            }
        )
    summary: dict[str, object] = {}
    for key, value in result.summary(plan, scenario).items():
        summary[key] = value
        if key == "duration_s":
            summary["cost_dkk"] = cost.total_dkk
    return {
        "schema": SCHEMA,
        "scenario": scenario.name,
        "interrupted": plan.stats.interrupted,
        "units": {
            "time": "seconds since midnight",
            "duration": "s",
            "distance": "m (planar: scaled units)",
            "money": "DKK",
        },
        "routes": routes,
        "requests": [
            {
                "id": r.id,
                "area": r.area,
                "pickup_location": r.pickup.location if r.pickup else None,
                "dropoff_location": r.dropoff.location,
                "pickup_window_s": r.pickup.window.as_list() if r.pickup and r.pickup.window else None,
                "dropoff_window_s": r.dropoff.window.as_list() if r.dropoff.window else None,
                "max_ride_s": result.ride_limits_s.get(r.id),
                "load": r.load.as_dict(),
                "solo": r.solo,
                "not_with": sorted(r.not_with),
                "skills": sorted(r.skills),
                "vehicles": sorted(r.vehicles),
            }
            for r in scenario.requests
        ],
        "vehicles": [
            {
                "id": v.id,
                "type": v.type,
                "capacity": scenario.vehicle_type(v.type).capacity.as_dict(),
                "skills": sorted(scenario.vehicle_type(v.type).skills),
                "shift_s": v.shift.as_list(),
                "start": v.start,
                "end": v.end,
            }
            for v in scenario.vehicles
        ],
        "unserved": [_unserved_to_dict(u) for u in plan.unserved],
        "summary": summary,
        "violations": [
            {"cause": v.cause, "route": v.route, "request": v.request, "message": v.message, "amount": v.amount}
            for v in result.violations
        ],
        "solve": {
            "backend": plan.stats.backend,
            "status": plan.stats.status,
            "wall_time_s": plan.stats.wall_time_s,
            "build_time_s": plan.stats.build_time_s,
            "first_solution_s": plan.stats.first_solution_s,
            "num_solutions": plan.stats.num_solutions,
            "objective": plan.stats.objective,
            "params": plan.stats.params,
        },
    }


def write_plan_json(
    path: str | Path, scenario: Scenario, plan: Plan, result: CheckResult, cost: VehicleTypeCost
) -> None:
    """Write ``plan.json`` atomically.

    Parameters
    ----------
    path
        The file to write.
    scenario
        The scenario the plan was checked against.
    plan
        The plan.
    result
        The checker's result for ``plan``.
    cost
        The plan priced by its vehicle types (``routing.costing.vehicle_cost.price_plan_by_vehicle_types``).
    """
    write_atomic(path, json.dumps(plan_to_dict(scenario, plan, result, cost), indent=1, ensure_ascii=False) + "\n")


def read_json_document(path: str | Path, schema: str, fix: str) -> dict[str, Any]:
    """The JSON object of ``schema`` at ``path`` (``plan.json``, ``week.json``, ``changes.json`` ...).

    Parameters
    ----------
    path
        The file.
    schema
        The ``schema`` it must declare, e.g. ``routing.plan/1``.
    fix
        What to give instead, said in an error.

    Returns
    -------
    dict
        The document (its structure beyond ``schema`` is the caller's to check, e.g. ``check_shape``).

    Raises
    ------
    ScenarioError
        E600 when the file is missing or not JSON, E608 when an object gives a key twice (JSON
        readers would keep only the last), E602 when it is of another schema.
    """
    source = str(path)
    twice: list[str] = []
    try:
        data = json.loads(
            Path(path).read_text(encoding="utf-8"), object_pairs_hook=lambda pairs: duplicate_keys(pairs, twice)
        )
    except FileNotFoundError:
        raise ScenarioError([Problem("E600", "(file)", "the file does not exist", "Check the path.")], source) from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem("E600", "(file)", f"is not valid JSON: {exc}", fix)], source) from None
    if twice:
        keys = ", ".join(sorted(set(twice), key=twice.index))
        cause = f"{len(twice)} key(s) given twice in one object: {quote(keys)}"
        refuse([Problem("E608", "(file)", cause, "Give each key once in an object.")], source)
    if not isinstance(data, dict) or data.get("schema") != schema:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ScenarioError([Problem("E602", "schema", f"{found!r} is not {schema!r}", fix)], source)
    return data


def read_plan_json(path: str | Path) -> Plan:
    """Read a ``routing.plan/1`` file (from the engine or made by hand) into a ``Plan``.

    Only ``routes``, ``unserved`` and ``solve``'s backend and status are read; everything else is
    recomputed by the checker. The whole document is checked for structure first
    (``routing.report.json_shape.PLAN_DOC``): every problem is listed with its path.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Plan
        Its routes and unserved requests, with the backend and status of its solve (``manual``
        if it gives none).

    Raises
    ------
    ScenarioError
        E600–E602 (file, schema) or E601, E604–E609 (structure; docs/plan-format.md).
    """
    source = str(path)
    data = read_json_document(path, SCHEMA, "Give a plan.json written by 'cli.py solve' or of the same schema.")
    check_shape(PLAN_DOC, data, source)
    solve = data.get("solve") or {}
    return Plan(
        *_plan_parts(data),
        SolveStats(backend=solve.get("backend") or "manual", status=solve.get("status") or ""),
    )


def routes_from_dict(data: Any, source: str = "(plan)", at: str = "") -> Plan:
    """The plan of a ``routes``/``unserved`` document (``routes_to_dict``, or that part of ``plan.json``).

    Parameters
    ----------
    data
        A dict with ``routes`` and ``unserved``; other keys are ignored.
    source
        The file it came from, named in errors.
    at
        Where ``data`` sits in that file, prefixed to the paths in errors (e.g. ``days.tue.all``).

    Returns
    -------
    Plan
        Its routes and unserved requests (solve statistics: ``manual``).

    Raises
    ------
    ScenarioError
        If it is not of the shape ``routing.report.json_shape.PLAN_PART`` (E601, E604–E609, each with its path).
    """
    check_shape(PLAN_PART, data, source, at)
    return Plan(*_plan_parts(data))


def _plan_parts(data: dict[str, Any]) -> tuple[tuple[Route, ...], tuple[Unserved, ...]]:
    """Routes and unserved entries of a document already checked against ``PLAN_PART``."""
    routes = tuple(Route(r["vehicle"], tuple(_stop(s) for s in r["stops"])) for r in data["routes"])
    unserved = tuple(
        Unserved(u["request"], u.get("reason") or "", u.get("code") or "not_placed") for u in data["unserved"]
    )
    return routes, unserved


def _stop(s: dict[str, Any]) -> Stop:
    return Stop(
        s["location"],
        s["arrival_s"],
        s["departure_s"],
        s.get("service_start_s"),
        tuple(s.get("pickup") or ()),
        tuple(s.get("dropoff") or ()),
    )
