"""Dockerfile text to instructions, following BuildKit's parser rule for rule.

A policy gate must see exactly what BuildKit builds: a heredoc line that looks like
``FROM evil`` is data, an instruction continued into end of file still counts, and a
file BuildKit rejects is reported, not guessed at.  Where BuildKit stops at the first
error, this parser records the error and carries on with the next instruction, so one
typo does not hide every other finding.  ``parse`` never raises.
"""

from __future__ import annotations

import re

from dlint.dockerfile import _args, _checks
from dlint.dockerfile._lazy import LazyList
from dlint.dockerfile._lexer import (
    ASCII_WS,
    HeredocMarker,
    extract_flags,
    heredoc_markers,
    trim_continuation,
    words,
)
from dlint.dockerfile._source import GO_SPACE, Layout, Logical, Source, make_tokens
from dlint.dockerfile.model import (
    Comment,
    Directive,
    Document,
    Flag,
    Heredoc,
    Instruction,
    Span,
    SyntaxError_,
    Token,
)

__all__ = ["parse"]

_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z", re.S)
_DIRECTIVE_NAMES = frozenset({"syntax", "escape", "check"})
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def parse(raw: bytes | str, path: str = "Dockerfile") -> Document:
    """Parse a Dockerfile; problems become ``Document.errors``, never exceptions."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    try:
        return _Parser(raw, path).run()
    except Exception as exc:  # a parser bug must not take the whole run down
        doc = Document(path=path, text=raw.decode("utf-8", "replace"), raw=raw)
        doc.errors.append(
            SyntaxError_(f"internal parser error: {type(exc).__name__}", Span(1, 1, 1, 1), "internal")
        )
        return doc


class _Parser:
    def __init__(self, raw: bytes, path: str) -> None:
        self.src = Source(raw)
        self.doc = Document(path=path, text=self.src.text, raw=raw, bom=self.src.bom)
        self.escape = "\\"
        self.pos = 0  # next physical line (0-based)
        self.directives_done = False
        self.seen_directives: set[str] = set()
        self.comment_lines: list[tuple[int, str, int]] = []

    def run(self) -> Document:
        doc, src = self.doc, self.src
        if src.invalid_utf8:
            doc.errors.append(self._utf8_error())
        if src.text.count("\r\n") * 2 > src.text.count("\n"):
            doc.line_ending = "\r\n"
        while self.pos < len(src.lines):
            self._next_instruction()
        if not doc.instructions:
            last = max(len(src.lines) - 1, 0)
            doc.errors.append(SyntaxError_("file with no instructions", src.span(last, 0, last, 0)))
        for index, ins in enumerate(doc.instructions):
            ins.index = index
        doc.comments = _Comments(src, self.comment_lines)
        doc.escape = self.escape
        return doc

    def _utf8_error(self) -> SyntaxError_:
        body = self.src.raw[3:] if self.src.bom else self.src.raw
        try:
            body.decode("utf-8")
            bad = 0
        except UnicodeDecodeError as exc:
            bad = exc.start
        line = body.count(b"\n", 0, bad)
        col = len(body[body.rfind(b"\n", 0, bad) + 1 : bad].decode("utf-8", "replace"))
        return SyntaxError_(
            "file is not valid UTF-8; invalid bytes are read as U+FFFD",
            self.src.span(line, col, line, col + 1),
            "invalid-utf8",
            fatal=False,
        )

    # -- physical lines ------------------------------------------------------------------

    def _next_instruction(self) -> None:
        src = self.src
        first = self.pos
        self.pos = first + 1
        content = src.contents[first]
        stripped = content.lstrip(GO_SPACE)
        if not stripped and self.directives_done:
            return  # a blank line (the common case of no instruction, so checked first)
        lead = len(content) - len(stripped)
        is_directive = not self.directives_done and self._directive(first, stripped, lead)
        is_comment = stripped[:1] == "#"
        if is_comment and not is_directive:
            self.comment_lines.append((first, stripped, lead))
        text, ended = trim_continuation("" if is_comment else stripped, self.escape)
        if ended and not text:
            return
        logical = Logical(src)
        logical.add(text, first, lead)
        empty = None if ended else self._continue(logical)
        self._instruction(logical, first, lead, empty)

    def _continue(self, logical: Logical) -> int | None:
        """Join continuation lines; returns the first empty continuation line, if any.

        This loop sees every line of every long RUN script, so it inlines
        ``trim_continuation`` and hands the pieces to the Logical in one call.
        """
        contents, escape, comments = self.src.contents, self.escape, self.comment_lines
        pieces: list[str] = []
        piece_lines: list[int] = []
        empty: int | None = None
        line, total = self.pos, len(contents)
        ended = False
        while not ended and line < total:
            content = contents[line]
            stripped = content.lstrip(GO_SPACE)
            if not stripped:
                if empty is None:
                    empty = line
            elif stripped[0] == "#":
                comments.append((line, stripped, len(content) - len(stripped)))
            else:
                bare = content.rstrip(" \t")
                # trim_continuation: a final escape not itself escaped continues the line
                if bare[-1:] == escape and bare[-2:-1] != escape:
                    pieces.append(bare[:-1])
                else:
                    pieces.append(content)
                    ended = True
                piece_lines.append(line)
            line += 1
        logical.add_lines(pieces, piece_lines)
        self.pos = line
        return empty

    def _directive(self, line: int, stripped: str, lead: int) -> bool:
        """BuildKit's directive parser: only an unbroken run of ``# key=value`` at the top."""
        after = stripped[1:].lstrip(GO_SPACE) if stripped.startswith("#") else ""
        m = _DIRECTIVE.match(after) if after else None
        name = m.group(1).lower() if m else ""
        if m is None or name not in _DIRECTIVE_NAMES:
            self.directives_done = True
            return False
        whole = self.src.line_span(line)
        col = lead + len(stripped) - len(after) + m.start(2)
        value = m.group(2)
        value_span = self.src.span(line, col, line, col + len(value))
        if name in self.seen_directives:
            self._error(f"only one {name} parser directive can be used", value_span, "directive")
            return True
        self.seen_directives.add(name)
        if name == "escape":
            if value not in ("`", "\\"):
                self._error(
                    f"invalid escape token '{value}' does not match ` or \\", value_span, "directive"
                )
                return True
            self.escape = value
        self.doc.directives.append(Directive(name, value, whole, value_span))
        return True

    def _error(self, message: str, span: Span, code: str = "syntax", fatal: bool = True) -> None:
        self.doc.errors.append(SyntaxError_(message, span, code, fatal))

    # -- instructions --------------------------------------------------------------------

    def _instruction(self, logical: Logical, first: int, lead: int, empty: int | None) -> None:
        line = logical.finish()
        built = _Builder(logical, self.escape)
        ins = built.node(line, 0)
        if empty is not None:
            self._error(
                "Empty continuation line found in: " + line,
                self.src.line_span(empty),
                "empty-continuation",
                fatal=False,
            )
        if _can_hold_heredoc(ins) and "<<" in line:
            self._heredocs(ins, logical, heredoc_markers(line))
        last = self.pos - 1
        end = len(self.src.content(last))
        ins.span = self.src.span(first, lead, last, end)
        if ins.onbuild is not None:
            child = ins.onbuild
            child.span = self.src.span(
                child.keyword_span.start_line - 1, child.keyword_span.start_column - 1, last, end
            )
        for message, span in built.errors:
            self._error(message, span)
        if not built.errors:
            problem = _checks.check(ins)
            if problem is not None:
                self._error(problem.message, problem.span, problem.code)
        self.doc.instructions.append(ins)

    def _heredocs(self, ins: Instruction, logical: Logical, markers: list[HeredocMarker]) -> None:
        for marker in markers:
            heredoc = self._heredoc_body(marker, logical)
            ins.heredocs.append(heredoc)
            if ins.onbuild is not None:
                ins.onbuild.heredocs.append(heredoc)

    def _heredoc_body(self, marker: HeredocMarker, logical: Logical) -> Heredoc:
        src = self.src
        first = self.pos
        body: list[str] = []
        terminated = False
        while self.pos < len(src.lines):
            line = self.pos
            self.pos += 1
            candidate = src.lines[line].rstrip("\r")
            if marker.chomp:
                candidate = candidate.lstrip("\t")
            if candidate == marker.name:
                terminated = True
                break
            body.append(src.physical(line))
        if not terminated:
            marker_span, _ = logical.token_span(marker.start, marker.end)
            self._error("unterminated heredoc", marker_span, "unterminated-heredoc")
        last = max(self.pos - 1, first)
        if first < len(src.lines):
            span = src.span(first, 0, last, len(src.content(last)))
        else:
            span, _ = logical.token_span(marker.end, marker.end)
        return Heredoc(marker.name, "".join(body), marker.expand, marker.chomp, marker.file_descriptor, span)


