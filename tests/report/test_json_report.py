"""JSON reporter: validates against schemas/report.schema.json and is byte-stable."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema

from dlint.report import ReportInput, render

Make = Callable[..., ReportInput]
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "report.schema.json").read_text())


def _validate(doc: object) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def _all_keys_described(node: object) -> None:
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            assert "description" in sub, name
        for value in node.values():
            _all_keys_described(value)
    elif isinstance(node, list):
        for value in node:
            _all_keys_described(value)


def test_schema_describes_every_key() -> None:
    _all_keys_described(SCHEMA)


def test_report_shape_and_schema(make_input: Make) -> None:
    text = render("json", make_input())
    doc = json.loads(text)
    _validate(doc)
    assert text.endswith("}\n") and text.startswith('{\n  "version": 1,')
    assert doc["tool"] == {"name": "dlint", "version": "0.1.0"}
    assert doc["files"] == sorted(doc["files"]) and len(doc["files"]) == 4
    assert all(f["suppression"] is None for f in doc["findings"])
    assert doc["summary"] == {"files": 4, "findings": 5, "errors": 2, "warnings": 2, "infos": 1,
                              "suppressed": 2, "baseline_hidden": 0}
    first = doc["findings"][0]
    assert first == {"rule": "image-digest", "severity": "error",
                     "message": "alpine:3.14 is not pinned by digest.",
                     "path": "Dockerfile", "line": 2, "column": 6, "end_line": 2, "end_column": 17,
                     "suppression": None}
    # a warning under an error rule stays a warning
    assert doc["findings"][1]["severity"] == "warning" and doc["findings"][1]["rule"] == "image-digest"


def test_show_suppressed(make_input: Make) -> None:
    doc = json.loads(render("json", make_input(show_suppressed=True, baseline_hidden=2)))
    _validate(doc)
    sup = [f["suppression"] for f in doc["findings"] if f["suppression"]]
    assert {"kind": "waiver", "reason": "vendor image", "source": ".dlint.yaml:12"} in sup
    assert {"kind": "inline", "reason": None, "source": "sub dir/Dockerfile:1"} in sup
    assert doc["summary"]["baseline_hidden"] == 2


def test_byte_stable_and_order_independent(make_input: Make) -> None:
    a = render("json", make_input())
    data = make_input()
    data.findings.reverse()
    assert render("json", data) == a == render("json", make_input())


def test_empty(make_input: Make) -> None:
    doc = json.loads(render("json", make_input(findings=[], scanned=[], files={})))
    _validate(doc)
    assert doc["findings"] == [] and doc["summary"]["files"] == 0
