"""BuildKit's own parser test cases, read from ../shared (never copied into the repo).

Each positive case must dump exactly as BuildKit's ``Node.Dump`` does; each negative
case must give at least one fatal syntax error; the line-number case must give BuildKit's
start and end lines.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from dlint.dockerfile.model import Instruction
from dlint.dockerfile.parser import parse

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CASES = SHARED / "conformance" / "buildkit-testfiles"

if not CASES.is_dir():
    pytest.skip(
        f"BuildKit parser test cases not found at {CASES} (the shared data directory is missing); "
        "conformance tests skipped",
        allow_module_level=True,
    )

_GO_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t",
               "\v": r"\v", "\\": "\\\\", '"': '\\"'}  # fmt: skip


def go_quote(text: str) -> str:
    """Go's strconv.Quote, for the characters Dockerfiles contain."""
    out = ['"']
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch == " " or (ch.isprintable() and unicodedata.category(ch)[0] != "Z"):
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def dump_instruction(ins: Instruction) -> str:
    """One instruction the way BuildKit's Node.Dump prints it."""
    parts = [ins.written_keyword.lower()]
    if ins.flags:
        parts.append("[" + " ".join(go_quote(f.token.value) for f in ins.flags) + "]")
    if ins.onbuild is not None:
        parts.append("(" + dump_instruction(ins.onbuild) + ")")
    else:
        parts.extend(go_quote(arg) for arg in ins.args)
    return " ".join(parts)


def dump(data: bytes) -> str:
    return "".join(f"({dump_instruction(ins)})\n" for ins in parse(data).instructions)


POSITIVE = sorted(p.name for p in (CASES / "testfiles").iterdir() if p.is_dir())
NEGATIVE = sorted(p.name for p in (CASES / "testfiles-negative").iterdir() if p.is_dir())


def test_case_counts() -> None:
    assert len(POSITIVE) == 33
    assert len(NEGATIVE) == 4


@pytest.mark.parametrize("case", POSITIVE)
def test_positive_case_dumps_like_buildkit(case: str) -> None:
    folder = CASES / "testfiles" / case
    expected = (folder / "result").read_text(encoding="utf-8")
    assert dump((folder / "Dockerfile").read_bytes()) == expected


# BuildKit's parser accepts every positive case, but its instruction parser (which dlint
# also applies) rejects some of them; these are exactly the objections expected.
EXPECTED_ERRORS = {
    "flags": [("unknown-flag", n) for n in (3, 4, 5, 6, 8, 9, 10)],
    "health": [("missing-arguments", 4), ("syntax", 7), ("syntax", 10)],
}


@pytest.mark.parametrize("case", POSITIVE)
def test_positive_case_fatal_errors_are_only_instruction_checks(case: str) -> None:
    doc = parse((CASES / "testfiles" / case / "Dockerfile").read_bytes())
    fatal = [(e.code, e.span.start_line) for e in doc.errors if e.fatal]
    assert fatal == EXPECTED_ERRORS.get(case, [])


@pytest.mark.parametrize("case", NEGATIVE)
def test_negative_case_is_rejected(case: str) -> None:
    doc = parse((CASES / "testfiles-negative" / case / "Dockerfile").read_bytes())
    assert any(e.fatal for e in doc.errors), doc.errors


def test_line_numbers() -> None:
    doc = parse((CASES / "testfile-line" / "Dockerfile").read_bytes())
    lines = [(i.line, i.end_line) for i in doc.instructions]
    assert lines == [(5, 5), (11, 12), (17, 31)]
    assert (min(a for a, _ in lines), max(b for _, b in lines)) == (5, 31)


def test_go_quote() -> None:
    assert go_quote('a"b\\c\n\x01é') == '"a\\"b\\\\c\\n\\x01é"'
