"""GitHub Actions workflow commands: findings become annotations on the pull request diff
without any upload step or token (``::error file=…,line=…::message``).

Escaping follows GitHub's runner: in data (the message) ``%``, CR and LF are
percent-encoded; in properties additionally ``:`` and ``,``, which would otherwise end the
property list.  Paths must be relative to the repository root, so run dlint from there.
"""

from __future__ import annotations

from dlint.findings import Finding, Severity
from dlint.policy.model import Rule
from dlint.report import ReportInput
from dlint.report._common import shown, source_line, utf16_column
from dlint.report.text import summary

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(f: Finding, rules: dict[str, Rule], data: ReportInput) -> str:
    loc = f.location
    props = [("file", loc.path), ("line", str(loc.line))]
    # GitHub uses columns only for single-line annotations; it counts UTF-16 units like the web UI
    if loc.end_line == loc.line:
        text = source_line(data, loc.path, loc.line)
        props += [("col", str(utf16_column(text, loc.column))), ("endLine", str(loc.end_line)),
                  ("endColumn", str(utf16_column(text, loc.end_column)))]
    else:
        props.append(("endLine", str(loc.end_line)))
    rule = rules.get(f.rule)
    title = f"{f.rule}: {rule.title}" if rule is not None and rule.title else f.rule
    props.append(("title", title))
    message = f.message
    if f.suppression is not None:
        message = f"(suppressed: {f.suppression.kind}) {message}"
    head = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{_COMMAND[f.severity]} {head}::{escape_data(message)}"


def render(data: ReportInput) -> str:
    """One workflow command per finding, then the plain summary line for the log."""
    rules = {r.id: r for r in data.rules}
    lines = [_command(f, rules, data) for f in shown(data)]
    lines.append(summary(data))
    return "\n".join(lines) + "\n"
