from __future__ import annotations

from tests.checks.conftest import Lint


def test_syntax_reports_buildkit_errors_at_their_line(lint: Lint) -> None:
    text = "FROM debian:12\nFOO bar\nRUN <<EOF\necho never ends\n"
    found = lint("syntax", text)
    lines = sorted(v.span.start_line for v in found)
    assert 2 in lines and 3 in lines


def test_syntax_passes_valid_file(lint: Lint) -> None:
    assert lint("syntax", "FROM debian:12\nRUN <<EOF\necho hi\nEOF\n") == []


def test_empty_continuation_is_its_own_warning(lint: Lint) -> None:
    text = "FROM debian:12\nRUN echo a && \\\n\n    echo b\n"
    assert lint("syntax", text) == []
    (violation,) = lint("empty-continuation", text)
    assert violation.span.start_line == 3
    assert lint("empty-continuation", "FROM debian:12\nRUN echo a && \\\n    echo b\n") == []


def test_variables_in_copy_from_are_a_syntax_error_as_in_buildkit(lint: Lint) -> None:
    (violation,) = lint("syntax", "ARG V=1\nFROM alpine\nCOPY --from=ghcr.io/acme/x:${V} /a /a\n")
    assert violation.span.start_line == 3 and violation.span.start_column == 13
    assert "variable expansion is not supported for --from" in violation.message
