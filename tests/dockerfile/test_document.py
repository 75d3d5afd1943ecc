"""Stages, meta ARGs and image references built on top of the parser."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("dlint.dockerfile.parser", reason="the parser module has not landed yet")

from dlint.dockerfile.document import load_document, stage_user
from dlint.dockerfile.model import Document, ImageRef, Span

D64 = "sha256:" + "a" * 64


def _text(doc: Document, span: Span) -> str:
    return doc.raw[span.start_offset : span.end_offset].decode("utf-8")


def _images(doc: Document, source: str | None = None) -> list[ImageRef]:
    return [image for image in doc.images if source is None or image.source == source]


def test_stages_and_names() -> None:
    doc = load_document(
        "FROM golang:1.22 AS Build\nRUN go build\nFROM build AS test\nFROM scratch\nCOPY --from=BUILD /a /a\n"
    )
    assert [s.name for s in doc.stages] == ["build", "test", None]
    assert doc.stages[0].written_name == "Build"
    assert doc.stages[1].base_stage == 0
    assert doc.stages[1].image is None
    assert doc.stages[2].is_scratch and doc.stages[2].image is None
    assert doc.stages[0].instructions == [0, 1]
    assert doc.stages[2].instructions == [3, 4]
    assert [ins.stage for ins in doc.instructions] == [0, 0, 1, 2, 2]
    assert [i.written for i in doc.images] == ["golang:1.22"]  # no scratch, no stage names
    assert doc.final_stage is doc.stages[2]
    span = doc.stages[0].name_span
    assert span is not None and _text(doc, span) == "Build"


def test_from_only_names_earlier_stages() -> None:
    doc = load_document("FROM later\nFROM alpine AS later\n")
    assert doc.stages[0].base_stage is None
    assert [i.name for i in doc.images] == ["docker.io/library/later", "docker.io/library/alpine"]


def test_all_four_sources() -> None:
    raw = (
        "# syntax=docker/dockerfile:1.7\n"
        "FROM --platform=linux/amd64 alpine:3.20 AS base\n"
        "RUN --mount=type=cache,target=/c,from=golang:1.22 --mount=type=bind,from=base,target=/b true\n"
        "COPY --from=nginx:1.27 /etc/nginx /etc/nginx\n"
        "COPY --from=0 /a /a\n"
        "COPY --from=base /a /a\n"
    )
    doc = load_document(raw)
    got = [(i.source, i.written, i.name, i.tag, i.stage, i.instruction) for i in doc.images]
    assert got == [
        ("syntax", "docker/dockerfile:1.7", "docker.io/docker/dockerfile", "1.7", None, None),
        ("from", "alpine:3.20", "docker.io/library/alpine", "3.20", 0, 0),
        ("mount-from", "golang:1.22", "docker.io/library/golang", "1.22", 0, 1),
        ("copy-from", "nginx:1.27", "docker.io/library/nginx", "1.27", 0, 2),
    ]
    assert doc.stages[0].platform == "linux/amd64"
    for image in doc.images:
        assert _text(doc, image.span) == image.written
        line = raw.splitlines()[image.span.start_line - 1]
        assert line[image.span.start_column - 1 : image.span.end_column - 1] == image.written


def test_spans_with_multibyte_text_and_crlf() -> None:
    raw = (
        '# é comment\r\nARG BASE="alpine:3.20"\r\nFROM ${BASE} AS b\r\nLABEL x="ü"\r\nCOPY --from=ghcr.io/é/x /a /a\r\n'
    )
    doc = load_document(raw.encode("utf-8"))
    meta = doc.meta_args[0]
    assert meta.name == "BASE" and meta.default == "alpine:3.20"
    assert meta.default_span is not None and _text(doc, meta.default_span) == "alpine:3.20"
    image = doc.images[0]
    assert _text(doc, image.span) == "${BASE}"
    assert image.arg_name == "BASE" and image.arg_default_span == meta.default_span
    assert image.resolved == "alpine:3.20" and image.overridable == ["BASE"]


def test_arg_resolution_and_build_args() -> None:
    raw = "ARG REG=ghcr.io\nARG TAG\nARG IMAGE=$REG/acme/app\nFROM ${IMAGE}:${TAG:-1.0}\nFROM $REG/x:$TAG\n"
    doc = load_document(raw)
    first, second = doc.images
    # TAG is declared without default: its value is decided at build time, even under :-.
    assert first.resolved is None and first.unresolved == ["TAG"]
    assert first.overridable == ["IMAGE", "REG"]  # IMAGE's default depends on REG's
    assert second.resolved is None and second.unresolved == ["TAG"]
    assert second.overridable == ["REG"]
    assert [m.name for m in doc.meta_args] == ["REG", "TAG", "IMAGE"]
    assert doc.meta_args[1].default is None and doc.meta_args[1].default_span is None

    doc = load_document(raw, build_args={"TAG": "2.0", "REG": "quay.io"})
    first, second = doc.images
    assert first.resolved == "quay.io/acme/app:2.0"
    assert second.resolved == "quay.io/x:2.0"
    assert second.overridable == [] and second.unresolved == []
    assert doc.build_args == {"TAG": "2.0", "REG": "quay.io"}


def test_unknown_default_variable_is_unresolved() -> None:
    doc = load_document("ARG V\nFROM alpine:${V:-3.20}\n")
    assert doc.images[0].resolved is None and doc.images[0].unresolved == ["V"]
    doc = load_document("ARG V=\nFROM alpine:${V:-3.20}\n")
    assert doc.images[0].resolved == "alpine:3.20"


def test_platform_args() -> None:
    raw = "FROM --platform=$BUILDPLATFORM golang AS b\nFROM foo:${TARGETARCH}\n"
    doc = load_document(raw)
    assert doc.stages[0].platform == "$BUILDPLATFORM"
    assert doc.images[1].resolved is None and doc.images[1].unresolved == ["TARGETARCH"]
    assert not [e for e in doc.errors if e.code == "undefined-arg-in-from"]
    doc = load_document(raw, build_args={"TARGETARCH": "arm64"})
    assert doc.images[1].resolved == "foo:arm64"


def test_undeclared_arg_in_from_is_unresolved() -> None:
    doc = load_document("FROM alpine:$NOPE\nFROM ${NOPE}busybox\nARG LATE=x\nFROM $LATE\n")
    assert [i.resolved for i in doc.images] == [None, None, None]
    assert [i.unresolved for i in doc.images] == [["NOPE"], ["NOPE"], ["LATE"]]
    warnings = [e for e in doc.errors if e.code == "undefined-arg-in-from"]
    assert len(warnings) == 3 and not warnings[0].fatal


def test_variables_in_from_flags_are_errors_as_in_buildkit() -> None:
    raw = (
        "ARG SRC=builder\n"
        "FROM alpine AS builder\n"
        "FROM alpine\n"
        "ARG SRC\n"
        "COPY --from=$SRC /a /a\n"
        "ENV IMG=nginx:1\n"
        "COPY --from=${IMG} /b /b\n"
        "COPY --from=$FROM_BASE_IMAGE /c /c\n"
        "ARG OTHER=busybox\n"
        "RUN --mount=from=$OTHER,target=/x true\n"
        "COPY --from=nginx:1.27 /d /d\n"
    )
    doc = load_document(raw)
    assert [i.written for i in doc.images if i.source != "from"] == ["nginx:1.27"]
    errors = [e for e in doc.errors if e.code == "from-expansion"]
    assert [(e.span.start_line, _text(doc, e.span)) for e in errors] == [
        (5, "$SRC"), (7, "${IMG}"), (8, "$FROM_BASE_IMAGE"), (10, "$OTHER")
    ]
    assert all(e.fatal for e in errors)


def test_stage_index_and_numeric_mount_from() -> None:
    doc = load_document("FROM alpine\nFROM alpine\nCOPY --from=0 /a /a\nRUN --mount=from=1,target=/x true\n")
    assert len(doc.images) == 2 and all(i.source == "from" for i in doc.images)


def test_heredoc_body_is_not_an_image() -> None:
    raw = "FROM alpine\nRUN <<EOF\nFROM evil/x\nCOPY --from=evil/y /a /a\nEOF\nCOPY <<EOF /x\nFROM evil/z\nEOF\n"
    doc = load_document(raw)
    assert [i.written for i in doc.images] == ["alpine"]
    assert len(doc.stages) == 1


def test_onbuild_images_are_not_collected() -> None:
    doc = load_document("FROM alpine\nONBUILD COPY --from=evil/x /a /a\n")
    assert [i.written for i in doc.images] == ["alpine"]


def test_stage_name_errors() -> None:
    doc = load_document("FROM alpine AS one\nFROM alpine AS ONE\nFROM alpine AS 1bad\n")
    codes = [e.code for e in doc.errors]
    assert codes.count("duplicate-stage-name") == 1
    assert codes.count("invalid-stage-name") == 1
    dup = next(e for e in doc.errors if e.code == "duplicate-stage-name")
    assert _text(doc, dup.span) == "ONE"


def test_invalid_and_digest_references() -> None:
    doc = load_document(f"FROM Foo/bar\nFROM docker/Docker\nFROM alpine@{D64}\nFROM alpine:3@sha256:abc\n")
    foo, upper, pinned, bad = doc.images
    assert foo.registry == "Foo" and foo.error is None
    assert upper.error and upper.registry is None
    assert pinned.digest == D64 and pinned.tag is None
    assert bad.error and bad.digest is None


def test_syntax_directive_span() -> None:
    doc = load_document("# syntax = docker/dockerfile:1\nFROM alpine\n")
    syntax = _images(doc, "syntax")[0]
    assert syntax.written == "docker/dockerfile:1"
    assert _text(doc, syntax.span) == "docker/dockerfile:1"


def test_escape_directive_backtick() -> None:
    doc = load_document("# escape=`\nARG B=alpine\nFROM $B\nRUN echo `\n  hi\n")
    assert doc.images[0].resolved == "alpine"


def test_continuation_in_from() -> None:
    doc = load_document("FROM \\\n  alpine:3.20 \\\n  AS base\n")
    image = doc.images[0]
    assert image.written == "alpine:3.20" and _text(doc, image.span) == "alpine:3.20"
    assert image.span.start_line == 2 and doc.stages[0].name == "base"


def test_stage_user_follows_base_stage() -> None:
    doc = load_document("FROM alpine AS a\nUSER app\nFROM a AS b\nRUN x\nFROM alpine\n")
    assert [stage_user(doc, s) for s in doc.stages] == ["app", "app", None]


def test_rebuild_does_not_duplicate_errors() -> None:
    from dlint.dockerfile.document import build_model

    doc = load_document("FROM alpine AS x\nFROM alpine AS x\n")
    before = len(doc.errors)
    build_model(doc)
    assert len(doc.errors) == before and len(doc.images) == 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "FROM ",
                    "ARG ",
                    "COPY --from=",
                    "RUN --mount=from=",
                    "AS ",
                    "$",
                    "${",
                    "}",
                    ":-",
                    "\\\n",
                    "\n",
                    "<<EOF\n",
                    "EOF\n",
                    "# syntax=",
                    "# escape=`\n",
                    "`",
                    '"',
                    "'",
                    "ONBUILD ",
                    "=",
                    ",",
                    "ENV ",
                    "USER ",
                    "scratch",
                    "alpine",
                    "0",
                    " ",
                ]
            ),
            st.text(max_size=8),
        ),
        max_size=25,
    )
)
def test_load_document_never_raises(parts: list[str]) -> None:
    text = "".join(parts)
    doc = load_document(text)
    for image in doc.images:
        assert image.span.start_offset <= image.span.end_offset <= len(doc.raw)
    load_document(text.encode("utf-8", "surrogatepass"), build_args={"A": "b"})


def test_platform_args_are_set_though_unknown() -> None:
    digest = "sha256:" + "e" * 64
    doc = load_document(f"FROM quay.io/libpod/busybox${{TARGETARCH:+@{digest}}}\nFROM alpine:${{TARGETARCH}}\n")
    pinned, unknown = doc.images
    assert pinned.resolved == f"quay.io/libpod/busybox@{digest}" and pinned.digest == digest
    assert not pinned.unresolved
    assert unknown.resolved is None and unknown.unresolved == ["TARGETARCH"]
    # redeclared as a meta ARG without default, it may be empty: unknown again
    (again,) = load_document(f"ARG TARGETARCH\nFROM busybox${{TARGETARCH:+@{digest}}}\n").images
    assert again.resolved is None


def test_scratch_in_copy_from_and_mount_from_is_not_an_image() -> None:
    # BuildKit maps an unregistered --from / from= source named `scratch` to the empty
    # state (llb.Scratch()), exactly as it does for FROM scratch: nothing is pulled, so no
    # image rule (digest, tag, allowed registries) may judge it.
    doc = load_document(
        "FROM alpine:3.20\nCOPY --from=scratch /a /b\nRUN --mount=type=bind,from=scratch,target=/x true\n"
    )
    assert [(i.source, i.written) for i in doc.images] == [("from", "alpine:3.20")]


def test_copy_from_stage_index_out_of_range_is_an_error() -> None:
    # BuildKit reads a numeric --from with strconv.Atoi and fails the build with "invalid
    # stage index N" unless it names one of the file's stages (later ones included).
    doc = load_document("FROM alpine\nCOPY --from=1 /a /b\nCOPY --from=-1 /a /b\nCOPY --from=2 /a /b\nFROM alpine\n")
    errors = [e for e in doc.errors if e.code == "invalid-stage-index"]
    assert [(e.message, _text(doc, e.span)) for e in errors] == [
        ("invalid stage index -1", "-1"),
        ("invalid stage index 2", "2"),
    ]
    assert all(e.fatal for e in errors)
    assert [i.source for i in doc.images] == ["from", "from"]


def test_a_meta_arg_default_that_cannot_expand_is_an_error() -> None:
    doc = load_document("ARG VARIANT=${templateOption:imageVariant}\nFROM debian:${VARIANT}\n")
    (error,) = [e for e in doc.errors if e.code == "arg-expansion"]
    assert error.fatal and error.span.start_line == 1 and "ARG VARIANT" in error.message
