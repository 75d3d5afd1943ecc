"""One text per rule, used everywhere a rule is explained.

`dlint rules ID`, the pages under docs/rules/ and SARIF help all come from ``rule_page``,
so the documentation a user reads in the terminal, on GitHub and in code scanning is the
same text (the check's docstring, or the `docs:` of a custom rule).
"""

from __future__ import annotations

from dlint.policy.model import Rule


def rule_page(rule: Rule) -> str:
    """Markdown page for ``rule``: a header table, then its documentation."""
    rows = [
        ("Severity", rule.severity.label),
        ("Pack", rule.pack),
        ("Tags", ", ".join(rule.tags) or "none"),
        ("Aliases", ", ".join(f"`{a}`" for a in rule.aliases) or "none"),
    ]
    if rule.check:
        rows.append(("Check", f"`{rule.check}`"))
    if rule.security_severity is not None:
        rows.append(("Security severity", f"{rule.security_severity:.1f}"))
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    body = rule.docs.strip() or "No documentation."
    return f"# {rule.id}\n\n{rule.title}.\n\n| Property | Value |\n|---|---|\n{table}\n\n{body}\n"
