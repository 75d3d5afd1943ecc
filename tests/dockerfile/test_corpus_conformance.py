"""The parser against BuildKit's own parse of 2,028 real Dockerfiles (read from ../shared).

The reference parse comes from BuildKit v0.12.5 (PyPI ``dockerfile``).  Where current
BuildKit behaves differently and dlint follows current BuildKit, the file is listed in
KNOWN_DIFFERENCES with the reason; every other file must agree exactly.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from dlint.dockerfile.model import Document, Instruction
from dlint.dockerfile.parser import parse

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPUS = SHARED / "corpus"
REFERENCE = SHARED / "conformance" / "corpus-buildkit-parse.jsonl"

if not (CORPUS.is_dir() and REFERENCE.is_file()):
    pytest.skip(
        f"corpus or its BuildKit parse not found under {SHARED} (the shared data directory is "
        "missing); corpus conformance tests skipped",
        allow_module_level=True,
    )

KNOWN_DIFFERENCES = {
    "GoogleContainerTools__kaniko/integration__dockerfiles__Dockerfile_test_cmd": (
        'ENTRYPOINT ["myentrypoint"] # comment: v0.12.5 decoded JSON with json.NewDecoder, which '
        "ignores text after the array; BuildKit since dockerfile 1.10 (commit 80518e257) requires "
        "the whole rest to be JSON, so it is shell form"
    ),
}


@cache
def reference() -> dict[str, list[dict[str, Any]]]:
    rows = (json.loads(line) for line in REFERENCE.read_text(encoding="utf-8").splitlines())
    return {row["file"]: row["instructions"] for row in rows}


@cache
def parsed(name: str) -> Document:
    return parse((CORPUS / name).read_bytes(), name)


def _pairs(ins: Instruction) -> list[str]:
    """v0.12.5 has no separator node in ENV/LABEL args: drop every third element."""
    if ins.keyword in ("ENV", "LABEL"):
        return [arg for i, arg in enumerate(ins.args) if i % 3 != 2]
    return list(ins.args)


def as_reference(ins: Instruction) -> dict[str, Any]:
    target = ins.onbuild if ins.onbuild is not None else ins
    return {
        "cmd": ins.written_keyword,
        "start_line": ins.line,
        "end_line": ins.end_line,
        "flags": [f.token.value for f in ins.flags],
        "value": _pairs(target),
        "json": target.json_form,
        "sub_cmd": ins.onbuild.written_keyword if ins.onbuild is not None else None,
        "heredocs": [
            {"name": h.name, "content": h.body, "fd": h.file_descriptor or 0} for h in ins.heredocs
        ],
    }


def agrees(name: str) -> bool:
    ours = [as_reference(ins) for ins in parsed(name).instructions]
    return ours == reference()[name]


def test_corpus_is_complete() -> None:
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv"]
    assert len(files) == len(reference()) == 2028


def test_agreement_rate_and_known_differences() -> None:
    names = sorted(reference())
    disagreeing = {name for name in names if not agrees(name)}
    assert disagreeing == set(KNOWN_DIFFERENCES)
    assert 1 - len(disagreeing) / len(names) >= 0.995


def test_corpus_files_parse_without_fatal_parser_errors() -> None:
    # BuildKit v0.12.5 parsed every file; only instruction-level checks may object.
    allowed = {"unknown-instruction", "flag-value", "invalid-stage-name", "unknown-flag"}
    for name in reference():
        codes = {e.code for e in parsed(name).errors if e.fatal}
        assert codes <= allowed, (name, codes)


def test_heredoc_bodies_are_never_instructions() -> None:
    seen = 0
    for name in reference():
        doc = parsed(name)
        body_lines: set[int] = set()
        for ins in doc.instructions:
            for heredoc in ins.heredocs:
                seen += 1
                body_lines.update(range(heredoc.span.start_line, heredoc.span.end_line + 1))
        assert not any(ins.line in body_lines for ins in doc.instructions), name
        assert not any(c.span.start_line in body_lines for c in doc.comments), name
    assert seen >= 40
