"""Scenario files: read (load), check structure (validate), make the model (build)."""

from routing.scenario.build import build_scenario, load_scenario

__all__ = ["build_scenario", "load_scenario"]
