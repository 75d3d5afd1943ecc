"""Reporters: one module per output format, all fed the same ``ReportInput``.

A reporter knows findings, rule metadata and file texts (for snippets and fingerprints),
never Dockerfile syntax.  ``render(name, data)`` is the single entry point the CLI uses.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from dlint.findings import Finding
from dlint.policy.model import Rule

# format name -> module in this package; each module has ``render(data: ReportInput) -> str``
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
    "checkstyle": "checkstyle",
}


@dataclass(slots=True)
class ReportInput:
    """Everything a reporter may use.  Findings are sorted; suppressed ones are included
    (with ``suppression`` set) and each reporter decides whether to show them."""

    findings: list[Finding]
    rules: list[Rule]  # every enabled rule of the effective policy, sorted by id
    files: dict[str, str] = field(default_factory=dict)  # path -> decoded text, scanned files
    # paths whose file starts with a UTF-8 byte order mark (not part of ``files`` text,
    # but part of what GitHub hashes for SARIF fingerprints)
    bom_paths: frozenset[str] = frozenset()
    scanned: list[str] = field(default_factory=list)  # paths scanned, sorted
    tool_version: str = "0.0.0"
    color: bool = False
    show_suppressed: bool = False
    sarif_category: str | None = None
    sarif_include_suppressed: bool = False
    fail_on: str = "warning"
    baseline_hidden: int = 0
    baseline_fixed: list[str] = field(default_factory=list)  # descriptions of stale entries


def render(name: str, data: ReportInput) -> str:
    """Render ``data`` in format ``name``; modules load lazily to keep startup fast."""
    if name not in FORMATS:
        raise ValueError(f"unknown output format {name!r}; choose from {', '.join(sorted(FORMATS))}")
    module = importlib.import_module(f"dlint.report.{FORMATS[name]}")
    text: str = module.render(data)
    return text
