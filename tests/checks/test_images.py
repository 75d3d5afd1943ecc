from __future__ import annotations

from tests.checks.conftest import Lint

DIGEST = "sha256:" + "a" * 64


def test_image_digest_flags_every_source(lint: Lint) -> None:
    text = (
        "# syntax=docker/dockerfile:1\n"
        "FROM alpine:3.20 AS build\n"
        "COPY --from=nginx:1.27 /etc/nginx /etc/nginx\n"
        "RUN --mount=type=bind,from=busybox:1.36,target=/b true\n"
        "FROM build\n"
    )
    found = lint("image-digest", text)
    assert [(v.span.start_line, v.span.start_column) for v in found] == [(1, 10), (2, 6), (3, 13), (4, 28)]
    assert "alpine:3.20" in found[1].message
    assert found[1].image == "docker.io/library/alpine"


def test_image_digest_passes_pinned_stage_and_scratch(lint: Lint) -> None:
    text = f"FROM alpine:3.20@{DIGEST} AS build\nFROM scratch\nCOPY --from=build /a /a\nCOPY --from=0 /a /b\n"
    assert lint("image-digest", text) == []


def test_image_digest_checks_resolved_arg_value_at_the_from(lint: Lint) -> None:
    text = "ARG BASE=alpine:3.20\nFROM ${BASE}\n"
    (violation,) = lint("image-digest", text)
    assert violation.span.start_line == 2
    assert "resolves to 'alpine:3.20'" in violation.message
    assert lint("image-digest", text, build_args={"BASE": f"alpine@{DIGEST}"}) == []


def test_image_digest_ignores_heredoc_bodies(lint: Lint) -> None:
    text = f"FROM alpine@{DIGEST}\nRUN <<EOF\nFROM evil/x\nEOF\n"
    assert lint("image-digest", text) == []


def test_image_tag_flags_missing_and_latest(lint: Lint) -> None:
    text = "FROM ubuntu\nFROM nginx:latest\nFROM debian:12\n"
    found = lint("image-tag", text)
    assert [v.span.start_line for v in found] == [1, 2]
    assert "no tag" in found[0].message and "'latest'" in found[1].message


def test_image_tag_accepts_latest_pinned_by_digest(lint: Lint) -> None:
    assert lint("image-tag", f"FROM nginx:latest@{DIGEST}\nFROM ubuntu@{DIGEST}\n") == []


def test_allowed_registries_is_inactive_until_configured(lint: Lint) -> None:
    assert lint("allowed-registries", "FROM quay.io/x/y:1\n") == []


def test_allowed_registries_matches_normalized_names(lint: Lint) -> None:
    options = {"allow": ["docker.io/library/*", "ghcr.io/acme/**"]}
    text = (
        "FROM alpine:3.20\n"
        "FROM index.docker.io/library/debian:12\n"
        "FROM docker.io/library/ubuntu:24.04\n"
        "FROM ghcr.io/acme/team/base:1\n"
        "FROM quay.io/someone/tool:1\n"
        "FROM docker.io/someone/tool:1\n"
    )
    found = lint("allowed-registries", text, options)
    assert [v.span.start_line for v in found] == [5, 6]
    assert "quay.io/someone/tool" in found[0].message


def test_allowed_registries_sources_option(lint: Lint) -> None:
    options = {"allow": ["docker.io/library/*"], "sources": ["from"]}
    text = "FROM alpine:3.20\nCOPY --from=quay.io/x/y:1 /a /a\n"
    assert lint("allowed-registries", text, options) == []


def test_unresolved_image_flags_unknown_and_overridable(lint: Lint) -> None:
    text = "ARG TAG=3.20\nFROM alpine:${TAG}\nARG LATE=x\nFROM ${LATE}\n"
    found = lint("unresolved-image", text)
    assert len(found) == 2
    assert "--build-arg" in found[0].message and found[0].span.start_line == 2
    assert "LATE" in found[1].message and found[1].span.start_line == 4


def test_unresolved_image_accepts_digest_pinned_default_and_literals(lint: Lint) -> None:
    text = f"ARG BASE=alpine:3.20@{DIGEST}\nFROM ${{BASE}}\nFROM debian:12\n"
    assert lint("unresolved-image", text) == []


def test_allowed_registries_judges_a_literal_name_whose_tag_is_unresolved(lint: Lint) -> None:
    # Only the tag comes from a variable no meta ARG sets: the registry is known for sure
    # (hadolint's DL3026 flags these too; dlint used to skip them as "unresolved").
    options = {"allow": ["docker.io/**", "docker.io/*/**"]}
    text = (
        "ARG VARIANT\n"
        "FROM mcr.microsoft.com/devcontainers/base:${VARIANT}\n"
        "FROM quay.io/libpod/busybox@${DIGEST}\n"
        "FROM localhost:5000/tools/x:1-${VARIANT}\n"
        "FROM debian:${VARIANT}\n"
        "FROM acme/app:${VARIANT}\n"
        "FROM ${REGISTRY}/app:1\n"
        "FROM stage_${VARIANT}\n"
        "COPY --from=ghcr.io/acme/x:${VARIANT} /a /a\n"  # not an image: BuildKit refuses it (syntax)
    )
    found = lint("allowed-registries", text, options)
    assert [v.span.start_line for v in found] == [2, 3, 4]
    assert found[0].image == "mcr.microsoft.com/devcontainers/base"
    assert found[2].image == "localhost:5000/tools/x"
