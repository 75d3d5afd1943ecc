"""Decoded lines of a Dockerfile and the maps from text positions back to the file.

BuildKit reads a Dockerfile as bytes split on ``\\n`` only, so lines here are split the
same way (never ``str.splitlines``, which also breaks on form feeds and U+2028).  Every
span needs both a code-point column and a byte offset into the original bytes; the byte
offset is derived lazily per line so that ASCII files (nearly all) cost nothing extra.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate

from dlint.dockerfile.model import Span, Token

BOM = b"\xef\xbb\xbf"

# Go's unicode.IsSpace, which BuildKit uses to trim lines and split words.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)

_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_S1, _S2, _S3, _S4, _S5, _S6 = (
    Span.__dict__[name].__set__
    for name in ("start_line", "start_column", "end_line", "end_column", "start_offset", "end_offset")
)
_new = object.__new__


def make_span(line: int, col: int, end_line: int, end_col: int, start: int, end: int) -> Span:
    """Span(...) without the frozen-dataclass __init__, which is twice as slow.

    Spans are the parser's most numerous objects; this keeps parsing the corpus fast.
    """
    span: Span = _new(Span)
    _S1(span, line)
    _S2(span, col)
    _S3(span, end_line)
    _S4(span, end_col)
    _S5(span, start)
    _S6(span, end)
    return span


_T1, _T2, _T3 = (Token.__dict__[name].__set__ for name in ("value", "span", "contiguous"))


def make_token(value: str, span: Span, contiguous: bool) -> Token:
    """Token(...) without the frozen-dataclass __init__, for the same reason as make_span."""
    token: Token = _new(Token)
    _T1(token, value)
    _T2(token, span)
    _T3(token, contiguous)
    return token


class Source:
    """The file as lines, with the information needed to turn positions into spans."""

    __slots__ = (
        "_ascii",
        "_line_starts",
        "_offset_lines",
        "bom",
        "contents",
        "ends_with_newline",
        "invalid_utf8",
        "lines",
        "raw",
        "text",
    )

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.bom = raw.startswith(BOM)
        body = raw[3:] if self.bom else raw
        try:
            decoded = body.decode("utf-8")
            self.invalid_utf8 = False
            self.text = decoded
        except UnicodeDecodeError:
            # surrogateescape keeps one code point per bad byte, so columns and byte
            # offsets still line up; the public text shows U+FFFD in their place.
            decoded = body.decode("utf-8", "surrogateescape")
            self.invalid_utf8 = True
            self.text = _ESCAPED_BYTE.sub("\ufffd", decoded)
        self.ends_with_newline = decoded.endswith("\n")
        self.lines = self._split(self.text)
        self._offset_lines = self._split(decoded) if self.invalid_utf8 else self.lines
        base = 3 if self.bom else 0
        lengths = [len(b) + 1 for b in body.split(b"\n")]
        self._line_starts = list(accumulate(lengths, initial=base))
        self._ascii: list[bool | None] = [None] * len(self.lines)
        self.contents = [line.rstrip("\r") for line in self.lines] if "\r" in self.text else self.lines

    @staticmethod
    def _split(text: str) -> list[str]:
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return lines

    def byte_offset(self, line: int, col: int) -> int:
        """Byte offset of 0-based ``line``/``col`` (code points) in the raw file."""
        if line >= len(self._offset_lines):
            return len(self.raw)
        start = self._line_starts[line]
        if col <= 0:
            return start
        flag = self._ascii[line]
        if flag is None:
            flag = self._ascii[line] = self._offset_lines[line].isascii()
        if flag:
            return start + col
        return start + len(self._offset_lines[line][:col].encode("utf-8", "surrogateescape"))

    def ascii_line(self, line: int) -> bool:
        """Whether columns of ``line`` are byte counts (an existing, all-ASCII line)."""
        if line >= len(self._offset_lines):
            return False
        flag = self._ascii[line]
        if flag is None:
            flag = self._ascii[line] = self._offset_lines[line].isascii()
        return flag

    def line_start(self, line: int) -> int:
        """Byte offset of the start of an existing 0-based ``line``."""
        return self._line_starts[line]

    def span(self, line: int, col: int, end_line: int, end_col: int) -> Span:
        """A Span from 0-based positions (end exclusive)."""
        return make_span(
            line + 1,
            col + 1,
            end_line + 1,
            end_col + 1,
            self.byte_offset(line, col),
            self.byte_offset(end_line, end_col),
        )

    def line_span(self, line: int, col: int = 0) -> Span:
        """From ``col`` to the end of the line's content (line ending excluded)."""
        end = len(self.content(line))
        return self.span(line, min(col, end), line, end)

    def content(self, line: int) -> str:
        """The line without its line ending (BuildKit trims every trailing CR and LF)."""
        return self.contents[line] if line < len(self.contents) else ""

    def physical(self, line: int) -> str:
        """The line as in the file, line ending included (heredoc bodies keep them)."""
        text = self.lines[line]
        if line + 1 < len(self.lines) or self.ends_with_newline:
            return text + "\n"
        return text


