"""Procurement cost and CO2 over plans: channels, tariffs, emission factors, attribution."""
