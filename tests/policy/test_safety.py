"""Hostile policy files fail fast with a clear error; they never hang or run code."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlint.policy import PolicyError, load_policy_file
from tests.policy.conftest import write


def fails_fast(path: Path, fragment: str) -> PolicyError:
    """The load fails with the named reason: a budget stops it, so it cannot hang (speed
    itself is for benchmarks, not assertions)."""
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert fragment in str(info.value)
    return info.value


def test_billion_laughs(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    text = "rules:\n  x:\n    title: t\n    on: file\n    require: 'true'\n    params:\n" + "".join(
        f"      {line}\n" for line in lines)
    fails_fast(write(tmp_path / "p.yaml", text), "alias bomb")


def test_recursive_alias(tmp_path: Path) -> None:
    fails_fast(write(tmp_path / "p.yaml", "rules: &r\n  x: *r\n"), "p.yaml")


def test_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("# " + "x" * (2 * 1024 * 1024) + "\n")
    fails_fast(path, "limited to")


@pytest.mark.parametrize(
    "payload",
    [
        "!!python/object/apply:os.system ['touch /tmp/dlint-pwned']",
        "!!python/name:os.system",
        "!custom {a: 1}",
        "!!binary aGVsbG8=",
    ],
)
def test_unsafe_tags_are_rejected(tmp_path: Path, payload: str) -> None:
    error = fails_fast(write(tmp_path / "p.yaml", f"fail-on: {payload}\n"), "not allowed")
    assert error.line == 1
    assert not Path("/tmp/dlint-pwned").exists()


def test_invalid_yaml_has_position(tmp_path: Path) -> None:
    error = fails_fast(write(tmp_path / "p.yaml", "rules:\n  a: [1,\n  b: }\n"), "invalid YAML")
    assert error.line >= 2


def test_yaml_11_booleans_in_keys_stay_strings(tmp_path: Path) -> None:
    policy = load_policy_file(write(tmp_path / "p.yaml", """
        extends: []
        rules:
          yes:
            title: key spelled yes
            on: file
            require: "true"
    """))
    assert "yes" in policy.rules and policy.rules["yes"].cel is not None


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    fails_fast(write(tmp_path / "p.yaml", "fail-on: error\nfail-on: info\n"), "duplicate key 'fail-on'")


def test_hostile_cel(tmp_path: Path) -> None:
    long = " || ".join(["true"] * 2000)
    fails_fast(write(tmp_path / "p.yaml", f"rules:\n  x:\n    title: t\n    on: file\n    require: '{long}'\n"),
               "longer than")
    nested = "file.instructions.all(a, file.instructions.all(b, file.instructions.all(c, " \
             "file.instructions.all(d, true))))"
    fails_fast(write(tmp_path / "q.yaml", f"rules:\n  x:\n    title: t\n    on: file\n    require: '{nested}'\n"),
               "nested deeper")


def test_regex_pattern_in_schema_runs_on_re2(tmp_path: Path) -> None:
    from dlint.policy._schema import validate

    schema = {"type": "string", "pattern": "^(a+)+$"}
    # a backtracking engine would not return from this; RE2 answers in linear time
    assert validate("a" * 50_000 + "b", schema)


def test_helper_results_are_bounded() -> None:
    from dlint.policy.cel import MAX_RESULT_CHARS, functions

    replace = functions()["replace"]
    with pytest.raises(ValueError, match="refused"):
        replace("a" * 1024, "a", "a" * 2048)
    assert "lists.range" not in functions()
    assert MAX_RESULT_CHARS >= 1 << 20
