"""``dlint pin``: add ``@sha256:...`` to every unpinned image reference, byte-exactly.

The command is a pipeline of plain steps: discover files, parse each into a Document, turn
its image references into *sites* (the exact bytes to rewrite and the tag to resolve),
resolve all distinct tags at once, then splice digests into the bytes.  Nothing is written
until a file's every edit is known, and each file is replaced atomically.

Exit codes (as the issue specifies): 0 nothing to do; 1 changes made, or needed under
``--check``/``--dry-run``; 2 a reference could not be resolved, authenticated, parsed or
rewritten (each named with file, line, registry, image and cause).  Refusals that need a
decision from the user (a tag-less reference without ``--allow-latest``, a reference built
from several variables) also give 2: the file is not fully pinned and a CI job should say so.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from dlint.dockerfile.model import Document, ImageRef
from dlint.pin.resolve import CacheError, Outcome, Resolver, Target
from dlint.pin.rewrite import Edit, RewriteError, atomic_write, rewrite


@dataclass(frozen=True, slots=True)
class Site:
    """One place in one file where a reference's bytes would change."""

    start: int  # byte offsets of the reference text (inside quotes, for an ARG default)
    end: int
    text: str  # the reference as written there
    line: int
    column: int
    target: Target
    pinned: str | None  # the digest already there (only with --update)
    via_arg: str | None = None  # the meta ARG whose default is being pinned


