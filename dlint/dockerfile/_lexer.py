"""Word-level scanning of logical lines, following BuildKit's own (slightly odd) rules.

BuildKit splits the same line in several different ways: flags with quotes removed, words
with quotes kept (ENV, LABEL, ARG), plain whitespace splits (FROM, COPY), and a shell
lexer that always uses a backslash (to find heredoc markers).  Each is reproduced here
so that args match BuildKit byte for byte.
"""

from __future__ import annotations

import re
from functools import cache

from dlint.dockerfile._source import GO_SPACE

# BuildKit's reWhitespace: what separates the keyword and whitespace-delimited args.
ASCII_WS = re.compile(r"[\t\v\f\r ]+")
_HEREDOC = re.compile(r"([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\Z")
_SHELL_SPACE = frozenset(GO_SPACE)


def trim_continuation(line: str, escape: str) -> tuple[str, bool]:
    """Strip a trailing escape (plus blanks); returns (text, ends_the_instruction)."""
    bare = line.rstrip(" \t")
    if not bare.endswith(escape):
        return line, True
    if len(bare) == 1:
        return "", False
    if bare[-2] == escape:
        # BuildKit's pattern needs a non-escape before the final escape.
        return line, True
    return bare[:-1], False


@cache
def word_pattern(escape: str) -> re.Pattern[str]:
    """BuildKit's parseWords as a regex: quotes and escapes stay in the word."""
    e = re.escape(escape)
    sp = GO_SPACE
    return re.compile(
        rf"(?:[^{sp}\"'{e}]|{e}.|{e}\Z"
        rf"|\"(?:[^\"{e}]|{e}.|{e}\Z)*+(?:\"|\Z)"
        rf"|'[^']*+(?:'|\Z))++",
        re.S,
    )


def words(text: str, escape: str, base: int = 0) -> list[tuple[str, int, int]]:
    """parseWords: (value, start, end) with offsets shifted by ``base``.

    BuildKit drops a lone escape at the very end of the text.  Only the last word can
    end there: any other word ends in a non-escape character, a quote, or an ``escape +
    character`` pair, so its trailing run of escapes is even.  Hence only it is checked.
    """
    out = [(m.group(), m.start() + base, m.end() + base) for m in word_pattern(escape).finditer(text)]
    if out and out[-1][0].endswith(escape):
        value, start, end = out[-1]
        if _lone_trailing_escape(value, escape):
            out[-1] = (value[:-1], start, end)
    return out


def _lone_trailing_escape(value: str, escape: str) -> bool:
    run = len(value) - len(value.rstrip(escape))
    return run % 2 == 1


