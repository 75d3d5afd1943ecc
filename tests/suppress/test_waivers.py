"""Waivers: matching by rule, path and image; expiry by date; findings about waivers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dlint.findings import Finding, Severity, Suppression
from dlint.policy.model import Origin, Policy, Rule, Waiver
from dlint.suppress import (
    InvalidDateError,
    apply_waivers,
    path_matches,
    today_from,
    unmatched_waivers,
    waiver_findings,
)
from tests.suppress.conftest import finding, load, make_policy

TODAY = dt.date(2027, 3, 20)

POLICY_YAML = """\
extends: [recommended]
waivers:
  - rules: [image-digest]
    paths: ["legacy/**"]
    reason: vendor image, pinned by the vendor's release process
    owner: team-platform
    expires: 2027-03-31
  - rules: [DL3007]
    paths: [tools/*/Dockerfile]
    images: ["ghcr.io/acme/**"]
    reason: internal tool images track latest on purpose
    ticket: PLAT-42
    expires: 2027-01-31
"""


def waivers_from_file(path: Path) -> list[Waiver]:
    """The two waivers of POLICY_YAML as the loader builds them (origin = the `- rules:` line)."""
    return [
        Waiver(
            rules=["image-digest"],
            paths=["legacy/**"],
            reason="vendor image, pinned by the vendor's release process",
            owner="team-platform",
            expires=dt.date(2027, 3, 31),
            origin=Origin(str(path), 3),
        ),
        Waiver(
            rules=["DL3007"],
            paths=["tools/*/Dockerfile"],
            images=["ghcr.io/acme/**"],
            reason="internal tool images track latest on purpose",
            ticket="PLAT-42",
            expires=dt.date(2027, 1, 31),
            origin=Origin(str(path), 8),
        ),
    ]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("legacy/**", "legacy/Dockerfile", True),
        ("legacy/**", "legacy/a/b/Dockerfile", True),
        ("legacy/**", "src/legacy/Dockerfile", False),
        ("legacy", "legacy/app/Dockerfile", True),  # a directory covers its subtree
        ("legacy/", "legacy/Dockerfile", True),
        ("Dockerfile", "Dockerfile", True),
        ("Dockerfile", "app/Dockerfile", False),  # anchored at the repository root
        ("**/Dockerfile", "Dockerfile", True),
        ("**/Dockerfile", "a/b/Dockerfile", True),
        ("*.Dockerfile", "web.Dockerfile", True),
        ("*.Dockerfile", "app/web.Dockerfile", False),
        ("tools/*/Dockerfile", "tools/x/Dockerfile", True),
        ("tools/*/Dockerfile", "tools/x/y/Dockerfile", False),
        ("svc-[ab]/Dockerfile", "svc-b/Dockerfile", True),
        ("svc-[!ab]/Dockerfile", "svc-b/Dockerfile", False),
        ("./legacy/**", "legacy\\Dockerfile", True),
    ],
)
def test_path_globs(pattern: str, path: str, expected: bool) -> None:
    assert path_matches(pattern, path) is expected


def test_waiver_applies_by_rule_path_and_carries_reason_and_source(tmp_path: Path) -> None:
    policy_file = tmp_path / ".dlint.yaml"
    policy_file.write_text(POLICY_YAML)
    policy = make_policy(waivers=waivers_from_file(policy_file))
    legacy = load(tmp_path, "legacy/Dockerfile", "FROM vendor/base:1.2\n")
    app = load(tmp_path, "app/Dockerfile", "FROM vendor/base:1.2\n")
    found = [
        finding(legacy, "image-digest", 1),
        finding(app, "image-digest", 1),
        finding(legacy, "image-tag", 1),
    ]
    out = apply_waivers(found, policy, TODAY)
    assert out[0].suppression == Suppression(
        "waiver", "vendor image, pinned by the vendor's release process", f"{policy_file}:3"
    )
    assert out[0].properties["waiver-owner"] == "team-platform"
    assert out[1].suppression is None  # other path
    assert out[2].suppression is None  # other rule


def test_waiver_by_alias_and_image_pattern(tmp_path: Path) -> None:
    waiver = Waiver(rules=["dl3007"], paths=["tools/**"], images=["ghcr.io/acme/**"], reason="on purpose")
    policy = make_policy(waivers=[waiver])
    doc = load(tmp_path, "tools/x/Dockerfile", "FROM ghcr.io/acme/builder\nFROM docker.io/library/alpine\n")
    ours = finding(doc, "image-tag", 1, image="ghcr.io/acme/builder")
    theirs = finding(doc, "image-tag", 2, image="docker.io/library/alpine")
    no_image = finding(doc, "image-tag", 2)  # a finding about no image is not image-waived
    out = apply_waivers([ours, theirs, no_image], policy, TODAY)
    assert [f.suppressed for f in out] == [True, False, False]


