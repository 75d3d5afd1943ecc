"""The `dlint check` pipeline: discover → read → parse/model → evaluate → suppress.

This is the one place that strings the stages together; each stage stays a plain
function over plain data.  The CLI only turns flags into ``CheckOptions`` and prints
what ``run_check`` returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from dlint.checks import Violation
from dlint.discover import ExcludeError, ReadProblem, Target, discover, read_target
from dlint.dockerfile.model import Document
from dlint.findings import Finding, Location, Severity
from dlint.policy.model import Policy, Rule


class UsageError(Exception):
    """A problem with what the user asked for (exit code 2), with a message that says it."""


@dataclass(slots=True)
class CheckOptions:
    paths: list[Path]
    root: Path
    excludes: list[str] = field(default_factory=list)
    config: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None  # error | warning | info | never; None = the policy's
    build_args: dict[str, str] = field(default_factory=dict)
    stdin: bytes | None = None
    stdin_filename: str = "Dockerfile"
    stale: bool = False
    platform: str | None = None
    insecure_registries: list[str] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)
    baseline: Path | None = None
    write_baseline: Path | None = None
    prune_baseline: bool = False


@dataclass(slots=True)
class CheckResult:
    findings: list[Finding]
    rules: list[Rule]
    files: dict[str, str]
    scanned: list[str]
    fail_on: Severity | None  # None = never fail
    notes: list[str] = field(default_factory=list)  # said on stderr
    baseline_hidden: int = 0
    baseline_fixed: list[str] = field(default_factory=list)
    bom_paths: frozenset[str] = frozenset()
    errors: list[str] = field(default_factory=list)  # what could not be checked at all (--stale)
    # the fail-on of each Dockerfile's own effective policy (without --fail-on): a nested
    # policy's stricter threshold must not fail the run over files outside its folder
    file_fail_on: dict[str, Severity | None] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2  # a gate that could not look must not pass
        for finding in self.findings:
            if finding.suppressed:
                continue
            path = finding.location.path
            threshold = self.file_fail_on.get(path, self.fail_on)
            if threshold is not None and finding.severity >= threshold:
                return 1
        return 0


_FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


def parse_fail_on(value: str) -> Severity | None:
    key = value.strip().lower()
    if key == "never":
        return None
    if key not in _FAIL_ON:
        raise UsageError(f"--fail-on must be error, warning, info or never, not {value!r}")
    return _FAIL_ON[key]


def _apply_selection(policy: Policy, select: list[str], ignore: list[str], notes: list[str],
                     deselected: set[str] | None = None) -> Policy:
    """Command-line --select/--ignore on top of the policy.  Locked rules stay on: the
    organization locked them precisely so that one invocation cannot switch them off.
    The rules the policy enables but this selection switches off are added to
    ``deselected`` (the baseline keeps their entries)."""
    if not select and not ignore:
        return policy
    from dlint.policy import known_rule_ids

    known = known_rule_ids(policy)

    def resolve(names: list[str]) -> set[str]:
        ids = set()
        for name in names:
            rule_id = known.get(name) or known.get(name.lower())
            if rule_id is None:
                raise UsageError(f"unknown rule {name!r} (see `dlint rules`)")
            ids.add(rule_id)
        return ids

    selected, ignored = resolve(select), resolve(ignore)
    rules: dict[str, Rule] = {}
    for rule_id, rule in policy.rules.items():
        enabled = rule.enabled
        if selected:
            enabled = enabled and rule_id in selected
        if rule_id in ignored:
            enabled = False
        if not enabled and rule.enabled and rule_id in policy.locked:
            note = f"rule {rule_id} is locked by policy and stays enabled"
            if note not in notes:
                notes.append(note)
            enabled = True
        if rule.enabled and not enabled and deselected is not None:
            deselected.add(rule_id)
        rules[rule_id] = replace(rule, enabled=enabled) if enabled != rule.enabled else rule
    return replace(policy, rules=rules)


def _problem_finding(problem: ReadProblem, policy: Policy) -> Finding | None:
    rule = policy.rules.get("unreadable-file")
    if rule is None or not rule.enabled:
        return None
    return Finding(
        rule.id, rule.severity, f"{problem.display} {problem.message}", Location(problem.display, 1, 1, 1, 1)
    )


def run_check(options: CheckOptions) -> CheckResult:
    """Lint everything ``options`` names and return findings with suppressions applied.

    The cyclic garbage collector is paused meanwhile: every document stays alive until the
    report is written, so each collection would walk all of them again for nothing (it was
    half the run time over a 2,000-file tree).  Reference counting still frees the rest.
    """
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_check(options)
    finally:
        if collecting:
            gc.enable()


def _run_check(options: CheckOptions) -> CheckResult:
    from dlint.dockerfile.document import load_document
    from dlint.policy import PolicyResolver

    notes: list[str] = []
    errors: list[str] = []
    resolver = PolicyResolver(options.root, options.config)
    resolver.for_directory(options.root)  # a broken policy is an error even with no Dockerfile
    inputs: list[tuple[Target | None, str, bytes | ReadProblem]] = []
    if options.stdin is not None:
        inputs.append((None, options.stdin_filename, options.stdin))
    if options.paths:
        try:
            targets, problems = discover(options.paths, options.excludes, options.root)
        except ExcludeError as error:
            raise UsageError(str(error)) from error
        inputs.extend((None, p.display, p) for p in problems)
        inputs.extend((t, t.display, read_target(t)) for t in targets)

    findings: list[Finding] = []
    documents: list[tuple[Document, Policy]] = []
    files: dict[str, str] = {}
    bom_paths: set[str] = set()
    rules: dict[str, Rule] = {}
    policies: list[Policy] = []
    file_fail_on: dict[str, Severity | None] = {}
    deselected: set[str] = set()
    for target, display, content in inputs:
        anchor = target.path if target is not None else options.root / display
        policy = _apply_selection(resolver.for_file(anchor), options.select, options.ignore, notes, deselected)
        if options.fail_on is None:
            file_fail_on[display] = policy.fail_on
        if all(policy is not seen for seen in policies):
            policies.append(policy)
        if isinstance(content, ReadProblem):
            finding = _problem_finding(content, policy)
            if finding is not None:
                findings.append(finding)
            continue
        doc = load_document(content, display, options.build_args)
        files[display] = doc.text
        if doc.bom:
            bom_paths.add(display)
        documents.append((doc, policy))
        for rule in policy.enabled_rules():
            rules.setdefault(rule.id, rule)

    stale = _stale_violations(options, [doc for doc, _ in documents], errors) if options.stale else {}
    findings.extend(_evaluate_all(documents, stale, options.today, options.root))
    policy_findings = _policy_findings(policies, options.today, options.root)
    findings.extend(policy_findings)
    _add_policy_texts(files, policy_findings, options.root)
    for policy in policies:
        for rule in policy.enabled_rules():
            rules.setdefault(rule.id, rule)

    result = CheckResult(
        findings=sorted(findings, key=Finding.sort_key),
        rules=sorted(rules.values(), key=lambda r: r.id),
        files=files,
        scanned=sorted({display for _, display, content in inputs if not isinstance(content, ReadProblem)}),
        fail_on=_fail_on(options, policies),
        notes=notes,
        bom_paths=frozenset(bom_paths),
        errors=errors,
        file_fail_on=file_fail_on,
    )
    _apply_baseline(options, result, deselected)
    return result


def _add_policy_texts(files: dict[str, str], findings: list[Finding], root: Path) -> None:
    """Findings about policy files point into those files: give reporters their text too,
    for the snippet under a text finding and the SARIF fingerprint of the line."""
    for finding in findings:
        path = finding.location.path
        if path in files:
            continue
        try:
            files[path] = (root / path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue  # built-in or installed packs, or a file gone since: no snippet


def _evaluate_all(
    documents: list[tuple[Document, Policy]],
    stale: dict[str, list[tuple[str, Violation]]],
    today: dt.date,
    root: Path,
) -> list[Finding]:
    """Rules, then inline suppressions, then the policy's waivers, document by document."""
    from dlint.engine import evaluate
    from dlint.policy import known_rule_ids
    from dlint.suppress import apply_inline, apply_waivers

    findings: list[Finding] = []
    known_by_policy: dict[int, dict[str, str]] = {}
    for doc, policy in documents:
        found = evaluate(doc, policy, stale.get(doc.path, []))
        known = known_by_policy.get(id(policy))
        if known is None:
            known = known_by_policy[id(policy)] = known_rule_ids(policy)
        found = apply_inline(doc, found, policy, known)
        findings.extend(apply_waivers(found, policy, today, root))
    return findings


