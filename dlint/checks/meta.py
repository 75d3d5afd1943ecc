"""Rules whose findings come from a pipeline stage rather than a check over one document.

Reading files, resolving pins against registries, applying suppressions and merging
policies all produce findings of their own.  They are registered here so that they are
rules like any other: documented, listed by ``dlint rules``, given a severity by policy,
present in SARIF ``rules[]``.  The functions yield nothing on purpose: the stage named in
each docstring creates the findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dlint.checks import Violation, check
from dlint.dockerfile.model import Document


def _produced_elsewhere(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    return iter(())


def _register(name: str, doc: str, schema: dict[str, Any] | None = None) -> None:
    def function(document: Document, options: dict[str, Any]) -> Iterator[Violation]:
        return _produced_elsewhere(document, options)

    function.__doc__ = doc
    function.__name__ = name.replace("-", "_")
    check(name, schema)(function)


_register(
    "unreadable-file",
    """## What it does
Reports a file that dlint was asked to lint (or discovered) but could not read as a
Dockerfile: a directory named `Dockerfile`, a file without read permission, a file
larger than the size limit, or a symlink loop. Produced while reading files.

## Why is this bad?
A policy gate that silently skips a file it cannot read passes a build it never
checked.

## Example
A `Dockerfile` that is a broken symlink, or a 50 MB generated file.

## Use instead
Fix the file, or exclude it on purpose with `--exclude`.

## Options
None.
""",
)

_register(
    "stale-pin",
    """## What it does
With `dlint check --stale`, reports an image pinned by digest whose tag now points at a
different digest in its registry. Produced by the registry look-up.

## Why is this bad?
The pin still builds, but you are no longer getting the fixes published under that tag
(often security updates to the base image).

## Example
```dockerfile
FROM alpine:3.20@sha256:<digest the tag pointed to last month>
```

## Use instead
Refresh the pin with `dlint pin --update`.

## Options
None.
""",
)

_register(
    "tag-gone",
    """## What it does
With `dlint check --stale`, reports an image reference whose tag no longer exists in its
registry. Produced by the registry look-up.

## Why is this bad?
The image is unmaintained or was withdrawn; an unpinned build will fail, and a pinned
one keeps using content nobody publishes any more.

## Example
```dockerfile
FROM registry.acme.example/base:2019
```

## Use instead
Move to a maintained tag and pin it with `dlint pin`.

## Options
None.
""",
)

_register(
    "locked-rule",
    """## What it does
Reports a policy file that tries to disable, downgrade or re-configure a rule that a
higher policy layer has `locked`. The locked setting stays in force; this finding points
at the offending policy line. Produced while merging policy files.

## Why is this bad?
Locked rules are the organization's non-negotiable controls; a repository-level
`.dlint.yaml` must not be able to switch them off quietly.

## Example
```yaml
# services/api/.dlint.yaml, under an organization policy that locks image-digest
rules:
  image-digest: off
```

## Use instead
Ask the policy owners for a waiver with a reason, an owner and an expiry date.

## Options
None.
""",
)