def test_expiry_is_by_date_inclusive(tmp_path: Path) -> None:
    waiver = Waiver(rules=["image-digest"], paths=["**"], reason="r", expires=dt.date(2027, 3, 31))
    policy = make_policy(waivers=[waiver])
    doc = load(tmp_path, "Dockerfile", "FROM alpine\n")
    f = finding(doc, "image-digest", 1)
    assert apply_waivers([f], policy, dt.date(2027, 3, 31))[0].suppressed
    assert not apply_waivers([f], policy, dt.date(2027, 4, 1))[0].suppressed


def test_waiver_without_reason_never_applies(tmp_path: Path) -> None:
    policy = make_policy(waivers=[Waiver(rules=["image-digest"], paths=["**"], reason="  ")])
    doc = load(tmp_path, "Dockerfile", "FROM alpine\n")
    assert not apply_waivers([finding(doc, "image-digest", 1)], policy, TODAY)[0].suppressed


def test_inline_suppression_wins_over_a_waiver(tmp_path: Path) -> None:
    policy = make_policy(waivers=[Waiver(rules=["image-digest"], paths=["**"], reason="central")])
    doc = load(tmp_path, "Dockerfile", "FROM alpine\n")
    f = finding(doc, "image-digest", 1)
    inline = Finding(
        f.rule, f.severity, f.message, f.location, f.context, Suppression("inline", "local", "x:1")
    )
    assert apply_waivers([inline], policy, TODAY)[0].suppression == Suppression("inline", "local", "x:1")


def test_expired_waiver_is_an_error_at_its_own_line(tmp_path: Path) -> None:
    policy_file = tmp_path / ".dlint.yaml"
    policy_file.write_text(POLICY_YAML)
    policy = make_policy(waivers=waivers_from_file(policy_file))
    out = waiver_findings(policy, dt.date(2027, 4, 1))
    assert [f.rule for f in out] == ["expired-waiver", "expired-waiver"]
    expired = out[0]
    assert expired.severity is Severity.ERROR
    assert (
        expired.message == "waiver for image-digest in legacy/** expired on 2027-03-31, owner team-platform"
    )
    loc = expired.location
    assert (loc.path, loc.line, loc.column, loc.end_column) == (str(policy_file), 7, 5, 24)  # `expires:` line
    second = [f for f in out if "DL3007" in f.message]
    assert second[0].message == (
        "waiver for DL3007 in tools/*/Dockerfile for images ghcr.io/acme/** expired on "
        "2027-01-31, ticket PLAT-42"
    )
    assert second[0].location.line == 13


def test_expiring_waiver_warns_within_the_window(tmp_path: Path) -> None:
    policy_file = tmp_path / ".dlint.yaml"
    policy_file.write_text(POLICY_YAML)
    policy = make_policy(waivers=waivers_from_file(policy_file)[:1])
    (soon,) = waiver_findings(policy, TODAY)  # 11 days left, window 14
    assert soon.rule == "expiring-waiver" and soon.severity is Severity.WARNING
    assert soon.message == (
        "waiver for image-digest in legacy/** expires on 2027-03-31 (in 11 days), owner team-platform"
    )
    assert waiver_findings(policy, dt.date(2027, 3, 16)) == []  # 15 days left
    assert "(today)" in waiver_findings(policy, dt.date(2027, 3, 31))[0].message
    policy.expiry_warning_days = 5
    assert waiver_findings(policy, TODAY) == []


def test_waiver_findings_respect_policy_severity_and_missing_origin() -> None:
    policy = make_policy(waivers=[Waiver(rules=["x"], paths=[], reason="r", expires=dt.date(2020, 1, 1))])
    policy.rules["expired-waiver"] = Rule(id="expired-waiver", title="t", severity=Severity.WARNING)
    (f,) = waiver_findings(policy, TODAY)
    assert f.severity is Severity.WARNING and f.location.line == 1
    policy.rules["expired-waiver"].enabled = False
    assert waiver_findings(policy, TODAY) == []


def test_unmatched_waivers(tmp_path: Path) -> None:
    used = Waiver(rules=["image-digest"], paths=["**"], reason="r", origin=Origin("p.yaml", 3))
    idle = Waiver(rules=["root-user"], paths=["**"], reason="r", origin=Origin("p.yaml", 7))
    policy: Policy = make_policy(waivers=[used, idle])
    doc = load(tmp_path, "Dockerfile", "FROM alpine\n")
    out = apply_waivers([finding(doc, "image-digest", 1)], policy, TODAY)
    assert unmatched_waivers(out, policy, TODAY) == [idle]


def test_today_from_option_env_and_errors() -> None:
    assert today_from("2027-03-31", {"DLINT_TODAY": "2020-01-01"}) == dt.date(2027, 3, 31)
    assert today_from(None, {"DLINT_TODAY": "2020-01-01"}) == dt.date(2020, 1, 1)
    assert today_from(None, {"DLINT_TODAY": ""}) == dt.date.today()
    with pytest.raises(InvalidDateError, match=r"--today: '2027-02-30' is not a date; expected YYYY-MM-DD"):
        today_from("2027-02-30", {})
    with pytest.raises(InvalidDateError, match="DLINT_TODAY"):
        today_from(None, {"DLINT_TODAY": "20270331"})
