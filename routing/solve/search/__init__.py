"""Exact-schedule search components of the hybrid: servability, implied windows, scheduling, insertion and LNS."""
