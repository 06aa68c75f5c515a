"""Scenario files: read (load), check structure (validate), make the model (build), within bounds (bounds)."""

from routing.scenario.bounds import DEFAULT_LIMITS, Limits
from routing.scenario.build import build_scenario, load_scenario

__all__ = ["DEFAULT_LIMITS", "Limits", "build_scenario", "load_scenario"]
