"""Solver backends: the only modules that import ortools (``ortools``) and pyvrp (``pyvrp``)."""