# Where each piece of a logical line starts: (logical offsets, file lines, file columns).
# Plain tuples of ints, because a lazy word list keeps one per instruction for the life
# of the Document, and the garbage collector stops tracking tuples of atoms: a run that
# holds thousands of documents then has nothing per instruction to walk here.
Layout = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


class Logical:
    """A logical line: physical pieces joined after continuation, mapped back to the file."""

    __slots__ = ("_cols", "_lines", "_starts", "length", "pieces", "source")

    def __init__(self, source: Source) -> None:
        self.source = source
        self.pieces: list[str] = []
        self._starts: list[int] = []
        self._lines: list[int] = []
        self._cols: list[int] = []
        self.length = 0

    def add(self, piece: str, line: int, col: int) -> None:
        self._starts.append(self.length)
        self.length += len(piece)
        self._lines.append(line)
        self._cols.append(col)
        self.pieces.append(piece)

    def add_lines(self, pieces: list[str], lines: list[int]) -> None:
        """Add whole continuation lines (pieces starting at column 0) at once."""
        self._starts += accumulate(map(len, pieces[:-1]), initial=self.length) if pieces else ()
        self.length += sum(map(len, pieces))
        self._lines += lines
        self._cols += [0] * len(pieces)
        self.pieces += pieces

    def finish(self) -> str:
        return "".join(self.pieces)

    def layout(self) -> Layout:
        return tuple(self._starts), tuple(self._lines), tuple(self._cols)

    def token_span(self, start: int, end: int) -> tuple[Span, bool]:
        """Span of logical ``[start, end)`` and whether it lies on one physical line."""
        token = make_tokens(self.source, self.layout(), [("", start, end)])[0]
        return token.span, token.contiguous


def make_tokens(source: Source, layout: Layout, found: Iterable[tuple[str, int, int]]) -> list[Token]:
    """Tokens for (value, start, end) logical ranges, in one pass.

    A token's span is its first and last character mapped back to the file; it is
    ``contiguous`` when both sit on one physical line with nothing removed in between.
    Most instructions are a single ASCII line, where a position maps to a column and a
    byte offset by adding a constant, so that case skips the general mapping.  Building
    word spans is the bulk of parsing when every word is used, hence the care.
    """
    starts, lines, cols = layout
    if len(starts) == 1 and source.ascii_line(lines[0]):
        line = lines[0] + 1
        col = cols[0] + 1
        first = source.line_start(lines[0]) + cols[0]
        return [
            make_token(value, make_span(line, col + s, line, col + (e if e > s else s), first + s,
                                        first + (e if e > s else s)), True)
            for value, s, e in found
        ]  # fmt: skip
    # The general case: a piece's byte offset plus the distance into it, when the piece's
    # line is ASCII; otherwise Source.byte_offset encodes the line's prefix.
    piece_offsets = [
        source.line_start(line) + col if source.ascii_line(line) else -1 for line, col in zip(lines, cols, strict=True)
    ]
    offset = source.byte_offset
    out = []
    for value, s, e in found:
        k = bisect_right(starts, s) - 1  # the last piece starting at or before s
        line = lines[k]
        col = cols[k] + s - starts[k]
        start_offset = piece_offsets[k] + s - starts[k] if piece_offsets[k] >= 0 else offset(line, col)
        if e > s:
            k = bisect_right(starts, e - 1) - 1
            end_line = lines[k]
            end_col = cols[k] + e - starts[k]
            end_offset = piece_offsets[k] + e - starts[k] if piece_offsets[k] >= 0 else offset(end_line, end_col)
        else:
            end_line, end_col, end_offset = line, col, start_offset
        span = make_span(line + 1, col + 1, end_line + 1, end_col + 1, start_offset, end_offset)
        out.append(make_token(value, span, line == end_line and end_col - col == e - s))
    return out
