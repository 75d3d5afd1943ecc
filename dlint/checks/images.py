"""Checks over image references: every FROM, COPY --from, RUN --mount from and # syntax."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dlint.checks import Violation, check
from dlint.dockerfile.model import Document, ImageRef

_SOURCE_LABEL = {
    "from": "base image",
    "copy-from": "COPY --from image",
    "mount-from": "RUN --mount image",
    "syntax": "syntax frontend image",
}


def _describe(image: ImageRef) -> str:
    """How a message names the image: as written, plus the resolved value when they differ."""
    label = _SOURCE_LABEL.get(image.source, "image")
    if image.resolved is not None and image.resolved != image.written:
        return f"{label} {image.written!r} (resolves to {image.resolved!r})"
    return f"{label} {image.written!r}"


def _checkable(image: ImageRef) -> bool:
    """Rules about tags and digests only speak about references they can read for sure;
    unresolved or invalid ones belong to `unresolved-image` and `syntax`."""
    return image.resolved is not None and image.error is None and image.repository is not None


def _literal_name(image: ImageRef) -> str | None:
    """The normalized ``registry/repository`` of an unresolved reference whose name is
    written literally and only the tag or digest uses a variable, as in
    ``mcr.microsoft.com/devcontainers/base:${VARIANT}``: whatever the variable holds, the
    image comes from that repository. None when a variable can change the name itself."""
    from dlint.dockerfile.imageref import InvalidReference, parse_reference

    if image.resolved is not None:
        return None
    dollar = image.written.find("$")
    if dollar <= 0:
        return None
    prefix = image.written[:dollar]
    if "\\" in prefix or "'" in prefix or '"' in prefix:
        return None
    slash = prefix.rfind("/")
    marks = [i for i in (prefix.find(":", slash + 1), prefix.find("@", slash + 1)) if i >= 0]
    if not marks:
        return None
    try:
        return parse_reference(prefix[: min(marks)]).name
    except InvalidReference:
        return None


@check("image-digest")
def image_digest(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Checks that every image reference carries a digest (`@sha256:...`): base images in
    `FROM`, images in `COPY --from=<image>` and `RUN --mount=...,from=<image>`, and the
    `# syntax=` frontend. A reference built from ARGs is checked on its resolved value and
    reported at the token that holds it.

    ## Why is this bad?
    A tag is a moving pointer: the registry owner (or an attacker who gets push access)
    can point `alpine:3.20` at different content tomorrow, so the same Dockerfile builds a
    different image. A digest names exact bytes, makes builds reproducible and lets review
    see every base image change. `dlint pin` adds digests for you.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim@sha256:2be8daddbb82756f7d1f2c7ece706aadcb284bf6ab6d769ea695cc3ed6016743
    ```

    ## Options
    None.
    """
    for image in doc.images:
        if _checkable(image) and image.digest is None:
            yield Violation(
                f"{_describe(image)} is not pinned by digest",
                image.span,
                image.instruction,
                image.name,
            )


