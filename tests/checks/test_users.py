from __future__ import annotations

from tests.checks.conftest import Lint


def test_root_user_flags_final_stage_without_user(lint: Lint) -> None:
    text = 'FROM golang:1.22 AS build\nUSER app\nFROM debian:12\nCMD ["x"]\n'
    (violation,) = lint("root-user", text)
    assert violation.span.start_line == 3 and violation.span.start_column == 1
    assert "no USER" in violation.message


def test_root_user_flags_explicit_root_forms(lint: Lint) -> None:
    for user in ("root", "0", "root:root", "0:1000"):
        (violation,) = lint("root-user", f"FROM debian:12\nUSER app\nUSER {user}\n")
        assert violation.span.start_line == 3 and violation.span.start_column == 6


def test_root_user_passes_nonroot_and_inherited_user(lint: Lint) -> None:
    assert lint("root-user", "FROM debian:12\nUSER 10001:10001\n") == []
    assert lint("root-user", "FROM debian:12 AS base\nUSER app\nFROM base\nRUN true\n") == []
    assert lint("root-user", "FROM debian:12\nUSER $APP_USER\n") == []


def test_root_user_trusts_configured_nonroot_base_images(lint: Lint) -> None:
    text = "FROM gcr.io/distroless/static:nonroot\n"
    assert lint("root-user", text) != []
    assert lint("root-user", text, {"nonroot-base-images": ["gcr.io/distroless/*:nonroot"]}) == []
