"""Shared pytest fixtures (helpers live in ``tests.helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FIXTURES


@pytest.fixture
def fixtures() -> Path:
    """The folder of YAML fixtures."""
    return FIXTURES
