"""Style checks mirroring BuildKit's casing and legacy-format build checks."""

from __future__ import annotations

import json
from pathlib import Path

from tests.checks.conftest import Lint
from tests.test_cli import dlint, write


def spans(found: list) -> list[tuple[int, int, int]]:  # type: ignore[type-arg]
    return [(v.span.start_line, v.span.start_column, v.span.end_column) for v in found]


# -- stage-name-casing ------------------------------------------------------------------------


def test_stage_name_casing_points_at_the_name(lint: Lint) -> None:
    found = lint("stage-name-casing", "FROM alpine:3.20 AS BuildEnv\nFROM alpine:3.20 AS Final_Stage\n")
    assert spans(found) == [(1, 21, 29), (2, 21, 32)]
    assert "'buildenv'" in found[0].message


def test_stage_name_casing_passes_lower_case_and_unnamed(lint: Lint) -> None:
    assert lint("stage-name-casing", "FROM alpine:3.20 AS build-env\nFROM build-env\nFROM scratch\n") == []


def test_stage_name_casing_leaves_invalid_names_to_syntax(lint: Lint) -> None:
    # `${NAME}` is no valid stage name at all: the syntax rule reports it, once
    assert lint("stage-name-casing", "ARG NAME=x\nFROM alpine AS ${NAME}\n") == []


# -- from-as-casing ---------------------------------------------------------------------------


def test_from_as_casing_points_at_as(lint: Lint) -> None:
    found = lint("from-as-casing", "FROM alpine:3.20 as build\nfrom build AS final\n")
    assert spans(found) == [(1, 18, 20), (2, 12, 14)]
    assert "'AS'" in found[0].message and "'as'" in found[1].message


def test_from_as_casing_passes_matching_case(lint: Lint) -> None:
    text = "FROM alpine:3.20 AS build\nfrom build as final\nFROM final\n"
    assert lint("from-as-casing", text) == []


def test_from_as_casing_leaves_mixed_case_from_to_instruction_casing(lint: Lint) -> None:
    assert lint("from-as-casing", "From alpine:3.20 as build\nFrom alpine AS b2\n") == []


# -- consistent-instruction-casing ------------------------------------------------------------


def test_instruction_casing_flags_minority_and_mixed(lint: Lint) -> None:
    text = "FROM alpine:3.20\nRUN true\nrun false\nCopy a /a\nONBUILD run x\n"
    found = lint("consistent-instruction-casing", text)
    assert spans(found) == [(3, 1, 4), (4, 1, 5)]
    assert "'RUN'" in found[0].message


def test_instruction_casing_majority_lower(lint: Lint) -> None:
    found = lint("consistent-instruction-casing", "from alpine\nrun a\nRUN b\n")
    assert spans(found) == [(3, 1, 4)]
    assert "lower-case" in found[0].message


def test_instruction_casing_tie_goes_to_upper(lint: Lint) -> None:
    assert spans(lint("consistent-instruction-casing", "from alpine\nRUN a\n")) == [(1, 1, 5)]


def test_instruction_casing_ignores_args_before_from(lint: Lint) -> None:
    # as BuildKit: global ARGs are parsed apart from the stages and not judged
    assert lint("consistent-instruction-casing", "arg V=1\nFROM alpine:$V\nRUN true\n") == []


def test_instruction_casing_passes_consistent_file(lint: Lint) -> None:
    assert lint("consistent-instruction-casing", "from alpine\nrun a\ncopy a /a\n") == []


# -- legacy-key-value-format ------------------------------------------------------------------


def test_legacy_key_value_points_at_the_key(lint: Lint) -> None:
    text = "FROM alpine\nENV APP_HOME /srv/app\nLABEL maintainer \"a b\"\nenv A 1 B 2\n"
    found = lint("legacy-key-value-format", text)
    assert spans(found) == [(2, 5, 13), (3, 7, 17), (4, 5, 6)]
    assert "ENV APP_HOME" in found[0].message and "'env key=value'" in found[2].message


def test_legacy_key_value_passes_equals_form(lint: Lint) -> None:
    text = 'FROM alpine\nENV APP_HOME=/srv/app A="1 2"\nLABEL a=b "c d"=e\nONBUILD ENV X y\n'
    assert lint("legacy-key-value-format", text) == []


# -- expose-proto-casing ----------------------------------------------------------------------


def test_expose_proto_casing_points_at_the_port(lint: Lint) -> None:
    found = lint("expose-proto-casing", "FROM alpine\nEXPOSE 80/TCP 53/udp 8080:81/Udp\n")
    assert spans(found) == [(2, 8, 14), (2, 22, 33)]
    assert "(tcp)" in found[0].message


def test_expose_proto_casing_passes_lower_unknown_and_variables(lint: Lint) -> None:
    text = "FROM alpine\nENV P=80/TCP\nEXPOSE 80 80/tcp 90/sctp $P 100/QUIC\n"
    assert lint("expose-proto-casing", text) == []


# -- BuildKit's names suppress through the CLI ------------------------------------------------

STYLE_FILE = (
    "FROM alpine:3.20 as Build\n"
    "run true\n"
    "RUN false\n"
    "RUN true\n"
    "ENV A b\n"
    "EXPOSE 80/TCP\n"
)
STYLE_RULES = ["stage-name-casing", "from-as-casing", "consistent-instruction-casing",
               "legacy-key-value-format", "expose-proto-casing"]


def _rules_found(tmp_path: Path, text: str) -> set[str]:
    write(tmp_path / "Dockerfile", text)
    selection = [arg for rule in STYLE_RULES for arg in ("--select", rule)]
    result = dlint("check", ".", "--format", "json", *selection, cwd=tmp_path)
    assert result.returncode in {0, 1}, result.stderr
    return {finding["rule"] for finding in json.loads(result.stdout)["findings"] if finding["suppression"] is None}


def test_buildkit_check_skip_names_suppress_style_rules(tmp_path: Path) -> None:
    assert _rules_found(tmp_path, STYLE_FILE) == set(STYLE_RULES)
    skip = (
        "# check=skip=StageNameCasing,FromAsCasing,ConsistentInstructionCasing,"
        "LegacyKeyValueFormat,ExposeProtoCasing\n"
    )
    assert _rules_found(tmp_path, skip + STYLE_FILE) == set()


def test_unknown_instructions_are_left_to_the_syntax_rule(lint: Lint) -> None:
    assert lint("consistent-instruction-casing", "FROM alpine\nRUN true\nfroom x\n") == []
