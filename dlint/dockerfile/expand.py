"""Variable substitution in a single word, the way BuildKit's shell lexer does it.

FROM arguments, ``--platform``, ``COPY --from`` and mount options are expanded by BuildKit
before use, so a policy that reads ``FROM ${REGISTRY}/app:${TAG}`` must expand it the same
way or it judges a different image than the one built.  The rules follow BuildKit's lexer
(quotes removed, the escape character escapes, ``$V``, ``${V}``, ``${V:-d}``, ``${V-d}``,
``${V:+x}``, ``${V+x}``, ``${V?msg}``, ``${V#p}``/``##``/``%``/``%%`` and ``${V/p/r}``).

What a linter needs beyond BuildKit is to know when the answer is *not knowable* from the
file: ``env`` maps a name to ``None`` when the variable exists but its value is decided at
build time (an ``ARG`` without default, a platform ARG).  Such names are reported in
``unresolved`` and the value is then only a placeholder.  A name missing from ``env`` is
unset, which BuildKit expands to the empty string; it is listed in ``undefined``.

Malformed input never raises: the problem is reported in ``Expansion.error``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["Expansion", "expand", "is_single_variable"]

_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_SINGLE_VAR_RE = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})")


@dataclass(frozen=True, slots=True)
class Expansion:
    """The outcome of expanding one word.

    ``value`` is BuildKit's result when ``unresolved`` is empty and ``error`` is None;
    otherwise it is a best-effort placeholder (unknown variables read as unset) that must
    not be trusted.  ``used`` lists every variable the word consulted, in first-use order.
    """

    value: str
    unresolved: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    undefined: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def resolved(self) -> str | None:
        """The value when it is fully known from the file, else None."""
        if self.unresolved or self.error is not None:
            return None
        return self.value


class _ExpandError(Exception):
    pass


class _Lexer:
    """One pass over a word; methods mirror the lexer's recursive structure."""

    __slots__ = ("env", "esc", "n", "nonempty", "pos", "undefined", "used", "word")

    def __init__(self, word: str, env: Mapping[str, str | None], esc: str,
                 nonempty: frozenset[str] = frozenset()) -> None:
        self.word = word
        self.nonempty = nonempty
        self.n = len(word)
        self.pos = 0
        self.env = env
        self.esc = esc
        self.used: dict[str, None] = {}
        self.undefined: dict[str, None] = {}

    def peek(self) -> str:
        return self.word[self.pos] if self.pos < self.n else ""

    def next(self) -> str:
        if self.pos >= self.n:
            return ""
        ch = self.word[self.pos]
        self.pos += 1
        return ch

    def lookup(self, name: str) -> tuple[str | None, bool]:
        """(value, set): value None with set True means "exists, value unknown"."""
        self.used.setdefault(name, None)
        if name in self.env:
            return self.env[name], True
        self.undefined.setdefault(name, None)
        return "", False

    # -- words --------------------------------------------------------------------------------

    def until(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        """Process up to ``stop`` (consumed) or, with ``stop == ""``, to the end."""
        out: list[str] = []
        unresolved: list[str] = []
        while self.pos < self.n:
            ch = self.word[self.pos]
            if stop and ch == stop:
                self.pos += 1
                return "".join(out), unresolved
            if ch == "$":
                text, unres = self.dollar()
                out.append(text)
                unresolved.extend(unres)
            elif ch == "'":
                out.append(self.single_quote())
            elif ch == '"':
                text, unres = self.double_quote(raw_escapes)
                out.append(text)
                unresolved.extend(unres)
            else:
                self.pos += 1
                if ch == self.esc:
                    if raw_escapes:
                        out.append(ch)
                    ch = self.next()
                    if not ch:
                        break
                out.append(ch)
        if stop:
            raise _ExpandError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out), unresolved

    def single_quote(self) -> str:
        self.pos += 1
        end = self.word.find("'", self.pos)
        if end < 0:
            self.pos = self.n
            raise _ExpandError("unexpected end of statement while looking for matching single-quote")
        text = self.word[self.pos : end]
        self.pos = end + 1
        return text

    def double_quote(self, raw_escapes: bool) -> tuple[str, list[str]]:
        self.pos += 1
        out: list[str] = []
        unresolved: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise _ExpandError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.pos += 1
                return "".join(out), unresolved
            if ch == "$":
                text, unres = self.dollar()
                out.append(text)
                unresolved.extend(unres)
                continue
            self.pos += 1
            if ch == self.esc:
                if raw_escapes:
                    out.append(ch)
                following = self.peek()
                if not following:
                    continue
                if following in ('"', "$", self.esc):
                    ch = self.next()
            out.append(ch)

    # -- substitutions ------------------------------------------------------------------------

    def name(self) -> str:
        start = self.pos
        word = self.word
        if start < self.n and word[start].isdecimal():
            while self.pos < self.n and word[self.pos].isdecimal():
                self.pos += 1
            return word[start : self.pos]
        if start < self.n and word[start] in _SPECIAL_PARAMS:
            self.pos += 1
            return word[start]
        while self.pos < self.n:
            ch = word[self.pos]
            if not (ch.isalpha() or ch.isdecimal() or ch == "_"):
                break
            self.pos += 1
        return word[start : self.pos]

    def dollar(self) -> tuple[str, list[str]]:
        self.pos += 1  # the '$'
        if self.peek() != "{":
            name = self.name()
            if not name:
                return "$", []
            value, _ = self.lookup(name)
            if value is None:
                return "", [name]
            return value, []
        self.pos += 1  # the '{'
        first = self.peek()
        if not first:
            raise _ExpandError("syntax error: missing '}'")
        if first in "{}:":
            raise _ExpandError("syntax error: bad substitution")
        name = self.name()
        op = self.next()
        if op == "}":
            value, _ = self.lookup(name)
            if value is None:
                return "", [name]
            return value, []
        if not op:
            raise _ExpandError("syntax error: missing '}'")
        null_is_unset = False
        modifier = op
        if op == ":":
            null_is_unset = True
            op = self.next()
            modifier += op
        if op in ("+", "-", "?", "#", "%"):
            return self.modifier(name, op, modifier, null_is_unset)
        if op == "/" and not null_is_unset:
            return self.replace(name)
        if not op:
            raise _ExpandError("syntax error: missing '}'")
        raise _ExpandError(f"unsupported modifier ({modifier}) in substitution")

    def _word_until_brace(self, raw_escapes: bool) -> tuple[str, list[str]]:
        try:
            return self.until("}", raw_escapes)
        except _ExpandError:
            if self.pos >= self.n:
                raise _ExpandError("syntax error: missing '}'") from None
            raise

    def modifier(self, name: str, op: str, modifier: str, null_is_unset: bool) -> tuple[str, list[str]]:
        word, word_unresolved = self._word_until_brace(op in "#%")
        value, is_set = self.lookup(name)
        if value is None and op == "+" and name in self.nonempty:
            # Unknown but never empty (BuildKit always sets the platform ARGs): the
            # alternative applies whatever the value, e.g. ${TARGETARCH:+@sha256:...}.
            return word, word_unresolved
        if value is None:
            # Known to exist, value decided at build time: the outcome is unknowable.
            placeholder = word if op == "-" else ""
            return placeholder, [name, *word_unresolved]
        empty_means_unset = null_is_unset and value == ""
        if op == "-":
            if not is_set or empty_means_unset:
                return word, word_unresolved
            return value, []
        if op == "+":
            if not is_set or empty_means_unset:
                return "", []
            return word, word_unresolved
        if op == "?":
            if not is_set:
                raise _ExpandError(f"{name}: {word or 'is not allowed to be unset'}")
            if empty_means_unset:
                raise _ExpandError(f"{name}: {word or 'is not allowed to be empty'}")
            return value, []
        if null_is_unset:
            raise _ExpandError(f"unsupported modifier ({modifier}) in substitution")
        greedy = word.startswith(op)
        if greedy:
            word = word[1:]
        if op == "%":
            return _trim_suffix(word, greedy, value), word_unresolved
        return _trim_prefix(word, greedy, value), word_unresolved

    def replace(self, name: str) -> tuple[str, list[str]]:
        replace_all = self.peek() == "/"
        if replace_all:
            self.pos += 1
        try:
            pattern, pattern_unresolved = self.until("/", True)
        except _ExpandError:
            if self.pos >= self.n:
                raise _ExpandError("syntax error: missing '/' in ${}") from None
            raise
        replacement, repl_unresolved = self._word_until_brace(True)
        value, _ = self.lookup(name)
        if value is None:
            return "", [name, *pattern_unresolved, *repl_unresolved]
        regex = _shell_pattern(pattern, True, "search")
        if replace_all:
            value = regex.sub(lambda _m: replacement, value)
        else:
            value = regex.sub(lambda _m: replacement, value, count=1)
        return value, [*pattern_unresolved, *repl_unresolved]