@dataclass(slots=True)
class FilePlan:
    """A file's bytes, the sites found in it and the problems met on the way."""

    path: Path
    display: str
    raw: bytes
    sites: list[Site] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_pin(
    paths: list[Path],
    *,
    dry_run: bool,
    check: bool,
    update: bool,
    platform: str | None,
    offline: bool,
    cache: Path | None,
    insecure_registries: list[str],
    allow_latest: bool,
    concurrency: int,
    build_args: dict[str, str],
    excludes: list[str],
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    resolver: Resolver | None = None,
) -> int:
    """Pin the Dockerfiles under ``paths``; prints diffs to stdout and messages to stderr."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if platform is not None and not _valid_platform(platform):
        print(f"error: --platform {platform!r} is not os/arch[/variant]", file=err)
        return 2
    if offline and cache is None:
        print("error: --offline needs --cache FILE (digests resolved by an earlier online run)", file=err)
        return 2
    from dlint.discover import ExcludeError

    try:
        plans, problems = _plans(paths, excludes, build_args, update=update, allow_latest=allow_latest)
    except ExcludeError as exc:
        print(f"error: {exc}", file=err)
        return 2
    for problem in problems:
        print(f"error: {problem}", file=err)
    try:
        resolver = resolver or Resolver(platform=platform, insecure_registries=insecure_registries,
                                        cache=cache, offline=offline, concurrency=concurrency)
    except CacheError as exc:
        print(f"error: {exc}", file=err)
        return 2
    try:
        targets = [site.target for plan in plans for site in plan.sites]
        pinned = [site.target for plan in plans for site in plan.sites if site.pinned]
        outcomes = resolver.resolve_all(targets, with_children=pinned)
        try:
            resolver.save_cache()
        except OSError as exc:
            problems.append(f"cannot write cache {cache}: {exc.strerror or type(exc).__name__}")
            print(f"error: {problems[-1]}", file=err)
    finally:
        resolver.close()

    changed_files = 0
    changed_refs = 0
    errors = len(problems)
    for plan in plans:
        edits, messages, plan_errors = _edits(plan, outcomes)
        for message in plan_errors:
            print(f"error: {message}", file=err)
        errors += len(plan_errors)
        if not edits:
            continue
        try:
            new = rewrite(plan.raw, edits)
        except RewriteError as exc:
            print(f"error: {plan.display}: not rewritten: {exc}", file=err)
            errors += 1
            continue
        if new == plan.raw:
            continue
        changed_files += 1
        changed_refs += len(messages)
        if dry_run:
            out.write(_diff(plan.display, plan.raw, new))
        elif check:
            for change in messages:  # nothing was written: say what would be
                print(f"{plan.display}:{change.describe(would=True)}", file=err)
        else:
            try:
                atomic_write(plan.path, new)
            except OSError as exc:
                print(f"error: {plan.display}: cannot write: {exc.strerror or type(exc).__name__}", file=err)
                errors += 1
                continue
            for change in messages:
                print(f"{plan.display}:{change.describe()}", file=err)

    verb = "would pin" if (dry_run or check) else "pinned"
    if changed_refs:
        print(f"{verb} {changed_refs} reference(s) in {changed_files} file(s)", file=err)
    if errors:
        print(f"{errors} error(s)", file=err)
        return 2
    return 1 if changed_refs else 0


# ---------------------------------------------------------------------- planning
def _valid_platform(text: str) -> bool:
    parts = text.split("/")
    return 2 <= len(parts) <= 3 and all(p and p.strip() == p for p in parts)


def _files(paths: list[Path], excludes: list[str]) -> tuple[list[tuple[Path, str]], list[str]]:
    from dlint.discover import discover

    targets, problems = discover(paths, excludes, Path.cwd())
    return [(t.path, t.display) for t in targets], [f"{p.display}: {p.message}" for p in problems]


def _plans(
    paths: list[Path], excludes: list[str], build_args: dict[str, str], *, update: bool, allow_latest: bool,
) -> tuple[list[FilePlan], list[str]]:
    from dlint.dockerfile.document import load_document

    files, problems = _files(paths, excludes)
    plans: list[FilePlan] = []
    for path, display in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(f"{display}: cannot be read: {exc.strerror or type(exc).__name__}")
            continue
        try:
            doc = load_document(raw, display, build_args)
        except Exception as exc:  # the parser promises not to raise; never show a traceback anyway
            problems.append(f"{display}: cannot be parsed ({type(exc).__name__})")
            continue
        plan = FilePlan(path, display, raw)
        seen: set[tuple[int, int]] = set()
        for image in doc.images:
            site = plan_site(doc, image, update=update, allow_latest=allow_latest, errors=plan.errors)
            if site is not None and (site.start, site.end) not in seen:
                seen.add((site.start, site.end))
                plan.sites.append(site)
        plans.append(plan)
    return plans, problems


def plan_site(
    doc: Document, image: ImageRef, *, update: bool, allow_latest: bool, errors: list[str],
) -> Site | None:
    """Where and what to pin for one image reference, or None (nothing to do, or an error noted)."""
    from dlint.dockerfile.imageref import InvalidReference, parse_reference

    where = f"{doc.path}:{image.span.start_line}:{image.span.start_column}"
    written = image.written
    if written.strip().lower() == "scratch":
        return None
    via_arg: str | None = None
    if image.arg_name is not None and image.arg_default_span is not None:
        span = image.arg_default_span
        start, end = _unquote(doc.raw, span.start_offset, span.end_offset)
        text = doc.raw[start:end].decode("utf-8", "replace")
        line, column = span.start_line, span.start_column
        via_arg = image.arg_name
        if "$" in text:
            errors.append(f"{where}: cannot pin {written}: the default of ARG {via_arg} ({text}) uses "
                          "variables itself; write the image literally in the ARG")
            return None
    elif "$" in written:
        names = ", ".join(image.unresolved or image.overridable) or "variables"
        errors.append(f"{where}: cannot pin {written}: it is built from {names}, not one ARG with a "
                      "default; not guessing (write the image in one ARG default or literally)")
        return None
    else:
        start, end = image.span.start_offset, image.span.end_offset
        if doc.raw[start:end] != written.encode("utf-8"):
            errors.append(f"{where}: cannot pin {written}: the reference is split across lines "
                          "or escaped; join it onto one line first")
            return None
        text, line, column = written, image.span.start_line, image.span.start_column
    if text.strip().lower() == "scratch":
        return None
    try:
        ref = parse_reference(text)
    except InvalidReference as exc:
        errors.append(f"{where}: cannot pin {text}: {exc}")
        return None
    if ref.digest is not None and (not update or ref.tag is None):
        return None  # already pinned (a digest-only reference has no tag to refresh)
    tag = ref.tag
    if tag is None:
        if not allow_latest:
            errors.append(f"{where}: refusing to pin {text}: it has no tag, so the pin would follow "
                          "'latest' and churn on every release; add a tag or pass --allow-latest")
            return None
        tag = "latest"
    return Site(start, end, text, line, column, Target(ref.registry, ref.repository, tag), ref.digest,
                via_arg)


def _unquote(raw: bytes, start: int, end: int) -> tuple[int, int]:
    """Offsets inside the quotes of ``ARG X="value"`` so the quotes stay where they are."""
    token = raw[start:end]
    if len(token) >= 2 and token[:1] in (b'"', b"'") and token[-1:] == token[:1]:
        return start + 1, end - 1
    return start, end


@dataclass(frozen=True, slots=True)
class Change:
    """One reference pinned (or re-pinned), for the report on stderr."""

    line: int
    column: int
    updated: bool  # an existing pin refreshed, rather than a new one
    text: str
    via_arg: str | None
    digest: str

    def describe(self, would: bool = False) -> str:
        verb = ("would update" if would else "updated") if self.updated else ("would pin" if would else "pinned")
        via = f" (default of ARG {self.via_arg})" if self.via_arg else ""
        return f"{self.line}:{self.column}: {verb} {self.text}{via} -> @{self.digest}"


def _edits(plan: FilePlan, outcomes: dict[Target, Outcome]) -> tuple[list[Edit], list[Change], list[str]]:
    edits: list[Edit] = []
    messages: list[Change] = []
    errors = list(plan.errors)
    for site in plan.sites:
        outcome = outcomes.get(site.target)
        if outcome is None or outcome.kind != "ok" or outcome.digest is None:
            cause = outcome.error if outcome is not None and outcome.error else f"{site.target}: not resolved"
            errors.append(f"{plan.display}:{site.line}:{site.column}: cannot pin {site.text}: {cause}")
            continue
        if site.pinned is not None and outcome.accepts(site.pinned):
            continue
        name = site.text.split("@", 1)[0]
        new = f"{name}@{outcome.digest}"
        edits.append(Edit(site.start, site.end, new.encode("utf-8"), site.text.encode("utf-8")))
        messages.append(Change(site.line, site.column, site.pinned is not None, site.text, site.via_arg,
                               outcome.digest))
    return edits, messages, errors


def _diff(display: str, old: bytes, new: bytes) -> str:
    a = old.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    b = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    lines: Iterable[str] = difflib.unified_diff(a, b, fromfile=f"a/{display}", tofile=f"b/{display}")
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
