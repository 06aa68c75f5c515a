"""Analyst studies: silo/joint day planning, annualisation and scenario comparison (municipality-agnostic)."""
