#!/usr/bin/env python3
"""Command line of a source checkout: the same entry point as ``borgerbefordring`` and ``python -m routing``."""

from __future__ import annotations

from routing.cli import main, run

__all__ = ["main", "run"]

if __name__ == "__main__":
    run()
