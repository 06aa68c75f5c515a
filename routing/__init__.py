"""Routing engine for Danish municipal citizen transport (visiteret borgerbefordring).

Flow: ``load_scenario`` → ``build_matrices`` → ``solve`` → ``check_plan`` → reports.
"""

from routing.check import CheckResult, Violation, check_plan
from routing.exceptions import MatrixError, ScenarioError, SolveError
from routing.matrix import MatrixSet, build_matrices
from routing.model import (
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
from routing.plan import Plan, Route, Stop, Unserved
from routing.scenario import build_scenario, load_scenario
from routing.solve.params import SolveParams
from routing.solve.solve import solve

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "Location",
    "MatrixError",
    "MatrixSet",
    "Plan",
    "Quantities",
    "Request",
    "RideTimeRule",
    "Route",
    "Scenario",
    "ScenarioError",
    "SolveError",
    "SolveParams",
    "Stop",
    "TimeWindow",
    "TravelProfile",
    "Unserved",
    "Vehicle",
    "VehicleType",
    "Violation",
    "Visit",
    "build_matrices",
    "build_scenario",
    "check_plan",
    "load_scenario",
    "solve",
]
