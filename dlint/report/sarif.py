"""SARIF 2.1.0 for GitHub code scanning and every other SARIF consumer.

Built on the ``sarif-om`` object model, with our own serializer because sarif-om ships none
that fits: its classes carry placeholder defaults (``rank=-1``, ``language="en-US"``,
``level="warning"``) that must not be written unless we set them, yet a value we did set must
never be dropped just because it equals a default (a ``warning`` result of an ``error`` rule
stays ``warning``).  Objects are therefore made through :func:`_make`, which records the
fields set explicitly, and only those are serialized.  sarif-om also predates the final
schema in one name: ``Suppression.state`` is written as ``status``.

Design choices, each for GitHub's sake:

* one run; ``rules[]`` lists every enabled rule (plus any rule a result names that the policy
  no longer lists), sorted, and each result carries the matching ``ruleIndex``;
* paths are repository-relative URIs under ``%SRCROOT%`` with no machine path anywhere, so the
  file is byte-identical on every machine (no timestamps either);
* columns are UTF-16 code units (``columnKind``), converted from our code-point columns with
  the file text;
* ``partialFingerprints.primaryLocationLineHash`` is the value GitHub's upload action would
  compute, so alerts track across runs however the file is uploaded;
* suppressed findings are left out unless asked for: GitHub shows suppressed results as open
  alerts, which would defeat an inline ignore or waiver;
* GitHub's upload limits are enforced here, keeping the most severe results, so an upload is
  never rejected outright.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as om

from dlint.findings import Finding, Severity
from dlint.policy.model import Rule
from dlint.report import ReportInput
from dlint.report._common import ordered, split_lines, utf16_column
from dlint.report._fingerprints import line_hashes

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
TOOL_NAME = "dlint"

# GitHub's documented upload limits (code scanning: "SARIF results exceed limits", "SARIF file
# is too large").  Locations per result (1,000), runs per file (20), tool extensions (100) and
# thread-flow locations (10,000) cannot be exceeded by this writer: one run, one location.
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_TAGS_PER_RULE = 20
MAX_GZIPPED_BYTES = 10 * 1000 * 1000  # "10 MB"; the decimal reading is the safe one

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
_SUPPRESSION_KIND = {"inline": "inSource", "waiver": "external", "baseline": "external"}
_RENAMED = {(om.Suppression, "state"): "status"}  # sarif-om (rtm.4) name -> final 2.1.0 name
_SET_FIELDS = "_dlint_set_fields"


# --- object model helpers and serializer ---------------------------------------------------

def _make(cls: type[Any], **fields: Any) -> Any:
    """Construct a sarif-om object, remembering which fields were given (see module doc)."""
    obj = cls(**fields)
    setattr(obj, _SET_FIELDS, frozenset(name for name, value in fields.items() if value is not None))
    return obj


def _bag(tags: list[str] | None = None, **extra: Any) -> Any:
    """A property bag: sarif-om models only ``tags``; other properties ride along unchanged."""
    bag = _make(om.PropertyBag, tags=tags)
    bag._dlint_extra = dict(extra)
    return bag


def _to_json(value: Any) -> Any:
    """Serialize sarif-om objects to schema property names, writing only fields that were set."""
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        set_fields: frozenset[str] = getattr(value, _SET_FIELDS, frozenset())
        for field in attr.fields(type(value)):
            if field.name not in set_fields:
                continue
            key = _RENAMED.get((type(value), field.name), field.metadata["schema_property_name"])
            out[key] = _to_json(getattr(value, field.name))
        for key, extra in getattr(value, "_dlint_extra", {}).items():
            out[key] = _to_json(extra)
        return out
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


# --- rules -----------------------------------------------------------------------------------

def pascal_name(rule_id: str) -> str:
    """A PascalCase name for ``rule_id`` that differs from it, as SARIF asks of ``name``.

    The difference must survive case-folding: Microsoft's validator (SARIF1001) compares
    ignoring case, so ``syntax`` becomes ``SyntaxRule``, not ``Syntax``.
    """
    words = [w for w in re.split(r"[^0-9A-Za-z]+", rule_id) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Rule"
    if name[0].isdigit():
        name = "Rule" + name
    return name if name.casefold() != rule_id.casefold() else name + "Rule"


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")


def _first_paragraph(markdown: str) -> str:
    """The first prose paragraph of a rule doc (skipping headings and code), as plain text."""
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = [ln for ln in block.splitlines() if not _HEADING.match(ln)]
        text = " ".join(ln.strip() for ln in lines).strip()
        if text and not text.startswith(("```", "~~~", "|")):
            return text
    return ""


def _plain(markdown: str) -> str:
    """Rule docs for viewers that show ``help.text``: headings lose their hashes, nothing else
    changes (the docs are written to read well as plain text)."""
    return "\n".join(_HEADING.sub("", line) for line in markdown.strip().splitlines())


def _sentence(text: str) -> str:
    """End with a full stop, as SARIF's message guidance asks (and viewers expect)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _tags(rule: Rule) -> list[str]:
    tags = (["security"] if rule.security_severity is not None else []) + list(rule.tags)
    unique = list(dict.fromkeys(t for t in tags if t))
    return unique[:MAX_TAGS_PER_RULE]  # "security" first, so GitHub's classification survives


