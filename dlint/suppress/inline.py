"""Inline suppressions: comments in the Dockerfile that silence a rule where it is written.

Three spellings are understood, so that a repository moving to dlint keeps the ignores it
already has:

* ``# dlint ignore=rule[,rule] -- reason`` in the comment block directly above an
  instruction covers that instruction only (all of its lines, heredoc bodies included);
  ``# dlint ignore-file=rule[,rule] -- reason`` anywhere covers the whole file.
* ``# hadolint ignore=DL3007`` (and ``# hadolint global ignore=...``), mapped through the
  rule aliases the policy declares.
* BuildKit's ``# check=skip=StageNameCasing`` parser directive (file scope), likewise.

dlint's own comments are held to a higher standard than the foreign ones: an unknown rule
id in a ``# dlint`` comment is an ``invalid-suppression`` finding and one that silences
nothing is an ``unused-suppression`` finding.  A hadolint comment or a ``check`` directive
also serves another tool, whose rules dlint may not implement or may implement slightly
differently, so ids dlint does not know are ignored there and unused ones are not reported.

Policy limits apply to every spelling (otherwise a hadolint comment would be a way around
them): ``require-reason`` and per-rule ``inline-suppression: false`` (the default for
locked rules) make the comment an ``invalid-suppression`` finding and leave the finding it
aimed at unsuppressed.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, replace
from typing import Literal

from dlint.dockerfile.model import Document
from dlint.findings import Finding, Location, Suppression
from dlint.policy.model import Policy
from dlint.suppress._common import (
    INVALID_SUPPRESSION,
    UNUSED_SUPPRESSION,
    normalize_path,
    normalize_text,
    resolve_rule,
    rule_lookup,
    rule_severity,
)

Syntax = Literal["dlint", "hadolint", "check"]
Scope = Literal["instruction", "file"]

_RULE_LIST = r"[^\s,]+(?:\s*,\s*[^\s,]+)*"
_DLINT = re.compile(r"dlint\b\s*:?\s*(?P<rest>.*)", re.IGNORECASE | re.DOTALL)
_DLINT_IGNORE = re.compile(
    rf"(?P<kw>ignore-file|ignore)\s*=\s*(?P<rules>{_RULE_LIST})\s*(?:--\s*(?P<reason>.*))?",
    re.IGNORECASE | re.DOTALL,
)
_HADOLINT = re.compile(
    rf"hadolint\s+(?P<glob>global\s+)?ignore\s*=\s*(?P<rules>{_RULE_LIST})\s*(?:--\s*(?P<reason>.*))?",
    re.IGNORECASE | re.DOTALL,
)
_TOKEN = re.compile(r"[^\s,]+")
# BuildKit rule names are PascalCase (StageNameCasing); hadolint's are DL3007 / SC2086.
_BUILDKIT_NAME = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+")
_HADOLINT_NAME = re.compile(r"(?:DL|SC)\d+", re.IGNORECASE)

USAGE = "# dlint ignore=<rule>[,<rule>] -- <reason>"


@dataclass(frozen=True, slots=True)
class RuleRef:
    """One rule named in a suppression, where it is written and what it resolved to."""

    written: str
    rule: str | None  # the rule id (aliases resolved); None when dlint does not know it
    line: int
    column: int
    end_column: int


@dataclass(slots=True)
class InlineSuppression:
    """A parsed suppression comment or ``check`` directive."""

    syntax: Syntax
    scope: Scope
    refs: list[RuleRef]
    reason: str | None
    line: int  # the comment's line, also the suppression's ``source``
    column: int
    end_column: int
    text: str  # the comment line as written (stripped), for messages and finding context
    target: tuple[int, int] | None = None  # first/last line of the covered instruction


@dataclass(frozen=True, slots=True)
class _Problem:
    message: str
    line: int
    column: int
    end_column: int
    context: str


class _Lines:
    """The raw source lines, to turn a match inside ``Comment.text`` into columns."""

    def __init__(self, text: str) -> None:
        self._lines = [line.rstrip("\r") for line in text.split("\n")]

    def get(self, line: int) -> str:
        return self._lines[line - 1] if 0 < line <= len(self._lines) else ""


def _refs(rules_text: str, base: int | None, line: int, fallback: tuple[int, int],
          table: dict[str, str]) -> list[RuleRef]:
    """Split a rule list into tokens; ``base`` is the 0-based column where it starts in the
    raw line (None when the comment could not be located there: use the whole comment)."""
    refs: list[RuleRef] = []
    for match in _TOKEN.finditer(rules_text):
        if base is None:
            col, end = fallback
        else:
            col, end = base + match.start() + 1, base + match.end() + 1
        refs.append(RuleRef(match.group(), resolve_rule(table, match.group()), line, col, end))
    return refs


def _reason(text: str | None) -> str | None:
    return normalize_text(text) or None if text is not None else None


def _parse_comment(text: str, raw: str, line: int, span_cols: tuple[int, int],
                   table: dict[str, str]) -> InlineSuppression | _Problem | None:
    """Recognize a suppression in one comment; None for an ordinary comment."""
    offset = raw.find(text) if text else -1
    context = normalize_text(raw) or "#"
    dlint = _DLINT.fullmatch(text)
    if dlint is not None:
        rest = dlint.group("rest")
        if not rest.lower().startswith("ignore"):
            return None  # prose that happens to start with "dlint"
        match = _DLINT_IGNORE.fullmatch(rest)
        if match is None:
            return _Problem(f"malformed suppression comment; expected `{USAGE}`", line,
                            span_cols[0], span_cols[1], context)
        rest_at = dlint.start("rest")
        base = None if offset < 0 else offset + rest_at + match.start("rules")
        scope: Scope = "file" if match.group("kw").lower() == "ignore-file" else "instruction"
        return InlineSuppression("dlint", scope, _refs(match.group("rules"), base, line, span_cols, table),
                                 _reason(match.group("reason")), line, span_cols[0], span_cols[1], context)
    hado = _HADOLINT.fullmatch(text)
    if hado is not None:
        base = None if offset < 0 else offset + hado.start("rules")
        scope = "file" if hado.group("glob") else "instruction"
        return InlineSuppression("hadolint", scope, _refs(hado.group("rules"), base, line, span_cols, table),
                                 _reason(hado.group("reason")), line, span_cols[0], span_cols[1], context)
    return None


def _buildkit_rules(policy: Policy) -> list[str]:
    """Rules ``# check=skip=all`` reaches: those that declare a BuildKit rule name alias."""
    return sorted(rule.id for rule in policy.rules.values()
                  if any(_BUILDKIT_NAME.fullmatch(a) and not _HADOLINT_NAME.fullmatch(a)
                         for a in rule.aliases))


