"""Docker's reference grammar: the shared conformance vectors plus dlint's own cases."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from dlint.dockerfile.imageref import (
    InvalidReference,
    Reference,
    match_pattern,
    normalize_pattern,
    parse_any_reference,
    parse_docker_ref,
    parse_reference,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
VECTORS_MD = SHARED / "conformance" / "image-references.md"

F64 = "f" * 64
BUSYBOX_DIGEST = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
GCR_DIGEST = "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"
HEX_ID = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

# Inline copy of every vector in image-references.md: number -> (fn, input, expectation).
# An expectation is a dict of Reference attributes / derived strings, or ("error", kind).
VECTORS: dict[int, tuple[str, str, Any]] = {
    1: ("N", "test.com/foo", {"registry": "test.com", "repository": "foo"}),
    2: ("N", "test_com/foo", {"registry": "docker.io", "repository": "test_com/foo"}),
    3: ("N", "test-com:8080/foo", {"registry": "test-com:8080", "repository": "foo"}),
    4: ("N", "foo", {"registry": "docker.io", "repository": "library/foo"}),
    5: ("N", "docker.io/foo", {"registry": "docker.io", "repository": "library/foo"}),
    6: ("N", "docker.io/library/foo/bar", {"registry": "docker.io", "repository": "library/foo/bar"}),
    7: ("N", "localhost/fooo", {"registry": "localhost", "repository": "fooo", "name": "localhost/fooo"}),
    8: (
        "N",
        "index.docker.io/fooo/bar",
        {
            "registry": "docker.io",
            "repository": "fooo/bar",
            "name": "docker.io/fooo/bar",
            "familiar_name": "fooo/bar",
        },
    ),
    9: ("N", "Foo/bar", {"registry": "Foo", "repository": "bar", "name": "Foo/bar"}),
    10: (
        "N",
        f"busybox:latest@{BUSYBOX_DIGEST}",
        {
            "normalized": f"docker.io/library/busybox:latest@{BUSYBOX_DIGEST}",
            "tag": "latest",
            "digest": BUSYBOX_DIGEST,
        },
    ),
    11: (
        "D",
        f"gcr.io/library/busybox:latest@{GCR_DIGEST}",
        {"normalized": f"gcr.io/library/busybox@{GCR_DIGEST}", "tag": None},
    ),
    12: ("D", "docker.io/busybox", {"normalized": "docker.io/library/busybox:latest"}),
    13: ("A", HEX_ID, {"digest": f"sha256:{HEX_ID}", "repository": ""}),
    14: ("N", "docker/Docker", ("error", "uppercase")),
    15: ("N", "dock..er/docker", ("error", "format")),
    16: (
        "P",
        f"test:5000/repo:tag@sha256:{F64}",
        {"registry": "test:5000", "name": "test:5000/repo", "tag": "tag", "digest": f"sha256:{F64}"},
    ),
    17: ("P", "test.com:5000", {"registry": "", "name": "test.com", "tag": "5000"}),
    18: ("P", "repo@sha256:" + "f" * 34, ("error", "digest-length")),
    19: ("P", "Uppercase:tag", ("error", "uppercase")),
    20: ("P", "domain/" + "a" * 256 + ":tag", ("error", "too-long")),
    21: ("P", "example.com/" + "a" * 255 + ":tag", {"registry": "example.com", "tag": "tag"}),
    22: (
        "P",
        f"[2001:db8::1]:5000/repo:tag@sha256:{F64}",
        {
            "registry": "[2001:db8::1]:5000",
            "name": "[2001:db8::1]:5000/repo",
            "tag": "tag",
            "digest": f"sha256:{F64}",
        },
    ),
    23: ("P", "lowercase:Uppercase", {"name": "lowercase", "tag": "Uppercase"}),
    # The Go test binary registers only sha256, hence "unsupported" there (see test below).
    24: ("P-sha256-only", "validname@sha512:" + "f" * 128, ("error", "digest-unsupported")),
}


def _run(fn: str, text: str) -> Reference:
    if fn == "N":
        return parse_reference(text)
    if fn == "P":
        return parse_reference(text, normalize=False)
    if fn == "P-sha256-only":
        return parse_reference(text, normalize=False, algorithms={"sha256"})
    if fn == "D":
        return parse_docker_ref(text)
    if fn == "A":
        return parse_any_reference(text)
    raise AssertionError(fn)


def _check(fn: str, text: str, expected: Any) -> None:
    if isinstance(expected, tuple):
        with pytest.raises(InvalidReference) as info:
            _run(fn, text)
        assert info.value.kind == expected[1], info.value.message
        return
    ref = _run(fn, text)
    for key, value in expected.items():
        assert getattr(ref, key) == value, (key, ref)


@pytest.mark.parametrize("number", sorted(VECTORS))
def test_inline_vector(number: int) -> None:
    fn, text, expected = VECTORS[number]
    _check(fn, text, expected)


_ROW = re.compile(r"^\|\s*(\d+)\s*\|[^|]*\|\s*([A-Z])\s*\|(.*)\|(.*)\|\s*$")
_REPEAT = re.compile(r'strings\.Repeat\("(.)",\s*(\d+)\)')
_TIMES = re.compile("(\\d+)\u00d7`(.)`")  # "128 times f", written with a multiplication sign


def _decode_input(cell: str) -> str:
    """Evaluate the small Go-ish expressions the vector table uses for long inputs."""
    cell = cell.strip()
    cell = cell.split(" (")[0].strip()  # "`x` (AmbiguousName)"
    if cell.startswith("`") and cell.endswith("`") and cell.count("`") == 2:
        inner = cell[1:-1]
        if not inner.startswith('"'):
            return inner
        cell = inner
    out = []
    for part in re.split(r"\s*\+\s*", cell):
        times = _TIMES.fullmatch(part.strip())
        part = part.strip().strip("`")
        repeat = _REPEAT.fullmatch(part)
        if repeat:
            out.append(repeat.group(1) * int(repeat.group(2)))
        elif times:
            out.append(times.group(2) * int(times.group(1)))
        else:
            out.append(part.strip('"'))
    return "".join(out)


def _shared_rows() -> list[tuple[int, str, str]]:
    if not VECTORS_MD.is_file():
        pytest.skip(f"shared conformance vectors not found at {VECTORS_MD}; inline copies still run")
    rows = []
    for line in VECTORS_MD.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            rows.append((int(match.group(1)), match.group(2), _decode_input(match.group(3))))
    return rows


def test_shared_vectors_match_inline_copies() -> None:
    rows = _shared_rows()
    assert len(rows) >= 24
    for number, fn, text in rows:
        assert number in VECTORS, f"vector {number} is new in the shared file: add its expectation here"
        inline_fn, inline_text, expected = VECTORS[number]
        assert inline_fn.startswith(fn)
        assert text == inline_text, number
        _check(inline_fn, text, expected)


def test_sha512_is_supported_by_default() -> None:
    ref = parse_reference("validname@sha512:" + "f" * 128, normalize=False)
    assert ref.digest == "sha512:" + "f" * 128


def test_empty_raw_reference() -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference("", normalize=False)
    assert info.value.kind == "empty"


def test_bare_identifier_is_not_a_name() -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(HEX_ID)
    assert info.value.kind == "identifier"


@pytest.mark.parametrize(
    ("text", "name", "tag", "digest", "implicit"),
    [
        ("alpine", "docker.io/library/alpine", None, None, True),
        ("alpine:3.20", "docker.io/library/alpine", "3.20", None, False),
        ("localhost:5000/x", "localhost:5000/x", None, None, True),
        ("localhost:5000/x:1", "localhost:5000/x", "1", None, False),
        ("index.docker.io/x", "docker.io/library/x", None, None, True),
        ("ghcr.io/acme/app@sha256:" + F64, "ghcr.io/acme/app", None, "sha256:" + F64, False),
        ("user/app:v1", "docker.io/user/app", "v1", None, False),
        ("a--b__c/d_e.f", "docker.io/a--b__c/d_e.f", None, None, True),
    ],
)
def test_normalized(text: str, name: str, tag: str | None, digest: str | None, implicit: bool) -> None:
    ref = parse_reference(text)
    assert (ref.name, ref.tag, ref.digest, ref.implicit_latest) == (name, tag, digest, implicit)
    assert ref.effective_tag == (tag or ("latest" if implicit else None))
    assert parse_reference(ref.normalized) == ref
    assert parse_reference(ref.familiar) == ref


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "format"),
        ("alpine:", "format"),
        ("alpine@sha256:" + "F" * 64, "digest-format"),
        ("alpine@sha256:" + "f" * 63, "digest-length"),
        ("alpine@md5:" + "f" * 32, "digest-unsupported"),
        ("alpine:" + "t" * 129, "format"),
        ("alpine:-bad", "format"),
        ("a/-b", "format"),
        ("a_/b", "format"),
        ("/alpine", "format"),
        ("alpine/", "format"),
        ("alpine tag", "format"),
        ("${BASE}", "uppercase"),
        ("${base}", "format"),
        ("Alpine", "uppercase"),
    ],
)
def test_invalid(text: str, kind: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    assert info.value.kind == kind


def test_familiar_forms() -> None:
    assert parse_reference("docker.io/library/alpine:3").familiar == "alpine:3"
    assert parse_reference("docker.io/library/a/b").familiar == "library/a/b"
    assert parse_reference("ghcr.io/x/y").familiar == "ghcr.io/x/y"
    assert str(parse_reference("alpine")) == "docker.io/library/alpine"


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("docker.io/library/*", "alpine", True),
        ("docker.io/library/*", "alpine:3.20@sha256:" + F64, True),
        ("docker.io/library/*", "user/app", False),
        ("docker.io/library/*", "docker.io/library/a/b", False),
        ("ghcr.io/acme/**", "ghcr.io/acme/app", True),
        ("ghcr.io/acme/**", "ghcr.io/acme/team/app", True),
        ("ghcr.io/acme/**", "ghcr.io/acme", False),
        ("ghcr.io/acme/**", "ghcr.io/acmeevil/app", False),
        ("ghcr.io/acme/*", "ghcr.io/acme/team/app", False),
        ("alpine", "docker.io/library/alpine:3", True),
        ("alpine", "index.docker.io/alpine", True),
        ("alpine", "alpine-evil", False),
        ("user/*", "docker.io/user/app", True),
        ("registry.acme.example/**", "REGISTRY.acme.example/x", True),
        ("localhost:5000/*", "localhost:5000/x", True),
        ("**", "quay.io/a/b", True),
        ("**/app", "quay.io/a/app", True),
        ("ghcr.io/**/app", "ghcr.io/app", True),  # ``**/`` may stand for no component
        ("ghcr.io/a/**/app", "ghcr.io/a/app", True),
        ("*.gcr.io/**", "eu.gcr.io/p/i", True),
        ("alpine:3.20", "alpine:3.19", True),  # tags are not part of a name
    ],
)
def test_match_pattern(pattern: str, name: str, expected: bool) -> None:
    assert match_pattern(pattern, name) is expected


def test_normalize_pattern() -> None:
    assert normalize_pattern("alpine") == "docker.io/library/alpine"
    assert normalize_pattern("index.docker.io/library/*") == "docker.io/library/*"
    assert normalize_pattern("ghcr.io/acme/**") == "ghcr.io/acme/**"
    assert normalize_pattern("**") == "**"


def test_docker_hub_double_star_pattern_covers_every_repository() -> None:
    from dlint.dockerfile.imageref import match_pattern

    for pattern in ("docker.io/**", "index.docker.io/**"):
        assert match_pattern(pattern, "docker.io/atomist/sdm-base")
        assert match_pattern(pattern, "alpine")
        assert not match_pattern(pattern, "ghcr.io/acme/x")
    assert match_pattern("docker.io/*", "alpine")
    assert not match_pattern("docker.io/*", "docker.io/atomist/sdm-base")
