"""A benchmark's table as CSV under a ``#`` header saying how it was made: the command, the date and the machine."""

from __future__ import annotations

import csv
import io
import os
import platform
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from routing.files import write_atomic


def stamped_csv(command: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """The CSV text: ``# <command>``, ``# <UTC time>; <processor>, <cores> cores, Python <version>``, then the table."""
    buffer = io.StringIO()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    processor = platform.processor() or platform.machine()
    machine = f"{processor}, {os.cpu_count()} cores, Python {platform.python_version()}"
    buffer.write(f"# {command}\n# {stamp}; {machine}\n")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_stamped_csv(path: str | Path, command: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """Write ``stamped_csv`` to ``path`` atomically; return the text."""
    text = stamped_csv(command, columns, rows)
    write_atomic(path, text)
    return text
