"""The checks BuildKit makes when it turns AST nodes into instructions.

BuildKit's parser accepts any keyword and any flag; its ``instructions`` package then
rejects unknown keywords, wrong argument counts and unknown flags.  Those rejections
break a build, so they are syntax errors here too, reported the first per instruction
as BuildKit does.
"""

from __future__ import annotations

import re

from dlint.dockerfile.model import Instruction, Span

_STR, _BOOL, _MULTI = "string", "bool", "strings"

FLAGS: dict[str, dict[str, str]] = {
    "from": {"platform": _STR},
    "copy": {
        "chown": _STR, "from": _STR, "chmod": _STR, "link": _BOOL,
        "exclude": _MULTI, "parents": _BOOL,
    },
    "add": {
        "chown": _STR, "chmod": _STR, "link": _BOOL, "keep-git-dir": _BOOL,
        "checksum": _STR, "unpack": _BOOL, "exclude": _MULTI,
    },
    "run": {"mount": _MULTI, "network": _STR, "security": _STR, "device": _MULTI},
    "healthcheck": {
        "interval": _STR, "timeout": _STR, "start-period": _STR,
        "start-interval": _STR, "retries": _STR,
    },
}  # fmt: skip

KEYWORDS = (
    "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck",
    "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir",
)  # fmt: skip

_KEYWORD_SET = frozenset(KEYWORDS)
_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*\Z")
_AT_LEAST_ONE = frozenset({"env", "label", "onbuild", "healthcheck", "expose", "volume", "arg"})
_EXACTLY_ONE = frozenset({"maintainer", "workdir", "user", "stopsignal"})
# Instructions whose only possible objection is their argument count.
_PLAIN = frozenset({"run", "cmd", "entrypoint", "copy", "add", "workdir", "user", "expose", "maintainer"})
# STOPSIGNAL never parses its flags in BuildKit, so any flag passes there.
_NO_FLAG_CHECK = frozenset({"stopsignal"})


class Problem:
    """One objection; a plain class because a dataclass costs import time in every run."""

    __slots__ = ("code", "message", "span")

    def __init__(self, code: str, message: str, span: Span) -> None:
        self.code = code
        self.message = message
        self.span = span


def check(ins: Instruction) -> Problem | None:
    """The first error BuildKit's instruction parser would raise, if any."""
    kw = ins.keyword.lower()
    if kw not in _KEYWORD_SET:
        return _unknown(ins)
    if not ins.flags and kw in _PLAIN:
        return _arity(ins, kw)
    return _arity(ins, kw) or _specific(ins, kw) or _flags(ins, kw)


def _unknown(ins: Instruction) -> Problem:
    import difflib  # only for a misspelt keyword: not worth importing in every run

    message = f"unknown instruction: {ins.written_keyword}"
    close = difflib.get_close_matches(ins.keyword.lower(), KEYWORDS, n=1, cutoff=0.75)
    if close:
        message += f" (did you mean {close[0]}?)"
    return Problem("unknown-instruction", message, ins.keyword_span)


def _arity(ins: Instruction, kw: str) -> Problem | None:
    n = len(ins.args)
    name = ins.keyword
    if kw in _AT_LEAST_ONE and n == 0:
        return Problem("missing-arguments", f"{name} requires at least one argument", ins.span)
    if kw in _EXACTLY_ONE and n != 1:
        return Problem("missing-arguments", f"{name} requires exactly one argument", ins.span)
    if kw in ("add", "copy") and n < 2:
        return Problem(
            "missing-arguments",
            f"{name} requires at least two arguments, but only one was provided. "
            "Destination could not be determined",
            ins.span,
        )
    return None