def _parse_check_directive(value: str, raw: str, line: int, value_col: int, span_cols: tuple[int, int],
                           table: dict[str, str], policy: Policy) -> InlineSuppression | None:
    """``# check=skip=A,B;error=true``: only ``skip`` matters to dlint."""
    refs: list[RuleRef] = []
    start = raw.find(value, max(value_col - 1, 0)) if value else -1
    position = 0
    for part in value.split(";"):
        key, sep, names = part.partition("=")
        if sep and key.strip().lower() == "skip":
            names_at = position + len(key) + 1
            base = None if start < 0 else start + names_at
            for ref in _refs(names, base, line, span_cols, table):
                if ref.written.lower() == "all":
                    refs.extend(replace(ref, rule=rule) for rule in _buildkit_rules(policy))
                else:
                    refs.append(ref)
        position += len(part) + 1
    if not refs:
        return None
    return InlineSuppression("check", "file", refs, None, line, span_cols[0], span_cols[1],
                             normalize_text(raw) or "# check")


def collect(doc: Document, known: dict[str, str],
            policy: Policy) -> tuple[list[InlineSuppression], list[_Problem]]:
    """All suppressions written in ``doc``, with instruction-scoped ones bound to their
    instruction, plus the comments that look like suppressions but cannot be read."""
    table = rule_lookup(known)
    lines = _Lines(doc.text)
    found: list[InlineSuppression] = []
    problems: list[_Problem] = []
    for directive in doc.directives:
        if directive.name.lower() != "check":
            continue
        line = directive.span.start_line
        parsed = _parse_check_directive(directive.value, lines.get(line), line,
                                        directive.value_span.start_column,
                                        (directive.span.start_column, directive.span.end_column),
                                        table, policy)
        if parsed is not None:
            found.append(parsed)
    directive_lines = {d.span.start_line for d in doc.directives}
    for comment in doc.comments:
        line = comment.span.start_line
        if line in directive_lines:
            continue  # a directive the parser also listed as a comment: handled above
        result = _parse_comment(comment.text, lines.get(line), line,
                                (comment.span.start_column, comment.span.end_column), table)
        if isinstance(result, _Problem):
            problems.append(result)
        elif result is not None:
            found.append(result)
    _bind_targets(doc, found)
    return found, problems


def _bind_targets(doc: Document, found: list[InlineSuppression]) -> None:
    """Attach each instruction-scoped suppression to the instruction right below its comment
    block.  Anything but comment lines in between (a blank line, another instruction's
    continuation) breaks the link, exactly as a reader would see it."""
    comment_lines = {c.span.start_line for c in doc.comments} | {d.span.start_line for d in doc.directives}
    spans = sorted((i.span.start_line, i.span.end_line) for i in doc.instructions)
    starts = [start for start, _ in spans]
    for sup in found:
        if sup.scope != "instruction":
            continue
        at = bisect.bisect_right(starts, sup.line)
        if at >= len(spans):
            continue
        start, end = spans[at]
        if all(n in comment_lines for n in range(sup.line + 1, start)):
            sup.target = (start, end)