def _placeholder_rule(rule_id: str, severity: Severity) -> Rule:
    """A rule a finding names but the effective policy does not list (e.g. the ``syntax``
    findings the parser raises): results must still point at a descriptor."""
    return Rule(id=rule_id, title=f"dlint rule {rule_id}", severity=severity)


def _descriptor(rule: Rule) -> Any:
    title = _sentence(rule.title or rule.id)
    full = _sentence(_first_paragraph(rule.docs) or rule.title or rule.id)
    docs = rule.docs.strip() or title
    props: dict[str, Any] = {"precision": rule.precision,
                             "problem.severity": _PROBLEM_SEVERITY[rule.severity]}
    if rule.security_severity is not None:
        props["security-severity"] = f"{max(0.0, min(10.0, rule.security_severity)):.1f}"
    if rule.aliases:
        props["aliases"] = sorted(set(rule.aliases))
    return _make(
        om.ReportingDescriptor,
        id=rule.id,
        name=pascal_name(rule.id),
        short_description=_make(om.MultiformatMessageString, text=title),
        full_description=_make(om.MultiformatMessageString, text=full),
        help=_make(om.MultiformatMessageString, text=_plain(docs), markdown=docs),
        help_uri=rule.help_uri or None,
        default_configuration=_make(om.ReportingConfiguration, level=_LEVEL[rule.severity]),
        properties=_bag(tags=_tags(rule), **props),
    )


def _rules(data: ReportInput, findings: Iterable[Finding]) -> list[Rule]:
    by_id: dict[str, Rule] = {}
    for rule in data.rules:
        if rule.enabled and rule.id not in by_id:
            by_id[rule.id] = rule
    for f in findings:
        if f.rule not in by_id:
            by_id[f.rule] = _placeholder_rule(f.rule, f.severity)
    return [by_id[k] for k in sorted(by_id)]


# --- results ---------------------------------------------------------------------------------

