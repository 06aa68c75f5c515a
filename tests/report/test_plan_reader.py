"""The plan reader is as strict as the scenario reader: every malformed shape is a coded, located problem.

``read_plan_json`` (``cli.py check``), ``routes_from_dict`` (stored plans, ``replan``) and
``read_week_json`` (``replan``, ``report``) check the structure of what they read before building
anything (``routing/report/json_shape.py``); ``cli.py check`` exits 2 with the problems, never a traceback.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli import main
from routing.exceptions import ScenarioError
from routing.report.json_shape import MAX_PROBLEMS, MAX_TIME_S
from routing.report.plan_json import read_plan_json, routes_from_dict
from routing.report.week_json import read_week_json
from tests.helpers import FIXTURES

SCENARIO = str(FIXTURES / "ok_small.yaml")
Doc = dict[str, Any]


@pytest.fixture(scope="module")
def plan_doc(tmp_path_factory: pytest.TempPathFactory) -> Doc:
    """The plan.json the engine writes for the small fixture (solved once, solution limit: deterministic)."""
    out = tmp_path_factory.mktemp("solved")
    assert main(["solve", SCENARIO, "--out", str(out), "--solution-limit", "5", "--no-cache", "--quiet"]) == 0
    doc: Doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    # The mutations below need a route with a pickup at its second stop.
    assert doc["routes"][0]["stops"][1]["pickup"], doc["routes"][0]["stops"][1]
    return doc


def _write(tmp_path: Path, doc: Doc) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _errors(call: Callable[[], object]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as err:
        call()
    return [(p.code, p.path) for p in err.value.problems]


def _stop(doc: Doc) -> Doc:
    stop: Doc = doc["routes"][0]["stops"][1]
    return stop


def _set(where: Callable[[Doc], Doc], key: str, value: Any) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        where(doc)[key] = value

    return mutate


def _drop(where: Callable[[Doc], Doc], key: str) -> Callable[[Doc], None]:
    def mutate(doc: Doc) -> None:
        del where(doc)[key]

    return mutate


def _top(doc: Doc) -> Doc:
    return doc


def _route(doc: Doc) -> Doc:
    route: Doc = doc["routes"][0]
    return route


STOP = "routes[0].stops[1]"
# (mutation, expected code, expected path): one structural mistake each, at every level.
MUTATIONS: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("routes dropped", _drop(_top, "routes"), "E604", "routes"),
    ("unserved dropped", _drop(_top, "unserved"), "E604", "unserved"),
    ("routes null", _set(_top, "routes", None), "E604", "routes"),
    ("routes an object", _set(_top, "routes", {"v1": []}), "E601", "routes"),
    ("route a string", lambda d: d["routes"].__setitem__(0, "lift-1"), "E601", "routes[0]"),
    ("vehicle dropped", _drop(_route, "vehicle"), "E604", "routes[0].vehicle"),
    ("vehicle an integer", _set(_route, "vehicle", 7), "E601", "routes[0].vehicle"),
    ("vehicle empty", _set(_route, "vehicle", "  "), "E607", "routes[0].vehicle"),
    ("stops an integer", _set(_route, "stops", 3), "E601", "routes[0].stops"),
    ("stop a list", lambda d: d["routes"][0]["stops"].__setitem__(1, [1, 2]), "E601", STOP),
    ("location dropped", _drop(_stop, "location"), "E604", f"{STOP}.location"),
    ("pickup a string", _set(_stop, "pickup", "abc"), "E601", f"{STOP}.pickup"),
    ("pickup of integers", _set(_stop, "pickup", [1]), "E601", f"{STOP}.pickup[0]"),
    ("dropoff nested junk", _set(_stop, "dropoff", [{"r": [None]}]), "E601", f"{STOP}.dropoff[0]"),
    ("arrival negative", _set(_stop, "arrival_s", -5), "E605", f"{STOP}.arrival_s"),
    ("arrival huge", _set(_stop, "arrival_s", MAX_TIME_S + 1), "E605", f"{STOP}.arrival_s"),
    ("arrival a float", _set(_stop, "arrival_s", 25200.5), "E601", f"{STOP}.arrival_s"),
    ("arrival NaN", _set(_stop, "arrival_s", float("nan")), "E601", f"{STOP}.arrival_s"),
    ("arrival null", _set(_stop, "arrival_s", None), "E604", f"{STOP}.arrival_s"),
    ("departure a bool", _set(_stop, "departure_s", True), "E601", f"{STOP}.departure_s"),
    ("service start a clock", _set(_stop, "service_start_s", "07:00"), "E601", f"{STOP}.service_start_s"),
    ("unknown stop key", _set(_stop, "arival_s", 1), "E606", f"{STOP}.arival_s"),
    ("unserved bare strings", _set(_top, "unserved", ["r1"]), "E601", "unserved[0]"),
    ("unserved an object", _set(_top, "unserved", {"r1": "why"}), "E601", "unserved"),
    ("unserved without request", _set(_top, "unserved", [{"reason": "x"}]), "E604", "unserved[0].request"),
    ("unserved unknown code", _set(_top, "unserved", [{"request": "r1", "code": "maybe"}]), "E607", "unserved[0].code"),
    ("solve a list", _set(_top, "solve", []), "E601", "solve"),
    ("requests of bare ids", _set(_top, "requests", ["r1"]), "E601", "requests[0]"),
]


@pytest.mark.parametrize(("mutate", "code", "path"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_a_malformed_plan_is_refused_with_its_code_and_path(
    plan_doc: Doc, tmp_path: Path, mutate: Callable[[Doc], None], code: str, path: str
) -> None:
    """Tests that each structural mistake is one problem with its code and path (and no traceback)."""
    doc = copy.deepcopy(plan_doc)
    mutate(doc)
    assert (code, path) in _errors(lambda: read_plan_json(_write(tmp_path, doc)))


def test_the_engines_plan_reads_back_and_checks(plan_doc: Doc, tmp_path: Path) -> None:
    """Tests that a plan written by the engine round-trips, extra top-level keys are ignored, and check accepts it."""
    doc = copy.deepcopy(plan_doc)
    doc["note"] = "made by a coordinator"
    plan = read_plan_json(_write(tmp_path, doc))
    assert [r.vehicle for r in plan.routes] == [r["vehicle"] for r in plan_doc["routes"]]
    assert plan.routes[0].stops[1].pickup == tuple(plan_doc["routes"][0]["stops"][1]["pickup"])
    assert plan.stats.backend == plan_doc["solve"]["backend"]
    assert main(["check", SCENARIO, str(_write(tmp_path, doc)), "--no-cache"]) == 0


def test_a_hand_made_plan_needs_only_the_read_keys(plan_doc: Doc, tmp_path: Path) -> None:
    """Tests a minimal hand-made plan: schema, routes (vehicle, stops of location and times) and unserved."""
    keep = ("location", "arrival_s", "departure_s", "pickup", "dropoff")
    routes = [
        {"vehicle": r["vehicle"], "stops": [{k: s[k] for k in keep} for s in r["stops"]]} for r in plan_doc["routes"]
    ]
    path = _write(tmp_path, {"schema": "routing.plan/1", "routes": routes, "unserved": []})
    assert read_plan_json(path).stats.backend == "manual"
    assert main(["check", SCENARIO, str(path), "--no-cache"]) == 0


def test_every_problem_is_listed_up_to_the_cap(plan_doc: Doc, tmp_path: Path) -> None:
    """Tests that problems are collected, not stopped at the first, and capped at MAX_PROBLEMS with an E609."""
    doc = copy.deepcopy(plan_doc)
    _stop(doc)["pickup"] = "abc"
    doc["unserved"] = ["r1"]
    assert _errors(lambda: read_plan_json(_write(tmp_path, doc))) == [
        ("E601", f"{STOP}.pickup"),
        ("E601", "unserved[0]"),
    ]
    doc["routes"][0]["stops"] = [{"location": "x", "arrival_s": -1, "departure_s": "soon"}] * 40
    found = _errors(lambda: read_plan_json(_write(tmp_path, doc)))
    assert len(found) == MAX_PROBLEMS and found[-1] == ("E609", "(document)")


def test_the_message_quotes_the_value_and_says_what_to_give(plan_doc: Doc, tmp_path: Path) -> None:
    """Tests the wording: the value found (long ones cut), its kind, and a fix with an example."""
    doc = copy.deepcopy(plan_doc)
    _stop(doc)["pickup"] = "abc"
    _stop(doc)["location"] = "x" * 500
    doc["routes"][0]["vehicle"] = 7
    with pytest.raises(ScenarioError) as err:
        read_plan_json(_write(tmp_path, doc))
    text = str(err.value)
    assert "E601 routes[0].stops[1].pickup: 'abc' is a string, not a list of request ids" in text
    assert 'Give a list, e.g. ["r1"]' in text
    assert "E601 routes[0].vehicle: 7 is an integer, not a vehicle id" in text
    assert "x" * 100 not in text  # a long value is cut


def test_a_key_given_twice_is_refused(plan_doc: Doc, tmp_path: Path) -> None:
    """Tests E608: JSON readers keep the last of a key given twice, so a hand edit could silently vanish."""
    text = json.dumps(plan_doc).replace('"arrival_s": ', '"arrival_s": 1, "arrival_s": ', 1)
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    assert _errors(lambda: read_plan_json(path)) == [("E608", "(file)")]


@pytest.mark.parametrize(
    ("mutate", "code", "path"),
    [
        (_set(_stop, "pickup", "abc"), "E601", f"{STOP}.pickup"),
        (_set(_route, "stops", 3), "E601", "routes[0].stops"),
        (_set(_top, "unserved", ["r1"]), "E601", "unserved[0]"),
    ],
    ids=["pickup string", "stops integer", "unserved bare strings"],
)
def test_cli_check_exits_2_with_the_coded_problem(
    plan_doc: Doc,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mutate: Callable[[Doc], None],
    code: str,
    path: str,
) -> None:
    """Tests the measured failures of issue 16: `cli.py check` returns 2 with one JSON line naming code and path."""
    doc = copy.deepcopy(plan_doc)
    mutate(doc)
    assert main(["check", SCENARIO, str(_write(tmp_path, doc)), "--no-cache"]) == 2
    detail = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert {"code": code, "path": path} in [{"code": p["code"], "path": p["path"]} for p in detail["problems"]]


def test_stored_plan_paths_name_the_day_and_silo() -> None:
    """Tests routes_from_dict's prefix, with or without a trailing dot (stored plans, replan)."""
    bad = {"routes": [{"vehicle": "v1", "stops": 3}], "unserved": []}
    for at in ("days.tue.all.", "days.tue.plan"):
        assert _errors(lambda: routes_from_dict(bad, "plans.json.gz", at)) == [
            ("E601", f"{at.rstrip('.')}.routes[0].stops")
        ]
    assert _errors(lambda: routes_from_dict("junk")) == [("E601", "(document)")]


