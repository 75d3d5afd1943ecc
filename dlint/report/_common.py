"""Helpers every reporter shares, so that counts, ordering and column arithmetic agree
between formats (a CI log and the SARIF upload of the same run must tell the same story).

Only standard-library imports here: the text reporter runs on every invocation and must
start fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dlint.findings import Finding, Severity
from dlint.report import ReportInput

if TYPE_CHECKING:  # the XML formats import ElementTree themselves; text and JSON never need it
    import xml.etree.ElementTree as ET


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in the one canonical order (path, line, column, rule, message).

    The CLI passes sorted findings already; sorting again costs little and makes every
    reporter byte-stable even when a caller forgets.
    """
    return sorted(findings, key=lambda f: (*f.sort_key(), f.location.end_line, f.location.end_column,
                                           int(f.severity)))


def shown(data: ReportInput, include_suppressed: bool | None = None) -> list[Finding]:
    """The findings a reporter lists: active ones, plus suppressed ones when asked for."""
    include = data.show_suppressed if include_suppressed is None else include_suppressed
    return ordered(f for f in data.findings if include or not f.suppressed)


@dataclass(frozen=True, slots=True)
class Counts:
    """Totals for summaries; ``suppressed`` counts findings carrying a suppression (inline
    ignore, waiver, or a baseline match the engine still passed through), while
    ``baseline_hidden`` counts the ones the baseline removed before reporting."""

    files: int
    findings: int
    errors: int
    warnings: int
    infos: int
    suppressed: int
    baseline_hidden: int


def counts(data: ReportInput) -> Counts:
    active = [f for f in data.findings if not f.suppressed]
    return Counts(
        files=len(data.scanned),
        findings=len(active),
        errors=sum(1 for f in active if f.severity == Severity.ERROR),
        warnings=sum(1 for f in active if f.severity == Severity.WARNING),
        infos=sum(1 for f in active if f.severity == Severity.INFO),
        suppressed=len(data.findings) - len(active),
        baseline_hidden=data.baseline_hidden,
    )


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def source_line(data: ReportInput, path: str, line: int) -> str | None:
    """Line ``line`` (1-based) of a scanned file without its line ending, or None when the
    text is unknown or the line does not exist (reporters must never fail on that)."""
    text = data.files.get(path)
    if text is None or line < 1:
        return None
    lines = split_lines(text)
    if line > len(lines):
        return None
    return lines[line - 1]


def split_lines(text: str) -> list[str]:
    """Split as BuildKit (and so dlint's parser) reads a Dockerfile: on \\n only, dropping one
    \\r before it.

    Finding line numbers come from the parser, so any other split would show or clamp to the
    wrong line: ``str.splitlines`` also breaks on form feeds, \\x1c-\\x1e, \\x85 and U+2028/9,
    and a lone \\r is not a line break to BuildKit either (``FROM a\\rRUN b`` is one FROM).
    """
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def utf16_column(line_text: str | None, column: int) -> int:
    """Convert a 1-based code-point column into a 1-based UTF-16 code-unit column.

    Characters outside the Basic Multilingual Plane (emoji, some CJK) take two UTF-16 code
    units; SARIF viewers and GitHub count that way.  Columns past the end of the line (an
    end-exclusive span that reaches the line end, or unknown text) grow one unit per code
    point beyond it.
    """
    if line_text is None or column <= 1:
        return max(column, 1)
    prefix = line_text[: column - 1]
    astral = sum(1 for ch in prefix if ord(ch) > 0xFFFF)
    return column + astral


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Replace characters XML 1.0 cannot carry at all (ElementTree escapes markup, but writes
    control characters as they are, which makes the document unparseable)."""
    return _XML_INVALID.sub("\N{REPLACEMENT CHARACTER}", text)


def xml_document(root: ET.Element) -> str:
    """Serialize with a declaration, two-space indent and a final newline, byte-stably."""
    import xml.etree.ElementTree as ET

    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
