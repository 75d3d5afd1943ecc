"""The baseline: accept today's findings, fail only on new ones.

Entries are keyed on content, never on line numbers: rule, path, the normalized text of
the instruction the finding is about (its message when it concerns no instruction), and
the occurrence index among findings sharing those three.  So adding lines above a
baselined finding does not resurrect it, while the same violation copied into another
file (other path) or another stage of the same file (next occurrence) is new and reported.

The file is JSON with a ``version`` key, entries sorted, one entry per line, so a review
of a baseline change reads like a list of added and removed findings.  It is written to a
temporary file and renamed, so an interrupted run never leaves half a baseline behind.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dlint.atomic import write_atomic
from dlint.findings import Finding, Suppression
from dlint.suppress._common import normalize_path, normalize_text

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be used (missing, not JSON, wrong shape or version).

    The message names the file and the reason; the CLI prints it and exits 2, because
    silently running without the baseline would fail every build on old findings, and
    silently ignoring a bad entry could hide a new one.
    """


@dataclass(frozen=True, slots=True, order=True)
class BaselineEntry:
    """One accepted finding, by content."""

    path: str
    rule: str
    context: str
    occurrence: int = 0

    def describe(self) -> str:
        """A one-line description for "fixed since the baseline" listings."""
        what = self.context if len(self.context) <= 60 else self.context[:57] + "..."
        nth = f" (occurrence {self.occurrence + 1})" if self.occurrence else ""
        return f"{self.path}: {self.rule} on `{what}`{nth}" if what else f"{self.path}: {self.rule}{nth}"


