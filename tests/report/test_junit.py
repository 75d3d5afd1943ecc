"""JUnit XML: one suite, a case per scanned file, failures from findings at the threshold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from dlint.findings import Finding, Location, Severity
from dlint.report import ReportInput, render

Make = Callable[..., ReportInput]


def test_cases_and_failures(make_input: Make) -> None:
    root = ET.fromstring(render("junit", make_input(fail_on="warning")))
    (suite,) = root.findall("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"Dockerfile", "svc/ü nicode/Dockerfile", "sub dir/Dockerfile", "clean/Dockerfile"}
    assert suite.get("tests") == "4"
    assert len(cases["Dockerfile"].findall("failure")) == 4
    first = cases["Dockerfile"].findall("failure")[0]
    assert first.get("type") == "image-digest"
    assert first.get("message") == "alpine:3.14 is not pinned by digest."
    assert cases["clean/Dockerfile"].find("failure") is None
    assert cases["sub dir/Dockerfile"].find("failure") is None  # only suppressed findings there
    info_case = cases["svc/ü nicode/Dockerfile"]
    assert info_case.find("failure") is None  # info is below the warning threshold
    assert "label-unicode" in (info_case.findtext("system-out") or "")
    assert suite.get("failures") == "1"


def test_threshold_error_and_never(make_input: Make) -> None:
    suite = ET.fromstring(render("junit", make_input(fail_on="error"))).find("testsuite")
    assert suite is not None
    assert sum(len(c.findall("failure")) for c in suite) == 2
    suite = ET.fromstring(render("junit", make_input(fail_on="never"))).find("testsuite")
    assert suite is not None and suite.get("failures") == "0"


def test_escaping_and_control_characters(make_input: Make) -> None:
    f = Finding(rule="r", severity=Severity.ERROR, message='<&>"\x1b[31m\x00',
                location=Location("odd<&>.Dockerfile", 1, 1, 1, 2))
    text = render("junit", make_input(findings=[f], scanned=["odd<&>.Dockerfile"]))
    failure = ET.fromstring(text).find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == '<&>"\ufffd[31m\ufffd'