def _week(plan: Doc) -> Doc:
    return {
        "schema": "routing.week/1",
        "source": {"scenario": "week.yaml"},
        "settings": {"tolerance_min": 10, "seed": 0},
        "days": {"tue": {"plan": plan}},
        "passengers": [{"passenger": "p1", "direction": "am", "usual_s": 27000}],
    }


WEEK_MUTATIONS: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("days dropped", _drop(_top, "days"), "E604", "days"),
    ("unknown day", lambda w: w["days"].__setitem__("tuesday", w["days"]["tue"]), "E607", "days.tuesday"),
    ("day without plan", lambda w: w["days"]["tue"].pop("plan"), "E604", "days.tue.plan"),
    ("plan stops integer", lambda w: w["days"]["tue"]["plan"]["routes"][0].__setitem__("stops", 3), "E601",
     "days.tue.plan.routes[0].stops"),
    ("settings a list", _set(_top, "settings", []), "E601", "settings"),
    ("tolerance a bool", lambda w: w["settings"].__setitem__("tolerance_min", True), "E601", "settings.tolerance_min"),
    ("usual time a clock", lambda w: w["passengers"][0].__setitem__("usual_s", "07:30"), "E601",
     "passengers[0].usual_s"),
    ("source a string", _set(_top, "source", "week.yaml"), "E601", "source"),
]  # fmt: skip


