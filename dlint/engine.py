"""Run a policy over one document and turn check results into findings.

The engine knows rules (built-in checks and CEL rules) and the document model; it does
not know where files came from or how findings will be printed.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlint.checks import Violation, registry
from dlint.dockerfile.model import Document, Span
from dlint.findings import Finding, Location, Severity
from dlint.policy.model import Policy, Rule


def normalized_context(doc: Document, instruction: int | None) -> str:
    """The instruction's text with whitespace collapsed: a content key that survives edits
    elsewhere in the file (baselines match on it, not on line numbers)."""
    if instruction is None or not 0 <= instruction < len(doc.instructions):
        return ""
    return " ".join(doc.instructions[instruction].original.split())


def location(path: str, span: Span) -> Location:
    return Location(path, span.start_line, span.start_column, span.end_line, span.end_column)


def to_finding(doc: Document, rule: Rule, violation: Violation, severity: Severity | None = None) -> Finding:
    properties = {"image": violation.image} if violation.image else {}
    return Finding(
        rule=rule.id,
        severity=severity if severity is not None else rule.severity,
        message=violation.message,
        location=location(doc.path, violation.span),
        context=normalized_context(doc, violation.instruction),
        properties=properties,
    )


def _rule_error(doc: Document, rule: Rule, error: Exception) -> Finding:
    """A check that fails on one document must not stop the run: report it at line 1."""
    span = Span(1, 1, 1, 2)
    message = f"rule {rule.id} failed on this file: {type(error).__name__}: {error}"
    return Finding(rule.id, Severity.ERROR, message, location(doc.path, span))


def evaluate(doc: Document, policy: Policy, extra: Iterable[tuple[str, Violation]] = ()) -> list[Finding]:
    """All findings of ``policy``'s enabled rules on ``doc``, sorted.

    ``extra`` carries violations produced outside the document (e.g. registry look-ups
    for ``--stale``) so they get the same severity, context and ordering treatment.
    """
    checks = registry()
    findings: list[Finding] = []
    cel_rules: list[Rule] = []
    for rule in policy.enabled_rules():
        if rule.cel is not None:
            cel_rules.append(rule)
            continue
        if rule.check is None or rule.check not in checks:
            continue
        try:
            findings.extend(to_finding(doc, rule, v) for v in checks[rule.check].function(doc, rule.options))
        except Exception as error:  # a bug in one rule is a finding, never a crash
            findings.append(_rule_error(doc, rule, error))
    if cel_rules:
        findings.extend(_evaluate_cel(doc, cel_rules))
    for rule_id, violation in extra:
        extra_rule = policy.rules.get(rule_id)
        if extra_rule is not None and extra_rule.enabled:
            findings.append(to_finding(doc, extra_rule, violation))
    findings.sort(key=Finding.sort_key)
    return findings


def _evaluate_cel(doc: Document, rules: list[Rule]) -> list[Finding]:
    """Custom rules run together: they share one conversion of the document into CEL.
    A rule that cannot be evaluated on an object is an error finding whatever its severity."""
    from dlint.dockerfile.serialize import document_to_dict
    from dlint.policy.cel import CelRuntimeError, evaluate_rules

    findings: list[Finding] = []
    try:
        for rule, violation in evaluate_rules(rules, doc, document_to_dict(doc)):
            severity = Severity.ERROR if isinstance(violation, CelRuntimeError) else None
            findings.append(to_finding(doc, rule, violation, severity))
    except Exception as error:  # the CEL runtime itself failed: say so for each rule
        findings.extend(_rule_error(doc, rule, error) for rule in rules)
    return findings
