"""Findings: the one type every stage after evaluation speaks.

Reporters receive findings plus the rule metadata and the file texts; they never see the
Dockerfile model, so an output format can change without touching parsing or rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """Ordered so that thresholds compare naturally (``finding.severity >= fail_on``)."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Accept the spellings users write in YAML and on the command line."""
        key = text.strip().lower()
        aliases = {"info": cls.INFO, "note": cls.INFO, "warning": cls.WARNING, "warn": cls.WARNING, "error": cls.ERROR}
        if key not in aliases:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)")
        return aliases[key]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: 1-based lines and columns, end exclusive, code-point columns."""

    path: str  # relative to the scan root, forward slashes
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding does not count: an inline ignore, a policy waiver or the baseline."""

    kind: str  # "inline" | "waiver" | "baseline"
    reason: str | None = None
    source: str | None = None  # e.g. "Dockerfile:3" or ".dlint.yaml:12"


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation of one rule at one place."""

    rule: str
    severity: Severity
    message: str
    location: Location
    context: str = ""  # normalized text of the instruction (baseline key; see suppress.py)
    suppression: Suppression | None = None
    properties: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.message)
