"""BuildKit's per-instruction argument parsers (its dispatch table), reproduced.

The result is what BuildKit's AST holds for the instruction, which is what every later
stage (and BuildKit's own ``result`` test files) expects in ``Instruction.args``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache

from dlint.dockerfile._lexer import ASCII_WS, words
from dlint.dockerfile._source import GO_SPACE


class ArgsError(Exception):
    """An error BuildKit's parser raises while splitting arguments."""


class Parsed:
    """Arguments as BuildKit's AST holds them, and whether they came from a JSON array."""

    __slots__ = ("args", "json_form")

    def __init__(self, args: list[str] | None = None, json_form: bool = False) -> None:
        self.args = [] if args is None else args
        self.json_form = json_form


class _NotJSON(Exception):
    """The text is not a JSON array BuildKit would accept; shell form applies."""


NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"


@cache
def _surrogate() -> re.Pattern[str]:
    """Compiled on first JSON-form instruction, not at import (cold runs are import-bound)."""
    return re.compile("[\ud800-\udfff]")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotJSON  # Go's json refuses numbers out of float64 range
    return value


def _no_constant(text: str) -> float:
    raise _NotJSON  # NaN/Infinity are not JSON; Go rejects them


def parse_json(rest: str) -> list[str]:
    """BuildKit's parseJSON: raises _NotJSON to fall back, ArgsError for non-strings."""
    text = rest.lstrip(GO_SPACE)
    if not text.startswith("["):
        raise _NotJSON
    import json  # most instructions are shell form: keep it off the import path

    try:
        value = json.loads(text, parse_float=_finite, parse_int=_finite, parse_constant=_no_constant)
    except (ValueError, RecursionError, _NotJSON) as exc:
        raise _NotJSON from exc
    if not isinstance(value, list):
        raise _NotJSON
    if not all(isinstance(item, str) for item in value):
        raise ArgsError(NOT_STRING_ARRAY)
    # Go's decoder turns lone surrogate escapes into U+FFFD.
    surrogate = _surrogate()
    return [surrogate.sub("\ufffd", item) for item in value]


def whitespace_delimited(rest: str, escape: str) -> Parsed:
    return Parsed(ASCII_WS.split(rest) if rest else [])


def single_string(rest: str, escape: str) -> Parsed:
    return Parsed([rest] if rest else [])


def maybe_json(rest: str, escape: str) -> Parsed:
    if not rest:
        return Parsed()
    try:
        return Parsed(parse_json(rest), True)
    except _NotJSON:
        return Parsed([rest])


def maybe_json_to_list(rest: str, escape: str) -> Parsed:
    try:
        return Parsed(parse_json(rest), True)
    except _NotJSON:
        return whitespace_delimited(rest, escape)


def name_or_name_val(rest: str, escape: str) -> Parsed:
    return Parsed([w[0] for w in words(rest, escape)])


def _name_val(rest: str, escape: str, keyword: str) -> Parsed:
    found = [w[0] for w in words(rest, escape)]
    if not found:
        return Parsed()
    if "=" not in found[0]:
        parts = ASCII_WS.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise ArgsError(f"{keyword} must have two arguments")
        return Parsed([parts[0], parts[1], ""])
    args: list[str] = []
    for word in found:
        key, sep, value = word.partition("=")
        if not sep:
            import json

            raise ArgsError(
                f"Syntax error - can't find = in {json.dumps(word)}. Must be of the form: name=value"
            )
        args += (key, value, "=")
    return Parsed(args)


def env(rest: str, escape: str) -> Parsed:
    return _name_val(rest, escape, "ENV")


def label(rest: str, escape: str) -> Parsed:
    return _name_val(rest, escape, "LABEL")


def health(rest: str, escape: str) -> Parsed:
    """HEALTHCHECK: a type word, then the command as for CMD."""
    sep = 0
    while sep < len(rest) and rest[sep] not in GO_SPACE:
        sep += 1
    if sep == 0:
        return Parsed()
    command = maybe_json(rest[sep:].lstrip(GO_SPACE), escape)
    return Parsed([rest[:sep], *command.args], command.json_form)


def ignore(rest: str, escape: str) -> Parsed:
    """Unknown keywords: BuildKit keeps one empty argument node."""
    return Parsed([""])


Dispatch = Callable[[str, str], Parsed]

DISPATCH: dict[str, Dispatch] = {
    "add": maybe_json_to_list,
    "arg": name_or_name_val,
    "cmd": maybe_json,
    "copy": maybe_json_to_list,
    "entrypoint": maybe_json,
    "env": env,
    "expose": whitespace_delimited,
    "from": whitespace_delimited,
    "healthcheck": health,
    "label": label,
    "maintainer": single_string,
    "run": maybe_json,
    "shell": maybe_json,
    "stopsignal": single_string,
    "user": single_string,
    "volume": maybe_json_to_list,
    "workdir": single_string,
}

HEREDOC_KEYWORDS = frozenset({"add", "copy", "run"})
