"""Nested .dlint.yaml chains, --config, and locked rules across layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlint.findings import Severity
from dlint.policy import PolicyError, PolicyResolver
from tests.policy.conftest import write


def test_no_config_uses_builtin(repo: Path) -> None:
    policy = PolicyResolver(repo).for_file(Path("Dockerfile"))
    assert policy.sources[0] == "builtin:recommended"
    assert policy.problems == []


def test_nested_chain_merges_in_order(repo: Path) -> None:
    write(repo / ".dlint.yaml", "rules:\n  image-digest: error\n  root-user: error\n")
    write(repo / "services" / ".dlint.yaml", "rules:\n  root-user: info\n")
    write(repo / "services" / "api" / ".dlint.yaml", "fail-on: error\n")
    resolver = PolicyResolver(repo)
    deep = resolver.for_file(repo / "services" / "api" / "x" / "Dockerfile")
    assert deep.sources == ["builtin:recommended", ".dlint.yaml", "services/.dlint.yaml",
                            "services/api/.dlint.yaml"]
    assert deep.rules["root-user"].severity is Severity.INFO
    assert deep.rules["image-digest"].severity is Severity.ERROR
    assert deep.fail_on is Severity.ERROR
    assert deep.settings_origin["rules.root-user.severity"].path == "services/.dlint.yaml"
    top = resolver.for_file(Path("other/Dockerfile"))
    assert top.rules["root-user"].severity is Severity.ERROR
    assert top.sources == ["builtin:recommended", ".dlint.yaml"]
    # cached per directory: same object for folders without their own file
    assert resolver.for_file(Path("other/deeper/Dockerfile")) is top
    assert len(resolver.all_policies()) == 3


def test_parent_config_above_scan_root_up_to_git_top(repo: Path) -> None:
    write(repo / ".dlint.yaml", "rules:\n  image-digest: error\n")
    write(repo.parent / ".dlint.yaml", "rules: {bogus: [}\n")  # above .git: never read
    scan_root = repo / "services"
    scan_root.mkdir()
    policy = PolicyResolver(scan_root).for_file(Path("Dockerfile"))
    assert policy.rules["image-digest"].severity is Severity.ERROR
    assert policy.sources[-1] == "../.dlint.yaml"


def test_nested_file_without_root_extends_recommended(repo: Path) -> None:
    write(repo / "a" / ".dlint.yaml", "rules:\n  image-digest: error\n")
    policy = PolicyResolver(repo).for_file(Path("a/Dockerfile"))
    assert policy.sources == ["builtin:recommended", "a/.dlint.yaml"]


def test_config_replaces_discovery(repo: Path, tmp_path: Path) -> None:
    write(repo / ".dlint.yaml", "rules:\n  image-digest: error\n")
    write(repo / "sub" / ".dlint.yaml", "rules:\n  image-digest: info\n")
    config = write(tmp_path / "ci.yaml", "rules:\n  image-tag: off\n")
    resolver = PolicyResolver(repo, config)
    for name in ("Dockerfile", "sub/Dockerfile"):
        policy = resolver.for_file(Path(name))
        assert policy.rules["image-digest"].severity is Severity.WARNING
        assert policy.rules["image-tag"].enabled is False
        assert policy.sources == ["builtin:recommended", "../ci.yaml"]


def test_both_yaml_and_yml_is_an_error(repo: Path) -> None:
    write(repo / ".dlint.yaml", "rules: {}\n")
    write(repo / ".dlint.yml", "rules: {}\n")
    with pytest.raises(PolicyError, match="keep one"):
        PolicyResolver(repo).for_file(Path("Dockerfile"))


def test_error_in_nested_file_names_it(repo: Path) -> None:
    write(repo / "svc" / ".dlint.yaml", "rules:\n  image-digest:\n    severity: loud\n")
    with pytest.raises(PolicyError) as info:
        PolicyResolver(repo).for_file(Path("svc/Dockerfile"))
    assert str(info.value).startswith("svc/.dlint.yaml:3: rules.image-digest.severity:")


LOCKING_ROOT = """
rules:
  image-digest: error
  allowed-registries:
    options: {allow: ["docker.io/library/*"]}
  acme/eol:
    title: EOL
    on: image
    require: "true"
    params: {eol: [a]}
locked: [image-digest, allowed-registries, acme/eol]
"""


@pytest.mark.parametrize(
    ("nested", "line", "what"),
    [
        ("rules:\n  image-digest: off\n", 2, "disabling it"),
        ("rules:\n  image-digest:\n    enabled: false\n", 3, "disabling it"),
        ("rules:\n  image-digest: warning\n", 2, "lowering its severity to warning"),
        ("rules:\n  allowed-registries:\n    options:\n      allow: ['**']\n", 4, "changing its options"),
        ("rules:\n  acme/eol:\n    params: {eol: []}\n", 3, "changing its params"),
        ("rules:\n  image-digest:\n    inline-suppression: true\n", 3, "allowing inline suppression"),
        ("rules:\n  image-digest:\n    title: Mine\n    on: file\n    require: 'true'\n", 2, "redefining it"),
    ],
)
def test_locked_rules_resist_weakening(repo: Path, nested: str, line: int, what: str) -> None:
    write(repo / ".dlint.yaml", LOCKING_ROOT)
    write(repo / "team" / ".dlint.yaml", nested)
    policy = PolicyResolver(repo).for_file(Path("team/Dockerfile"))
    (problem,) = policy.problems
    assert problem.rule == "locked-rule" and problem.severity is Severity.ERROR
    assert problem.location.path == "team/.dlint.yaml" and problem.location.line == line
    assert what in problem.message and ".dlint.yaml:10" in problem.message
    assert problem.location.end_column > problem.location.column
    digest = policy.rules["image-digest"]
    assert digest.enabled and digest.severity is Severity.ERROR and digest.check == "image-digest"
    assert policy.rules["allowed-registries"].options["allow"] == ["docker.io/library/*"]
    assert policy.rules["acme/eol"].cel is not None and policy.rules["acme/eol"].cel.params == {"eol": ["a"]}
    assert policy.inline_suppression["image-digest"] is False


def test_locked_rules_may_be_raised_or_restated(repo: Path) -> None:
    write(repo / ".dlint.yaml", "rules:\n  image-tag: warning\nlocked: [image-tag, allowed-registries]\n")
    write(repo / "t" / ".dlint.yaml",
          "rules:\n  image-tag: error\n  allowed-registries:\n    options: {allow: []}\n")
    policy = PolicyResolver(repo).for_file(Path("t/Dockerfile"))
    assert policy.problems == []
    assert policy.rules["image-tag"].severity is Severity.ERROR


def test_lock_applies_only_after_the_locking_layer(tmp_path: Path) -> None:
    from dlint.policy import load_policy_file

    file = write(tmp_path / ".dlint.yaml", "rules:\n  image-digest: off\nlocked: [image-digest]\n")
    policy = load_policy_file(file)
    assert policy.problems == [] and policy.rules["image-digest"].enabled is False


def test_inline_suppression_defaults(tmp_path: Path) -> None:
    from dlint.policy import load_policy_file

    file = write(tmp_path / ".dlint.yaml", """
        rules:
          image-tag:
            inline-suppression: false
          image-digest:
            inline-suppression: true
        locked: [image-digest, root-user]
    """)
    allowed = load_policy_file(file).inline_suppression
    assert allowed["image-tag"] is False       # explicit
    assert allowed["image-digest"] is True     # explicit, set before the lock in the same layer
    assert allowed["root-user"] is False       # locked default
    assert allowed["syntax"] is True           # default
