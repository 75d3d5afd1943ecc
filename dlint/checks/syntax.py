"""Checks that surface what the parser found: BuildKit's errors and warnings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dlint.checks import Violation, check
from dlint.dockerfile.model import Document


def _instruction_at(doc: Document, line: int) -> int | None:
    for instruction in doc.instructions:
        if instruction.span.start_line <= line <= instruction.span.end_line:
            return instruction.index
    return None


@check("syntax")
def syntax(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Reports what BuildKit would refuse to build: unknown instructions, a `FROM` with the
    wrong number of arguments, an unterminated heredoc, an invalid or duplicated parser
    directive, an exec-form JSON array holding a non-string, unknown flags, invalid or
    duplicated stage names, a `COPY --from` stage index that names no stage, a variable in
    `COPY --from` or `RUN --mount=...,from=` (BuildKit does not expand those), and files
    that are not valid UTF-8.

    ## Why is this bad?
    The build fails (or, for some shapes, BuildKit reads the file differently from what
    the author meant). Every other rule looks at what could be parsed, so a syntax error
    can also hide violations further down.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS build extra
    RUN <<EOF
    echo never terminated
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS build
    RUN <<EOF
    echo terminated
    EOF
    ```

    ## Options
    None.
    """
    for error in doc.errors:
        if error.fatal or error.code in _REPORTED_WARNINGS:
            yield Violation(error.message, error.span, _instruction_at(doc, error.span.start_line))


# Parser warnings that are still syntax problems for a linter: BuildKit builds a file with
# invalid UTF-8, but every tool downstream (and dlint's own columns) reads it as garbage.
_REPORTED_WARNINGS = frozenset({"invalid-utf8"})


@check("empty-continuation")
def empty_continuation(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags an empty (or whitespace-only) line inside a continued instruction, as BuildKit's
    `NoEmptyContinuation` check does.

    ## Why is this bad?
    BuildKit skips the empty line and joins the instruction across it, but the file reads
    as if the instruction ended there. Older parsers (and people) end the instruction at
    the blank line, so the same file means two different things. BuildKit plans to make
    this an error.

    ## Example
    ```dockerfile
    RUN apt-get update && \\

        apt-get install -y curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && \\
        apt-get install -y curl
    ```

    ## Options
    None.
    """
    for error in doc.errors:
        if not error.fatal and error.code == "empty-continuation":
            yield Violation(error.message, error.span, _instruction_at(doc, error.span.start_line))