@dataclass(slots=True)
class Baseline:
    """A loaded baseline file."""

    path: Path
    entries: list[BaselineEntry] = field(default_factory=list)

    def __contains__(self, entry: object) -> bool:
        return entry in set(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(slots=True)
class BaselineResult:
    """What applying a baseline did: the findings (hidden ones marked with a ``baseline``
    suppression), how many it hid, and the entries nothing matched any more (fixed)."""

    findings: list[Finding]
    hidden: int
    stale: list[BaselineEntry]


def keyed(findings: Iterable[Finding]) -> list[tuple[BaselineEntry, Finding]]:
    """Each active (unsuppressed) finding with its baseline key, in the order given.

    The occurrence index counts active findings with the same rule, path and context in
    file order.  Suppressed findings take no part, so the keys are the same whether a
    caller hands over all findings or only the active ones.
    """
    items = [f for f in findings if f.suppression is None]
    order = sorted(range(len(items)), key=lambda n: items[n].sort_key())
    seen: Counter[tuple[str, str, str]] = Counter()
    keys: dict[int, BaselineEntry] = {}
    for n in order:
        f = items[n]
        base = (normalize_path(f.location.path), f.rule, _content(f))
        keys[n] = BaselineEntry(base[0], base[1], base[2], seen[base])
        seen[base] += 1
    return [(keys[n], items[n]) for n in range(len(items))]


def _content(finding: Finding) -> str:
    """The content key: the instruction's normalized text, or, for a finding tied to no
    instruction (a directive, the file as a whole), its message, which names what it is
    about and, unlike a line number, does not move when lines are added above."""
    text = normalize_text(finding.context)
    return text if text else "message: " + normalize_text(finding.message)


def _entry_json(entry: BaselineEntry) -> str:
    # fixed key order, context last as it is the long one
    return json.dumps({"path": entry.path, "rule": entry.rule, "occurrence": entry.occurrence,
                       "context": entry.context}, ensure_ascii=False)


def render_baseline(entries: Iterable[BaselineEntry]) -> str:
    """The file text: sorted, deduplicated, one entry per line, trailing newline."""
    unique = sorted(set(entries))
    lines = [f'{{\n  "version": {BASELINE_VERSION},\n  "tool": "dlint",\n  "entries": [']
    body = ",\n".join(f"    {_entry_json(e)}" for e in unique)
    if body:
        lines.append(body)
    lines.append("  ]\n}\n")
    return "\n".join(lines)


def write_baseline(path: Path, findings: list[Finding]) -> int:
    """Record the active (unsuppressed) findings; returns the number of entries written.

    Suppressed findings are left out: they are already accounted for by an inline ignore or
    a waiver, and recording them would keep them hidden after that exception goes away.
    """
    entries = {key for key, _ in keyed(findings)}
    _write(path, render_baseline(entries))
    return len(entries)


def _write(path: Path, text: str) -> None:
    """Write the baseline file; a path that cannot be written (a folder, a file where a
    folder should be, no permission) is the user's problem to fix, not an internal error."""
    try:
        write_atomic(path, text)
    except OSError as error:
        raise BaselineError(f"{path}: cannot write baseline: {error.strerror or error}") from None


def _fail(path: Path, reason: str) -> BaselineError:
    return BaselineError(f"{path}: invalid baseline: {reason}")


def _entry(path: Path, n: int, raw: Any) -> BaselineEntry:
    if not isinstance(raw, dict):
        raise _fail(path, f"entry {n + 1} is not an object")
    for key in ("path", "rule", "context"):
        if not isinstance(raw.get(key), str):
            raise _fail(path, f"entry {n + 1}: {key!r} must be a string")
    occurrence = raw.get("occurrence", 0)
    if isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence < 0:
        raise _fail(path, f"entry {n + 1}: 'occurrence' must be a non-negative integer")
    return BaselineEntry(normalize_path(raw["path"]), raw["rule"], normalize_text(raw["context"]), occurrence)


def load_baseline(path: Path) -> Baseline:
    """Read and validate a baseline file; any problem raises :class:`BaselineError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(path, str(error)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(path, f"not JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    if not isinstance(data, dict):
        raise _fail(path, "expected a JSON object with 'version' and 'entries'")
    version = data.get("version")
    if version != BASELINE_VERSION:
        raise _fail(path, f"unsupported version {version!r} (this dlint reads version {BASELINE_VERSION})")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        raise _fail(path, "'entries' must be a list")
    entries = sorted({_entry(path, n, raw) for n, raw in enumerate(raw_entries)})
    return Baseline(path, entries)


def apply_baseline(findings: list[Finding], baseline: Baseline, *,
                   scanned: Collection[str] | None = None,
                   skipped_rules: Collection[str] = ()) -> BaselineResult:
    """Hide the active findings the baseline accepts and list the entries now unmatched.

    ``scanned`` (repository-relative paths of the files this run looked at) keeps entries
    for files outside a partial scan from being called fixed; without it every entry is
    expected to be matched by this run.  Likewise ``skipped_rules`` (rules the policy
    enables but ``--select``/``--ignore`` left out of this run): their entries could not
    match, so they are not fixed, and ``--prune-baseline`` must not drop them.
    """
    accepted = set(baseline.entries)
    matched: set[BaselineEntry] = set()
    source = str(baseline.path)
    hide: dict[int, Finding] = {}
    for key, finding in keyed(findings):
        if key in accepted:
            matched.add(key)
            hide[id(finding)] = replace(finding, suppression=Suppression("baseline", None, source))
    out = [hide.get(id(f), f) for f in findings]
    looked_at = None if scanned is None else {normalize_path(p) for p in scanned}
    skipped = set(skipped_rules)
    stale = [e for e in baseline.entries
             if e not in matched and e.rule not in skipped and (looked_at is None or e.path in looked_at)]
    return BaselineResult(out, len(matched), stale)


def prune_baseline(path: Path, baseline: Baseline, stale: Iterable[BaselineEntry]) -> int:
    """Rewrite the baseline without ``stale`` entries; returns how many were removed.  The
    file is left untouched when there is nothing to remove."""
    gone = set(stale)
    keep = [e for e in baseline.entries if e not in gone]
    removed = len(baseline.entries) - len(keep)
    if removed:
        _write(path, render_baseline(keep))
        baseline.entries = sorted(set(keep))
    return removed
