"""Compiled kernels of the search's innermost loops (numba), typed for their callers.

Pricing a request against every route and rebuilding a route's insertion arrays run over arrays of
10-100 elements thousands of times a second; there numpy's cost per call, not the arithmetic,
sets the pace. ``kernel`` compiles such a function to machine code with numba on its first call
(a few seconds, once per installation: the machine code is cached on disk beside the sources, or in
numba's user cache when that folder is read-only, and loaded in well under a second by every later
process). ``NUMBA_DISABLE_JIT=1`` runs the same functions as plain Python (slow; for debugging).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import numba

_F = TypeVar("_F", bound=Callable[..., object])


def kernel(function: _F) -> _F:
    """``function`` compiled in nopython mode on first call, its machine code cached on disk."""
    return cast(_F, numba.njit(cache=True)(function))
