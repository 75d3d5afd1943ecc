"""Small helpers shared by the suppression mechanisms.

Kept private: the public surface is what ``dlint.suppress`` re-exports.  Everything here
exists so that the inline, waiver and baseline code agree on the same few conventions
(how a rule's severity is looked up, how a path or an instruction text is normalized).
"""

from __future__ import annotations

from dlint.findings import Severity
from dlint.policy.model import Policy

# Rule ids of the findings this package produces itself.
UNUSED_SUPPRESSION = "unused-suppression"
INVALID_SUPPRESSION = "invalid-suppression"
EXPIRED_WAIVER = "expired-waiver"
EXPIRING_WAIVER = "expiring-waiver"

DEFAULT_SEVERITY: dict[str, Severity] = {
    UNUSED_SUPPRESSION: Severity.WARNING,
    INVALID_SUPPRESSION: Severity.ERROR,
    EXPIRED_WAIVER: Severity.ERROR,
    EXPIRING_WAIVER: Severity.WARNING,
}


def rule_severity(policy: Policy, rule_id: str) -> Severity | None:
    """The severity to report ``rule_id`` at, or None when the policy switched it off.

    The four meta rules normally come from the recommended pack, but a policy that does not
    extend it (or a test) still gets sensible defaults rather than silence: a broken or
    stale exception should never go unnoticed just because a pack was not loaded.
    """
    rule = policy.rules.get(rule_id)
    if rule is None:
        return DEFAULT_SEVERITY[rule_id]
    if not rule.enabled:
        return None
    return rule.severity


def normalize_text(text: str) -> str:
    """Collapse every run of whitespace to one space, so that re-indenting or re-wrapping an
    instruction does not change its identity for the baseline."""
    return " ".join(text.split())


def normalize_path(path: str) -> str:
    """Repository-relative, forward slashes, no leading ``./``: the one spelling paths are
    compared in, whatever the OS or the user wrote."""
    text = path.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text.lstrip("/")


def rule_lookup(known: dict[str, str]) -> dict[str, str]:
    """``known`` plus lower-cased keys, so aliases (``dl3007``, ``stagenamecasing``) resolve
    whatever case a comment uses; exact keys win over case-folded ones."""
    table = {key.lower(): value for key, value in known.items()}
    table.update(known)
    return table


def resolve_rule(table: dict[str, str], written: str) -> str | None:
    """The rule id ``written`` names (an id or an alias), or None when it is unknown."""
    return table.get(written) or table.get(written.lower())
