"""Turn a validated scenario dict into a ``Scenario`` (the only place that makes model objects from files)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from routing.exceptions import Problem, ScenarioError
from routing.matrix.osm_graph import osm_file_problem
from routing.model import (
    DEFAULT_MAX_SNAP_M,
    Location,
    Quantities,
    Request,
    RideTimeRule,
    Scenario,
    TimeWindow,
    TravelProfile,
    Vehicle,
    VehicleType,
    Visit,
)
from routing.scenario.bounds import Limits
from routing.scenario.extends import resolve_extends
from routing.scenario.load import read_yaml
from routing.scenario.validate import validate_scenario_dict
from routing.solve.params import SolveParams
from routing.units import METRES_PER_KM, minutes_to_s, parse_clock

#: Travel profile used when a scenario names none: 30 km/h for the first 2 km,
#: 50 km/h up to 10 km, 70 km/h beyond; road distance 1.3 × straight line.
#: Assumption (typical Danish urban/rural mix); override per scenario.
DEFAULT_PROFILE = TravelProfile("car", "geodesic", 1.3, ((2000, 30.0), (10000, 50.0), (None, 70.0)))

_MODEL_PATH = re.compile(r"^(Location|Request|VehicleType|Vehicle|TravelProfile) '([^']*)'(.*)$")


def load_scenario(path: str | Path, limits: Limits | None = None) -> Scenario:
    """Read, validate and build a scenario file.

    Parameters
    ----------
    path
        The YAML file.
    limits
        The largest file, nesting, node count and numbers of locations, vehicles and requests accepted
        (for the file and any base it ``extends``). Default: ``DEFAULT_LIMITS``.

    Returns
    -------
    Scenario
        The frozen, cross-checked scenario.

    Raises
    ------
    ScenarioError
        Listing every problem with its code, key path, cause and fix.
    """
    data = resolve_extends(read_yaml(path, limits), Path(path), limits=limits)
    return build_scenario(data, source=str(path), default_name=Path(path).stem, limits=limits)


def build_scenario(
    data: dict[str, Any],
    source: str | None = None,
    default_name: str = "scenario",
    limits: Limits | None = None,
) -> Scenario:
    """Validate a scenario dict and build the model; see ``load_scenario``."""
    problems = validate_scenario_dict(data, limits)
    if problems:
        raise ScenarioError(problems, source)
    builder = _Builder(without_nulls(data), Path(source).parent if source else Path.cwd())
    scenario = builder.build(default_name)
    if builder.problems:
        raise ScenarioError(builder.problems, source)
    assert scenario is not None
    return scenario


#: Top-level keys whose contents are free-form (their nulls are values, read by their own readers).
_FREE_FORM = ("meta", "costing")


def without_nulls(data: dict[str, Any]) -> dict[str, Any]:
    """The validated scenario dict with every mapping key given as ``null`` left out, as the validator reads it.

    The validator skips an optional key whose value is ``null`` (and refuses a required one, E012), so a
    ``null`` means "left out": the builder then applies the key's default instead of reading ``None``
    (``cost_per_hour_dkk: ~`` once ended in ``float(None)``, an internal error). Items of lists keep
    their nulls (``speed_kph: [[2, 30], [null, 70]]``); ``meta`` and ``costing`` are kept as given.
    """

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [clean(x) for x in value]
        return value

    return {k: v if k in _FREE_FORM else clean(v) for k, v in data.items() if v is not None or k in _FREE_FORM}


def _window(value: list[str] | None) -> TimeWindow | None:
    return None if value is None else TimeWindow(parse_clock(value[0]), parse_clock(value[1]))


def _ride(spec: dict[str, Any] | None) -> RideTimeRule:
    spec = spec or {}
    return RideTimeRule(
        absolute_s=minutes_to_s(spec["absolute_min"]) if spec.get("absolute_min") is not None else None,
        relative=float(spec["relative"]) if spec.get("relative") is not None else None,
        min_extra_s=minutes_to_s(spec.get("min_extra_min") or 0),
    )


def _profile(name: str, spec: dict[str, Any], base: Path) -> TravelProfile:
    if spec.get("kind") == "osm":
        return TravelProfile(
            name=name,
            kind="osm",
            osm_file=str((base / str(spec["file"])).resolve()),
            speed_cap_kph=None if spec.get("speed_cap_kph") is None else float(spec["speed_cap_kph"]),
            max_snap_m=float(spec.get("max_snap_m", DEFAULT_MAX_SNAP_M)),
        )
    speed = spec.get("speed_kph", DEFAULT_PROFILE.speed_bands if spec.get("kind", "geodesic") == "geodesic" else 60.0)
    if isinstance(speed, (int, float)):
        bands: tuple[tuple[int | None, float], ...] = ((None, float(speed)),)
    elif speed and isinstance(speed[0], list):
        bands = tuple((None if up is None else int(round(up * METRES_PER_KM)), float(kph)) for up, kph in speed)
    else:
        bands = tuple(speed)
    return TravelProfile(
        name=name,
        kind=spec.get("kind", "geodesic"),
        circuity=float(spec.get("circuity", 1.3 if spec.get("kind", "geodesic") == "geodesic" else 1.0)),
        speed_bands=bands,
        scale=int(spec.get("scale", 1)),
        truncate_decimals=spec.get("truncate_decimals"),
    )


_T = TypeVar("_T")


def _built(items: Iterable[_T | None]) -> tuple[_T, ...]:
    """The objects that were made (after a build without problems: all of them)."""
    return tuple(item for item in items if item is not None)


class _Builder:
    """Builds model objects and records problems with YAML paths."""

    def __init__(self, data: dict[str, Any], base: Path) -> None:
        self.data = data
        self.base = base
        self.problems: list[Problem] = []
        self.paths: dict[tuple[str, str], str] = {}

    def _make(self, path: str, kind: str, object_id: str, factory: Callable[[], _T]) -> _T | None:
        """``factory()``, or None with its problems recorded under the YAML path ``path``."""
        self.paths[(kind, object_id)] = path
        try:
            return factory()
        except ScenarioError as exc:
            for p in exc.problems:
                self.problems.append(Problem(p.code, self._yaml_path(p.path, path), p.cause, p.fix))
            return None

    def _yaml_path(self, model_path: str, fallback: str) -> str:
        if model_path.startswith("SolveParams."):
            return "solver." + model_path.split(".", 1)[1]
        match = _MODEL_PATH.match(model_path)
        if match and (match[1], match[2]) in self.paths:
            suffix = match[3]
            suffix = suffix.replace("_s", "_min") if suffix.endswith(("max_duration_s", "service_s")) else suffix
            return self.paths[(match[1], match[2])] + suffix
        if "." in model_path and not match:
            return f"{fallback} ({model_path})"
        return fallback

    def _check_road_files(self, profiles: Iterable[TravelProfile]) -> None:
        """Each osm profile's file exists and is OpenStreetMap XML (E527, E528); read fully only for matrices."""
        for profile in profiles:
            if profile.osm_file is None:
                continue
            problem = osm_file_problem(profile.osm_file)
            if problem is not None:
                self.problems.append(
                    Problem(
                        "E527" if "not OpenStreetMap" not in problem else "E528",
                        f"profiles.{profile.name}.file",
                        f"{profile.osm_file} {problem}",
                        "Give the path of an .osm extract, relative to the scenario file (docs/osm-roads.md).",
                    )
                )

    def _check_pins(self, vehicles: tuple[Vehicle, ...]) -> None:
        """Requests pinned to vehicles (``vehicles:``) must name vehicles of the file (a subset may lack them)."""
        ids = {v.id for v in vehicles}
        for i, r in enumerate(self.data["requests"]):
            for vid in sorted(str(x) for x in r.get("vehicles") or () if str(x) not in ids):
                self.problems.append(
                    Problem(
                        "E321",
                        f"requests[{i}].vehicles",
                        f"unknown vehicle {vid!r}",
                        f"Name vehicles defined under vehicles: {', '.join(sorted(ids)[:8])}"
                        f"{' ...' if len(ids) > 8 else ''} (count: n makes <id>-1 ... <id>-n).",
                    )
                )

    def build(self, default_name: str) -> Scenario | None:
        d = self.data
        profiles_spec = d.get("profiles") or {}
        profiles: list[TravelProfile | None] = [
            self._make(f"profiles.{n}", "TravelProfile", n, partial(_profile, n, s, self.base))
            for n, s in profiles_spec.items()
        ]
        self._check_road_files(_built(profiles))
        if not profiles_spec:
            profiles = [DEFAULT_PROFILE]
        locations = [
            self._make(
                f"locations[{i}]",
                "Location",
                str(spec["id"]),
                partial(
                    Location,
                    str(spec["id"]),
                    spec.get("lat"),
                    spec.get("lon"),
                    spec.get("x"),
                    spec.get("y"),
                    spec.get("name", ""),
                    spec.get("kind", ""),
                ),
            )
            for i, spec in enumerate(d["locations"])
        ]
        types = [
            self._make(f"vehicle_types[{i}]", "VehicleType", str(spec["id"]), partial(self._vehicle_type, spec))
            for i, spec in enumerate(d["vehicle_types"])
        ]
        vehicles: list[Vehicle | None] = []
        for i, spec in enumerate(d["vehicles"]):
            count = spec.get("count", 1)
            for k in range(count):
                vid = str(spec["id"]) if count == 1 else f"{spec['id']}-{k + 1}"
                vehicles.append(self._make(f"vehicles[{i}]", "Vehicle", vid, partial(self._vehicle, spec, vid)))
        defaults = d.get("defaults") or {}
        requests = [
            self._make(f"requests[{i}]", "Request", str(spec["id"]), partial(self._request, spec, defaults))
            for i, spec in enumerate(d["requests"])
        ]
        self._check_pins(_built(vehicles))
        solver_spec = d.get("solver") or {}
        # Validated here (codes E50x-E52x at their YAML paths); the scenario keeps the plain settings.
        self._make("solver", "SolveParams", "", lambda: SolveParams.from_mapping(solver_spec))
        solver = dict(solver_spec)
        if self.problems:
            return None
        profile_names = [p.name for p in _built(profiles)]
        reference = d.get("reference_profile", "car" if "car" in profile_names else profile_names[0])
        return self._make(
            "(scenario)",
            "Scenario",
            "",
            lambda: Scenario(
                name=d.get("name", default_name),
                description=d.get("description", ""),
                locations=_built(locations),
                requests=_built(requests),
                vehicle_types=_built(types),
                vehicles=_built(vehicles),
                profiles=_built(profiles),
                reference_profile=reference,
                solver=solver,
                meta=dict(d.get("meta") or {}),
                costing=dict(d.get("costing") or {}),
            ),
        )

    @staticmethod
    def _vehicle_type(spec: dict[str, Any]) -> VehicleType:
        return VehicleType(
            id=str(spec["id"]),
            label=spec.get("label", ""),
            capacity=Quantities.of(spec["capacity"]),
            profile=spec.get("profile", "car"),
            skills=frozenset(str(s) for s in spec.get("skills") or ()),
            fuel=spec.get("fuel", "diesel"),
            fixed_cost_dkk=float(spec.get("fixed_cost_dkk", 0)),
            cost_per_hour_dkk=float(spec.get("cost_per_hour_dkk", 0)),
            cost_per_km_dkk=float(spec.get("cost_per_km_dkk", 0)),
            max_duration_s=minutes_to_s(spec["max_duration_min"]) if spec.get("max_duration_min") else None,
            channel=spec.get("channel"),
            hours_from=spec.get("hours_from", "depot"),
        )

    @staticmethod
    def _vehicle(spec: dict[str, Any], vid: str) -> Vehicle:
        shift = _window(spec.get("shift"))
        return Vehicle(
            id=vid,
            type=str(spec["type"]),
            start=str(spec["start"]),
            end=str(spec.get("end", spec["start"])),
            max_duration_s=minutes_to_s(spec["max_duration_min"]) if spec.get("max_duration_min") else None,
            **({"shift": shift} if shift else {}),
        )

    @staticmethod
    def _request(spec: dict[str, Any], defaults: dict[str, Any]) -> Request:
        def visit(v: dict[str, Any]) -> Visit:
            service = v.get("service_min", defaults.get("service_min", 0))
            return Visit(str(v["location"]), _window(v.get("window")), minutes_to_s(service))

        load = spec.get("load", defaults.get("load", {"seats": 1}))
        return Request(
            id=str(spec["id"]),
            label=spec.get("label", ""),
            area=None if spec.get("area") is None else str(spec["area"]),
            pickup=visit(spec["pickup"]) if spec.get("pickup") is not None else None,
            dropoff=visit(spec["dropoff"]),
            load=Quantities.of(load),
            ride=_ride(spec.get("max_ride", defaults.get("max_ride"))),
            solo=bool(spec.get("solo", False)),
            not_with=frozenset(str(x) for x in spec.get("not_with") or ()),
            skills=frozenset(str(x) for x in spec.get("skills") or ()),
            days=frozenset(str(x) for x in spec.get("days") or ()),
            channel=spec.get("channel"),
            passenger=str(spec.get("passenger", "")),
            vehicles=frozenset(str(x) for x in spec.get("vehicles") or ()),
        )
