"""The baseline over real files and the real engine: stable under edits, strict about new
duplicates, honest about fixed entries, and a file that diffs well."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlint.engine import evaluate
from dlint.findings import Finding, Suppression
from dlint.policy import builtin_policy, known_rule_ids
from dlint.suppress import (
    BaselineError,
    apply_baseline,
    apply_inline,
    load_baseline,
    prune_baseline,
    write_baseline,
)
from tests.suppress.conftest import load

ORIGINAL = (
    "FROM golang:1.22 AS build\n"
    "RUN go build -o /app .\n"
    "FROM alpine:3.20\n"
    "COPY --from=build /app /app\n"
    "USER root\n"
)


def lint(root: Path, files: dict[str, str]) -> list[Finding]:
    policy = builtin_policy()
    found: list[Finding] = []
    for rel, text in files.items():
        found.extend(evaluate(load(root, rel, text), policy))
    return found


def active(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.suppressed]


@pytest.fixture
def baseline_file(tmp_path: Path) -> Path:
    path = tmp_path / "dlint-baseline.json"
    findings = lint(tmp_path, {"Dockerfile": ORIGINAL})
    assert len(findings) == 3  # two unpinned images and a root user
    assert write_baseline(path, findings) == 3
    return path


def test_file_format_is_sorted_versioned_one_entry_per_line(baseline_file: Path) -> None:
    text = baseline_file.read_text()
    assert text == (
        "{\n"
        '  "version": 1,\n'
        '  "tool": "dlint",\n'
        '  "entries": [\n'
        '    {"path": "Dockerfile", "rule": "image-digest", "occurrence": 0, '
        '"context": "FROM alpine:3.20"},\n'
        '    {"path": "Dockerfile", "rule": "image-digest", "occurrence": 0, '
        '"context": "FROM golang:1.22 AS build"},\n'
        '    {"path": "Dockerfile", "rule": "root-user", "occurrence": 0, "context": "USER root"}\n'
        "  ]\n"
        "}\n"
    )
    assert json.loads(text)["version"] == 1
    rules = [e.rule for e in load_baseline(baseline_file).entries]
    assert rules == ["image-digest", "image-digest", "root-user"]


def test_unchanged_file_is_fully_hidden(tmp_path: Path, baseline_file: Path) -> None:
    result = apply_baseline(lint(tmp_path, {"Dockerfile": ORIGINAL}), load_baseline(baseline_file))
    assert result.hidden == 3 and result.stale == [] and active(result.findings) == []
    assert {f.suppression for f in result.findings} == {Suppression("baseline", None, str(baseline_file))}


def test_edits_above_and_below_and_reformatting_do_not_resurrect(tmp_path: Path, baseline_file: Path) -> None:
    edited = (
        "# build the app, then ship it\n"
        "ARG VERSION=1\n"
        "\n"
        "FROM   golang:1.22   AS build\n"  # re-spaced
        "RUN go build -o /app .\n"
        "RUN go vet ./...\n"
        "FROM alpine:3.20\n"
        "RUN apk add --no-cache ca-certificates\n"
        "COPY --from=build /app /app\n"
        "USER \\\n"
        "    root\n"  # re-wrapped
        'LABEL org.opencontainers.image.title="app"\n'
    )
    result = apply_baseline(lint(tmp_path, {"Dockerfile": edited}), load_baseline(baseline_file))
    assert active(result.findings) == []
    assert result.hidden == 3 and result.stale == []


def test_duplicate_violation_in_another_stage_is_new(tmp_path: Path, baseline_file: Path) -> None:
    text = ORIGINAL + "FROM alpine:3.20\nUSER root\n"
    result = apply_baseline(lint(tmp_path, {"Dockerfile": text}), load_baseline(baseline_file))
    new = active(result.findings)
    # the second `FROM alpine:3.20` is the next occurrence of an accepted finding: new.  The
    # root user finding moved to the new final stage but is the same content: still accepted.
    assert [(f.rule, f.location.line) for f in new] == [("image-digest", 6)]
    assert result.hidden == 3 and result.stale == []


def test_duplicate_violation_in_another_file_is_new(tmp_path: Path, baseline_file: Path) -> None:
    findings = lint(tmp_path, {"Dockerfile": ORIGINAL, "svc/Dockerfile": ORIGINAL})
    result = apply_baseline(findings, load_baseline(baseline_file))
    assert {f.location.path for f in active(result.findings)} == {"svc/Dockerfile"}
    assert len(active(result.findings)) == 3 and result.hidden == 3


def test_fixed_findings_are_stale_and_prune_shrinks_the_file(tmp_path: Path, baseline_file: Path) -> None:
    fixed = ORIGINAL.replace("FROM alpine:3.20", "FROM alpine:3.20@sha256:" + "a" * 64).replace(
        "USER root", "USER app"
    )
    baseline = load_baseline(baseline_file)
    result = apply_baseline(lint(tmp_path, {"Dockerfile": fixed}), baseline)
    assert result.hidden == 1
    assert [e.describe() for e in result.stale] == [
        "Dockerfile: image-digest on `FROM alpine:3.20`",
        "Dockerfile: root-user on `USER root`",
    ]
    assert prune_baseline(baseline_file, baseline, result.stale) == 2
    again = load_baseline(baseline_file)
    assert [e.context for e in again.entries] == ["FROM golang:1.22 AS build"]
    before = baseline_file.stat().st_mtime_ns
    assert prune_baseline(baseline_file, again, []) == 0
    assert baseline_file.stat().st_mtime_ns == before


def test_partial_scan_does_not_call_other_files_fixed(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    write_baseline(path, lint(tmp_path, {"a/Dockerfile": "FROM alpine\n", "b/Dockerfile": "FROM alpine\n"}))
    findings = lint(tmp_path, {"a/Dockerfile": "FROM alpine\n"})
    result = apply_baseline(findings, load_baseline(path), scanned=["a/Dockerfile"])
    assert result.stale == [] and result.hidden == len(findings)
    assert len(apply_baseline(findings, load_baseline(path)).stale) > 0


def test_suppressed_findings_are_not_recorded(tmp_path: Path) -> None:
    text = "# dlint ignore=image-digest -- ok\nFROM alpine:3.20\nFROM alpine:3.20\nUSER root\n"
    findings = lint(tmp_path, {"Dockerfile": text})
    doc = load(tmp_path, "Dockerfile", text)
    findings = apply_inline(doc, findings, builtin_policy(), known_rule_ids(builtin_policy()))
    path = tmp_path / "b.json"
    assert write_baseline(path, findings) == 2
    entries = load_baseline(path).entries
    assert [(e.rule, e.occurrence) for e in entries] == [("image-digest", 0), ("root-user", 0)]
    # handing over all findings or only the active ones gives the same keys
    for given in (findings, active(findings)):
        result = apply_baseline(given, load_baseline(path))
        assert result.hidden == 2 and active(result.findings) == []


def test_findings_without_an_instruction_are_keyed_on_their_message(tmp_path: Path) -> None:
    text = "# syntax=docker/dockerfile:1\nFROM alpine@sha256:" + "a" * 64 + "\n"
    findings = [f for f in lint(tmp_path, {"Dockerfile": text}) if f.location.line == 1]
    assert [f.context for f in findings] == [""]  # the syntax directive is no instruction
    path = tmp_path / "b.json"
    write_baseline(path, findings)
    (entry,) = load_baseline(path).entries
    assert entry.context == "message: " + findings[0].message
    moved = text.replace("FROM", "# a comment\n\nARG X=1\nFROM") + "RUN true\n"
    assert apply_baseline(lint(tmp_path, {"Dockerfile": moved}), load_baseline(path)).hidden == 1


def test_writing_is_deterministic(tmp_path: Path) -> None:
    findings = lint(tmp_path, {"b/Dockerfile": ORIGINAL, "a/Dockerfile": ORIGINAL})
    one, two = tmp_path / "1.json", tmp_path / "2.json"
    write_baseline(one, findings)
    write_baseline(two, list(reversed(findings)))
    assert one.read_bytes() == two.read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not JSON"),
        ("[]", "expected a JSON object"),
        ('{"version": 99, "entries": []}', "unsupported version 99"),
        ('{"version": 1}', "'entries' must be a list"),
        ('{"version": 1, "entries": [{"path": "D", "rule": "r"}]}', "entry 1: 'context' must be a string"),
        (
            '{"version": 1, "entries": [{"path": "D", "rule": "r", "context": "", "occurrence": -1}]}',
            "non-negative integer",
        ),
    ],
)
def test_corrupt_baseline_is_a_clear_error(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content)
    with pytest.raises(BaselineError) as error:
        load_baseline(path)
    assert str(path) in str(error.value) and reason in str(error.value)


def test_missing_baseline_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="not found"):
        load_baseline(tmp_path / "nope.json")