def _specific(ins: Instruction, kw: str) -> Problem | None:
    if kw == "from":
        return _from(ins)
    if kw in ("env", "label") and any(ins.args[i] == "" for i in range(0, len(ins.args), 3)):
        return Problem("syntax", f"{ins.keyword} names can not be blank", ins.span)
    if kw == "arg" and any(a.startswith("=") for a in ins.args):
        return Problem("syntax", "ARG names can not be blank", ins.span)
    if kw == "onbuild":
        return _onbuild(ins)
    if kw == "healthcheck":
        return _healthcheck(ins)
    if kw == "shell":
        return _shell(ins)
    if kw == "volume" and any(not a.strip() for a in ins.args):
        return Problem("syntax", "VOLUME specified can not be an empty string", ins.span)
    return None


def _from(ins: Instruction) -> Problem | None:
    args = ins.args
    if len(args) == 3 and args[1].lower() == "as":
        if not _STAGE_NAME.match(args[2].lower()):
            span = ins.words[2].span if len(ins.words) > 2 else ins.span
            return Problem(
                "invalid-stage-name",
                f"invalid name for build stage: {args[2]!r}, name can't start with a number "
                "or contain symbols",
                span,
            )
        return None
    if len(args) != 1:
        return Problem("from-arity", "FROM requires either one or three arguments", ins.span)
    return None


def _onbuild(ins: Instruction) -> Problem | None:
    trigger = ins.args[0].strip().upper()
    if trigger == "ONBUILD":
        return Problem("syntax", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", ins.span)
    if trigger in ("MAINTAINER", "FROM"):
        return Problem("syntax", f"{trigger} isn't allowed as an ONBUILD trigger", ins.span)
    return None


def _healthcheck(ins: Instruction) -> Problem | None:
    typ = ins.args[0].upper()
    if typ == "NONE":
        if len(ins.args) > 1:
            return Problem("syntax", "HEALTHCHECK NONE takes no arguments", ins.span)
        return None
    flag_problem = _flags(ins, "healthcheck")
    if flag_problem:
        return flag_problem
    if typ != "CMD":
        return Problem("syntax", f'Unknown type "{typ}" in HEALTHCHECK (try CMD)', ins.span)
    if len(ins.args) < 2:
        return Problem("syntax", "Missing command after HEALTHCHECK CMD", ins.span)
    return None


def _shell(ins: Instruction) -> Problem | None:
    if not ins.args:
        return Problem("missing-arguments", "SHELL requires at least one argument", ins.span)
    if not ins.json_form:
        return Problem("syntax", "SHELL requires the arguments to be in JSON form", ins.span)
    return None


def _flags(ins: Instruction, kw: str) -> Problem | None:
    if kw in _NO_FLAG_CHECK or (kw == "healthcheck" and ins.args[0].upper() == "NONE"):
        return None
    allowed = FLAGS.get(kw, {})
    used: set[str] = set()
    for flag in ins.flags:
        raw = flag.token.value
        if raw == "--":
            return None
        kind = allowed.get(flag.name)
        written = raw.partition("=")[0]
        if kind is None:
            return _unknown_flag(flag.name, written, allowed, flag.token.span)
        if flag.name in used and kind != _MULTI:
            return Problem("duplicate-flag", f"duplicate flag specified: {written}", flag.token.span)
        used.add(flag.name)
        problem = _flag_value(kind, written, flag.value, flag.token.span)
        if problem:
            return problem
    return None


def _unknown_flag(name: str, written: str, allowed: dict[str, str], span: Span) -> Problem:
    import difflib

    message = f"unknown flag: {written}"
    close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
    if close:
        message += f" (did you mean {close[0]}?)"
    return Problem("unknown-flag", message, span)


def _flag_value(kind: str, written: str, value: str | None, span: Span) -> Problem | None:
    if kind == _BOOL:
        if value == "":
            return Problem("flag-value", f"missing a value on flag: {written}", span)
        if value is not None and value.lower() not in ("true", "false"):
            return Problem("flag-value", f"expecting boolean value for flag {written}, not: {value}", span)
    elif value is None:
        return Problem("flag-value", f"missing a value on flag: {written}", span)
    return None