def _can_hold_heredoc(ins: Instruction) -> bool:
    target = ins.onbuild if ins.onbuild is not None else ins
    return target.keyword.lower() in _args.HEREDOC_KEYWORDS and not target.json_form


class _Builder:
    """Turns one logical line into an Instruction (BuildKit's newNodeFromLine)."""

    __slots__ = ("errors", "escape", "layout", "source")

    def __init__(self, logical: Logical, escape: str) -> None:
        self.source = logical.source
        self.layout = logical.layout()
        self.escape = escape
        self.errors: list[tuple[str, Span]] = []

    def node(self, line: str, base: int) -> Instruction:
        lead = len(line) - len(line.lstrip(GO_SPACE))
        trimmed = line.strip(GO_SPACE)
        gap = ASCII_WS.search(trimmed)
        keyword = trimmed[: gap.start()] if gap else trimmed
        after = trimmed[gap.end() :] if gap else ""
        after_base = base + lead + (gap.end() if gap else len(trimmed))
        rest_at, flag_words = extract_flags(after, self.escape)
        rest_raw = after[rest_at:]
        rest = rest_raw.strip(GO_SPACE)
        rest_base = after_base + rest_at + len(rest_raw) - len(rest_raw.lstrip(GO_SPACE))
        found = [(keyword, base + lead, base + lead + len(keyword))]
        found += [(f.text, after_base + f.start, after_base + f.end) for f in flag_words]
        kw_token, *flag_tokens = make_tokens(self.source, self.layout, found)
        ins = Instruction(
            keyword=keyword.upper(),
            written_keyword=keyword,
            span=kw_token.span,
            keyword_span=kw_token.span,
            flags=[_flag(token) for token in flag_tokens],
            original=line,
        )
        self.arguments(ins, rest, rest_base)
        return ins

    def arguments(self, ins: Instruction, rest: str, base: int) -> None:
        kw = ins.keyword.lower()
        if kw == "onbuild":
            self.onbuild(ins, rest, base)
            return
        try:
            parsed = _args.DISPATCH.get(kw, _args.ignore)(rest, self.escape)
        except _args.ArgsError as exc:
            self.errors.append((str(exc), ins.keyword_span))
            parsed = _args.Parsed()
        ins.args = parsed.args
        ins.json_form = parsed.json_form
        values = None
        if parsed.json_form:
            values = parsed.args[1:] if kw == "healthcheck" else parsed.args
        ins.words = _Words(self.source, self.layout, rest, base, self.escape, values)

    def onbuild(self, ins: Instruction, rest: str, base: int) -> None:
        ins.words = _Words(self.source, self.layout, rest, base, self.escape, None)
        if not rest:
            return
        child = self.node(rest, base)
        ins.onbuild = child
        ins.args = [child.written_keyword, *child.args]


