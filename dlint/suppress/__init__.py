"""Suppressions: the three ways a finding stops counting, in the order the engine applies
them.

1. Inline comments in the Dockerfile (``# dlint ignore=...``, hadolint's and BuildKit's
   spellings through rule aliases): local, reasoned, reviewed with the code.
2. Waivers in policy files: central, owned, expiring.
3. The baseline: findings accepted when dlint was adopted, keyed on content.

A suppressed finding keeps its ``Suppression(kind, reason, source)`` so reports can show
it (``--show-suppressed``) and summaries count it; it never counts toward the exit code.
"""

from __future__ import annotations

from dlint.suppress.baseline import (
    BASELINE_VERSION,
    Baseline,
    BaselineEntry,
    BaselineError,
    BaselineResult,
    apply_baseline,
    load_baseline,
    prune_baseline,
    write_baseline,
)
from dlint.suppress.inline import InlineSuppression, RuleRef, apply_inline, collect
from dlint.suppress.waivers import (
    ENV_TODAY,
    InvalidDateError,
    apply_waivers,
    path_matches,
    today_from,
    unmatched_waivers,
    waiver_findings,
)

__all__ = [
    "BASELINE_VERSION",
    "ENV_TODAY",
    "Baseline",
    "BaselineEntry",
    "BaselineError",
    "BaselineResult",
    "InlineSuppression",
    "InvalidDateError",
    "RuleRef",
    "apply_baseline",
    "apply_inline",
    "apply_waivers",
    "collect",
    "load_baseline",
    "path_matches",
    "prune_baseline",
    "today_from",
    "unmatched_waivers",
    "waiver_findings",
    "write_baseline",
]
