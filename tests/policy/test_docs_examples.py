"""Every worked example in docs/policies.md runs: the failing Dockerfile fails, the passing one passes.

Format in the doc: under a ``### Example`` heading, one ```yaml block (the policy), then
```dockerfile blocks preceded by ``<!-- fails: RULE [path=P] -->`` or ``<!-- passes [path=P] -->``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from dlint.checks import Violation, registry
from dlint.policy import load_policy_file
from dlint.policy.cel import evaluate_rule
from dlint.policy.model import Policy
from tests.policy.conftest import document

DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"
BLOCK = re.compile(r"(?:<!--\s*(?P<marker>[^>]*?)\s*-->\s*\n)?```(?P<lang>\w+)[^\n]*\n(?P<body>.*?)\n```", re.DOTALL)


def examples() -> list[Any]:
    text = DOC.read_text(encoding="utf-8")
    sections = re.split(r"^### Example: ", text, flags=re.MULTILINE)[1:]
    cases = []
    for section in sections:
        title = section.splitlines()[0].strip()
        policy: str | None = None
        runs: list[tuple[str, str, str | None, str]] = []
        for match in BLOCK.finditer(section):
            if match["lang"] == "yaml" and policy is None:
                policy = match["body"] + "\n"
            elif match["lang"] == "dockerfile":
                marker = match["marker"] or ""
                path = re.search(r"path=(\S+)", marker)
                rule = re.match(r"fails:\s*(\S+)", marker)
                kind = "fails" if rule else "passes"
                assert kind == "fails" or marker.startswith("passes"), f"{title}: unmarked dockerfile block"
                runs.append((kind, match["body"] + "\n", rule[1] if rule else None,
                             path[1] if path else "Dockerfile"))
        assert policy is not None, title
        cases.append(pytest.param(policy, runs, id=title))
    return cases


def violations(policy: Policy, rule_ids: set[str], text: str, path: str) -> dict[str, list[Violation]]:
    doc, model = document(text, path)
    found: dict[str, list[Violation]] = {}
    for rule_id in sorted(rule_ids):
        rule = policy.rules[rule_id]
        if not rule.enabled:
            continue
        if rule.cel is not None:
            found[rule_id] = list(evaluate_rule(rule, doc, model))
        else:
            assert rule.check is not None
            found[rule_id] = list(registry()[rule.check].function(doc, rule.options))
    return found


def test_there_are_eight_examples() -> None:
    assert len(examples()) == 8


@pytest.mark.parametrize(("policy_text", "runs"), examples())
def test_worked_example(tmp_path: Path, policy_text: str, runs: list[tuple[str, str, str | None, str]]) -> None:
    file = tmp_path / ".dlint.yaml"
    file.write_text(policy_text, encoding="utf-8")
    policy = load_policy_file(file)
    assert policy.problems == []
    mentioned = set(re.findall(r"^  ([\w/.-]+):", policy_text, flags=re.MULTILINE)) & set(policy.rules)
    assert mentioned
    kinds = [kind for kind, *_ in runs]
    assert "fails" in kinds and "passes" in kinds
    for kind, dockerfile, rule_id, path in runs:
        found = violations(policy, mentioned, dockerfile, path)
        if kind == "fails":
            assert rule_id in mentioned
            assert found[rule_id], f"expected a {rule_id} finding for:\n{dockerfile}"
            assert all(type(v) is Violation for v in found[rule_id]), found[rule_id]
        else:
            assert not any(found.values()), found