def _covers(sup: InlineSuppression, line: int) -> bool:
    if sup.scope == "file":
        return True
    return sup.target is not None and sup.target[0] <= line <= sup.target[1]


def _inline_allowed(policy: Policy, rule: str) -> bool:
    """``inline-suppression: false`` forbids it; locked rules default to forbidden."""
    return policy.inline_suppression.get(rule, rule not in policy.locked)


def _described(ref: RuleRef) -> str:
    if ref.rule is None or ref.rule == ref.written:
        return f"`{ref.written}`"
    return f"`{ref.written}` ({ref.rule})"


def _meta(policy: Policy, rule: str, message: str, path: str, line: int, column: int, end_column: int,
          context: str) -> Finding | None:
    severity = rule_severity(policy, rule)
    if severity is None:
        return None
    end = end_column if end_column > column else column + 1
    return Finding(rule=rule, severity=severity, message=message,
                   location=Location(path=path, line=line, column=column, end_line=line, end_column=end),
                   context=context)


def apply_inline(doc: Document, findings: list[Finding], policy: Policy,
                 known: dict[str, str]) -> list[Finding]:
    """Mark the findings of ``doc`` that an inline comment or ``check`` directive covers.

    Returns every finding passed in (suppressed ones with ``Suppression("inline", reason,
    "path:line")``; findings of other files and already-suppressed ones untouched), followed
    by new ``invalid-suppression`` and ``unused-suppression`` findings about the comments
    themselves.  Those new findings cannot be suppressed inline: a comment that could hide
    its own mistakes would defeat the point.
    """
    sups, problems = collect(doc, known, policy)
    new: list[Finding] = []
    path = doc.path

    def report(rule: str, message: str, line: int, column: int, end_column: int, context: str) -> None:
        made = _meta(policy, rule, message, path, line, column, end_column, context)
        if made is not None:
            new.append(made)

    for problem in problems:
        report(INVALID_SUPPRESSION, problem.message, problem.line, problem.column, problem.end_column,
               problem.context)

    active: list[tuple[InlineSuppression, RuleRef]] = []
    for sup in sups:
        relevant = sup.syntax == "dlint" or any(ref.rule is not None for ref in sup.refs)
        if policy.require_reason and not sup.reason and relevant:
            if sup.syntax == "check":
                message = ("`# check=skip=` cannot carry a reason and the policy requires one; "
                           "use `# dlint ignore-file=<rule> -- <reason>` instead")
            else:
                message = f"suppression without a reason; the policy requires one: `{USAGE}`"
            report(INVALID_SUPPRESSION, message, sup.line, sup.column, sup.end_column, sup.text)
            continue
        for ref in sup.refs:
            if ref.rule is None:
                if sup.syntax == "dlint":
                    hint = difflib.get_close_matches(ref.written, sorted(set(known.values())), n=1)
                    tail = f"; did you mean `{hint[0]}`?" if hint else ""
                    report(INVALID_SUPPRESSION, f"unknown rule `{ref.written}` in suppression comment{tail}",
                           ref.line, ref.column, ref.end_column, sup.text)
                continue
            if not _inline_allowed(policy, ref.rule):
                why = " (a locked rule)" if ref.rule in policy.locked else ""
                report(INVALID_SUPPRESSION,
                       f"the policy does not allow suppressing {ref.rule}{why} inline; "
                       "ask for a waiver in the policy file instead",
                       ref.line, ref.column, ref.end_column, sup.text)
                continue
            active.append((sup, ref))

    used: set[int] = set()
    wanted = normalize_path(path)
    result: list[Finding] = []
    for finding in findings:
        if finding.suppression is not None or normalize_path(finding.location.path) != wanted:
            result.append(finding)
            continue
        hits = [n for n, (sup, ref) in enumerate(active)
                if ref.rule == finding.rule and _covers(sup, finding.location.line)]
        if hits:
            used.update(hits)
            # the comment on the instruction itself is the most specific reason to show
            best = min(hits, key=lambda n: (active[n][0].scope != "instruction", n))
            sup = active[best][0]
            finding = replace(finding, suppression=Suppression("inline", sup.reason, f"{path}:{sup.line}"))
        result.append(finding)

    for n, (sup, ref) in enumerate(active):
        if n in used or sup.syntax != "dlint":
            continue
        rule = policy.rules.get(ref.rule) if ref.rule is not None else None
        if rule is not None and not rule.enabled:
            continue  # a rule that did not run (off, --ignore) cannot tell whether it is needed
        if sup.scope == "file" or sup.target is not None:
            where = "in this file" if sup.target is None else f"on the instruction at line {sup.target[0]}"
            message = f"unused suppression: no {ref.rule} finding {where}; remove {_described(ref)}"
        else:
            message = (f"unused suppression: the comment is not directly above an instruction, "
                       f"so {_described(ref)} suppresses nothing")
        report(UNUSED_SUPPRESSION, message, ref.line, ref.column, ref.end_column, sup.text)
    return result + new
