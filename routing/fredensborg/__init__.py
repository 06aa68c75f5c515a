"""The calibrated synthetic Fredensborg scenario: areas, geography and the demand generator."""
