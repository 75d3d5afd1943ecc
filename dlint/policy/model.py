"""The effective policy as plain data: what the loader produces and the engine consumes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dlint.findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a setting was written, so errors and ``policy show`` can point at it."""

    path: str  # policy file path (or "builtin:recommended")
    line: int  # 1-based, 0 when unknown


@dataclass(slots=True)
class CelRule:
    """The CEL part of a custom rule (compiled programs are kept by the policy package)."""

    on: str  # image | instruction | stage | file
    require: str
    when: str | None = None
    message: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Rule:
    """A rule as a pack or policy file defines it, after merging all layers.

    Built-in rules name a ``check`` (a Python function in ``dlint.checks``) and its
    ``options``; custom rules carry ``cel``.  Both have the same metadata, which is what
    ``dlint rules``, the docs and SARIF ``rules[]`` are built from.
    """

    id: str
    title: str
    severity: Severity
    docs: str = ""  # markdown: What it does / Why is this bad? / Example / Use instead / Options
    tags: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # e.g. DL3007, StageNameCasing
    check: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    cel: CelRule | None = None
    enabled: bool = True
    pack: str = "recommended"
    precision: str = "very-high"  # SARIF: very-high | high | medium | low
    security_severity: float | None = None  # SARIF security-severity for security rules
    help_uri: str | None = None
    origin: Origin | None = None


@dataclass(slots=True)
class Waiver:
    """A central, reasoned, expiring exception written in a policy file."""

    rules: list[str]
    paths: list[str]
    reason: str
    images: list[str] = field(default_factory=list)
    owner: str | None = None
    ticket: str | None = None
    expires: dt.date | None = None
    origin: Origin | None = None


@dataclass(slots=True)
class Policy:
    """Everything the engine needs: rules by id, thresholds and exceptions."""

    rules: dict[str, Rule] = field(default_factory=dict)
    fail_on: Severity | None = Severity.WARNING  # None: report, never fail (fail-on: never)
    locked: set[str] = field(default_factory=set)
    waivers: list[Waiver] = field(default_factory=list)
    require_reason: bool = False
    sources: list[str] = field(default_factory=list)  # policy files merged, in order
    settings_origin: dict[str, Origin] = field(default_factory=dict)  # "rules.x.severity" -> Origin
    # problems found while merging layers (e.g. a locked rule weakened), reported as findings
    # at the offending policy line so they show in CI and SARIF like any other finding
    problems: list[Finding] = field(default_factory=list)
    inline_suppression: dict[str, bool] = field(default_factory=dict)  # rule id -> allowed
    expiry_warning_days: int = 14

    def enabled_rules(self) -> list[Rule]:
        return sorted((r for r in self.rules.values() if r.enabled), key=lambda r: r.id)