def _flag(token: Token) -> Flag:
    name, sep, value = token.value[2:].partition("=")
    return Flag(name, value if sep else None, token)


class _Words(LazyList[Token]):
    """``Instruction.words``, built on first use from what the parse already computed.

    It holds only strings, ints, the layout tuples and the shared Source instead of a
    closure over the parser's objects: a Document stays alive for the whole run (every
    file's, in ``dlint check``), and a dozen GC-tracked objects per instruction made the
    garbage collector's passes cost as much as parsing itself.
    """

    __slots__ = ("_base", "_escape", "_layout", "_rest", "_source", "_values")

    def __init__(
        self, source: Source, layout: Layout, rest: str, base: int, escape: str, values: list[str] | None
    ) -> None:
        super().__init__()
        self._source: Source | None = source
        self._layout = layout
        self._rest = rest
        self._base = base
        self._escape = escape
        self._values = values  # the decoded strings of a JSON-form argument array

    def _fill(self) -> None:
        source = self._source
        if source is not None:
            self._source = None
            list.extend(self, make_tokens(source, self._layout, self._found()))

    def _found(self) -> list[tuple[str, int, int]]:
        """(value, start, end) of every word; for JSON form, the array's string literals
        valued as the decoded strings (and any shell words before the bracket)."""
        rest, base, escape, values = self._rest, self._base, self._escape, self._values
        if values is None:
            return words(rest, escape, base)
        bracket = rest.find("[")
        found = words(rest[:bracket], escape, base)
        pairs = zip(values, _JSON_STRING.finditer(rest, bracket), strict=False)
        found += [(value, base + m.start(), base + m.end()) for value, m in pairs]
        return found


class _Comments(LazyList[Comment]):
    """``Document.comments``, built on first use from (line, stripped text, indent) rows."""

    __slots__ = ("_rows", "_source")

    def __init__(self, source: Source, rows: list[tuple[int, str, int]]) -> None:
        super().__init__()
        self._source: Source | None = source
        self._rows = rows

    def _fill(self) -> None:
        source = self._source
        if source is not None:
            self._source = None
            list.extend(
                self,
                [
                    Comment(stripped[1:].strip(GO_SPACE), source.line_span(line, lead))
                    for line, stripped, lead in self._rows
                ],
            )
            self._rows = []
