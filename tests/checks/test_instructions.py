"""Checks on instruction behaviour mirroring BuildKit's build checks."""

from __future__ import annotations

import json
from pathlib import Path

from tests.checks.conftest import Lint
from tests.test_cli import dlint, write


def spans(found: list) -> list[tuple[int, int, int, int]]:  # type: ignore[type-arg]
    return [(v.span.start_line, v.span.start_column, v.span.end_line, v.span.end_column) for v in found]


# -- json-args-recommended --------------------------------------------------------------------


def test_json_args_flags_shell_form_cmd_and_entrypoint(lint: Lint) -> None:
    text = "FROM alpine\nENTRYPOINT my-app \\\n  --serve\nCMD echo hi\n"
    found = lint("json-args-recommended", text)
    assert spans(found) == [(2, 12, 3, 10), (4, 5, 4, 12)]
    assert "ENTRYPOINT" in found[0].message and "SIGTERM" in found[0].message


def test_json_args_flags_invalid_json_which_is_shell_form(lint: Lint) -> None:
    assert len(lint("json-args-recommended", "FROM alpine\nCMD ['my-app']\n")) == 1


def test_json_args_passes_exec_form(lint: Lint) -> None:
    assert lint("json-args-recommended", 'FROM alpine\nENTRYPOINT ["my-app"]\nCMD ["--serve"]\n') == []


def test_json_args_explicit_shell_exempts_the_stage_and_its_children(lint: Lint) -> None:
    text = (
        "FROM alpine AS base\n"
        'SHELL ["/bin/ash", "-c"]\n'
        "CMD echo one\n"
        "FROM base\n"
        "CMD echo two\n"
        "FROM alpine\n"
        "CMD echo three\n"
    )
    found = lint("json-args-recommended", text)
    assert [v.span.start_line for v in found] == [7]


def test_json_args_shell_after_the_cmd_does_not_count(lint: Lint) -> None:
    text = 'FROM alpine\nCMD echo one\nSHELL ["/bin/ash", "-c"]\n'
    assert [v.span.start_line for v in lint("json-args-recommended", text)] == [2]


def test_json_args_ignores_onbuild(lint: Lint) -> None:
    assert lint("json-args-recommended", "FROM alpine\nONBUILD CMD echo hi\n") == []


# -- multiple-instructions --------------------------------------------------------------------


def test_multiple_instructions_points_at_the_overridden_one(lint: Lint) -> None:
    text = (
        "FROM alpine\n"
        'CMD ["a"]\n'
        "HEALTHCHECK NONE\n"
        'CMD ["b"]\n'
        'ENTRYPOINT ["x"]\n'
        'ENTRYPOINT ["y"]\n'
        "HEALTHCHECK CMD true\n"
    )
    found = lint("multiple-instructions", text)
    assert spans(found) == [(2, 1, 2, 4), (5, 1, 5, 11), (3, 1, 3, 12)]
    assert "line 4" in found[0].message


def test_multiple_instructions_allows_one_per_stage(lint: Lint) -> None:
    text = 'FROM alpine AS base\nCMD ["a"]\nFROM base\nCMD ["b"]\nONBUILD CMD ["c"]\nENTRYPOINT ["e"]\n'
    assert lint("multiple-instructions", text) == []


# -- workdir-relative-path --------------------------------------------------------------------


def test_workdir_relative_points_at_the_path(lint: Lint) -> None:
    found = lint("workdir-relative-path", "FROM node:20\nWORKDIR app\nWORKDIR sub\n")
    assert spans(found) == [(2, 9, 2, 12)]


def test_workdir_relative_after_absolute_is_fine(lint: Lint) -> None:
    text = 'FROM node:20 AS base\nWORKDIR "/srv"\nWORKDIR app\nFROM base\nWORKDIR more\n'
    assert lint("workdir-relative-path", text) == []


def test_workdir_each_stage_anchors_itself(lint: Lint) -> None:
    text = "FROM node:20\nWORKDIR /srv\nFROM node:20\nWORKDIR app\n"
    assert [v.span.start_line for v in lint("workdir-relative-path", text)] == [4]


def test_workdir_windows_and_variable_paths_are_not_judged_relative(lint: Lint) -> None:
    assert lint("workdir-relative-path", "FROM w\nWORKDIR C:\\\\app\n") == []
    assert lint("workdir-relative-path", "FROM w\nWORKDIR $HOME/app\nWORKDIR sub\n") == []
    assert len(lint("workdir-relative-path", "FROM w\nWORKDIR app/$X\n")) == 1


# -- maintainer-deprecated --------------------------------------------------------------------


def test_maintainer_points_at_the_keyword(lint: Lint) -> None:
    found = lint("maintainer-deprecated", "FROM alpine\nmaintainer Jane <jane@example.com>\n")
    assert spans(found) == [(2, 1, 2, 11)]


