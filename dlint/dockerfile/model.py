"""The document model: what the parser hands to every later stage.

Plain dataclasses with no behaviour beyond small conveniences, so the parse stage can be
tested and benchmarked alone and the rule engine never needs to know how text became
structure.  Every token keeps both a line/column span (for humans and SARIF) and byte
offsets into the original file (for byte-exact rewriting by ``dlint pin``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Span:
    """A region of the source file.

    Lines and columns are 1-based and the end is exclusive.  Columns count Unicode code
    points of the decoded line (reporters convert to UTF-16 for SARIF).  Offsets are byte
    offsets into the original file bytes (BOM included), end exclusive, so a rewriter can
    splice the exact bytes of a token without re-encoding anything around it.
    """

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    start_offset: int = 0
    end_offset: int = 0


def leading_span(span: Span, text: str) -> Span:
    """The part of ``span`` that ``text`` covers from its start, on the start line: a key
    inside ``KEY=value``, or an instruction's first line when it spans several."""
    return Span(
        span.start_line,
        span.start_column,
        span.start_line,
        span.start_column + len(text),
        span.start_offset,
        span.start_offset + len(text.encode("utf-8")),
    )


@dataclass(frozen=True, slots=True)
class Token:
    """One word of an instruction as written, with where it sits in the file.

    ``value`` is the text after continuation lines are joined (the escape character and
    the line break removed), exactly as BuildKit sees the word before variable expansion.
    When a token crosses a continuation its span covers all of it, and ``contiguous`` is
    False: such a token cannot be rewritten by a simple byte splice.
    """

    value: str
    span: Span
    contiguous: bool = True


@dataclass(frozen=True, slots=True)
class Flag:
    """A leading ``--name[=value]`` word of an instruction."""

    name: str
    value: str | None
    token: Token


@dataclass(frozen=True, slots=True)
class Heredoc:
    """A heredoc attached to RUN/COPY/ADD.  Its body is data, never instructions."""

    name: str
    body: str
    expand: bool  # False for <<"EOF" / <<'EOF'
    chomp: bool  # True for <<-EOF (leading tabs stripped)
    file_descriptor: int | None
    span: Span  # from the first body line to the end of the terminator line


@dataclass(slots=True)
class Instruction:
    """One instruction, with BuildKit's view of its arguments and our source positions.

    ``args`` mirrors BuildKit's AST children exactly (``result`` files in its parser
    test cases): for ENV and LABEL they are (key, value, separator) triples flattened, for
    JSON form the decoded strings, for RUN/CMD/ENTRYPOINT/SHELL shell form the single
    rest-of-line string, and whitespace-separated words for the rest.  ``words`` are the
    shell-form words with spans, which is what checks that point at a token use.
    """

    keyword: str  # upper-case, e.g. "FROM"
    written_keyword: str  # as in the file, e.g. "from"
    span: Span  # whole instruction: keyword to last byte of its last line (heredocs included)
    keyword_span: Span
    flags: list[Flag] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    words: list[Token] = field(default_factory=list)
    json_form: bool = False
    heredocs: list[Heredoc] = field(default_factory=list)
    onbuild: Instruction | None = None  # the wrapped instruction of ONBUILD
    original: str = ""  # the joined text of the instruction (continuations removed)
    index: int = 0  # position in Document.instructions
    stage: int | None = None  # index of the stage it belongs to, None before the first FROM

    @property
    def line(self) -> int:
        return self.span.start_line

    @property
    def end_line(self) -> int:
        return self.span.end_line

    def flag(self, name: str) -> Flag | None:
        """The last flag with this name (BuildKit lets a later flag win)."""
        found = None
        for item in self.flags:
            if item.name == name:
                found = item
        return found


@dataclass(frozen=True, slots=True)
class Directive:
    """A parser directive from the top of the file (``# syntax=``, ``# escape=``, ``# check=``)."""

    name: str  # lower-case
    value: str
    span: Span  # the whole comment line
    value_span: Span


@dataclass(frozen=True, slots=True)
class SyntaxError_:
    """Something BuildKit would reject, or warn about, with where it is."""

    message: str
    span: Span
    code: str = "syntax"  # a short machine name, e.g. "unknown-instruction", "unterminated-heredoc"
    fatal: bool = True  # False for BuildKit warnings such as an empty continuation line


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line (outside heredoc bodies), kept for inline suppressions."""

    text: str  # without the leading '#', stripped
    span: Span


ImageSource = Literal["from", "copy-from", "mount-from", "syntax"]


@dataclass(slots=True)
class ImageRef:
    """One image reference as an occurrence in the file.

    ``written`` is the token as in the file; ``resolved`` is after ARG expansion (``None``
    when a variable stays unresolved).  The normalized parts follow Docker's reference
    grammar, so ``alpine``, ``docker.io/library/alpine`` and ``index.docker.io/alpine``
    have the same ``registry``/``repository``.
    """

    source: ImageSource
    written: str
    resolved: str | None
    registry: str | None
    repository: str | None
    tag: str | None
    digest: str | None
    span: Span  # the image token (for syntax: the directive value)
    instruction: int | None  # index into Document.instructions (None for syntax)
    stage: int | None
    unresolved: list[str] = field(default_factory=list)  # variable names left unresolved
    overridable: list[str] = field(default_factory=list)  # meta ARGs a --build-arg could change
    arg_name: str | None = None  # the single meta ARG the whole token came from, e.g. BASE
    arg_default_span: Span | None = None  # where that ARG's default value is written
    error: str | None = None  # why the resolved value is not a valid reference

    @property
    def line(self) -> int:
        return self.span.start_line

    @property
    def column(self) -> int:
        return self.span.start_column

    @property
    def name(self) -> str | None:
        """``registry/repository`` (the familiar normalized name), or None when unknown."""
        if self.registry is None or self.repository is None:
            return None
        return f"{self.registry}/{self.repository}"


@dataclass(slots=True)
class Stage:
    """A build stage: one FROM and the instructions up to the next."""

    index: int
    name: str | None  # lower-cased as BuildKit matches it
    written_name: str | None
    name_span: Span | None
    base: str  # FROM's argument as written
    base_stage: int | None  # when FROM names an earlier stage
    image: ImageRef | None  # when FROM names an image (not a stage, not scratch)
    platform: str | None
    from_instruction: int
    instructions: list[int] = field(default_factory=list)  # indices, FROM included

    @property
    def is_scratch(self) -> bool:
        return self.base.lower() == "scratch"


@dataclass(slots=True)
class MetaArg:
    """An ARG before the first FROM: the only ARGs that reach FROM lines."""

    name: str
    default: str | None
    token: Token
    default_span: Span | None
    instruction: int


@dataclass(slots=True)
class Document:
    """A whole Dockerfile after parsing and model building."""

    path: str  # as given, relative to the scan root, forward slashes
    text: str  # decoded text without BOM
    raw: bytes
    escape: str = "\\"
    bom: bool = False
    line_ending: str = "\n"  # "\r\n" when the file uses CRLF
    directives: list[Directive] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    errors: list[SyntaxError_] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    meta_args: list[MetaArg] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    build_args: dict[str, str] = field(default_factory=dict)

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def lines(self) -> list[str]:
        return self.text.splitlines()
