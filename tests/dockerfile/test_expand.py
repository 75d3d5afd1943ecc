"""Word expansion as BuildKit's shell lexer does it for FROM and flag values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlint.dockerfile.expand import expand, is_single_variable

ENV: dict[str, str | None] = {
    "A": "alpine",
    "T": "3.20",
    "EMPTY": "",
    "UNKNOWN": None,
    "P": "a/b/c.tar.gz",
    "SP": "x y",
}


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("plain", "plain"),
        ("$A:$T", "alpine:3.20"),
        ("${A}:${T}", "alpine:3.20"),
        ("${A}x", "alpinex"),
        ("$Ax", ""),  # the name is Ax
        ("${MISSING:-busybox}", "busybox"),
        ("${MISSING-busybox}", "busybox"),
        ("${EMPTY:-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${A:-d}", "alpine"),
        ("${A:+x}", "x"),
        ("${A+x}", "x"),
        ("${EMPTY:+x}", ""),
        ("${EMPTY+x}", "x"),
        ("${MISSING+x}", ""),
        ("${MISSING:-${A}}", "alpine"),
        ("${MISSING:-a:b}", "a:b"),
        ("'$A'", "$A"),
        ('"$A"', "alpine"),
        ('"a\\"b"', 'a"b'),
        ('"a\\xb"', "a\\xb"),
        ("a\\$A", "a$A"),
        ("a\\", "a"),
        ("$", "$"),
        ("$/", "$/"),
        ("${P#*/}", "b/c.tar.gz"),
        ("${P##*/}", "c.tar.gz"),
        ("${P%.*}", "a/b/c.tar"),
        ("${P%%.*}", "a/b/c"),
        ("${P/\\//_}", "a_b/c.tar.gz"),
        ("${P//\\//_}", "a_b_c.tar.gz"),
        ("${P#nomatch}", "a/b/c.tar.gz"),
        ("$SP", "x y"),
        ("${A?}", "alpine"),
    ],
)
def test_values(word: str, value: str) -> None:
    result = expand(word, ENV)
    assert result.error is None
    assert result.unresolved == []
    assert result.value == value
    assert result.resolved == value


def test_backtick_escape() -> None:
    assert expand("a`$A", ENV, escape="`").value == "a$A"
    assert expand("a\\$A", ENV, escape="`").value == "a\\alpine"


def test_unknown_values_are_unresolved() -> None:
    result = expand("repo:${UNKNOWN}", ENV)
    assert result.unresolved == ["UNKNOWN"]
    assert result.resolved is None
    assert expand("${UNKNOWN:-d}", ENV).unresolved == ["UNKNOWN"]
    assert expand("${UNKNOWN:+d}", ENV).unresolved == ["UNKNOWN"]
    # A known outer value does not depend on an unknown default.
    assert expand("${A:-$UNKNOWN}", ENV).resolved == "alpine"
    assert expand("${MISSING:-$UNKNOWN}", ENV).unresolved == ["UNKNOWN"]
    # Quoted parts are literal.
    assert expand("'$UNKNOWN'", ENV).resolved == "$UNKNOWN"


def test_undefined_and_used() -> None:
    result = expand("$A/$MISSING:${T}", ENV)
    assert result.value == "alpine/:3.20"
    assert result.used == ["A", "MISSING", "T"]
    assert result.undefined == ["MISSING"]
    assert result.unresolved == []


@pytest.mark.parametrize(
    "word",
    [
        "${",
        "${A",
        "${A:-x",
        "${}",
        "${:-x}",
        "${A x}",
        "'open",
        '"open',
        "${MISSING?}",
        "${EMPTY:?no}",
        "${A:#x}",
        "${A/x",
    ],
)
def test_errors_are_reported_not_raised(word: str) -> None:
    result = expand(word, ENV)
    assert result.error
    assert result.resolved is None
    assert result.value == word


def test_required_message() -> None:
    assert expand("${MISSING?must be set}", ENV).error == "MISSING: must be set"


def test_single_variable() -> None:
    assert is_single_variable("$BASE") == "BASE"
    assert is_single_variable("${BASE}") == "BASE"
    assert is_single_variable("${BASE}:x") is None
    assert is_single_variable("${BASE:-x}") is None
    assert is_single_variable("BASE") is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="${}:-+?#%/'\"\\`AaTU_ x", max_size=30), st.sampled_from(["\\", "`"]))
def test_never_raises(word: str, escape: str) -> None:
    result = expand(word, ENV, escape)
    assert isinstance(result.value, str)
    assert set(result.unresolved) <= set(result.used)