@check("image-tag")
def image_tag(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags image references with no tag (which means `latest`) or with the explicit tag
    `latest`, unless they are pinned by digest.

    ## Why is this bad?
    `latest` is whatever was pushed last. Builds stop being reproducible, and an upstream
    major release can break (or silently change) your image. A digest pins exact content,
    so a digest-pinned `latest` is accepted.

    ## Example
    ```dockerfile
    FROM ubuntu
    COPY --from=nginx:latest /etc/nginx/nginx.conf /etc/nginx/
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/
    ```

    ## Options
    None.
    """
    for image in doc.images:
        if not _checkable(image) or image.digest is not None:
            continue
        if image.tag is None:
            yield Violation(
                f"{_describe(image)} has no tag, so it means 'latest'", image.span, image.instruction, image.name
            )
        elif image.tag == "latest":
            yield Violation(f"{_describe(image)} uses the tag 'latest'", image.span, image.instruction, image.name)


ALLOWED_REGISTRIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "allow": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "format": "glob"},
            "description": "Glob patterns over normalized registry/repository names: * within one "
            "path component, ** across components.",
        },
        "sources": {
            "type": "array",
            "items": {"enum": ["from", "copy-from", "mount-from", "syntax"]},
            "description": "Which image sources the allow-list applies to (default: all).",
        },
    },
}


@check("allowed-registries", ALLOWED_REGISTRIES_SCHEMA)
def allowed_registries(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Allows images only from approved registries and repositories. Patterns are globs over
    the normalized `registry/repository` name, the way Docker reads a reference: `alpine`,
    `docker.io/library/alpine` and `index.docker.io/library/alpine` are all
    `docker.io/library/alpine`. `*` matches within one path component, `**` across
    components. The rule is inactive until `allow` is configured.

    ## Why is this bad?
    Images from unknown registries bypass your organization's scanning, mirroring and
    licence review. String matching on what is written is easy to get around (`alpine` vs
    `docker.io/library/alpine`), so dlint compares normalized names.

    ## Example
    With `allow: ["docker.io/library/*", "ghcr.io/acme/**"]`:
    ```dockerfile
    FROM quay.io/someone/tool:1.0
    ```

    ## Use instead
    ```dockerfile
    FROM ghcr.io/acme/base/tool:1.0
    ```

    ## Options
    - `allow` (list of globs, default empty = rule inactive): the approved names.
    - `sources` (list, default all): limit the rule to `from`, `copy-from`, `mount-from`
      or `syntax` references.

    ```yaml
    rules:
      allowed-registries:
        severity: error
        options:
          allow: ["docker.io/library/*", "ghcr.io/acme/**", "registry.acme.example/**"]
    ```
    """
    from dlint.dockerfile.imageref import match_pattern

    patterns: list[str] = list(options.get("allow") or [])
    if not patterns:
        return
    sources = set(options.get("sources") or _SOURCE_LABEL)
    for image in doc.images:
        if image.source not in sources:
            continue
        # A reference with a variable only in its tag still names its repository for sure.
        name = image.name if _checkable(image) else _literal_name(image)
        if name is None:
            continue
        if not any(match_pattern(pattern, name) for pattern in patterns):
            yield Violation(
                f"{_describe(image)} is {name}, which is not on the allowed list",
                image.span,
                image.instruction,
                name,
            )


@check("unresolved-image")
def unresolved_image(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags image references that a policy cannot vouch for: a variable that no meta `ARG`
    (an `ARG` before the first `FROM`) gives a value, a value that `--build-arg` can
    replace while the reference carries no digest, or a value that is not a valid image
    reference at all.

    ## Why is this bad?
    `FROM ${BASE}` builds whatever the caller passes. Digest and registry rules can only
    check what the file says; if `--build-arg BASE=evil/image` changes the image, the
    policy was never applied to it. Only ARGs declared before the first `FROM` reach
    `FROM` lines, so an ARG declared later leaves the reference unresolved.

    ## Example
    ```dockerfile
    ARG BASE
    FROM ${BASE}
    ```

    ## Use instead
    ```dockerfile
    ARG BASE=python:3.12-slim@sha256:2be8daddbb82756f7d1f2c7ece706aadcb284bf6ab6d769ea695cc3ed6016743
    FROM ${BASE}
    ```
    A default pinned by digest is accepted: overriding it is then a deliberate act.

    ## Options
    None.
    """
    for image in doc.images:
        if image.unresolved:
            names = ", ".join(sorted(set(image.unresolved)))
            yield Violation(
                f"image {image.written!r} uses {names}, which has no value from an ARG before the first FROM; "
                "the image is unknown until build time",
                image.span,
                image.instruction,
            )
        elif image.error is not None:
            shown = image.resolved if image.resolved is not None else image.written
            yield Violation(
                f"image {shown!r} is not a valid image reference: {image.error}", image.span, image.instruction
            )
        elif image.overridable and image.digest is None:
            names = ", ".join(sorted(set(image.overridable)))
            yield Violation(
                f"image {image.written!r} comes from the ARG default of {names}, which --build-arg can "
                "replace; pin the default by digest",
                image.span,
                image.instruction,
                image.name,
            )
