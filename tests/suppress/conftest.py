"""Fixtures for the suppression tests: real Dockerfiles on disk, parsed by dlint's parser,
and findings placed on real instructions (context = the instruction's normalized text,
exactly what the engine fills in), so these tests do not depend on which checks exist."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dlint.dockerfile.document import load_document
from dlint.dockerfile.model import Document, Instruction
from dlint.findings import Finding, Location, Severity
from dlint.policy.model import Policy, Rule


def load(root: Path, rel: str, text: str) -> Document:
    """Write ``text`` to ``root/rel`` and parse it the way ``dlint check`` does."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_document(path.read_bytes(), rel, {})


def instruction_at(doc: Document, line: int) -> Instruction:
    for ins in doc.instructions:
        if ins.span.start_line <= line <= ins.span.end_line:
            return ins
    raise AssertionError(f"no instruction covers line {line} of {doc.path}")


def finding(doc: Document, rule: str, line: int, *, severity: Severity = Severity.ERROR,
            image: str | None = None, column: int = 1, message: str | None = None) -> Finding:
    """A finding of ``rule`` on the instruction covering ``line``, as the engine would build it."""
    ins = instruction_at(doc, line)
    return Finding(rule=rule, severity=severity, message=message or f"{rule} at line {line}",
                   location=Location(doc.path, line, column, line, column + 4),
                   context=" ".join(ins.original.split()),
                   properties={"image": image} if image else {})


RULES = [
    Rule(id="image-digest", title="pin by digest", severity=Severity.ERROR),
    Rule(id="image-tag", title="no latest", severity=Severity.WARNING, aliases=["DL3006", "DL3007"]),
    Rule(id="stage-name-casing", title="lower-case stage names", severity=Severity.WARNING,
         aliases=["StageNameCasing"]),
    Rule(id="secret-in-arg-env", title="no secrets", severity=Severity.ERROR,
         aliases=["SecretsUsedInArgOrEnv"]),
    Rule(id="root-user", title="not root", severity=Severity.WARNING, aliases=["DL3002"]),
    Rule(id="allowed-registries", title="registries", severity=Severity.ERROR, aliases=["DL3026"]),
]


def make_policy(**changes: object) -> Policy:
    policy = Policy(rules={r.id: replace(r) for r in RULES})
    for key, value in changes.items():
        setattr(policy, key, value)
    return policy


def known_ids(policy: Policy) -> dict[str, str]:
    """Ids and aliases -> rule id, as ``dlint.policy.known_rule_ids`` provides them."""
    table: dict[str, str] = {}
    for rule in policy.rules.values():
        table[rule.id] = rule.id
        for alias in rule.aliases:
            table[alias] = rule.id
    return table


@pytest.fixture
def policy() -> Policy:
    return make_policy()