class FlagWord:
    """A ``--flag`` word and where it sits (plain classes here: dataclasses cost import time)."""

    __slots__ = ("end", "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text  # as BuildKit keeps it: quotes and escapes removed
        self.start = start
        self.end = end


def extract_flags(line: str, escape: str) -> tuple[int, list[FlagWord]]:
    """BuildKit's extractBuilderFlags: leading ``--`` words; returns (rest offset, flags)."""
    flags: list[FlagWord] = []
    pos, n = 0, len(line)
    while True:
        while pos < n and line[pos] in _SHELL_SPACE:
            pos += 1
        if pos >= n:
            return n, flags
        if not line.startswith("--", pos):
            return pos, flags
        start = pos
        text, pos, blank_ok = _flag_word(line, pos, escape)
        if text == "--":
            return pos, flags
        if blank_ok or text:
            flags.append(FlagWord(text, start, pos))


def _flag_word(line: str, pos: int, escape: str) -> tuple[str, int, bool]:
    buf: list[str] = []
    n = len(line)
    quote = ""
    blank_ok = False
    while pos < n:
        ch = line[pos]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape:
                if pos + 1 < n:
                    pos += 1
                    buf.append(line[pos])
                else:
                    quote = ""
            else:
                buf.append(ch)
        elif ch in _SHELL_SPACE:
            break
        elif ch in "'\"":
            quote, blank_ok = ch, True
        elif ch == escape:
            if pos + 1 < n:
                pos += 1
                buf.append(line[pos])
        else:
            buf.append(ch)
        pos += 1
    return "".join(buf), pos, blank_ok


class HeredocMarker:
    """A ``<<EOF`` word of a logical line: the heredoc's name, how to read it, and where."""

    __slots__ = ("chomp", "end", "expand", "file_descriptor", "name", "start")

    def __init__(
        self, name: str, expand: bool, chomp: bool, file_descriptor: int | None, start: int, end: int
    ) -> None:
        self.name = name
        self.expand = expand
        self.chomp = chomp
        self.file_descriptor = file_descriptor
        self.start = start
        self.end = end


class _ShellError(Exception):
    """An unbalanced quote or ``${`` in the shell lexer."""


def heredoc_markers(line: str) -> list[HeredocMarker]:
    """Heredoc markers of a logical line the way BuildKit finds them.

    The line is split with a shell lexer that keeps quotes and escapes; a word is a
    marker only if it starts with optional digits then ``<<``.  When the lexer fails
    (an unbalanced quote anywhere) BuildKit finds no heredocs at all, and so do we.
    """
    try:
        found = _shell_words(line, raw=True)
    except _ShellError:
        return []
    markers = []
    for word, start, end in found:
        m = _HEREDOC.match(word)
        if m is None or not m.group(3):
            continue
        marker = _marker(m, start, end)
        if marker is not None:
            markers.append(marker)
    return markers


def _marker(m: re.Match[str], start: int, end: int) -> HeredocMarker | None:
    rest = m.group(3)
    try:
        plain = _shell_words(rest, raw=False)
        raw = _shell_words(rest, raw=True)
    except _ShellError:
        return None
    if len(plain) != 1 or len(raw) != 1:
        return None
    name = plain[0][0]
    expand = _quotes(name) == _quotes(raw[0][0])
    fd = int(m.group(1)) if m.group(1) else None
    return HeredocMarker(name, expand, m.group(2) == "-", fd, start, end)


def _quotes(text: str) -> int:
    return text.count("'") + text.count('"')


def _shell_words(text: str, raw: bool) -> list[tuple[str, int, int]]:
    """A small shell lexer (escape is always a backslash, as BuildKit's heredoc lexer).

    ``raw`` keeps quotes and escapes in the words.  Variables are kept as written.
    """
    out: list[tuple[str, int, int]] = []
    buf: list[str] = []
    start = -1
    pos, n = 0, len(text)
    while pos < n:
        ch = text[pos]
        if ch in _SHELL_SPACE:
            if buf:
                out.append(("".join(buf), start, pos))
                buf = []
            start = -1
            pos += 1
            continue
        if start < 0:
            start = pos
        if ch == "'":
            pos = _single_quote(text, pos, raw, buf)
        elif ch == '"':
            pos = _double_quote(text, pos, raw, buf)
        elif ch == "\\":
            if raw:
                buf.append(ch)
            pos += 1
            if pos < n:
                buf.append(text[pos])
            pos += 1
        elif ch == "<" and text.startswith("<<", pos):
            end = pos + 2
            while end < n and text[end] in " \t\r":
                end += 1
            buf.append(text[pos:end])
            pos = end
        elif ch == "$" and text.startswith("${", pos):
            pos = _braced_variable(text, pos, buf)
        else:
            buf.append(ch)
            pos += 1
    if buf:
        out.append(("".join(buf), start, n))
    return out


def _single_quote(text: str, pos: int, raw: bool, buf: list[str]) -> int:
    end = text.find("'", pos + 1)
    if end < 0:
        raise _ShellError
    buf.append(text[pos : end + 1] if raw else text[pos + 1 : end])
    return end + 1


def _double_quote(text: str, pos: int, raw: bool, buf: list[str]) -> int:
    if raw:
        buf.append('"')
    pos += 1
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == '"':
            if raw:
                buf.append(ch)
            return pos + 1
        if ch == "$" and text.startswith("${", pos):
            pos = _braced_variable(text, pos, buf)
            continue
        if ch == "\\":
            if raw:
                buf.append(ch)
            if pos + 1 < n and text[pos + 1] in '"$\\':
                pos += 1
            elif pos + 1 >= n:
                pos += 1
                continue
            elif not raw:
                buf.append(ch)
                pos += 1
                continue
            else:
                pos += 1
                continue
        buf.append(text[pos])
        pos += 1
    raise _ShellError


def _braced_variable(text: str, pos: int, buf: list[str]) -> int:
    end = text.find("}", pos + 2)
    if end < 0 or end == pos + 2 or text[pos + 2] in "{:":
        raise _ShellError
    buf.append(text[pos : end + 1])
    return end + 1
