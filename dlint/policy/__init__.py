"""Policies: loading YAML policy files, merging layers, locked rules, and CEL custom rules.

The public surface the engine and CLI use; the heavy parts (CEL, RE2) are imported only
when a policy actually has custom rules or patterns.
"""

from __future__ import annotations

from dlint.policy.loader import (
    CONFIG_NAMES,
    ENTRY_POINT_GROUP,
    LOCKED_RULE,
    PolicyError,
    PolicyResolver,
    builtin_packs,
    builtin_policy,
    known_rule_ids,
    load_policy_file,
)
from dlint.policy.model import CelRule, Origin, Policy, Rule, Waiver

__all__ = [
    "CONFIG_NAMES",
    "ENTRY_POINT_GROUP",
    "LOCKED_RULE",
    "CelRule",
    "Origin",
    "Policy",
    "PolicyError",
    "PolicyResolver",
    "Rule",
    "Waiver",
    "builtin_packs",
    "builtin_policy",
    "known_rule_ids",
    "load_policy_file",
]