def artifact_uri(path: str) -> str:
    """Repository-relative URI: forward slashes, no ``./``, percent-encoded (RFC 3986)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    return quote("/".join(parts), safe="/")


class _Texts:
    """Lines and fingerprints of scanned files, computed once per file."""

    def __init__(self, files: dict[str, str], bom_paths: frozenset[str] = frozenset()) -> None:
        self._files = files
        self._bom_paths = bom_paths
        self._lines: dict[str, list[str]] = {}
        self._hashes: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._files:
            return None
        if path not in self._lines:
            self._lines[path] = split_lines(self._files[path])
        return self._lines[path]

    def line_hash(self, path: str, line: int) -> str | None:
        if path not in self._files:
            return None
        if path not in self._hashes:
            # GitHub's upload action hashes the file as read, byte order mark included
            bom = "\ufeff" if path in self._bom_paths else ""
            self._hashes[path] = line_hashes(bom + self._files[path])
        hashes = self._hashes[path]
        return hashes[line - 1] if 1 <= line <= len(hashes) else None


def _region(f: Finding, texts: _Texts) -> Any:
    """The finding's span in UTF-16 columns, kept inside the file."""
    loc = f.location
    lines = texts.lines(loc.path)
    start_line, start_col, end_line, end_col = loc.line, loc.column, loc.end_line, loc.end_column
    if lines is None:
        start_line, start_col = max(start_line, 1), max(start_col, 1)
        end_line = max(end_line, start_line)
        end_col = max(end_col, start_col) if end_line == start_line else max(end_col, 1)
        return _make(om.Region, start_line=start_line, start_column=start_col,
                     end_line=end_line, end_column=end_col)

    def clamp(line: int, col: int) -> tuple[int, int]:
        line = min(max(line, 1), len(lines))
        text = lines[line - 1]
        col = min(max(col, 1), len(text) + 1)
        return line, utf16_column(text, col)

    start_line, start_col = clamp(start_line, start_col)
    end_line, end_col = clamp(end_line, end_col)
    if (end_line, end_col) < (start_line, start_col):
        end_line, end_col = start_line, start_col
    return _make(om.Region, start_line=start_line, start_column=start_col,
                 end_line=end_line, end_column=end_col)


def _suppression(f: Finding) -> Any:
    s = f.suppression
    assert s is not None
    if s.reason:
        justification = s.reason
    else:
        kind = {"inline": "an inline ignore comment", "waiver": "a policy waiver",
                "baseline": "the baseline"}.get(s.kind, s.kind)
        justification = f"Suppressed by {kind}" + (f" at {s.source}" if s.source else "") + "."
    props: dict[str, Any] = {"dlintKind": s.kind}
    if s.source:
        props["source"] = s.source
    return _make(om.Suppression, kind=_SUPPRESSION_KIND.get(s.kind, "external"), state="accepted",
                 justification=justification, properties=_bag(**props))


def _result(f: Finding, rule_index: int, texts: _Texts) -> Any:
    region = _region(f, texts)
    fingerprint = texts.line_hash(f.location.path, region.start_line)
    return _make(
        om.Result,
        rule_id=f.rule,
        rule_index=rule_index,
        level=_LEVEL[f.severity],
        message=_make(om.Message, text=_sentence(f.message)),
        locations=[_make(om.Location, physical_location=_make(
            om.PhysicalLocation,
            artifact_location=_make(om.ArtifactLocation, uri=artifact_uri(f.location.path),
                                    uri_base_id=SRCROOT),
            region=region,
        ))],
        partial_fingerprints={"primaryLocationLineHash": fingerprint} if fingerprint else None,
        suppressions=[_suppression(f)] if f.suppressed else None,
    )


# --- version and limits ----------------------------------------------------------------------

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")


