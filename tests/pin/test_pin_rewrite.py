"""Byte-exact rewriting: unit cases and a hypothesis property over generated Dockerfiles.

Property: for any parseable Dockerfile, pinning changes bytes only inside image-token
spans (or ARG default spans), and re-parsing the result gives the same instruction
structure, with every pinned reference now carrying its digest.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlint.dockerfile.document import load_document
from dlint.dockerfile.model import Document
from dlint.pin.command import Site, plan_site
from dlint.pin.rewrite import Edit, RewriteError, atomic_write, rewrite


def test_rewrite_splices_and_dedupes() -> None:
    raw = b"ARG B=a:1\r\nFROM ${B}\r\n"
    edit = Edit(6, 9, b"a:1@sha256:x", b"a:1")
    assert rewrite(raw, [edit, edit]) == b"ARG B=a:1@sha256:x\r\nFROM ${B}\r\n"
    with pytest.raises(RewriteError):
        rewrite(raw, [Edit(6, 9, b"x"), Edit(8, 10, b"y")])
    with pytest.raises(RewriteError):
        rewrite(raw, [Edit(0, 3, b"x", b"FROM")])
    with pytest.raises(RewriteError):
        rewrite(raw, [Edit(0, 99, b"x")])


def test_atomic_write_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"old")
    path.chmod(0o751)
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert os.listdir(tmp_path) == ["Dockerfile"]


# ---------------------------------------------------------------------- the property
REFS = ["alpine:3.20", "alpine", "ghcr.io/acme/app:1.2", "localhost:5000/x/y:t", "reg.example:8443/a/b:c",
        "python:3.12-slim", "docker/dockerfile:1", "busybox:1.36@sha256:" + "a" * 64, "Scratch"]
NAMES = ["build", "base", "deps"]


@st.composite
def dockerfiles(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    backtick = draw(st.booleans())
    esc = "`" if backtick else "\\"
    lines: list[str] = []
    if backtick:
        lines.append("# escape=`")
    if draw(st.booleans()):
        lines.append(f"# syntax={draw(st.sampled_from(REFS[:7]))}")
    if lines and draw(st.booleans()):
        lines.append("")
    meta = draw(st.lists(st.sampled_from(["BASE", "IMG", "TAG"]), max_size=3, unique=True))
    for name in meta:
        value = draw(st.sampled_from([*REFS[:7], "3.20"]))
        quote = draw(st.sampled_from(["", '"', "'"]))
        lines.append(f"ARG {name}={quote}{value}{quote}")
    stages: list[str] = []
    for n in range(draw(st.integers(1, 3))):
        choices = [*REFS, *[f"${{{m}}}" for m in meta], *stages, "${BASE}-x"]
        if meta:
            choices.append(f"{draw(st.sampled_from(['alpine', 'reg.example/a']))}:${{{meta[-1]}}}")
        base = draw(st.sampled_from(choices))
        flag = draw(st.sampled_from(["", "--platform=linux/amd64 ", "--platform=$BUILDPLATFORM "]))
        kw = draw(st.sampled_from(["FROM", "from", "From"]))
        name = NAMES[n] if draw(st.booleans()) else None
        lines.append(f"{kw} {flag}{base}" + (f" {draw(st.sampled_from(['AS', 'as']))} {name}" if name else ""))
        if name:
            stages.append(name)
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["run", "cont", "heredoc", "copy", "mount", "comment", "env", "blank"]))
            ref = draw(st.sampled_from([*REFS, *stages, "0"]))
            if kind == "run":
                lines.append("RUN echo hi")
            elif kind == "cont":
                lines.append(f"RUN echo a {esc}")
                if draw(st.booleans()):
                    lines.append("# inside a continuation")
                lines.append("    && echo b")
            elif kind == "heredoc":
                lines += ["RUN <<EOF", f"FROM {REFS[0]}", "echo body", "EOF"]
            elif kind == "copy":
                lines.append(f"COPY --link --from={ref} /a /b")
            elif kind == "mount":
                lines.append(f"RUN --mount=type=cache,target=/c,from={ref} {esc}")
                lines.append("    true")
            elif kind == "comment":
                lines.append("# FROM commented:1")
            elif kind == "env":
                lines.append("ENV A=1 B=\"two words\"")
            else:
                lines.append("")
    text = eol.join(lines) + (eol if draw(st.booleans()) else "")
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode()


def fake_digest(site: Site) -> str:
    return "sha256:" + hashlib.sha256(str(site.target).encode()).hexdigest()


def structure(doc: Document) -> list[tuple[str, tuple[str, ...], int, bool]]:
    return [(i.keyword, tuple(f.name for f in i.flags), len(i.heredocs), i.json_form) for i in doc.instructions]


def plan(doc: Document) -> tuple[list[Edit], list[Site]]:
    errors: list[str] = []
    sites: dict[tuple[int, int], Site] = {}
    for image in doc.images:
        site = plan_site(doc, image, update=True, allow_latest=True, errors=errors)
        if site is not None:
            sites[(site.start, site.end)] = site
    edits = [Edit(s.start, s.end, f"{s.text.split('@', 1)[0]}@{fake_digest(s)}".encode(), s.text.encode())
             for s in sites.values()]
    return edits, list(sites.values())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
def test_pinning_changes_only_image_tokens(raw: bytes) -> None:
    doc = load_document(raw, "Dockerfile")
    edits, sites = plan(doc)
    allowed = set()
    for image in doc.images:
        allowed.add((image.span.start_offset, image.span.end_offset))
        if image.arg_default_span is not None:
            allowed.add((image.arg_default_span.start_offset, image.arg_default_span.end_offset))
    new = rewrite(raw, edits)
    # every edit sits inside one image token (or ARG default) span ...
    for edit in edits:
        assert any(s <= edit.start and edit.end <= e for s, e in allowed), (edit, allowed)
    # ... and every byte outside the edits is untouched, in order
    pos_old, pos_new = 0, 0
    for edit in sorted(set(edits), key=lambda e: e.start):
        gap = edit.start - pos_old
        assert new[pos_new:pos_new + gap] == raw[pos_old:edit.start]
        pos_new += gap + len(edit.replacement)
        pos_old = edit.end
    assert new[pos_new:] == raw[pos_old:]

    again = load_document(new, "Dockerfile")
    assert structure(again) == structure(doc)
    assert [s.name for s in again.stages] == [s.name for s in doc.stages]
    assert [(i.source, i.span.start_line) for i in again.images] == \
        [(i.source, i.span.start_line) for i in doc.images]
    assert len(again.errors) == len(doc.errors)
    # idempotent: a second pass finds nothing left to do (pinned refs already match)
    pinned = {fake_digest(s) for s in sites}
    # every digest we spliced in is now read back as some image's digest
    assert pinned <= {image.digest for image in again.images}
    edits2, sites2 = plan(again)
    assert all(s.pinned in pinned or s.pinned is not None for s in sites2)
    assert rewrite(new, [e for e, s in zip(edits2, sites2, strict=True) if s.pinned not in pinned]) == new
