"""Loading single files: schema errors with file:line:key, shorthands, options, waivers, extends."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from dlint.findings import Severity
from dlint.policy import PolicyError, builtin_policy, known_rule_ids, load_policy_file
from tests.policy.conftest import write


def load(path: Path) -> object:
    return load_policy_file(path, display_base=path.parent)


def error_of(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy_file(path, display_base=path.parent)
    return info.value


def test_builtin_policy_is_recommended() -> None:
    policy = builtin_policy()
    assert "image-digest" in policy.rules
    assert policy.sources[0] == "builtin:recommended"
    rule = policy.rules["image-digest"]
    assert rule.docs.startswith("## What it does")  # defaults to the check's docstring
    assert rule.origin is not None and rule.origin.path == "builtin:recommended" and rule.origin.line > 0


def test_known_rule_ids_include_aliases_case_insensitively() -> None:
    known = known_rule_ids(builtin_policy())
    assert known["image-tag"] == "image-tag"
    assert known["DL3007"] == "image-tag"
    assert known["dl3007"] == "image-tag"


def test_shorthands_and_aliases(tmp_path: Path) -> None:
    file = write(tmp_path / ".dlint.yaml", """
        fail-on: error
        rules:
          image-digest: error
          DL3007: off
          root-user: info
          secret-in-arg-env: false
    """)
    policy = load_policy_file(file, display_base=tmp_path)
    assert policy.fail_on is Severity.ERROR
    assert policy.rules["image-digest"].severity is Severity.ERROR
    assert policy.rules["image-tag"].enabled is False
    assert policy.rules["root-user"].severity is Severity.INFO
    assert policy.rules["secret-in-arg-env"].enabled is False
    assert policy.settings_origin["rules.image-digest.severity"].path == ".dlint.yaml"
    assert policy.settings_origin["rules.image-digest.severity"].line == 3
    assert policy.sources == ["builtin:recommended", ".dlint.yaml"]


def test_empty_extends_starts_from_nothing(tmp_path: Path) -> None:
    file = write(tmp_path / "p.yaml", "extends: []\n")
    assert load_policy_file(file).rules == {}


@pytest.mark.parametrize(
    ("text", "line", "key", "fragment"),
    [
        ("rules:\n  image-digest:\n    severity: fatal\n", 3, "rules.image-digest.severity", "not one of"),
        ("fail-on: warning\nunknown-key: 1\n", 2, "unknown-key", "unknown key"),
        ("rules:\n  nope-rule: error\n", 2, "rules.nope-rule", "unknown rule 'nope-rule'"),
        ("rules:\n  image-digest:\n    title: x\n", 2, "rules.image-digest", "exactly one of check"),
        ("rules:\n  x/y:\n    title: T\n    check: no-such-check\n", 4, "rules.x/y.check", "unknown check"),
        ("rules:\n  image-digest:\n    tags: [a]\n", 3, "rules.image-digest.tags", "only be set where the rule"),
        ("waivers:\n  - rules: [image-digest]\n    paths: [a]\n", 2, "waivers[0]", "missing required key 'reason'"),
        ("waivers:\n  - rules: [image-digest]\n    reason: r\n", 2, "waivers[0]", "needs paths or images"),
        ("waivers:\n  - rules: [image-digest]\n    paths: [a]\n    reason: r\n    expires: soon\n", 5,
         "waivers[0].expires", "not a date"),
        ("locked: [nope]\n", 1, "locked[0]", "unknown rule"),
        ("rules:\n  a/b:\n    title: T\n    require: 'true'\n", 2, "rules.a/b", "needs on:"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, text: str, line: int, key: str, fragment: str) -> None:
    error = error_of(write(tmp_path / ".dlint.yaml", text))
    assert (error.path, error.line, error.key) == (".dlint.yaml", line, key), str(error)
    assert fragment in error.message
    assert str(error).startswith(f".dlint.yaml:{line}: {key}: ")


def test_all_schema_errors_are_collected(tmp_path: Path) -> None:
    error = error_of(write(tmp_path / ".dlint.yaml", "fail-on: nope\nrules:\n  image-digest: maybe\nbogus: 1\n"))
    assert [e.line for e in error.errors] == [1, 3, 4]


def test_options_validated_against_check_schema(tmp_path: Path) -> None:
    error = error_of(write(tmp_path / ".dlint.yaml", """
        rules:
          allowed-registries:
            options:
              allow: ["docker.io/*", 3]
              colour: blue
    """))
    messages = {(e.line, e.key) for e in error.errors}
    assert (4, "rules.allowed-registries.options.allow[1]") in messages
    assert (5, "rules.allowed-registries.options.colour") in messages


def test_waivers_parsed_with_origin(tmp_path: Path) -> None:
    policy = load_policy_file(write(tmp_path / ".dlint.yaml", """
        waiver-expiry-warning-days: 30
        require-reason: true
        waivers:
          - rules: [image-digest, DL3007]
            paths: ["legacy/**"]
            images: ["docker.io/vendor/*"]
            reason: vendor image
            owner: team-platform
            ticket: PLAT-1
            expires: 2027-03-31
    """), display_base=tmp_path)
    (waiver,) = policy.waivers
    assert waiver.rules == ["image-digest", "image-tag"]
    assert waiver.expires == dt.date(2027, 3, 31)
    assert waiver.origin is not None and waiver.origin.line == 4
    assert (waiver.owner, waiver.ticket, waiver.images) == ("team-platform", "PLAT-1", ["docker.io/vendor/*"])
    assert policy.expiry_warning_days == 30 and policy.require_reason is True



@pytest.mark.parametrize("field", ["paths", "images"])
def test_waiver_with_an_uncompilable_glob_names_its_line(tmp_path: Path, field: str) -> None:
    """A waiver pattern RE2 cannot compile (``[z-a]``) is a policy error at load time with
    file, line and key; before, it escaped as an RE2 exception (internal error) the first
    time a finding was matched against the waiver."""
    error = error_of(write(tmp_path / ".dlint.yaml", f"""
        waivers:
          - rules: [image-digest]
            {field}: ["ok", "docker.io/[z-a]"]
            reason: vendor image
    """))
    assert (error.path, error.line, error.key) == (".dlint.yaml", 3, f"waivers[0].{field}[1]")
    assert "[z-a]" in error.message and "range" in error.message


def test_waiver_with_a_blank_reason_is_an_error(tmp_path: Path) -> None:
    """``reason: "  "`` passed the schema, and then the waiver silently never applied
    (waivers without a reason do not count); it is an error naming the reason's line."""
    error = error_of(write(tmp_path / ".dlint.yaml", """
        waivers:
          - rules: [image-digest]
            paths: ["legacy/**"]
            reason: "   "
    """))
    assert (error.line, error.key) == (4, "waivers[0].reason") and "reason" in error.message

