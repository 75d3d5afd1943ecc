"""Property tests: the parser never raises, and every span it reports is honest."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlint.dockerfile.model import Document, Span
from dlint.dockerfile.parser import parse

KEYWORDS = ["FROM", "RUN", "COPY", "ADD", "ENV", "LABEL", "ARG", "CMD", "ONBUILD", "HEALTHCHECK",
            "USER", "WORKDIR", "EXPOSE", "SHELL", "from", "Run", "BOGUS"]  # fmt: skip
PIECES = [" ", "\t", "\\", "`", "\n", "\r\n", "#", "# escape=`\n", "# syntax=x\n", "<<EOF", "<<-'E'",
          "EOF", "\tE", "3<<X", "X", "[", "]", '"', "'", ",", "=", "--from=a", "--mount=x", "--",
          "AS", "a", "b c", "$V", "${V:-d}", "ü", "\ufeff", "\x00", "{", "1"]  # fmt: skip

line = st.tuples(st.sampled_from(KEYWORDS), st.lists(st.sampled_from(PIECES), max_size=8)).map(
    lambda t: t[0] + " " + "".join(t[1])
)
dockerfile_like = st.lists(st.one_of(line, st.sampled_from(PIECES)), max_size=12).map("\n".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spans(doc: Document) -> list[Span]:
    out: list[Span] = [e.span for e in doc.errors] + [c.span for c in doc.comments]
    out += [d.span for d in doc.directives] + [d.value_span for d in doc.directives]
    for ins in doc.instructions:
        for item in (ins, ins.onbuild):
            if item is None:
                continue
            out += [item.span, item.keyword_span]
            out += [w.span for w in item.words] + [f.token.span for f in item.flags]
            out += [h.span for h in item.heredocs]
    return out


def check_document(doc: Document) -> None:
    lines = max(doc.text.count("\n") + 1, 1)
    for span in spans(doc):
        assert 1 <= span.start_line <= span.end_line <= lines, span
        assert 0 <= span.start_offset <= span.end_offset <= len(doc.raw), span
        assert span.start_column >= 1 and span.end_column >= 1
        if span.start_line == span.end_line:
            assert span.start_column <= span.end_column
    for ins in doc.instructions:
        for item in (ins, ins.onbuild):
            if item is None:
                continue
            for token in item.words:
                if token.contiguous:
                    assert text_at(doc, token.span) == token.value, token
            kw = item.keyword_span
            if kw.start_line == kw.end_line:  # a keyword may cross a continuation too
                assert text_at(doc, kw) == item.written_keyword


def text_at(doc: Document, span: Span) -> str:
    """The file's text under a span, invalid bytes shown as U+FFFD one per byte."""
    piece = doc.raw[span.start_offset : span.end_offset].decode("utf-8", "surrogateescape")
    return re.sub("[\udc80-\udcff]", "\ufffd", piece)


@SETTINGS
@given(st.text())
def test_any_text(text: str) -> None:
    check_document(parse(text))


@SETTINGS
@given(st.binary())
def test_any_bytes(raw: bytes) -> None:
    check_document(parse(raw))


@SETTINGS
@given(dockerfile_like)
def test_dockerfile_like_text(text: str) -> None:
    check_document(parse(text))


@SETTINGS
@given(dockerfile_like)
def test_dockerfile_like_crlf_and_bom(text: str) -> None:
    check_document(parse(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")))


def test_huge_and_deep_inputs() -> None:
    check_document(parse(b"RUN [" * 50000 + b"\n"))
    check_document(parse(b"RUN " + b"a \\\n" * 20000 + b"\n"))
    check_document(parse(b"\x00\xff" * 100000))
