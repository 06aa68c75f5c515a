"""Atomic file writes (every output appears whole or not at all) and one run at a time per output folder."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from routing.exceptions import Problem, ScenarioError


def write_atomic(path: str | Path, text: str) -> None:
    """Write a text file atomically (temporary file in the same folder, then rename)."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: str | Path, data: bytes) -> None:
    """Write a file atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def writing_to(folder: str | Path) -> Iterator[None]:
    """Hold the output folder (made if missing) for this run: a second run writing to it at once is refused.

    The lock is an advisory ``flock`` on the folder itself: no lock file is left behind, and the
    operating system releases it when the run ends, however it ends. A folder made here and left
    empty (the run failed before writing) is removed again.

    Raises
    ------
    ScenarioError
        E690 when another run holds the folder.
    """
    import fcntl

    folder = Path(folder)
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            problem = Problem(
                "E690",
                "--out",
                f"{str(folder)!r} is being written by another run now",
                "Wait for it to finish, or give another --out folder.",
            )
            raise ScenarioError([problem], str(folder)) from None
        yield
    finally:
        os.close(fd)
        if made and not any(folder.iterdir()):
            folder.rmdir()  # a run that wrote nothing (bad input, say) leaves no empty folder behind