@lru_cache(maxsize=256)
def _shell_pattern(pattern: str, greedy: bool, mode: str) -> re.Pattern[str]:
    """Shell wildcard pattern (``*``, ``?``, backslash escapes) to a regex, as BuildKit does.

    ``mode`` is ``prefix`` (anchored at the start), ``suffix`` (anchored at the end, tried
    from each start position) or ``search`` (anywhere, for ``${V/p/r}``).
    """
    out: list[str] = []
    star = ".*" if greedy else ".*?"
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(".")
        elif ch == "\\":
            if i < n and pattern[i] in "}/":
                continue
            if i < n and pattern[i] in "*?\\":
                out.append(re.escape(pattern[i]))
                i += 1
            else:
                raise _ExpandError(f"invalid pattern ({pattern}) in substitution: bad escape")
        else:
            out.append(re.escape(ch))
    body = "".join(out)
    if mode == "suffix":
        body += r"\Z"
    return re.compile(body, re.DOTALL)


def _trim_prefix(word: str, greedy: bool, value: str) -> str:
    match = _shell_pattern(word, greedy, "prefix").match(value)
    return value[match.end() :] if match else value


def _trim_suffix(word: str, greedy: bool, value: str) -> str:
    # Shortest suffix: the match starting furthest right; longest: furthest left.
    regex = _shell_pattern(word, greedy, "suffix")
    starts = range(len(value) + 1) if greedy else range(len(value), -1, -1)
    for start in starts:
        if regex.match(value, start):
            return value[:start]
    return value


def expand(
    word: str, env: Mapping[str, str | None], escape: str = "\\", nonempty: frozenset[str] = frozenset()
) -> Expansion:
    """Expand ``word`` as BuildKit expands FROM arguments and flag values.

    ``nonempty`` names variables whose value is unknown (``None`` in ``env``) but certainly
    not empty, so ``${V:+x}`` and ``${V+x}`` still resolve to ``x``."""
    if "$" not in word and "'" not in word and '"' not in word and escape not in word:
        return Expansion(word)
    lexer = _Lexer(word, env, escape, nonempty)
    try:
        value, unresolved = lexer.until("", False)
    except _ExpandError as exc:
        return Expansion(
            word,
            unresolved=[],
            used=list(lexer.used),
            undefined=list(lexer.undefined),
            error=str(exc),
        )
    return Expansion(
        value,
        unresolved=list(dict.fromkeys(unresolved)),
        used=list(lexer.used),
        undefined=list(lexer.undefined),
    )


def is_single_variable(word: str) -> str | None:
    """The name when ``word`` is exactly ``$NAME`` or ``${NAME}``, else None."""
    match = _SINGLE_VAR_RE.fullmatch(word)
    if match is None:
        return None
    return match.group(1) or match.group(2)
