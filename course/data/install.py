"""Putting built course data in place safely: temporary names, atomic moves, a lock, a stamp.

Everything is written under a temporary name in the data folder itself (same file system) and
moved into place with ``os.replace``, which is atomic: a reader sees the old file or the new
one, never half of one.  On Linux and macOS a connection that already has the old database
open keeps reading it until it reconnects.  Windows does not let a file that a program has open
be replaced or renamed: there the move fails while a notebook's kernel has the database open, and
the build says so in one sentence (:class:`DataInUse`) instead of half-installing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

__all__ = [
    "BuildLocked",
    "DataInUse",
    "build_lock",
    "install_database",
    "install_folder",
    "leftovers",
    "read_stamp",
    "remove_database",
    "temp_name",
    "write_stamp",
]


class BuildLocked(RuntimeError):
    """Another build holds the lock on this data folder."""


class DataInUse(RuntimeError):
    """The old data could not be replaced because a program has it open (Windows)."""


def _replace(src: Path, dst: Path) -> None:
    """``os.replace``, with one sentence when Windows refuses because the file is open."""
    try:
        os.replace(src, dst)
    except PermissionError:
        raise DataInUse(
            f"{dst.name} is open in another program (a notebook's kernel, on Windows a file in use "
            "cannot be replaced): shut down the notebooks' kernels (Kernel > Shut Down All "
            "Kernels), then build the data again."
        ) from None


def temp_name(folder: Path, name: str) -> Path:
    """A hidden temporary name in ``folder`` for building ``name`` in this process."""
    return folder / f".{name}.building-{os.getpid()}"


def leftovers(folder: Path) -> list[str]:
    """Names of temporary files or folders a build left behind (none after a clean build)."""
    return sorted(p.name for p in folder.iterdir() if ".building-" in p.name or ".old-" in p.name)


def remove_database(path: Path) -> None:
    """Delete a DuckDB file and its write-ahead log, if they exist."""
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def install_database(tmp: Path, final: Path) -> None:
    """Move a finished, checkpointed database into place.

    A write-ahead log left next to the old file (after a crash) would be replayed into the new
    file when it is opened, so it goes first.
    """
    with contextlib.suppress(FileNotFoundError):
        final.with_name(final.name + ".wal").unlink()
    _replace(tmp, final)


def install_folder(tmp: Path, final: Path) -> None:
    """Swap a finished folder into place (two renames; the old one is deleted afterwards)."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        _replace(final, old)
    _replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def read_stamp(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_stamp(path: Path, stamp: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(stamp, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def build_lock(folder: Path, *, os_name: str | None = None):
    """Hold the build lock of ``folder``: two builds at once would race on the same files.

    Linux and macOS lock the whole file with ``fcntl.flock``; Windows has no ``fcntl`` and locks
    the file's first byte with ``msvcrt.locking`` instead. Either way a second build is refused
    with one sentence, and the lock goes when the build (or its process) ends.
    """
    windows = (os_name or os.name) == "nt"
    with open(folder / ".build.lock", "w", encoding="utf-8") as handle:
        if windows:
            import msvcrt

            lock = lambda: msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # noqa: E731
            unlock = lambda: msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # noqa: E731
        else:
            import fcntl

            lock = lambda: fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # noqa: E731
            unlock = lambda: fcntl.flock(handle, fcntl.LOCK_UN)  # noqa: E731
        try:
            lock()
        except OSError:
            raise BuildLocked(
                "Another `course data` build is running on this data folder: wait for it to "
                "finish, then try again."
            ) from None
        try:
            yield
        finally:
            unlock()
