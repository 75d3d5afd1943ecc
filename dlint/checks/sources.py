"""Checks on where build content comes from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dlint.checks import Violation, check
from dlint.dockerfile.model import Document

_REMOTE = re.compile(r"^(?:https?://|git@|git://|ssh://)", re.IGNORECASE)


@check("add-remote-without-checksum")
def add_remote_without_checksum(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags `ADD` of a remote source (an `http(s)://` URL or a Git repository) without
    `--checksum`.

    ## Why is this bad?
    The content behind a URL can change at any time; without a checksum the build takes
    whatever the server sends, which makes builds unreproducible and lets a compromised
    server inject code. `--checksum=sha256:...` makes BuildKit verify the download (for Git
    sources, the commit).

    ## Example
    ```dockerfile
    ADD https://example.com/tool-1.2.tar.gz /opt/
    ```

    ## Use instead
    ```dockerfile
    ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \\
        https://example.com/tool-1.2.tar.gz /opt/
    ```

    ## Options
    None.
    """
    for instruction in doc.instructions:
        if instruction.keyword != "ADD" or instruction.flag("checksum") is not None:
            continue
        sources = instruction.args[:-1]
        for source in sources:
            if not _REMOTE.match(source):
                continue
            token = next((w for w in instruction.words if w.value == source), None)
            span = token.span if token is not None else instruction.span
            yield Violation(
                f"ADD downloads {source} without --checksum, so its content is not verified",
                span,
                instruction.index,
            )