def test_extends_relative_file_and_order(tmp_path: Path) -> None:
    write(tmp_path / "org" / "base.yaml", """
        extends: [recommended]
        fail-on: info
        rules:
          image-digest: error
          acme/x:
            title: X
            on: file
            require: "true"
    """)
    file = write(tmp_path / "repo" / ".dlint.yaml", """
        extends: [../org/base.yaml]
        rules:
          image-digest: info
    """)
    policy = load_policy_file(file, display_base=tmp_path / "repo")
    assert policy.sources == ["builtin:recommended", "../org/base.yaml", ".dlint.yaml"]
    assert policy.rules["image-digest"].severity is Severity.INFO  # later layer wins
    assert policy.fail_on is Severity.INFO
    assert policy.rules["acme/x"].pack == "../org/base.yaml"


def test_diamond_extends_applies_pack_once(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: [recommended]\nrules:\n  image-digest: error\n")
    file = write(tmp_path / "top.yaml", "extends: [a.yaml, recommended]\n")
    policy = load_policy_file(file)
    assert policy.rules["image-digest"].severity is Severity.ERROR  # not reset by a second recommended


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: [b.yaml]\n")
    write(tmp_path / "b.yaml", "rules: {}\nextends:\n  - a.yaml\n")
    error = error_of(tmp_path / "a.yaml")
    assert "extends cycle: a.yaml -> b.yaml -> a.yaml" in error.message
    assert (error.path, error.line, error.key) == ("b.yaml", 3, "extends[0]")


@pytest.mark.parametrize("target", ["missing.yaml", "no-such-pack", "../x/y.yaml"])
def test_missing_extends_target(tmp_path: Path, target: str) -> None:
    error = error_of(write(tmp_path / "p.yaml", f"extends: [{target}]\n"))
    assert error.line == 1 and error.key == "extends[0]"
    assert "not found" in error.message or "no built-in or installed pack" in error.message


def test_extends_installed_pack_via_entry_point(tmp_path: Path) -> None:
    """A real distribution on sys.path with a dlint.packs entry point, no mocking."""
    site = tmp_path / "site"
    write(site / "acme_dlint_policy" / "__init__.py", "raise RuntimeError('packs must not be imported')\n")
    write(site / "acme_dlint_policy" / "policy.yaml", """
        extends: [recommended]
        rules:
          acme/from-pack:
            title: From the pack
            on: file
            require: "true"
          image-digest: error
        locked: [image-digest]
    """)
    dist_info = site / "acme_dlint_policy-1.0.dist-info"
    write(dist_info / "METADATA", "Metadata-Version: 2.1\nName: acme-dlint-policy\nVersion: 1.0\n")
    write(site / "acme_dlint_policy-1.0.dist-info" / "entry_points.txt",
          "[dlint.packs]\nacme = acme_dlint_policy:policy.yaml\n")
    file = write(tmp_path / "repo" / ".dlint.yaml", "extends: [acme]\nrules:\n  image-digest: warning\n")
    sys.path.insert(0, str(site))
    try:
        policy = load_policy_file(file, display_base=tmp_path / "repo")
    finally:
        sys.path.remove(str(site))
    assert "acme/from-pack" in policy.rules
    assert policy.rules["acme/from-pack"].pack == "acme"
    assert policy.sources == ["builtin:recommended", "pack:acme", ".dlint.yaml"]
    assert policy.rules["image-digest"].severity is Severity.ERROR  # locked by the pack
    assert [p.location.line for p in policy.problems] == [3]
    assert "acme_dlint_policy" not in sys.modules


def test_option_errors_name_the_line_of_the_bad_item(tmp_path: Path) -> None:
    error = error_of(write(tmp_path / ".dlint.yaml", """
        rules:
          allowed-registries:
            options:
              allow:
                - docker.io/library/*
                - 42
    """))
    assert (error.line, error.key) == (6, "rules.allowed-registries.options.allow[1]")


def test_an_invalid_glob_in_rule_options_is_a_load_error(tmp_path: Path) -> None:
    error = error_of(write(tmp_path / ".dlint.yaml", """
        rules:
          allowed-registries:
            options:
              allow: ["docker.io/[z-a]"]
    """))
    assert error.key == "rules.allowed-registries.options.allow[0]" and "not a valid glob" in error.message
