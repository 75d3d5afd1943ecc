"""CEL rules: compile errors at load time, evaluation, spans, runtime errors as findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlint.policy import PolicyError, load_policy_file
from dlint.policy.cel import CelRuntimeError, evaluate_rule, glob_match, image_matches, normalize_image
from dlint.policy.model import Policy
from tests.policy.conftest import document, write


def policy_with(tmp_path: Path, rule: str) -> Policy:
    return load_policy_file(write(tmp_path / ".dlint.yaml", "extends: []\nrules:\n" + rule), display_base=tmp_path)


def compile_error(tmp_path: Path, rule: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        policy_with(tmp_path, rule)
    return info.value


def test_syntax_error_names_file_line_rule_and_position(tmp_path: Path) -> None:
    error = compile_error(tmp_path, """\
  acme/eol:
    title: EOL
    on: image
    require: "!image.tag.startsWith('3.14'"
""")
    assert (error.path, error.line, error.key) == (".dlint.yaml", 6, "rules.acme/eol.require")
    assert "rule 'acme/eol'" in error.message and "CEL require 1:29" in error.message


def test_error_on_later_line_of_block_expression(tmp_path: Path) -> None:
    error = compile_error(tmp_path, """\
  acme/x:
    title: X
    on: image
    require: |-
      image.tag != null &&
      image.tag.startsWith(
""")
    assert error.line == 8 and "CEL require 2:" in error.message


def test_unknown_variable_for_on_kind(tmp_path: Path) -> None:
    error = compile_error(tmp_path, """\
  acme/x:
    title: X
    on: stage
    when: stage.is_final
    require: image.pinned
""")
    assert error.key == "rules.acme/x.require" and error.line == 7
    assert "unknown variable 'image'" in error.message and "1:1" in error.message


def test_unknown_function_and_message_placeholder(tmp_path: Path) -> None:
    error = compile_error(tmp_path, """\
  acme/x:
    title: X
    on: file
    require: fetch(file.path)
""")
    assert "unknown function 'fetch'" in error.message
    error = compile_error(tmp_path, """\
  acme/x:
    title: X
    on: file
    require: "true"
    message: "bad {{ file.path + }} here"
""")
    assert error.key == "rules.acme/x.message" and "CEL message" in error.message



def test_empty_message_placeholder_is_a_compile_error(tmp_path: Path) -> None:
    """``{{ }}`` was skipped at load time and then evaluated for every finding, so the
    message carried CEL's parse error; now it fails loading at its line and column."""
    error = compile_error(tmp_path, """\
  acme/x:
    title: X
    on: file
    require: "false"
    message: "a {{ file.path }} b {{ }} c"
""")
    assert error.key == "rules.acme/x.message" and error.line == 7
    assert "1:23" in error.message and "empty placeholder" in error.message

def test_comprehension_variables_are_not_unknown(tmp_path: Path) -> None:
    policy = policy_with(tmp_path, """\
  acme/x:
    title: X
    on: file
    require: file.instructions.all(i, i.flags.all(f, f.name != 'privileged'))
""")
    assert "acme/x" in policy.rules


DOCKERFILE = """\
FROM alpine:3.14 AS build
RUN apk add --no-cache \\
    curl
FROM gcr.io/distroless/static
COPY --from=build /x /x
"""


def test_image_rule_points_at_image_token(tmp_path: Path) -> None:
    policy = policy_with(tmp_path, """\
  acme/eol:
    title: EOL
    severity: error
    on: image
    when: image.repository == 'library/alpine'
    require: "!image.tag.startsWith('3.14')"
    message: "{{ image.written }} is end of life (stage {{ stage.name }})"
""")
    doc, model = document(DOCKERFILE)
    (violation,) = evaluate_rule(policy.rules["acme/eol"], doc, model)
    assert violation.message == "alpine:3.14 is end of life (stage build)"
    span = violation.span
    assert (span.start_line, span.start_column, span.end_line, span.end_column) == (1, 6, 1, 17)
    assert violation.instruction == 0 and violation.image == "docker.io/library/alpine"
    assert not isinstance(violation, CelRuntimeError)


def test_instruction_rule_points_at_first_line(tmp_path: Path) -> None:
    policy = policy_with(tmp_path, """\
  acme/no-apk:
    title: No apk
    on: instruction
    when: instruction.keyword == 'RUN'
    require: "!instruction.original.contains('apk')"
""")
    doc, model = document(DOCKERFILE)
    (violation,) = evaluate_rule(policy.rules["acme/no-apk"], doc, model)
    span = violation.span
    assert (span.start_line, span.start_column, span.end_line, span.end_column) == (2, 1, 2, 25)
    assert doc.raw[span.start_offset:span.end_offset] == b"RUN apk add --no-cache \\"
    assert violation.message == "No apk"  # title when there is no message


def test_stage_and_file_rules(tmp_path: Path) -> None:
    policy = policy_with(tmp_path, """\
  acme/stage:
    title: Named stages only
    on: stage
    require: stage.name != null
    message: "stage {{ stage.index }} has no name"
  acme/file:
    title: Two stages at most
    on: file
    require: size(file.stages) < 2
    params: {}
""")
    doc, model = document(DOCKERFILE)
    (stage,) = evaluate_rule(policy.rules["acme/stage"], doc, model)
    assert stage.message == "stage 1 has no name" and stage.span.start_line == 4 and stage.instruction == 2
    (file,) = evaluate_rule(policy.rules["acme/file"], doc, model)
    assert (file.span.start_line, file.span.start_column, file.span.end_column) == (1, 1, 26)


def test_params_are_visible(tmp_path: Path) -> None:
    policy = policy_with(tmp_path, """\
  acme/allow:
    title: Allowed
    on: image
    require: imageMatches(image, params.allow)
    params:
      allow: ["gcr.io/distroless/**"]
""")
    doc, model = document(DOCKERFILE)
    (violation,) = evaluate_rule(policy.rules["acme/allow"], doc, model)
    assert violation.span.start_line == 1


def test_runtime_errors_become_error_findings(tmp_path: Path) -> None:
    policy = policy_with(tmp_path, """\
  acme/tag:
    title: Tag
    on: image
    require: image.tag.startsWith('3')
  acme/missing:
    title: Missing
    on: image
    require: image.no_such_field == 1
  acme/notbool:
    title: Not bool
    on: file
    require: size(file.stages)
""")
    doc, model = document(DOCKERFILE)
    results = list(evaluate_rule(policy.rules["acme/tag"], doc, model))
    # alpine:3.14 passes; the distroless image has no tag -> null.startsWith fails on that object only
    (error,) = results
    assert isinstance(error, CelRuntimeError)
    assert "rule acme/tag could not be evaluated on image gcr.io/distroless/static" in error.message
    assert error.span.start_line == 4
    missing = list(evaluate_rule(policy.rules["acme/missing"], doc, model))
    assert len(missing) == 2 and all(isinstance(v, CelRuntimeError) for v in missing)
    assert "no_such_field" in missing[0].message
    (notbool,) = evaluate_rule(policy.rules["acme/notbool"], doc, model)
    assert isinstance(notbool, CelRuntimeError) and "must be true or false" in notbool.message


def test_failed_placeholder_keeps_finding(tmp_path: Path) -> None:
    policy = policy_with(tmp_path, """\
  acme/x:
    title: X
    on: file
    require: "false"
    message: "value {{ file.nope }}"
""")
    doc, model = document(DOCKERFILE)
    (violation,) = evaluate_rule(policy.rules["acme/x"], doc, model)
    assert violation.message.startswith("value <file.nope:")


def test_helpers() -> None:
    assert normalize_image("alpine") == "docker.io/library/alpine"
    assert normalize_image("alpine:3.20") == "docker.io/library/alpine:3.20"
    assert normalize_image("index.docker.io/x/y@sha256:ab") == "docker.io/x/y@sha256:ab"
    assert normalize_image("localhost:5000/x") == "localhost:5000/x"
    assert glob_match("services/api/Dockerfile", "services/**")
    assert not glob_match("services/api/Dockerfile", "services/*")
    assert glob_match("a/b", ["x", "a/?"])
    assert image_matches("alpine:3.14.2", "alpine:3.14*")
    assert not image_matches("alpine:3.20", "alpine:3.14*")
    assert image_matches("ghcr.io/acme/x/y:1", "ghcr.io/acme/**")
    assert image_matches({"name": "docker.io/library/alpine", "tag": "3", "digest": None}, "alpine")
    assert not image_matches({"name": None}, "**")


def test_regex_helpers_use_re2(tmp_path: Path) -> None:
    import re2

    from dlint.policy import cel

    assert isinstance(cel._re2("a+"), type(re2.compile("b")))
    policy = policy_with(tmp_path, """\
  acme/re:
    title: RE
    on: file
    require: regexFind(file.path, '(a+)+$') == ''
""")
    doc, model = document("FROM scratch\n", path="a" * 5000 + "b")
    assert list(evaluate_rule(policy.rules["acme/re"], doc, model)) == []  # no catastrophic backtracking
