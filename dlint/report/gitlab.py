"""GitLab Code Quality report (a subset of the Code Climate issue format), shown in merge
request widgets and diffs when published as ``artifacts:reports:codequality``.

Fingerprints are what GitLab uses to tell new issues from fixed ones between the source and
target branch, so they must not depend on line numbers (an unrelated edit above a finding
would otherwise "fix" it and raise a new one): they hash the rule, the path and the
instruction text (the finding's context, else its message), plus an occurrence counter
that keeps identical findings in one file apart.

Suppressed findings are never written: Code Quality has no notion of a suppression, and a
waived finding in the widget would read as an open problem.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dlint.findings import Finding, Severity
from dlint.policy.model import Rule
from dlint.report import ReportInput
from dlint.report._common import ordered

_SEVERITY = {Severity.INFO: "info", Severity.WARNING: "minor", Severity.ERROR: "major"}


def severity(f: Finding, rule: Rule | None) -> str:
    """info/minor/major, raised to critical/blocker for error findings of security rules by
    their CVSS-like security severity (>= 7.0 critical, >= 9.0 blocker)."""
    level = _SEVERITY[f.severity]
    score = rule.security_severity if rule is not None else None
    if f.severity == Severity.ERROR and score is not None:
        if score >= 9.0:
            return "blocker"
        if score >= 7.0:
            return "critical"
    return level


def _issue(f: Finding, rule: Rule | None, fingerprint: str) -> dict[str, Any]:
    loc = f.location
    security = rule is not None and rule.security_severity is not None
    return {
        "type": "issue",
        "check_name": f.rule,
        "description": f.message,
        "categories": ["Security"] if security else ["Bug Risk"],
        "severity": severity(f, rule),
        "fingerprint": fingerprint,
        "location": {
            "path": loc.path,
            "lines": {"begin": loc.line, "end": max(loc.end_line, loc.line)},
            "positions": {"begin": {"line": loc.line, "column": loc.column},
                          "end": {"line": loc.end_line, "column": loc.end_column}},
        },
    }


def render(data: ReportInput) -> str:
    rules = {r.id: r for r in data.rules}
    seen: dict[str, int] = {}
    issues = []
    for f in ordered(x for x in data.findings if not x.suppressed):
        key = "\0".join([f.rule, f.location.path, f.context or f.message])
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()
        issues.append(_issue(f, rules.get(f.rule), digest))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
