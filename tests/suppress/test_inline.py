"""Inline suppressions over real Dockerfiles: scope, reasons, aliases, policy limits, unused."""

from __future__ import annotations

from pathlib import Path

from dlint.findings import Finding, Severity, Suppression
from dlint.policy.model import Policy, Rule
from dlint.suppress import apply_inline
from tests.suppress.conftest import finding, known_ids, load, make_policy


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def test_ignore_applies_to_the_instruction_below_only(tmp_path: Path, policy: Policy) -> None:
    doc = load(
        tmp_path,
        "Dockerfile",
        "# dlint ignore=image-digest -- vendor image, pinned by their release process\n"
        "FROM vendor/base:1.2 AS build\n"
        "FROM alpine:3.20\n",
    )
    found = [finding(doc, "image-digest", 2), finding(doc, "image-digest", 3)]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert len(out) == 2  # nothing new: the comment was used
    first, second = out
    assert first.suppression == Suppression(
        "inline", "vendor image, pinned by their release process", "Dockerfile:1"
    )
    assert second.suppression is None


def test_covers_every_line_of_a_continued_instruction_and_its_heredoc(tmp_path: Path, policy: Policy) -> None:
    doc = load(
        tmp_path,
        "Dockerfile",
        "FROM alpine@sha256:" + "a" * 64 + "\n"
        "# some context for the reader\n"
        "# dlint ignore=secret-in-arg-env -- test fixture credentials, not real\n"
        "RUN --mount=type=cache,target=/root \\\n"
        "    sh <<EOF\n"
        "export TOKEN=abc\n"
        "EOF\n"
        "RUN echo TOKEN=def\n",
    )
    found = [
        finding(doc, "secret-in-arg-env", 4),
        finding(doc, "secret-in-arg-env", 6),
        finding(doc, "secret-in-arg-env", 8),
    ]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert [f.suppressed for f in out] == [True, True, False]


def test_blank_line_breaks_the_link_and_the_comment_is_unused(tmp_path: Path, policy: Policy) -> None:
    doc = load(tmp_path, "Dockerfile", "# dlint ignore=image-digest -- x\n\nFROM alpine:3.20\n")
    found = [finding(doc, "image-digest", 3)]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert out[0].suppression is None
    unused = by_rule(out, "unused-suppression")
    assert len(unused) == 1
    loc = unused[0].location
    # the span is the rule id token inside the comment
    assert (loc.line, loc.column, loc.end_column) == (1, 16, 28)
    assert "not directly above an instruction" in unused[0].message
    assert unused[0].severity is Severity.WARNING


def test_ignore_file_covers_the_whole_file(tmp_path: Path, policy: Policy) -> None:
    doc = load(
        tmp_path,
        "images/Dockerfile",
        "FROM alpine:3.20\n"
        "RUN true\n"
        "# dlint ignore-file=image-digest,DL3007 -- sandbox images, rebuilt daily\n"
        "FROM busybox\n",
    )
    found = [
        finding(doc, "image-digest", 1),
        finding(doc, "image-digest", 4),
        finding(doc, "image-tag", 4),
        finding(doc, "root-user", 4),
    ]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert [f.suppressed for f in out] == [True, True, True, False]
    assert out[0].suppression == Suppression("inline", "sandbox images, rebuilt daily", "images/Dockerfile:3")


def test_findings_of_other_files_are_untouched(tmp_path: Path, policy: Policy) -> None:
    doc = load(tmp_path, "a/Dockerfile", "# dlint ignore-file=image-digest -- x\nFROM alpine\n")
    other = load(tmp_path, "b/Dockerfile", "FROM alpine\n")
    found = [finding(doc, "image-digest", 2), finding(other, "image-digest", 1)]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert [f.suppressed for f in out] == [True, False]


def test_unknown_rule_is_invalid_and_suggests_the_right_one(tmp_path: Path, policy: Policy) -> None:
    doc = load(tmp_path, "Dockerfile", "# dlint ignore=image-digets -- typo\nFROM alpine\n")
    out = apply_inline(doc, [finding(doc, "image-digest", 2)], policy, known_ids(policy))
    assert out[0].suppression is None
    (bad,) = by_rule(out, "invalid-suppression")
    assert "unknown rule `image-digets`" in bad.message and "image-digest" in bad.message
    assert (bad.location.line, bad.location.column, bad.location.end_column) == (1, 16, 28)
    assert bad.severity is Severity.ERROR
    assert not by_rule(out, "unused-suppression")


