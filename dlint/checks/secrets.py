"""Checks for secrets baked into image metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dlint.checks import Violation, check
from dlint.dockerfile.model import Document, Instruction, Span, Token, leading_span

# BuildKit's SecretsUsedInArgOrEnv word list: a key is suspicious when one of these is a
# whole underscore-separated word of it (API_KEY, DB_PASSWORD) but not MONKEY or
# PASSWORDLESS; a PUBLIC word clears it (PUBLIC_KEY).
_SECRET_WORDS = ("apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd", "secret", "token")
_SECRET = re.compile(r"(?i)(?:_|^)(?:" + "|".join(_SECRET_WORDS) + r")(?:_|$)")
_ALLOWED = re.compile(r"(?i)(?:_|^)public(?:_|$)")


def looks_secret(key: str) -> bool:
    """The same decision BuildKit's check makes on a variable name."""
    return bool(_SECRET.search(key)) and not _ALLOWED.search(key)


def _keys(instruction: Instruction) -> list[str]:
    if instruction.keyword == "ENV":
        return instruction.args[0::3]
    return [arg.split("=", 1)[0] for arg in instruction.args]


def _key_span(instruction: Instruction, key: str) -> Span:
    """The key's own characters when the word holding it is on one line, else the word."""
    token: Token | None = next((w for w in instruction.words if w.value.split("=", 1)[0] == key), None)
    if token is None:
        return instruction.span
    span = token.span
    if not token.contiguous or span.start_line != span.end_line or not token.value.startswith(key):
        return span
    return leading_span(span, key)


@check("secret-in-arg-env")
def secret_in_arg_env(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags `ARG` and `ENV` keys whose names say they hold a secret: a whole word of the name
    (split at `_`) is `apikey`, `auth`, `credential(s)`, `key`, `password`, `pword`,
    `passwd`, `secret` or `token`, and no word is `public`. The same list BuildKit's
    `SecretsUsedInArgOrEnv` uses, so its ignore comments map here.

    ## Why is this bad?
    `ENV` values are stored in the image config, and `ARG` values in the build history
    and provenance; anyone who can pull the image can read them. Build secrets belong in
    `RUN --mount=type=secret`.

    ## Example
    ```dockerfile
    ARG GITHUB_TOKEN
    RUN git clone https://$GITHUB_TOKEN@github.com/acme/private.git
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=secret,id=github_token \\
        git clone https://$(cat /run/secrets/github_token)@github.com/acme/private.git
    ```

    ## Options
    None.
    """
    for instruction in doc.instructions:
        if instruction.keyword not in {"ARG", "ENV"}:
            continue
        for key in _keys(instruction):
            if key and looks_secret(key):
                yield Violation(
                    f"{instruction.keyword} {key} looks like a secret; secrets in ARG or ENV stay in the "
                    "image metadata (use RUN --mount=type=secret)",
                    _key_span(instruction, key),
                    instruction.index,
                )
