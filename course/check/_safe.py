"""Builtins and library functions captured at import, so a learner's notebook cannot change them.

Checks run in the same Python process as the learner's code, and that code may rebind ``len``,
``sorted``, ``str``, ``isinstance`` or ``print`` -- in the notebook, or even in the ``builtins``
module itself.  Every module of ``course.check`` therefore runs on a *snapshot* of the builtins
taken when the package is first imported (the locked setup cell, before any learner code)::

    from course.check._safe import BUILTINS as __builtins__

A function's builtins are fixed when the function is created, from its module's
``__builtins__``, so functions defined after that line never see a later rebinding.

The helpers below convert learner-supplied objects to exact builtin types using the *base* type's
own slot (``str.__str__`` on a ``str`` subclass returns a plain copy of its characters, whatever
the subclass overrides), and :func:`lock_module` stops ``check.query = ...`` from replacing a check.
"""

from __future__ import annotations

import builtins as _builtins
import hashlib as _hashlib
import sys as _sys
import types as _types

__all__ = [
    "BUILTINS",
    "blake2b",
    "plain_str",
    "plain_int",
    "plain_float",
    "lock_module",
    "protect_submodule",
    "stdout",
]

#: Snapshot of the builtins namespace, taken once at first import.
BUILTINS: dict = dict(vars(_builtins))
__builtins__ = BUILTINS  # this module, too, runs on the snapshot

blake2b = _hashlib.blake2b
_str_copy = str.__str__
_int_copy = int.__int__
_float_copy = float.__float__
_type = type
_ModuleType = _types.ModuleType
_module_setattr = _types.ModuleType.__setattr__
_module_delattr = _types.ModuleType.__delattr__
_stdout_at_import = _sys.stdout
_stderr_at_import = _sys.stderr


def plain_str(value: str) -> str:
    """An exact ``str`` with the characters of ``value`` (``str`` or subclass); calls no methods."""
    return _str_copy(value)


def plain_int(value: int) -> int:
    """An exact ``int`` with the value of ``value`` (an ``int`` or subclass)."""
    return _int_copy(value)


def plain_float(value: float) -> float:
    """An exact ``float`` with the value of ``value`` (a ``float`` or subclass)."""
    return _float_copy(value)


def stdout():
    """Where feedback lines go: the current ``sys.stdout``, but never a stream that is stderr.

    nbgrader gives a test cell zero points for any stderr output, so a correct answer must never
    write there, even if the notebook pointed ``sys.stdout`` at ``sys.stderr``.
    """
    out = _sys.stdout
    if out is None or out is _sys.stderr or out is _sys.__stderr__ or out is _stderr_at_import:
        out = _stdout_at_import if _stdout_at_import is not None else _sys.__stdout__
    return out


# -- locking module attributes ------------------------------------------------------------------

_PROTECTED: dict[str, dict[str, object]] = {}


class _LockedModule(_ModuleType):
    """A module whose checking functions cannot be reassigned or deleted from a notebook."""

    def __setattr__(self, name, value):
        protected = _PROTECTED.get(_module_name(self), {})
        if name in protected and value is not protected[name]:
            raise AttributeError(_refusal(self, name))
        _module_setattr(self, name, value)

    def __delattr__(self, name):
        if name in _PROTECTED.get(_module_name(self), {}):
            raise AttributeError(_refusal(self, name))
        _module_delattr(self, name)


def _module_name(module) -> str:
    return _ModuleType.__getattribute__(module, "__name__")


def _refusal(module, name: str) -> str:
    return (
        f"{_module_name(module)}.{name} is part of the course's answer checking and cannot be "
        "replaced in a notebook; restart the kernel to get it back."
    )


def lock_module(module_name: str, names=None) -> None:
    """Refuse reassignment of ``names`` (default: every public function and class) in a module.

    Assigning the object that is already there stays allowed, so the import system can still set
    a package's submodule attribute.  This stops casual or accidental replacement
    (``check.query = lambda *a: None``); it cannot stop code that edits ``module.__dict__``
    directly -- nothing running inside the same process can.
    """
    module = _sys.modules[module_name]
    if names is None:
        names = [
            key
            for key, value in vars(module).items()
            if not key.startswith("__") and callable(value)
        ]
    table = _PROTECTED.setdefault(module_name, {})
    for name in names:
        if name in vars(module):
            table[name] = vars(module)[name]
    if _type(module) is _ModuleType:
        module.__class__ = _LockedModule


def protect_submodule(parent_name: str, child: str) -> None:
    """Make ``parent.child`` (e.g. ``course.check``) refuse to be replaced by another object."""
    full = f"{parent_name}.{child}"
    if parent_name not in _sys.modules or full not in _sys.modules:
        return
    _PROTECTED.setdefault(parent_name, {})[child] = _sys.modules[full]
    parent = _sys.modules[parent_name]
    if _type(parent) is _ModuleType:
        parent.__class__ = _LockedModule