def test_malformed_dlint_comment_is_invalid(tmp_path: Path, policy: Policy) -> None:
    doc = load(
        tmp_path,
        "Dockerfile",
        "# dlint ignore image-digest\n"
        "# dlint is used in CI for this file\n"  # prose: not a suppression at all
        "FROM alpine\n",
    )
    out = apply_inline(doc, [finding(doc, "image-digest", 3)], policy, known_ids(policy))
    assert out[0].suppression is None
    (bad,) = by_rule(out, "invalid-suppression")
    assert bad.location.line == 1 and "malformed" in bad.message


def test_hadolint_comments_keep_their_effect_through_aliases(tmp_path: Path, policy: Policy) -> None:
    doc = load(
        tmp_path,
        "Dockerfile",
        "# hadolint ignore=dl3007,SC2086\n"  # alias case-insensitive; SC2086 is shellcheck's
        "FROM alpine:latest\n"
        "# hadolint ignore=DL3002\n"  # nothing to suppress: hadolint's business, not reported
        "FROM alpine:latest\n",
    )
    found = [finding(doc, "image-tag", 2), finding(doc, "image-tag", 4)]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert [f.suppressed for f in out] == [True, False]
    assert out[0].suppression == Suppression("inline", None, "Dockerfile:1")


def test_buildkit_check_directive_skips_by_rule_name(tmp_path: Path, policy: Policy) -> None:
    doc = load(
        tmp_path,
        "Dockerfile",
        "# check=skip=StageNameCasing,FromAsCasing;error=true\nFROM alpine AS Build\nFROM alpine AS Final\n",
    )
    found = [
        finding(doc, "stage-name-casing", 2),
        finding(doc, "stage-name-casing", 3),
        finding(doc, "image-digest", 2),
    ]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert [f.suppressed for f in out] == [True, True, False]
    assert out[0].suppression == Suppression("inline", None, "Dockerfile:1")
    assert len(out) == 3  # FromAsCasing is unknown to dlint: BuildKit's business, no finding


def test_check_skip_all_reaches_rules_with_buildkit_names(tmp_path: Path, policy: Policy) -> None:
    doc = load(tmp_path, "Dockerfile", "# check=skip=all\nFROM alpine AS Build\nARG TOKEN=x\n")
    found = [
        finding(doc, "stage-name-casing", 2),
        finding(doc, "secret-in-arg-env", 3),
        finding(doc, "image-digest", 2),
    ]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert [f.suppressed for f in out] == [True, True, False]


def test_require_reason(tmp_path: Path) -> None:
    policy = make_policy(require_reason=True)
    doc = load(
        tmp_path,
        "Dockerfile",
        "# dlint ignore=image-digest\n"
        "FROM alpine:3.20 AS a\n"
        "# dlint ignore=image-digest --   \n"  # an empty reason is no reason
        "FROM alpine:3.19 AS b\n"
        "# dlint ignore=image-digest -- mirrored, digest checked at the mirror\n"
        "FROM alpine:3.18 AS c\n",
    )
    found = [
        finding(doc, "image-digest", 2),
        finding(doc, "image-digest", 4),
        finding(doc, "image-digest", 6),
    ]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert [f.suppressed for f in out[:3]] == [False, False, True]
    bad = by_rule(out, "invalid-suppression")
    assert [f.location.line for f in bad] == [1, 3]
    assert all("requires" in f.message for f in bad)
    assert not by_rule(out, "unused-suppression")


def test_require_reason_rejects_check_directives_that_matter(tmp_path: Path) -> None:
    policy = make_policy(require_reason=True)
    doc = load(tmp_path, "Dockerfile", "# check=skip=StageNameCasing\nFROM alpine AS Build\n")
    out = apply_inline(doc, [finding(doc, "stage-name-casing", 2)], policy, known_ids(policy))
    assert out[0].suppression is None
    (bad,) = by_rule(out, "invalid-suppression")
    assert "dlint ignore-file" in bad.message