def _policy_findings(policies: list[Policy], today: dt.date, root: Path) -> list[Finding]:
    """Findings about the policy files themselves (locked rules weakened, waivers expiring),
    reported once even when many Dockerfiles share a policy."""
    from dlint.suppress import waiver_findings

    seen: set[tuple[str, str, int, str]] = set()
    out: list[Finding] = []
    for policy in policies:
        for finding in [*policy.problems, *waiver_findings(policy, today, root=root)]:
            key = (finding.rule, finding.location.path, finding.location.line, finding.message)
            if key not in seen:
                seen.add(key)
                out.append(finding)
    return out


def _fail_on(options: CheckOptions, policies: list[Policy]) -> Severity | None:
    if options.fail_on is not None:
        return parse_fail_on(options.fail_on)
    if policies:
        thresholds = [policy.fail_on for policy in policies if policy.fail_on is not None]
        return min(thresholds) if thresholds else None
    return Severity.WARNING


def _stale_violations(
    options: CheckOptions, documents: list[Document], errors: list[str]
) -> dict[str, list[tuple[str, Violation]]]:
    from dlint.pin.stale import find_stale

    found, problems = find_stale(
        documents,
        platform=options.platform,
        insecure_registries=options.insecure_registries,
        cache=None,
        offline=False,
    )
    errors.extend(problems)
    return found


def _apply_baseline(options: CheckOptions, result: CheckResult, deselected: set[str]) -> None:
    if options.write_baseline is not None:
        from dlint.suppress import BaselineError, write_baseline

        try:
            count = write_baseline(options.write_baseline, [f for f in result.findings if not f.suppressed])
        except BaselineError as error:
            raise UsageError(str(error)) from error
        result.notes.append(f"wrote {count} baseline entries to {options.write_baseline}")
        return
    if options.baseline is None:
        return
    from dlint.suppress import BaselineError, apply_baseline, load_baseline, prune_baseline

    try:
        baseline = load_baseline(options.baseline)
    except BaselineError as error:
        raise UsageError(str(error)) from error
    outcome = apply_baseline(result.findings, baseline, scanned=result.scanned, skipped_rules=deselected)
    result.findings = sorted(outcome.findings, key=Finding.sort_key)
    result.baseline_hidden = outcome.hidden
    result.baseline_fixed = [entry.describe() for entry in outcome.stale]
    if options.prune_baseline and outcome.stale:
        try:
            removed = prune_baseline(options.baseline, baseline, outcome.stale)
        except BaselineError as error:
            raise UsageError(str(error)) from error
        result.notes.append(f"pruned {removed} fixed entries from {options.baseline}")
        result.baseline_fixed = []  # gone from the file: nothing left to advise


__all__ = ["CheckOptions", "CheckResult", "UsageError", "run_check"]
