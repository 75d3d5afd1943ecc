"""Byte-exact rewriting: splice new bytes into exact offsets, touch nothing else.

A pin must be a one-token diff.  Re-serializing a parsed Dockerfile would lose CRLF,
the BOM, backtick escapes, continuations, comments and heredoc bodies (the failure that
ruled out dockerfile-parse), so we never serialize: we splice replacement bytes at the byte
offsets the parser recorded and leave every other byte as it was.  Writing goes through a
temp file in the same directory and a rename, so a crash never leaves half a Dockerfile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dlint.atomic import write_atomic


class RewriteError(ValueError):
    """Edits that cannot be applied safely (overlap, out of range, stale expectation)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``raw[start:end]`` (which must equal ``expected`` when given) with ``replacement``."""

    start: int
    end: int
    replacement: bytes
    expected: bytes | None = None


def rewrite(raw: bytes, edits: Iterable[Edit]) -> bytes:
    """Apply non-overlapping edits; identical duplicates (one ARG used by two FROMs) count once."""
    unique = sorted(set(edits), key=lambda e: (e.start, e.end))
    out: list[bytes] = []
    pos = 0
    for edit in unique:
        if not 0 <= edit.start <= edit.end <= len(raw):
            raise RewriteError(f"edit {edit.start}:{edit.end} is outside the file ({len(raw)} bytes)")
        if edit.start < pos:
            raise RewriteError(f"edits overlap at byte {edit.start}")
        if edit.expected is not None and raw[edit.start:edit.end] != edit.expected:
            raise RewriteError(f"bytes at {edit.start}:{edit.end} are not the expected token")
        out.append(raw[pos:edit.start])
        out.append(edit.replacement)
        pos = edit.end
    out.append(raw[pos:])
    return b"".join(out)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the file's content atomically, keeping its permission bits (see dlint.atomic)."""
    write_atomic(path, data)
