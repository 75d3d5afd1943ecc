"""Every rule is documented, and docs/rules/ is exactly what `dlint rules ID` prints.

Regenerate the pages after changing a rule: DLINT_UPDATE_DOCS=1 pytest tests/test_rule_docs.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dlint.checks import registry
from dlint.policy import builtin_policy
from dlint.ruledocs import rule_page

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Options")
RULES = sorted(builtin_policy().rules.values(), key=lambda r: r.id)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_page_is_current(rule: object) -> None:
    page = rule_page(rule)  # type: ignore[arg-type]
    target = DOCS / f"{rule.id}.md"  # type: ignore[attr-defined]
    if os.environ.get("DLINT_UPDATE_DOCS"):
        target.write_text(page, encoding="utf-8")
    assert target.read_text(encoding="utf-8") == page, "run DLINT_UPDATE_DOCS=1 pytest tests/test_rule_docs.py"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_docs_have_every_section(rule: object) -> None:
    docs = rule.docs  # type: ignore[attr-defined]
    for section in SECTIONS:
        assert section in docs, f"{rule.id} docs lack {section!r}"  # type: ignore[attr-defined]


def test_every_check_belongs_to_a_rule_and_no_stray_pages() -> None:
    used = {rule.check for rule in RULES}
    registered = {name for name in registry() if not name.startswith("test-")}  # tests register their own
    assert registered <= used, registered - used
    pages = {p.stem for p in DOCS.glob("*.md")} - {"README"}
    assert pages == {rule.id for rule in RULES}


def test_rules_index_lists_every_rule() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"[{rule.id}]({rule.id}.md)" in index
