"""Obtaining the LoC file: checked, cached, never downloaded twice (no network used here)."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from course import config
from course.data.marc import obtain

MEMBER_BYTES = b"00026nam a2200025 a 4500\x1e\x1d" * 2000  # stands in for the 240 MB file


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_archive(path: Path, members: dict[str, bytes]) -> bytes:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path.read_bytes()


class FakeIndex:
    """Stands in for ``pip download``: copies a prepared archive and counts the calls."""

    def __init__(self, archive: Path) -> None:
        self.archive, self.calls = archive, 0

    def __call__(self, dest: Path, progress: bool) -> Path:
        self.calls += 1
        target = dest / obtain.ARCHIVE_NAME
        target.write_bytes(self.archive.read_bytes())
        return target


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A tiny archive with the right layout; the module's checksums point at it."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    archive = tmp_path / "index" / obtain.ARCHIVE_NAME
    archive.parent.mkdir()
    archive_bytes = make_archive(
        archive,
        {
            "pymarc-5.4.0/README.md": b"readme",
            obtain.MEMBER: MEMBER_BYTES,
            "pymarc-5.4.0/test/marc.dat": b"other",
        },
    )
    monkeypatch.setattr(obtain, "ARCHIVE_SHA256", sha(archive_bytes))
    monkeypatch.setattr(obtain, "MARC_SHA256", sha(MEMBER_BYTES))
    monkeypatch.setattr(obtain, "MARC_SIZE", len(MEMBER_BYTES))
    index = FakeIndex(archive)
    monkeypatch.setattr(obtain, "_pip_download", index)
    return index


def cached() -> Path:
    return config.data_dir() / "cache" / obtain.MARC_NAME


def test_sha256_file_matches_hashlib(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc" * 1_000_000)
    assert obtain.sha256_file(path) == sha(b"abc" * 1_000_000)


def test_first_run_downloads_checks_and_extracts(fake):
    path = obtain.ensure_marc_file(progress=False)
    assert path == cached() and path.read_bytes() == MEMBER_BYTES
    assert fake.calls == 1
    assert (path.parent / obtain.ARCHIVE_NAME).is_file()  # kept, so it is never fetched again
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # temporary files were renamed or removed


def test_never_downloads_twice_and_rehashes_only_once(fake, monkeypatch):
    obtain.ensure_marc_file(progress=False)
    hashed = []
    real = obtain.sha256_file
    monkeypatch.setattr(obtain, "sha256_file", lambda p, **kw: hashed.append(p) or real(p, **kw))
    assert obtain.ensure_marc_file(progress=False) == cached()
    assert hashed == [] and fake.calls == 1  # the stamp vouched for the file
    cached().unlink()  # gone: extracted again from the cached archive, still no download
    assert obtain.ensure_marc_file(progress=False).read_bytes() == MEMBER_BYTES
    assert fake.calls == 1


def test_a_changed_file_is_noticed_and_replaced(fake):
    path = obtain.ensure_marc_file(progress=False)
    path.write_bytes(b"X" * len(MEMBER_BYTES))  # same size, different bytes, newer mtime
    os.utime(path, ns=(1, 1))
    assert obtain.ensure_marc_file(progress=False).read_bytes() == MEMBER_BYTES
    assert fake.calls == 1


def test_stamp_alone_does_not_vouch_for_a_missing_or_resized_file(fake):
    path = obtain.ensure_marc_file(progress=False)
    path.write_bytes(MEMBER_BYTES + b"more")
    assert obtain.ensure_marc_file(progress=False).read_bytes() == MEMBER_BYTES


def test_a_damaged_download_is_refused(fake, monkeypatch):
    monkeypatch.setattr(obtain, "ARCHIVE_SHA256", "0" * 64)
    with pytest.raises(obtain.ObtainError) as err:
        obtain.ensure_marc_file(progress=False)
    message = str(err.value)
    assert obtain.ARCHIVE_NAME in message and "course data" in message
    assert "\n" not in message
    assert not (cached().parent / obtain.ARCHIVE_NAME).exists()
    assert not cached().exists()


def test_a_member_with_the_wrong_checksum_is_refused(fake, monkeypatch):
    monkeypatch.setattr(obtain, "MARC_SHA256", "1" * 64)
    with pytest.raises(obtain.ObtainError, match="does not match its checksum"):
        obtain.ensure_marc_file(progress=False)
    assert not cached().exists()


def test_an_archive_without_the_records_is_refused(fake, monkeypatch, tmp_path):
    other = make_archive(tmp_path / "other.tar.gz", {"pymarc-5.4.0/README.md": b"readme"})
    fake.archive = tmp_path / "other.tar.gz"
    monkeypatch.setattr(obtain, "ARCHIVE_SHA256", sha(other))
    with pytest.raises(obtain.ObtainError, match="does not contain"):
        obtain.ensure_marc_file(progress=False)


def test_offline_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    seen = []

    def no_network(cmd, **kwargs):
        seen.append(cmd)
        return subprocess.CompletedProcess(
            cmd, 1, stdout="", stderr="ERROR: No matching distribution"
        )

    monkeypatch.setattr(obtain.subprocess, "run", no_network)
    with pytest.raises(obtain.ObtainError) as err:
        obtain.ensure_marc_file(progress=False)
    assert str(err.value) == (
        "Could not download the Library of Congress records (no network?). If you have "
        "BooksAll.2016.part01.utf8 or pymarc-5.4.0.tar.gz already, run "
        "`course data --marc-file PATH`."
    )
    assert "No matching distribution" in err.value.detail
    cmd = seen[0]
    assert cmd[1:4] == ["-m", "pip", "download"]
    for flag in ("--no-deps", "--no-binary", ":all:", "pymarc==5.4.0", "-d"):
        assert flag in cmd
    assert "--no-build-isolation" not in cmd


def test_marc_file_option_takes_the_users_copy(fake, tmp_path):
    mine = tmp_path / "mine.mrc"
    mine.write_bytes(MEMBER_BYTES)
    assert obtain.ensure_marc_file(mine, progress=False).read_bytes() == MEMBER_BYTES
    assert fake.calls == 0
    assert obtain.ensure_marc_file(progress=False) == cached()  # and it counts as cached
    assert fake.calls == 0


def test_marc_file_option_takes_the_archive_too(fake, tmp_path):
    mine = tmp_path / "download" / obtain.ARCHIVE_NAME
    mine.parent.mkdir()
    mine.write_bytes(fake.archive.read_bytes())
    assert obtain.ensure_marc_file(mine, progress=False).read_bytes() == MEMBER_BYTES
    assert fake.calls == 0


def test_marc_file_option_refuses_another_file(fake, tmp_path):
    other = tmp_path / "other.mrc"
    other.write_bytes(b"not the LoC file")
    with pytest.raises(obtain.ObtainError, match="neither") as err:
        obtain.ensure_marc_file(other, progress=False)
    assert str(other) in str(err.value)
    with pytest.raises(obtain.ObtainError, match="There is no file"):
        obtain.ensure_marc_file(tmp_path / "missing.mrc", progress=False)
    assert fake.calls == 0 and not cached().exists()


@pytest.mark.slow
def test_the_real_cached_file_verifies(monkeypatch):
    path = config.data_dir() / "cache" / obtain.MARC_NAME
    if not path.is_file():
        pytest.skip("the LoC file is not in the cache (run `course data`)")

    def no_download(dest, progress):
        raise AssertionError("the cached file should have been used")

    monkeypatch.setattr(obtain, "_pip_download", no_download)
    assert obtain.ensure_marc_file(progress=False) == path
    assert path.stat().st_size == obtain.MARC_SIZE
    assert obtain.sha256_file(path) == obtain.MARC_SHA256
