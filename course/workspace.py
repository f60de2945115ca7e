"""The learner's workspace: their own copies of the released modules.

Learners never edit the committed ``release/`` files (a ``git pull`` would then fight their work).
``sync_workspace()`` copies each released module into the workspace folder once. Later runs add
new modules and new files, and **never overwrite a file that is already there**: when a module was
updated after the learner got their copy, the new version is put *beside* theirs as
``<name>.update-<version>.ipynb`` and the learner decides what to do with it.

A small ledger (``.course-workspace.json`` in the workspace) remembers which versions were handed
out, so a learner who deletes an offered update is not offered the same one again.  A learner who
deletes their own copy to start over gets a fresh copy on the next run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from course import config

__all__ = ["SyncReport", "sync_workspace", "LEDGER_NAME"]

LEDGER_NAME = ".course-workspace.json"
_SKIP_NAMES = {".ipynb_checkpoints", "__pycache__"}


@dataclass
class SyncReport:
    """What one sync did, for a one-screen summary."""

    workspace: Path
    added: list[Path] = field(default_factory=list)
    updates_offered: list[Path] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        lines = [f"Your workspace is {self.workspace}."]
        if self.added:
            lines.append(f"Added {len(self.added)} file(s): " + ", ".join(_rel(self.added)))
        for path in self.updates_offered:
            lines.append(
                f"An updated version of a module is waiting beside your copy: {path.name} "
                "(your own notebook was not changed)."
            )
        if not self.added and not self.updates_offered:
            lines.append("Everything is up to date; nothing was changed.")
        return "\n".join(lines)


def _rel(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _released_files(release_dir: Path):
    for module in sorted(p for p in release_dir.iterdir() if p.is_dir()):
        if module.name in _SKIP_NAMES or module.name.startswith("."):
            continue
        for path in sorted(module.rglob("*")):
            if path.is_file() and not (_SKIP_NAMES & set(path.relative_to(module).parts)):
                yield path.relative_to(release_dir)


def _load_ledger(workspace: Path) -> dict:
    try:
        return json.loads((workspace / LEDGER_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"files": {}}


def _save_ledger(workspace: Path, ledger: dict) -> None:
    tmp = workspace / (LEDGER_NAME + ".tmp")
    tmp.write_text(json.dumps(ledger, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(workspace / LEDGER_NAME)


def _fit_to_kernel(path: Path) -> None:
    """Give a copied notebook the language_info the course's kernel reports.

    The released notebooks say only ``{"name": "python"}``; JupyterLab writes the kernel's full
    language_info (Python version, lexer, ...) into a notebook as soon as its kernel starts, which
    marks a notebook the learner has not touched as unsaved.  The kernel runs on this same Python.
    """
    if path.suffix != ".ipynb":
        return
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        info = notebook["metadata"]["language_info"]
    except (ValueError, KeyError, TypeError):
        return
    if not isinstance(info, dict) or info.get("name") != "python":
        return
    from ipykernel.ipkernel import IPythonKernel

    if info != IPythonKernel.language_info:
        notebook["metadata"]["language_info"] = dict(IPythonKernel.language_info)
        text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")


def _update_name(target: Path, digest: str) -> Path:
    return target.with_name(f"{target.stem}.update-{digest[:8]}{target.suffix}")


def released_dir() -> Path:
    """The released notebooks: the checkout's ``release/``, or in an installed learner build
    (``course build-learner``) the copy it carries inside the package, ``course/release/``."""
    packaged = Path(__file__).resolve().parent / "release"
    return packaged if packaged.is_dir() else config.repo_root() / "release"


def sync_workspace(release_dir: Path | None = None, workspace: Path | None = None) -> SyncReport:
    """Copy new released files into the workspace; offer changed ones beside the learner's copy."""
    release_dir = Path(release_dir) if release_dir else released_dir()
    workspace = Path(workspace) if workspace else config.workspace_dir()
    workspace.mkdir(parents=True, exist_ok=True)
    report = SyncReport(workspace=workspace)
    ledger = _load_ledger(workspace)
    handed_out: dict[str, list[str]] = ledger.setdefault("files", {})

    for rel in _released_files(release_dir):
        source = release_dir / rel
        target = workspace / rel
        key = rel.as_posix()
        digest = _digest(source)
        seen = handed_out.setdefault(key, [])
        if not target.exists():
            # New module, or the learner removed their copy to start over: nothing of theirs
            # is lost by putting the released version there.
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            _fit_to_kernel(target)
            report.added.append(target)
        elif digest in seen or _digest(target) == digest:
            # The learner already has this release (possibly with their own work in it).
            report.unchanged += 1
        else:
            # The module changed since the learner got it: offer it beside, never over.
            offered = _update_name(target, digest)
            if not offered.exists():
                shutil.copy2(source, offered)
                _fit_to_kernel(offered)
                report.updates_offered.append(offered)
        if digest not in seen:
            seen.append(digest)

    _save_ledger(workspace, ledger)
    return report