def test_week_json_reads_back(plan_doc: Doc, tmp_path: Path) -> None:
    """Tests that a week.json of the engine's shape reads back unchanged."""
    path = tmp_path / "week.json"
    path.write_text(json.dumps(_week(plan_doc)), encoding="utf-8")
    assert read_week_json(path) == _week(plan_doc)


@pytest.mark.parametrize(
    ("mutate", "code", "path"), [m[1:] for m in WEEK_MUTATIONS], ids=[m[0] for m in WEEK_MUTATIONS]
)
def test_a_malformed_week_json_is_refused_with_its_code_and_path(
    plan_doc: Doc, tmp_path: Path, mutate: Callable[[Doc], None], code: str, path: str
) -> None:
    """Tests week.json's structure as replan and report read it."""
    week = _week(copy.deepcopy(plan_doc))
    mutate(week)
    file = tmp_path / "week.json"
    file.write_text(json.dumps(week), encoding="utf-8")
    assert (code, path) in _errors(lambda: read_week_json(file))


def test_replan_checks_a_one_day_plan_json_as_check_does(plan_doc: Doc) -> None:
    """Tests replan's one-day path (a solve's plan.json, read without read_plan_json): the same coded problems."""
    from routing import load_scenario
    from routing.studies.replan import previous_plans

    doc = copy.deepcopy(plan_doc)
    doc["vehicles"] = [7]
    _stop(doc)["pickup"] = "abc"
    found = _errors(lambda: previous_plans({"days": {"tue": {"plan": doc}}}, load_scenario(SCENARIO), "plan.json"))
    assert found == [("E601", f"days.tue.plan.{STOP}.pickup"), ("E601", "days.tue.plan.vehicles[0]")]
