"""``dlint check --stale``: are the pins still what their tags point at?

A pin freezes an image; the tag next to it documents intent ("alpine 3.20, with its
security updates").  When the tag moves, the pin is silently missing those updates
(``stale-pin``); when the tag is deleted, the intent no longer exists upstream
(``tag-gone``).  A pin to one platform of the current index is not stale: it is what
``--platform`` pinning produces.
"""

from __future__ import annotations

from pathlib import Path

from dlint.checks import Violation
from dlint.dockerfile.model import Document, ImageRef
from dlint.pin.resolve import CacheError, Resolver, Target


def find_stale(
    documents: list[Document],
    *,
    platform: str | None,
    insecure_registries: list[str],
    cache: Path | None,
    offline: bool,
    resolver: Resolver | None = None,
) -> tuple[dict[str, list[tuple[str, Violation]]], list[str]]:
    """Per document path, ("stale-pin" | "tag-gone", Violation); plus unresolvable refs' errors."""
    sites: list[tuple[Document, ImageRef, Target, str]] = []
    for doc in documents:
        for image in doc.images:
            if not (image.registry and image.repository and image.tag and image.digest):
                continue  # unpinned, digest-only or unresolved: other rules speak about those
            sites.append((doc, image, Target(image.registry, image.repository, image.tag), image.digest))
    found: dict[str, list[tuple[str, Violation]]] = {}
    if not sites:
        return found, []
    try:
        resolver = resolver or Resolver(platform=platform, insecure_registries=insecure_registries,
                                        cache=cache, offline=offline)
    except CacheError as exc:
        return found, [str(exc)]
    targets = [target for _, _, target, _ in sites]
    try:
        outcomes = resolver.resolve_all(targets, with_children=targets)
        try:
            resolver.save_cache()
        except OSError as exc:
            errors_early = [f"cannot write cache {cache}: {exc.strerror or type(exc).__name__}"]
        else:
            errors_early = []
    finally:
        resolver.close()
    errors: list[str] = list(errors_early)
    reported: set[Target] = set()
    for doc, image, target, pinned in sites:
        outcome = outcomes[target]
        shown = f"{image.written}" if image.arg_name is None else f"{image.written} ({image.resolved})"
        if outcome.kind == "not-found":
            message = (f"{shown} is pinned to {pinned}, but tag {target.tag} no longer exists in "
                       f"{target.registry}/{target.repository}")
            violation = Violation(message, image.span, image.instruction)
            found.setdefault(doc.path, []).append(("tag-gone", violation))
        elif outcome.kind == "error":
            if target not in reported:
                reported.add(target)
                errors.append(f"{doc.path}:{image.line}: cannot check {shown}: {outcome.error}")
        elif not outcome.accepts(pinned):
            message = (f"{shown}: tag {target.tag} now points to {outcome.digest}, not the pinned "
                       f"{pinned}; run dlint pin --update")
            violation = Violation(message, image.span, image.instruction)
            found.setdefault(doc.path, []).append(("stale-pin", violation))
    return found, errors
