"""Waivers: central, reasoned, expiring exceptions written in policy files.

A waiver names rules (ids or aliases), repository-relative path globs and optionally image
patterns.  Unlike an inline comment it lives where the platform team reviews it, has an
owner, and stops working on its ``expires`` date, at which point the waiver itself becomes
an ``expired-waiver`` error at its own line in the policy file, so that an exception cannot
quietly outlive its reason.  "Today" is an input (``--today`` / ``DLINT_TODAY``) so that CI
runs and tests are reproducible.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from dlint.findings import Finding, Location, Suppression
from dlint.globs import glob_match
from dlint.policy.model import Policy, Waiver
from dlint.suppress._common import (
    EXPIRED_WAIVER,
    EXPIRING_WAIVER,
    normalize_path,
    rule_lookup,
    rule_severity,
)

ENV_TODAY = "DLINT_TODAY"


class InvalidDateError(ValueError):
    """A ``--today`` / ``DLINT_TODAY`` value that is not an ISO date (the CLI exits 2)."""


def today_from(option: str | None, env: Mapping[str, str]) -> dt.date:
    """The date expiry is judged against: ``--today`` wins over ``DLINT_TODAY``, which wins
    over the system clock.  An empty variable counts as unset (CI templates often export
    empty values)."""
    for source, value in (("--today", option), (ENV_TODAY, env.get(ENV_TODAY))):
        if value is None or not value.strip():
            continue
        text = value.strip()
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidDateError(f"{source}: {value!r} is not a date; expected YYYY-MM-DD, "
                                   "e.g. 2027-03-31") from None
    return dt.date.today()


# --- matching ----------------------------------------------------------------------------


def path_matches(pattern: str, path: str) -> bool:
    """Whether a repository-relative ``path`` falls under a waiver's path ``pattern``.

    The pattern is anchored at the repository root (``Dockerfile`` is the root one only),
    and, as in ``.gitignore``, a pattern that matches a directory covers everything below
    it, so ``legacy`` and ``legacy/`` mean the same as ``legacy/**``.
    """
    target = normalize_path(path)
    text = normalize_path(pattern.strip()).rstrip("/")
    if not text:
        return False
    parts = target.split("/")
    return any(glob_match(text, "/".join(parts[:k])) for k in range(len(parts), 0, -1))


def _image_matches(pattern: str, image: str) -> bool:
    from dlint.dockerfile.imageref import match_pattern

    return bool(match_pattern(pattern, image))


def _rule_matcher(waiver: Waiver, policy: Policy) -> tuple[set[str], list[str]]:
    """The rule ids a waiver names (aliases resolved) and its glob entries (``acme/*``)."""
    known: dict[str, str] = {}
    for rule in policy.rules.values():
        known[rule.id] = rule.id
        for alias in rule.aliases:
            known.setdefault(alias, rule.id)
    table = rule_lookup(known)
    ids: set[str] = set()
    globs: list[str] = []
    for written in waiver.rules:
        if any(ch in written for ch in "*?["):
            globs.append(written)
        else:
            ids.add(table.get(written) or table.get(written.lower()) or written)
    return ids, globs


def is_expired(waiver: Waiver, today: dt.date) -> bool:
    """A waiver is good through its ``expires`` date and dead the day after."""
    return waiver.expires is not None and today > waiver.expires


def source_of(waiver: Waiver) -> str | None:
    """``policy-file:line`` of a waiver, the ``source`` its suppressions carry."""
    if waiver.origin is None:
        return None
    return f"{waiver.origin.path}:{waiver.origin.line}" if waiver.origin.line else waiver.origin.path


def waiver_path(waiver: Waiver, path: str, root: Path | None) -> str | None:
    """``path`` (relative to ``root``, the folder dlint runs in) as the waiver's own policy
    file sees it: relative to that file's folder, so a waiver means the same files from
    wherever dlint is started.  None when the file lies outside that folder."""
    if root is None or waiver.origin is None or ":" in waiver.origin.path.split("/", 1)[0]:
        return path  # built-in and installed packs: paths are relative to where dlint runs
    base = (root / waiver.origin.path).parent
    relative = Path(os.path.relpath(root / path, base)).as_posix()
    return None if relative == ".." or relative.startswith("../") else relative


def waiver_applies(waiver: Waiver, finding: Finding, policy: Policy, today: dt.date,
                   root: Path | None = None, matcher: tuple[set[str], list[str]] | None = None) -> bool:
    """Whether ``waiver`` covers ``finding`` today (rule, path, image and date all fit).
    ``matcher`` is ``_rule_matcher(waiver, policy)`` when the caller has it already."""
    if is_expired(waiver, today) or not waiver.reason.strip():
        return False
    ids, globs = matcher if matcher is not None else _rule_matcher(waiver, policy)
    if finding.rule not in ids and not any(fnmatch.fnmatchcase(finding.rule, g) for g in globs):
        return False
    if waiver.paths:
        path = waiver_path(waiver, finding.location.path, root)
        if path is None or not any(path_matches(p, path) for p in waiver.paths):
            return False
    if waiver.images:
        image = finding.properties.get("image")
        if not image or not any(_image_matches(p, image) for p in waiver.images):
            return False
    return True


def apply_waivers(findings: list[Finding], policy: Policy, today: dt.date,
                  root: Path | None = None) -> list[Finding]:
    """Mark findings a live waiver covers with ``Suppression("waiver", reason, "file:line")``.

    The first matching waiver in policy order wins.  Findings already suppressed (inline)
    keep that suppression: the more local exception is the one to show.  A waiver without
    a reason never applies (the loader reports it as invalid), nor does an expired one.
    """
    live = [w for w in policy.waivers if not is_expired(w, today) and w.reason.strip()]
    if not live:
        return list(findings)
    # which rules each waiver names: worked out once, not once per finding
    matchers = [_rule_matcher(waiver, policy) for waiver in live]
    result: list[Finding] = []
    for finding in findings:
        if finding.suppression is None:
            for waiver, matcher in zip(live, matchers, strict=True):
                if waiver_applies(waiver, finding, policy, today, root, matcher):
                    props = dict(finding.properties)
                    if waiver.owner:
                        props["waiver-owner"] = waiver.owner
                    if waiver.ticket:
                        props["waiver-ticket"] = waiver.ticket
                    if waiver.expires:
                        props["waiver-expires"] = waiver.expires.isoformat()
                    finding = replace(finding, properties=props,
                                      suppression=Suppression("waiver", waiver.reason, source_of(waiver)))
                    break
        result.append(finding)
    return result


def unmatched_waivers(findings: Iterable[Finding], policy: Policy, today: dt.date) -> list[Waiver]:
    """Live waivers that waived none of ``findings``: candidates for removal.

    Only meaningful after a scan of everything the waivers' paths can reach; a partial scan
    makes every waiver for the rest of the repository look unused, so this is not reported
    as a finding (yet); ``dlint policy`` style commands may list it.
    """
    used = {f.suppression.source for f in findings
            if f.suppression is not None and f.suppression.kind == "waiver"}
    return [w for w in policy.waivers
            if not is_expired(w, today) and w.reason.strip() and source_of(w) not in used]


# --- findings about waivers --------------------------------------------------------------


def _describe(waiver: Waiver) -> str:
    rules = ", ".join(waiver.rules) or "all rules"
    text = f"waiver for {rules}"
    if waiver.paths:
        text += " in " + ", ".join(waiver.paths)
    if waiver.images:
        text += " for images " + ", ".join(waiver.images)
    return text


def _who(waiver: Waiver) -> str:
    tail = ""
    if waiver.owner:
        tail += f", owner {waiver.owner}"
    if waiver.ticket:
        tail += f", ticket {waiver.ticket}"
    return tail


def _location(waiver: Waiver, root: Path | None) -> Location:
    """Point at the waiver's ``expires:`` line when the policy file can be read (the value a
    reader must change), else at the waiver's first line."""
    origin = waiver.origin
    path = origin.path if origin is not None else "<policy>"
    line = max(origin.line, 1) if origin is not None else 1
    column, end_column = 1, 2
    file = Path(path) if root is None else root / path
    try:
        lines = file.read_text(encoding="utf-8").splitlines() if origin is not None else []
    except (OSError, UnicodeDecodeError, ValueError):
        lines = []
    if 0 < line <= len(lines):
        first = lines[line - 1]
        indent = len(first) - len(first.lstrip(" -"))
        column, end_column = len(first) - len(first.lstrip()) + 1, len(first.rstrip()) + 1
        for n in range(line, min(len(lines), line + 50) + 1):
            text = lines[n - 1]
            stripped = text.lstrip(" -")
            outdented = len(text) - len(stripped) < indent or text.lstrip().startswith("- ")
            if n > line and text.strip() and outdented:
                break  # left this waiver's mapping
            if stripped.startswith("expires:"):
                line = n
                column = len(text) - len(stripped) + 1
                end_column = len(text.rstrip()) + 1
                break
    end_column = max(end_column, column + 1)
    return Location(path=path, line=line, column=column, end_line=line, end_column=end_column)


def waiver_findings(policy: Policy, today: dt.date, *, root: Path | None = None) -> list[Finding]:
    """``expired-waiver`` (error) for waivers past their date and ``expiring-waiver``
    (warning) for those within ``policy.expiry_warning_days``, at the waiver in the policy
    file, so the fix (renew with a new date and reason, or remove) is made where it lives.

    ``root`` is the folder relative origin paths are relative to (default: the current
    directory); it is only used to read the policy file to find the ``expires:`` line."""
    out: list[Finding] = []
    for waiver in policy.waivers:
        if waiver.expires is None:
            continue
        days = (waiver.expires - today).days
        date = waiver.expires.isoformat()
        if days < 0:
            rule = EXPIRED_WAIVER
            message = f"{_describe(waiver)} expired on {date}{_who(waiver)}"
        elif days <= policy.expiry_warning_days:
            rule = EXPIRING_WAIVER
            when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
            message = f"{_describe(waiver)} expires on {date} ({when}){_who(waiver)}"
        else:
            continue
        severity = rule_severity(policy, rule)
        if severity is None:
            continue
        out.append(Finding(rule=rule, severity=severity, message=message, location=_location(waiver, root),
                           context=f"{_describe(waiver)} expires {date}"))
    return out
