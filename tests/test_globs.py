from __future__ import annotations

import time

import pytest

from dlint.globs import glob_match


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("docker.io/library/*", "docker.io/library/alpine", True),
    ("docker.io/library/*", "docker.io/library/a/b", False),
    ("ghcr.io/acme/**", "ghcr.io/acme/team/base", True),
    ("ghcr.io/acme/**", "ghcr.io/acme", False),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("legacy/*.Dockerfile", "legacy/api.Dockerfile", True),
    ("svc-?", "svc-1", True),
    ("svc-?", "svc-12", False),
    ("svc-[0-9]", "svc-7", True),
    ("svc-[!0-9]", "svc-7", False),
    ("a[b", "a[b", True),
    ("x.y", "xzy", False),
])
def test_glob_dialect(pattern: str, text: str, expected: bool) -> None:
    assert glob_match(pattern, text) is expected


def test_hostile_pattern_stays_linear() -> None:
    pattern = "*a" * 30 + "b"
    start = time.perf_counter()
    assert not glob_match(pattern, "a" * 5000)
    assert time.perf_counter() - start < 1.0  # backtracking engines take minutes here
