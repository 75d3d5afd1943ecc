"""JUnit XML, for CI systems that only understand test reports (GitLab ``reports:junit``,
Jenkins, Azure Pipelines, CircleCI).

One test suite; one test case per scanned file, so a clean file shows up as a passing test
and the totals read as "N of M Dockerfiles pass".  Each finding at or above the failure
threshold (``data.fail_on``) is a ``<failure>`` of its file's test case, so the report fails
exactly when the dlint run does; findings below the threshold are listed in the case's
``<system-out>`` instead.  Suppressed findings are left out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dlint.findings import Finding, Severity
from dlint.report import ReportInput
from dlint.report._common import ordered, xml_document, xml_safe


def _threshold(fail_on: str) -> Severity | None:
    try:
        return Severity.parse(fail_on)
    except ValueError:
        return None  # "never" (or anything unknown): nothing fails


def _describe(f: Finding) -> str:
    loc = f.location
    return f"{loc.path}:{loc.line}:{loc.column}: {f.severity.label}[{f.rule}] {f.message}"


def render(data: ReportInput) -> str:
    threshold = _threshold(data.fail_on)
    by_path: dict[str, list[Finding]] = {path: [] for path in data.scanned}
    for f in ordered(x for x in data.findings if not x.suppressed):
        by_path.setdefault(f.location.path, []).append(f)

    suite = ET.Element("testsuite", name="dlint")
    failed_cases = 0
    for path in sorted(by_path):
        case = ET.SubElement(suite, "testcase", name=xml_safe(path), classname="dlint",
                             file=xml_safe(path))
        failing = [f for f in by_path[path] if threshold is not None and f.severity >= threshold]
        below = [f for f in by_path[path] if f not in failing]
        for f in failing:
            failure = ET.SubElement(case, "failure", message=xml_safe(f.message), type=xml_safe(f.rule))
            failure.text = xml_safe(_describe(f))
        if below:
            ET.SubElement(case, "system-out").text = xml_safe("\n".join(_describe(f) for f in below))
        failed_cases += bool(failing)
    suite.set("tests", str(len(by_path)))
    suite.set("failures", str(failed_cases))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    root = ET.Element("testsuites", name="dlint", tests=str(len(by_path)), failures=str(failed_cases),
                      errors="0")
    root.append(suite)
    return xml_document(root)
