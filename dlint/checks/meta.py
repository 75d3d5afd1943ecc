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

_register("unused-suppression", """## What it does

Reports a `# dlint ignore=` or `# dlint ignore-file=` comment, rule by rule, that
suppressed nothing: the instruction below it (or, for `ignore-file`, the whole file) has no
finding of that rule. A `# dlint ignore=` comment that is not directly above an instruction
(a blank line or other code in between) also suppresses nothing and is reported.

The finding points at the rule id inside the comment.

## Why is this bad?

A suppression outlives the problem it was written for: the image got pinned, the rule
changed, the instruction moved. A dead ignore comment hides the next real finding of that
rule on the same instruction without anyone deciding it should, and it misleads readers
into thinking there is something to excuse.

hadolint comments (`# hadolint ignore=`) and BuildKit `# check=skip=` directives are not
reported: they also serve those tools, whose rules dlint cannot judge.

## Example

```dockerfile
# dlint ignore=image-digest -- vendor image
FROM alpine@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1
```

## Use instead

```dockerfile
FROM alpine@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1
```

Remove the rule from the comment (or the whole comment when it names no other rule).

## Options
None.
""")

_register("invalid-suppression", """## What it does

Reports a suppression comment that dlint cannot honour:

- a `# dlint ignore=` comment naming a rule id or alias no rule has (a typo: the message
  suggests the closest id);
- a malformed `# dlint ignore...` comment (the form is
  `# dlint ignore=<rule>[,<rule>] -- <reason>`);
- a suppression without a reason when the policy sets `require-reason: true` (this includes
  `# hadolint ignore=` comments and `# check=skip=` directives that name a dlint rule, since
  those cannot carry a reason);
- an inline suppression of a rule the policy does not allow to be suppressed inline
  (`inline-suppression: false` for the rule, the default for locked rules).

The finding the comment aimed at stays unsuppressed.

## Why is this bad?

An ignore comment that does not work looks exactly like one that does. The author believes
the finding is handled, the build still fails (or, worse, the typo hides a different rule
than intended), and nobody notices why. Policy limits on inline suppression exist so that a
platform team's rules cannot be switched off one comment at a time; those exceptions belong
in a reviewed, expiring waiver.

## Example

```dockerfile
# dlint ignore=image-digets -- vendor image
FROM vendor/base:1.2
```

## Use instead

```dockerfile
# dlint ignore=image-digest -- vendor image, pinned by the vendor's release process
FROM vendor/base:1.2
```

For a rule that may not be suppressed inline, ask for a waiver in the policy file:

```yaml
waivers:
  - rules: [image-digest]
    paths: ["vendor/**"]
    reason: vendor image, pinned by the vendor's release process
    owner: team-platform
    expires: 2027-03-31
```

## Options
None.
""")

_register("expired-waiver", """## What it does

Reports a waiver in a policy file whose `expires` date has passed. The finding points at
the waiver's `expires:` line in the policy file, for example:

```
.dlint.yaml:7:5: error[expired-waiver] waiver for image-digest in legacy/** expired on 2027-03-31, owner team-platform
```

An expired waiver also stops applying: the findings it waived are reported again. A waiver
is valid through its `expires` date and expired from the next day. The date of "today" can
be fixed with `--today YYYY-MM-DD` or `DLINT_TODAY` for reproducible CI runs and tests.

## Why is this bad?

A waiver is a time-boxed decision: someone accepted a risk for a reason, until a date.
After that date nobody has decided anything any more. Reporting the waiver itself, where it
is written, puts the decision back in front of its owner instead of letting the exception
silently become permanent.

## Example

```yaml
waivers:
  - rules: [image-digest]
    paths: ["legacy/**"]
    reason: vendor image, pinned by the vendor's release process
    owner: team-platform
    expires: 2027-03-31   # in the past
```

## Use instead

Fix the findings and delete the waiver, or renew it deliberately with a new date (and an
updated reason or ticket):

```yaml
waivers:
  - rules: [image-digest]
    paths: ["legacy/**"]
    reason: vendor still ships tags only; digest pinning tracked in PLAT-812
    owner: team-platform
    ticket: PLAT-812
    expires: 2027-06-30
```

## Options
None.
""")

_register("expiring-waiver", """## What it does

Reports a waiver whose `expires` date is near: within `waiver-expiry-warning-days` days
(default 14), the expiry date included. The finding points at the waiver's `expires:` line
and names the rules, paths, owner and ticket:

```
.dlint.yaml:7:5: warning[expiring-waiver] waiver for image-digest in legacy/** expires on 2027-03-31 (in 11 days), owner team-platform
```

The waiver still applies until the date has passed; then it becomes an `expired-waiver`
error.

## Why is this bad?

It is not bad yet; it is notice. Without it, a waiver expiring turns a green build red on
one particular morning, usually for someone who did not write the waiver. A warning two
weeks ahead gives the owner time to fix the findings or renew the waiver on purpose.

## Example

```yaml
waivers:
  - rules: [image-digest]
    paths: ["legacy/**"]
    reason: vendor image
    owner: team-platform
    expires: 2027-03-31   # less than 14 days away
```

## Use instead

Fix the waived findings and remove the waiver, or move `expires` to a new date with a
current reason.

## Options

The warning window is a policy setting, not a rule option:

```yaml
waiver-expiry-warning-days: 30
```
""")
