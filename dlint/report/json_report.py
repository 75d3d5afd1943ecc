"""Machine-readable report for scripts and dashboards (schema: schemas/report.schema.json).

The output is deterministic on purpose: fixed key order, sorted findings, no timestamps or
absolute paths, two-space indent and a final newline, so that two runs over the same
tree produce identical bytes and a committed report diffs cleanly.
"""

from __future__ import annotations

import json
from typing import Any

from dlint.findings import Finding
from dlint.report import ReportInput
from dlint.report._common import counts, shown

REPORT_VERSION = 1  # bump only on incompatible changes; additions keep the version


def _finding(f: Finding) -> dict[str, Any]:
    loc = f.location
    s = f.suppression
    return {
        "rule": f.rule,
        "severity": f.severity.label,
        "message": f.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "suppression": None if s is None else {"kind": s.kind, "reason": s.reason, "source": s.source},
    }


def build(data: ReportInput) -> dict[str, Any]:
    """The report as plain data (also handy for tests and for embedding in other tools)."""
    c = counts(data)
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "dlint", "version": data.tool_version},
        "files": sorted(data.scanned),
        "findings": [_finding(f) for f in shown(data)],
        "summary": {
            "files": c.files,
            "findings": c.findings,
            "errors": c.errors,
            "warnings": c.warnings,
            "infos": c.infos,
            "suppressed": c.suppressed,
            "baseline_hidden": c.baseline_hidden,
        },
    }


def render(data: ReportInput) -> str:
    """Serialize :func:`build` byte-stably: fixed, readable key order; non-ASCII kept as UTF-8."""
    return json.dumps(build(data), indent=2, ensure_ascii=False) + "\n"