def semantic_version(version: str) -> str:
    """SemVer 2.0 spelling of a PEP 440 version (``1.2.dev3+g5`` -> ``1.2.0-dev3+g5``)."""
    if _SEMVER.match(version):
        return version
    m = re.match(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$", version)
    if not m:
        return "0.0.0-" + (re.sub(r"[^0-9A-Za-z-]+", "-", version).strip("-") or "unknown")
    core = ".".join(str(int(x or 0)) for x in m.group(1, 2, 3))
    rest, _, local = m.group(4).partition("+")
    pre = re.sub(r"[^0-9A-Za-z-]+", ".", rest).strip(".")
    build = re.sub(r"[^0-9A-Za-z-]+", ".", local).strip(".")
    return core + (f"-{pre}" if pre else "") + (f"+{build}" if build else "")


# The project's home page, for ``informationUri``; the same address as [project.urls] in
# pyproject.toml (tests/report keep the two equal).
INFORMATION_URI = "https://github.com/dlint-project/dlint"


def _information_uri(version: str) -> str:
    return INFORMATION_URI


def _priority(f: Finding) -> tuple[int, int]:
    """Most important first: active before suppressed, then by severity."""
    return (1 if f.suppressed else 0, -int(f.severity))


def _warn(message: str) -> None:
    print(f"dlint: warning: {message}", file=sys.stderr)


# --- assembly --------------------------------------------------------------------------------

def _log(data: ReportInput, findings: list[Finding], rules: list[Rule], texts: _Texts) -> dict[str, Any]:
    index = {rule.id: i for i, rule in enumerate(rules)}
    version = data.tool_version
    driver = _make(
        om.ToolComponent,
        name=TOOL_NAME,
        version=version,
        semantic_version=semantic_version(version),
        information_uri=_information_uri(version),
        rules=[_descriptor(r) for r in rules],
    )
    category = data.sarif_category
    if category is not None and not category.endswith("/"):
        category += "/"  # as github/codeql-action's upload does with its `category` input
    run = _make(
        om.Run,
        tool=_make(om.Tool, driver=driver),
        column_kind="utf16CodeUnits",
        original_uri_base_ids={SRCROOT: _make(om.ArtifactLocation, description=_make(
            om.Message, text="The root of the scanned tree; result paths are relative to it."))},
        automation_details=_make(om.RunAutomationDetails, id=category) if category else None,
        results=[_result(f, index[f.rule], texts) for f in findings],
    )
    log = _make(om.SarifLog, schema_uri=SCHEMA_URI, version=SARIF_VERSION, runs=[run])
    doc: dict[str, Any] = _to_json(log)
    return doc


_INDENT_UP_TO = 5_000  # results; above this, compact JSON (Python's indenting encoder is ~10x slower)


def _dump(doc: dict[str, Any]) -> str:
    """Sorted keys, UTF-8, final newline: the same input always gives the same bytes."""
    if len(doc["runs"][0]["results"]) <= _INDENT_UP_TO:
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n"


def render(data: ReportInput) -> str:
    """Render one SARIF log; enforce GitHub's limits, keeping the most severe results."""
    findings = ordered(f for f in data.findings if data.sarif_include_suppressed or not f.suppressed)
    texts = _Texts(data.files, data.bom_paths)

    kept = findings
    if len(kept) > MAX_RESULTS_PER_RUN:
        kept = ordered(sorted(findings, key=_priority)[:MAX_RESULTS_PER_RUN])
        _warn(f"SARIF: {len(findings)} results exceed GitHub's limit of {MAX_RESULTS_PER_RUN} per run; "
              f"kept the {MAX_RESULTS_PER_RUN} most severe")

    rules = _rules(data, kept)
    if len(rules) > MAX_RULES_PER_RUN:
        used = {f.rule for f in kept}
        room = max(MAX_RULES_PER_RUN - len(used), 0)
        unused = [r for r in rules if r.id not in used][:room]
        rules = sorted([r for r in rules if r.id in used] + unused, key=lambda r: r.id)
        _warn(f"SARIF: rules[] truncated to GitHub's limit of {MAX_RULES_PER_RUN} rules per run")

    text = _dump(_log(data, kept, rules, texts))
    raw = text.encode("utf-8")
    if len(raw) > MAX_GZIPPED_BYTES and len(gzip.compress(raw, mtime=0)) > MAX_GZIPPED_BYTES:
        by_priority = sorted(kept, key=_priority)
        low, high = 0, len(by_priority)  # largest count whose file fits, by bisection
        best = _dump(_log(data, [], rules, texts))
        while low < high:
            mid = (low + high + 1) // 2
            candidate = _dump(_log(data, ordered(by_priority[:mid]), rules, texts))
            if len(gzip.compress(candidate.encode("utf-8"), mtime=0)) <= MAX_GZIPPED_BYTES:
                low, best = mid, candidate
            else:
                high = mid - 1
        _warn(f"SARIF: the file exceeds GitHub's 10 MB (gzipped) upload limit; kept the {low} most "
              f"severe of {len(kept)} results")
        text = best
    return text
