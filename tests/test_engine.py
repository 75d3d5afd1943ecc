"""The engine over whole documents: every rule, any input, findings that point inside the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlint.checks import Violation, check
from dlint.dockerfile.document import load_document
from dlint.dockerfile.model import Document, Span
from dlint.engine import evaluate
from dlint.findings import Severity
from dlint.policy import builtin_policy, load_policy_file
from dlint.policy.model import Policy, Rule

POLICY = builtin_policy()
LINES = st.sampled_from([
    "FROM alpine:3.20 AS build", "FROM ${BASE}", "ARG BASE=debian:12", "ARG TOKEN", "USER root", "USER app",
    "COPY --from=build /a /b", "COPY --from=nginx /a /b", "RUN --mount=type=bind,from=busybox,target=/x true",
    "ADD https://example.com/x /x", "RUN <<EOF", "EOF", "FROM evil/x", "ENV SECRET_KEY=1", "RUN echo \\",
    "", "# comment", "# dlint ignore=image-digest -- why", "# syntax=docker/dockerfile:1", "CMD [\"a\", 1]",
    "FROOM x", "ONBUILD RUN <<X", "X", "\t", "ÿ\x00",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=25), st.sampled_from(["\n", "\r\n"]))
def test_every_rule_runs_on_any_dockerfile_and_points_inside_it(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    doc = load_document(text.encode("utf-8", "surrogatepass"), "Dockerfile")
    line_count = max(1, len(text.split("\n")))
    for finding in evaluate(doc, POLICY):
        location = finding.location
        assert "failed on this file" not in finding.message, finding.message
        assert 1 <= location.line <= location.end_line <= line_count + 1
        assert location.column >= 1


def test_findings_are_sorted_and_carry_context() -> None:
    doc = load_document(b"FROM ubuntu\nUSER root\nARG API_KEY\n", "Dockerfile")
    findings = evaluate(doc, POLICY)
    assert findings == sorted(findings, key=lambda f: f.sort_key())
    by_rule = {f.rule: f for f in findings}
    assert by_rule["image-tag"].context == "FROM ubuntu"
    assert by_rule["image-tag"].properties == {"image": "docker.io/library/ubuntu"}
    assert by_rule["root-user"].context == "USER root"


def test_disabled_rules_do_not_run() -> None:
    rules = dict(POLICY.rules)
    rules["image-tag"] = Rule(**{**{f: getattr(rules["image-tag"], f) for f in Rule.__slots__}, "enabled": False})
    doc = load_document(b"FROM ubuntu\n", "Dockerfile")
    assert "image-tag" not in {f.rule for f in evaluate(doc, Policy(rules=rules))}


@check("test-crashing-check")
def _crashing(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """Only for this test: a check with a bug."""
    yield Violation("fine", Span(1, 1, 1, 2))
    raise RuntimeError("boom")


def test_a_crashing_rule_is_a_finding_not_a_crash() -> None:
    rule = Rule(id="crashy", title="Crashy", severity=Severity.WARNING, check="test-crashing-check")
    doc = load_document(b"FROM scratch\n", "Dockerfile")
    (finding,) = [f for f in evaluate(doc, Policy(rules={"crashy": rule})) if "failed" in f.message]
    assert finding.rule == "crashy" and finding.severity is Severity.ERROR
    assert "RuntimeError: boom" in finding.message


def test_custom_cel_rules_run_with_the_built_in_ones(tmp_path: Path) -> None:
    policy_file = tmp_path / ".dlint.yaml"
    policy_file.write_text(
        "rules:\n"
        "  acme/eol:\n"
        "    title: EOL base\n"
        "    severity: warning\n"
        "    on: image\n"
        "    require: \"!image.tag.startsWith('3.14')\"\n"
        "    message: \"{{ image.written }} is end of life\"\n"
        "  acme/broken:\n"
        "    title: Reads a field that is null\n"
        "    severity: info\n"
        "    on: image\n"
        "    require: \"image.digest.startsWith('sha256:')\"\n"
    )
    policy = load_policy_file(policy_file)
    doc = load_document(b"FROM alpine:3.14\nUSER app\n", "Dockerfile")
    findings = evaluate(doc, policy)
    by_rule = {f.rule: f for f in findings}
    assert by_rule["acme/eol"].message == "alpine:3.14 is end of life"
    assert (by_rule["acme/eol"].location.line, by_rule["acme/eol"].location.column) == (1, 6)
    assert by_rule["acme/broken"].severity is Severity.ERROR  # could not be evaluated: an error
    assert "image-digest" in by_rule  # built-in rules still run


def test_extra_violations_take_the_rules_severity() -> None:
    doc = load_document(b"FROM alpine:3.20\n", "Dockerfile")
    extra = [("stale-pin", Violation("tag moved", Span(1, 6, 1, 17), 0)),
             ("no-such-rule", Violation("ignored", Span(1, 1, 1, 2)))]
    findings = [f for f in evaluate(doc, POLICY, extra) if f.rule in {"stale-pin", "no-such-rule"}]
    assert [(f.rule, f.severity, f.context) for f in findings] == [("stale-pin", Severity.WARNING, "FROM alpine:3.20")]