def test_maintainer_label_is_fine(lint: Lint) -> None:
    assert lint("maintainer-deprecated", 'FROM alpine\nLABEL org.opencontainers.image.authors="Jane"\n') == []


# -- expose-invalid-format --------------------------------------------------------------------


def test_expose_invalid_format_points_at_the_port(lint: Lint) -> None:
    found = lint("expose-invalid-format", "FROM alpine\nEXPOSE 80 8080:80 127.0.0.1:8081:81/tcp [::1]:1:2\n")
    assert spans(found) == [(2, 11, 2, 18), (2, 19, 2, 40), (2, 41, 2, 50)]


def test_expose_invalid_format_passes_plain_ports(lint: Lint) -> None:
    assert lint("expose-invalid-format", "FROM alpine\nEXPOSE 80 81/udp 9000-9010 ${PORT}:80 :82\n") == []


# -- redundant-target-platform ----------------------------------------------------------------


def test_redundant_target_platform_points_at_the_flag(lint: Lint) -> None:
    text = "FROM --platform=$TARGETPLATFORM alpine\nFROM --platform=${TARGETPLATFORM:-linux/amd64} alpine\n"
    found = lint("redundant-target-platform", text)
    assert spans(found) == [(1, 6, 1, 32), (2, 6, 2, 47)]


def test_redundant_target_platform_passes_other_platforms(lint: Lint) -> None:
    text = (
        "ARG SUFFIX=/v8\n"
        "FROM --platform=$BUILDPLATFORM golang AS build\n"
        "FROM --platform=${TARGETPLATFORM}${SUFFIX} alpine\n"
        "FROM --platform=linux/amd64 alpine\n"
        "FROM alpine\n"
    )
    assert lint("redundant-target-platform", text) == []


# -- BuildKit's and hadolint's names suppress through the CLI ---------------------------------

RULES = ["json-args-recommended", "multiple-instructions", "workdir-relative-path", "maintainer-deprecated",
         "expose-invalid-format", "redundant-target-platform"]
FILE = (
    "FROM --platform=$TARGETPLATFORM alpine\n"
    "MAINTAINER me\n"
    "WORKDIR app\n"
    "EXPOSE 8080:80\n"
    "CMD echo one\n"
    'CMD ["two"]\n'
)


def _rules_found(tmp_path: Path, text: str) -> set[str]:
    write(tmp_path / "Dockerfile", text)
    selection = [arg for rule in RULES for arg in ("--select", rule)]
    result = dlint("check", ".", "--format", "json", *selection, cwd=tmp_path)
    assert result.returncode in {0, 1}, result.stderr
    return {finding["rule"] for finding in json.loads(result.stdout)["findings"] if finding["suppression"] is None}


def test_buildkit_check_skip_names_suppress_instruction_rules(tmp_path: Path) -> None:
    assert _rules_found(tmp_path, FILE) == set(RULES)
    skip = (
        "# check=skip=JSONArgsRecommended,MultipleInstructionsDisallowed,WorkdirRelativePath,"
        "MaintainerDeprecated,ExposeInvalidFormat,RedundantTargetPlatform\n"
    )
    assert _rules_found(tmp_path, skip + FILE) == set()


def test_hadolint_ignore_ids_suppress(tmp_path: Path) -> None:
    text = (
        "FROM alpine\n"
        "# hadolint ignore=DL4000\n"
        "MAINTAINER me\n"
        "# hadolint ignore=DL3000\n"
        "WORKDIR app\n"
        "# hadolint ignore=DL3025,DL4003\n"
        "CMD echo one\n"
        'CMD ["two"]\n'
    )
    assert _rules_found(tmp_path, text) == set()


# -- reserved-stage-name ----------------------------------------------------------------------


def test_reserved_stage_name_points_at_the_name(lint: Lint) -> None:
    found = lint("reserved-stage-name", "FROM alpine AS scratch\nFROM alpine AS Context\n")
    assert spans(found) == [(1, 16, 1, 23), (2, 16, 2, 23)]
    assert "empty base image" in found[0].message and "build context" in found[1].message


def test_reserved_stage_name_passes_other_names(lint: Lint) -> None:
    assert lint("reserved-stage-name", "FROM alpine AS scratchpad\nFROM scratch\nFROM alpine AS ctx\n") == []


def test_reserved_stage_name_skip_through_check_directive(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "# check=skip=ReservedStageName\nFROM alpine AS context\n")
    result = dlint("check", ".", "--format", "json", "--select", "reserved-stage-name", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [f for f in json.loads(result.stdout)["findings"] if f["suppression"] is None] == []


def test_a_broken_json_array_is_left_to_the_syntax_rule(lint: Lint) -> None:
    assert lint("json-args-recommended", 'FROM alpine\nCMD ["a", 1]\n') == []
