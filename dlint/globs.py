"""The one glob dialect of dlint: allow-lists, waiver paths and the CEL ``glob`` helper.

``*`` and ``?`` stay within one path component, ``**`` crosses components (``a/**/b``
also matches ``a/b``), ``[...]`` is a character class (``[!...]`` negates).  Patterns
come from policy files written by other teams, so they are matched with RE2, whose time
is linear in the text whatever the pattern.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


def glob_regex(pattern: str) -> str:
    """The regular expression (unanchored; callers full-match) that ``pattern`` means."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if i < n and pattern[i] == "/":  # ``**/`` may also stand for no component
                out.append("(?:.*/)?")
                i += 1
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (close := _class_end(pattern, i)) > 0:
            body = pattern[i + 1 : close]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start`` (-1: a literal ``[``)."""
    first = start + 2 if pattern.startswith(("[!", "[^"), start) else start + 1
    return pattern.find("]", first)


@lru_cache(maxsize=2048)
def compile_glob(pattern: str) -> Any:
    """``pattern`` compiled once, as an RE2 program (dot matches newlines too).

    Raises ``ValueError`` for a pattern RE2 cannot compile (``[z-a]``); policy loading
    calls :func:`glob_problem` first so users see that as a policy error."""
    import re2

    return re2.compile("(?s)" + glob_regex(pattern), quiet_re2_options())


def quiet_re2_options() -> Any:
    """RE2 options that report a bad pattern as an exception only, not also on stderr."""
    import re2

    options = re2.Options()
    options.log_errors = False
    return options


def glob_problem(pattern: str) -> str | None:
    """Why RE2 cannot compile ``pattern`` (``[z-a]``), or None.  Policy loading asks first,
    so a bad pattern is an error naming its line, not an exception on the first match."""
    import re2

    try:
        compile_glob(pattern)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return None


def glob_match(pattern: str, text: str) -> bool:
    """Whether all of ``text`` matches ``pattern``."""
    return compile_glob(pattern).fullmatch(text) is not None
