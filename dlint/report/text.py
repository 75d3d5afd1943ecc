"""Human-readable output: one ``path:line:col: severity[rule] message`` header per finding
(the shape editors and terminals turn into clickable links), the offending source line with
the span underlined, and a one-line summary.

Colour is applied only when the caller says so (``data.color``): the CLI decides from the
terminal and NO_COLOR, so piping to a file never leaves escape codes behind.
"""

from __future__ import annotations

import unicodedata

from dlint.findings import Finding, Severity
from dlint.report import ReportInput
from dlint.report._common import counts, plural, shown, source_line

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_SEVERITY_COLOR = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;36m",
}
_STALE_LISTED = 5  # stale baseline entries shown by name; the rest are only counted


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color and text else text


def _cell_width(ch: str) -> int:
    """Terminal columns a character occupies, so the underline lands under wide glyphs."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _pad(prefix: str) -> str:
    """Blank space as wide as ``prefix``; tabs are kept so the terminal expands them alike."""
    return "".join("\t" if ch == "\t" else " " * _cell_width(ch) for ch in prefix)


def _printable(line: str) -> str:
    """Hide control characters (other than tab) so a hostile file cannot drive the
    terminal; each becomes one visible replacement glyph, keeping columns aligned."""
    return "".join(ch if ch == "\t" or unicodedata.category(ch) != "Cc" else "\N{REPLACEMENT CHARACTER}"
                   for ch in line)


def _snippet(finding: Finding, data: ReportInput) -> list[str]:
    loc = finding.location
    text = source_line(data, loc.path, loc.line)
    if text is None:
        return []
    text = _printable(text)
    start = min(max(loc.column, 1) - 1, len(text))
    # a span running onto later lines is underlined to the end of its first line
    end = len(text) if loc.end_line > loc.line else min(max(loc.end_column - 1, start), len(text))
    marked = text[start:end]
    width = max(sum(_cell_width(ch) for ch in marked), 1)
    underline = "^" + "~" * (width - 1)
    gutter = str(loc.line)
    code = _SEVERITY_COLOR[finding.severity]
    return [
        f"{_paint(gutter, _DIM, data.color)} | {text}",
        f"{' ' * len(gutter)} | {_pad(text[:start])}{_paint(underline, code, data.color)}",
    ]


def _header(finding: Finding, color: bool) -> str:
    loc = finding.location
    where = _paint(f"{loc.path}:{loc.line}:{loc.column}:", _BOLD, color)
    severity = _paint(finding.severity.label, _SEVERITY_COLOR[finding.severity], color)
    head = f"{where} {severity}[{finding.rule}] {finding.message}"
    if finding.suppression is not None:
        s = finding.suppression
        detail = s.kind + (f": {s.reason}" if s.reason else "") + (f" ({s.source})" if s.source else "")
        head += " " + _paint(f"(suppressed, {detail})", _DIM, color)
    return head


def summary(data: ReportInput) -> str:
    """The closing line: counts of active findings, files, and everything suppressed."""
    c = counts(data)
    hidden = c.suppressed  # baselined findings are marked suppressed too; baseline_hidden is a subset
    tail = f"; {hidden} suppressed" if hidden else ""
    files = plural(c.files, "file")
    if c.findings == 0:
        return f"No findings in {files}{tail}."
    parts = [plural(n, word) for n, word in ((c.errors, "error"), (c.warnings, "warning"), (c.infos, "info"))
             if n]
    return f"Found {plural(c.findings, 'finding')} ({', '.join(parts)}) in {files}{tail}"


def render(data: ReportInput) -> str:
    """Render findings for a terminal or a CI log."""
    blocks: list[str] = []
    for finding in shown(data):
        blocks.append("\n".join([_header(finding, data.color), *_snippet(finding, data)]))
    out: list[str] = []
    if blocks:
        out.append("\n\n".join(blocks))
        out.append("")
    out.append(summary(data))
    if data.baseline_fixed:
        n = len(data.baseline_fixed)
        out.append(f"{plural(n, 'baseline entry', 'baseline entries')} no longer "
                   f"{'matches' if n == 1 else 'match'} any finding; run with --prune-baseline to drop "
                   f"{'it' if n == 1 else 'them'}:")
        out.extend(f"  - {entry}" for entry in data.baseline_fixed[:_STALE_LISTED])
        if n > _STALE_LISTED:
            out.append(f"  … and {n - _STALE_LISTED} more")
    return "\n".join(out) + "\n"
