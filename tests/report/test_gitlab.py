"""GitLab Code Quality: parses back, required keys, severity mapping, unique stable fingerprints."""

from __future__ import annotations

import json
from collections.abc import Callable

from dlint.findings import Finding, Location, Severity
from dlint.report import ReportInput, render

Make = Callable[..., ReportInput]


def test_issues(make_input: Make) -> None:
    issues = json.loads(render("gitlab", make_input()))
    assert len(issues) == 5  # suppressed ones left out
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["positions"]["begin"]["line"] == issue["location"]["lines"]["begin"]
    by = {(i["check_name"], i["location"]["lines"]["begin"]): i for i in issues}
    assert by[("image-digest", 2)]["severity"] == "critical"  # error, security-severity 7.5
    assert by[("image-digest", 4)]["severity"] == "minor"  # warning finding of that rule
    assert by[("user-root", 5)]["severity"] == "critical"
    assert by[("label-unicode", 2)]["severity"] == "info"
    assert by[("image-tag-latest", 4)]["location"]["path"] == "Dockerfile"
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_fingerprints_stable_across_line_moves_and_unique_for_twins(make_input: Make) -> None:
    def f(line: int) -> Finding:
        return Finding(rule="user-root", severity=Severity.ERROR, message="root.",
                       location=Location("Dockerfile", line, 6, line, 10), context="USER root")

    before = json.loads(render("gitlab", make_input(findings=[f(5), f(9)])))
    after = json.loads(render("gitlab", make_input(findings=[f(7), f(12)])))
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]
    assert before[0]["fingerprint"] != before[1]["fingerprint"]


def test_empty_and_stable(make_input: Make) -> None:
    assert json.loads(render("gitlab", make_input(findings=[]))) == []
    assert render("gitlab", make_input()) == render("gitlab", make_input())