def test_forbidden_and_locked_rules_cannot_be_suppressed_inline(tmp_path: Path) -> None:
    policy = make_policy(locked={"allowed-registries"}, inline_suppression={"image-digest": False})
    doc = load(
        tmp_path,
        "Dockerfile",
        "# dlint ignore=image-digest,allowed-registries,image-tag -- please\n"
        "FROM evil.example/x:latest\n"
        "# hadolint ignore=DL3026\n"  # a foreign spelling is no way around the policy
        "FROM evil.example/y\n",
    )
    found = [
        finding(doc, "image-digest", 2),
        finding(doc, "allowed-registries", 2),
        finding(doc, "image-tag", 2),
        finding(doc, "allowed-registries", 4),
    ]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert [f.suppressed for f in out[:4]] == [False, False, True, False]
    bad = by_rule(out, "invalid-suppression")
    assert [(f.location.line, f.location.column) for f in bad] == [(1, 16), (1, 29), (3, 19)]
    assert "locked" in bad[1].message and "waiver" in bad[0].message


def test_locked_rule_allowed_explicitly(tmp_path: Path) -> None:
    policy = make_policy(locked={"image-digest"}, inline_suppression={"image-digest": True})
    doc = load(tmp_path, "Dockerfile", "# dlint ignore=image-digest -- ok\nFROM alpine\n")
    out = apply_inline(doc, [finding(doc, "image-digest", 2)], policy, known_ids(policy))
    assert out[0].suppressed and len(out) == 1


def test_unused_is_reported_per_rule_at_its_token(tmp_path: Path, policy: Policy) -> None:
    doc = load(
        tmp_path,
        "Dockerfile",
        "# dlint ignore=image-digest, DL3007 -- legacy\n"
        "FROM alpine@sha256:" + "b" * 64 + "\n"
        "# dlint ignore-file=root-user -- build image\n",
    )
    found = [finding(doc, "image-tag", 2)]
    out = apply_inline(doc, found, policy, known_ids(policy))
    assert out[0].suppressed
    unused = by_rule(out, "unused-suppression")
    assert [(f.location.line, f.location.column, f.location.end_column) for f in unused] == [
        (1, 16, 28),
        (3, 21, 30),
    ]
    assert "no image-digest finding on the instruction at line 2" in unused[0].message
    assert "no root-user finding in this file" in unused[1].message
    assert unused[0].context == "# dlint ignore=image-digest, DL3007 -- legacy"


def test_unused_severity_comes_from_the_policy_and_can_be_switched_off(tmp_path: Path) -> None:
    doc = load(
        tmp_path, "Dockerfile", "# dlint ignore=image-digest -- x\nFROM alpine@sha256:" + "c" * 64 + "\n"
    )
    loud = make_policy()
    loud.rules["unused-suppression"] = Rule(id="unused-suppression", title="u", severity=Severity.ERROR)
    (made,) = apply_inline(doc, [], loud, known_ids(loud))
    assert made.severity is Severity.ERROR
    quiet = make_policy()
    quiet.rules["unused-suppression"] = Rule(
        id="unused-suppression", title="u", severity=Severity.WARNING, enabled=False
    )
    assert apply_inline(doc, [], quiet, known_ids(quiet)) == []


def test_already_suppressed_findings_are_kept(tmp_path: Path, policy: Policy) -> None:
    doc = load(tmp_path, "Dockerfile", "# dlint ignore=image-digest -- x\nFROM alpine\n")
    waived = finding(doc, "image-digest", 2)
    waived = Finding(
        waived.rule,
        waived.severity,
        waived.message,
        waived.location,
        waived.context,
        Suppression("waiver", "central", ".dlint.yaml:4"),
    )
    out = apply_inline(doc, [waived], policy, known_ids(policy))
    assert out[0].suppression == Suppression("waiver", "central", ".dlint.yaml:4")


def test_hadolint_global_ignore_is_file_scope(tmp_path: Path, policy: Policy) -> None:
    doc = load(tmp_path, "Dockerfile", "# hadolint global ignore=DL3002\nFROM alpine\nUSER root\n")
    out = apply_inline(doc, [finding(doc, "root-user", 3)], policy, known_ids(policy))
    assert out[0].suppression == Suppression("inline", None, "Dockerfile:1")


def test_comment_inside_a_continuation_is_not_above_an_instruction(tmp_path: Path, policy: Policy) -> None:
    doc = load(
        tmp_path,
        "Dockerfile",
        "FROM alpine\nRUN apk add curl \\\n    # dlint ignore=root-user -- x\n    && true\nUSER root\n",
    )
    out = apply_inline(doc, [finding(doc, "root-user", 5)], policy, known_ids(policy))
    assert out[0].suppression is None
    (unused,) = by_rule(out, "unused-suppression")
    assert unused.location.line == 3 and "not directly above" in unused.message
