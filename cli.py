#!/usr/bin/env python3
"""Command line of a source checkout: the same entry point as ``borgerbefordring`` and ``python -m routing``."""

from __future__ import annotations

import sys

from routing.cli import main

if __name__ == "__main__":
    sys.exit(main())
