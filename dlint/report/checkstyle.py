"""Checkstyle XML, the lingua franca of older CI plugins and review bots (Jenkins Warnings
NG, reviewdog, SonarQube's generic import, Bitbucket/Gerrit tools).

Every scanned file gets a ``<file>`` element (clean files included, which is how consumers
learn a file was checked); each finding an ``<error>`` whose ``source`` is ``dlint.<rule>``.
Suppressed findings appear only with ``--show-suppressed``, with Checkstyle's own severity
``ignore`` so tools still skip them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dlint.findings import Finding, Severity
from dlint.report import ReportInput
from dlint.report._common import shown, xml_document, xml_safe

CHECKSTYLE_VERSION = "4.3"  # the format version every consumer accepts
_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def render(data: ReportInput) -> str:
    by_path: dict[str, list[Finding]] = {path: [] for path in data.scanned}
    for f in shown(data):
        by_path.setdefault(f.location.path, []).append(f)
    root = ET.Element("checkstyle", version=CHECKSTYLE_VERSION)
    for path in sorted(by_path):
        node = ET.SubElement(root, "file", name=xml_safe(path))
        for f in by_path[path]:
            ET.SubElement(node, "error", line=str(f.location.line), column=str(f.location.column),
                          severity="ignore" if f.suppressed else _SEVERITY[f.severity],
                          message=xml_safe(f.message), source=xml_safe(f"dlint.{f.rule}"))
    return xml_document(root)
