"""Locate the data shipped with dlint (rule packs, JSON Schemas).

In a wheel they live in ``dlint/_data``; in a source checkout (editable install, tests)
they are the top-level ``rules/`` and ``schemas/`` folders, which stay the single copy we
edit.  Everything that reads packaged data goes through here.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``rules`` or ``schemas``, wherever this installation keeps it."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    source = _PACKAGE.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"dlint data folder {name!r} is missing from this installation")


def rules_dir() -> Path:
    return data_dir("rules")


def schema_path(name: str) -> Path:
    """Path of ``schemas/<name>`` (e.g. ``policy.schema.json``)."""
    return data_dir("schemas") / name
