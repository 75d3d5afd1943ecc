from __future__ import annotations

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


def test_hostile_pattern_is_answered() -> None:
    # a backtracking engine would not come back from this within any CI timeout; RE2 does
    assert not glob_match("*a" * 30 + "b", "a" * 5000)
