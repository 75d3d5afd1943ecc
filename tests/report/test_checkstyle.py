"""Checkstyle XML: every scanned file, one error per finding, suppressed only on request."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from dlint.report import ReportInput, render

Make = Callable[..., ReportInput]


def test_files_and_errors(make_input: Make) -> None:
    text = render("checkstyle", make_input())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">')
    root = ET.fromstring(text)
    files = {f.get("name"): f for f in root.findall("file")}
    assert set(files) == {"Dockerfile", "svc/ü nicode/Dockerfile", "sub dir/Dockerfile", "clean/Dockerfile"}
    errors = files["Dockerfile"].findall("error")
    assert [(e.get("line"), e.get("column"), e.get("severity"), e.get("source")) for e in errors] == [
        ("2", "6", "error", "dlint.image-digest"),
        ("4", "6", "warning", "dlint.image-digest"),
        ("4", "6", "warning", "dlint.image-tag-latest"),
        ("5", "6", "error", "dlint.user-root"),
    ]
    assert files["svc/ü nicode/Dockerfile"].find("error").get("severity") == "info"  # type: ignore[union-attr]
    assert files["sub dir/Dockerfile"].findall("error") == []
    assert render("checkstyle", make_input()) == text


def test_suppressed_shown_as_ignore(make_input: Make) -> None:
    root = ET.fromstring(render("checkstyle", make_input(show_suppressed=True)))
    node = next(f for f in root.findall("file") if f.get("name") == "sub dir/Dockerfile")
    assert {e.get("severity") for e in node.findall("error")} == {"ignore"}
