"""The CI recipes in docs/ci and the pre-commit hook: valid YAML, and every dlint command line
they run is accepted by the CLI (formats checked against dlint.report.FORMATS always, and the
whole command line parsed by the real CLI when it is importable)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from dlint.report import FORMATS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "ci"
WORKFLOWS = ["github-code-scanning.yml", "github-annotations.yml", "gitlab-ci.yml"]
_SHELL_OPERATORS = {"||", "&&", ";", "|", ">", ">>", "2>&1"}


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _scripts(node: Any) -> list[str]:
    """Every shell snippet: GitHub `run:` values and GitLab `script:`/`before_script:` items."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            elif key in ("script", "before_script", "after_script") and isinstance(value, list):
                found.extend(v for v in value if isinstance(v, str))
            else:
                found.extend(_scripts(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_scripts(value))
    return found


def _dlint_commands(script: str) -> list[list[str]]:
    """The argument lists after `dlint` in each `dlint ...` command of a shell snippet."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        tokens = shlex.split(line, comments=True)
        for i, token in enumerate(tokens):
            if token == "dlint" and (i == 0 or tokens[i - 1] in _SHELL_OPERATORS):
                args = []
                for arg in tokens[i + 1:]:
                    if arg in _SHELL_OPERATORS:
                        break
                    args.append(arg)
                commands.append(args)
    return commands


def _formats_used(args: list[str]) -> list[str]:
    used = []
    for i, arg in enumerate(args):
        if arg in ("--format", "-f"):
            used.append(args[i + 1])
        elif arg.startswith("--format="):
            used.append(arg.split("=", 1)[1])
        elif arg == "--report":
            used.append(args[i + 1].split("=", 1)[0])
    return used


def _cli_check(args: list[str]) -> None:
    """Parse (without running) a `dlint ...` command line with the real CLI."""
    try:
        import typer.main

        from dlint.cli import app
    except ImportError as error:  # pragma: no cover - until the CLI lands
        pytest.skip(f"dlint.cli not importable yet ({error}); only format names were checked")
    group: Any = typer.main.get_command(app)  # a click group (typer may vendor its own click)
    ctx = group.make_context("dlint", list(args), resilient_parsing=True)
    name, cmd, rest = group.resolve_command(ctx, list(args))
    assert cmd is not None, f"unknown dlint command in {args}"
    cmd.make_context(name or "", rest, parent=ctx)  # raises click.UsageError on a bad option


def _all_commands() -> list[tuple[str, list[str]]]:
    out = []
    for name in WORKFLOWS:
        for script in _scripts(_load(DOCS / name)):
            out.extend((name, cmd) for cmd in _dlint_commands(script))
    hooks = _load(ROOT / ".pre-commit-hooks.yaml")
    config = _load(DOCS / "pre-commit-config.yaml")
    args = config["repos"][0]["hooks"][0].get("args", [])
    for hook in hooks:
        entry = shlex.split(hook["entry"])
        assert entry[0] == "dlint"
        out.append((".pre-commit-hooks.yaml", [*entry[1:], *args, "Dockerfile"]))
    return out


@pytest.mark.parametrize("name", [*WORKFLOWS, "pre-commit-config.yaml"])
def test_yaml_parses(name: str) -> None:
    assert isinstance(_load(DOCS / name), dict)


def test_every_example_runs_dlint_check() -> None:
    commands = _all_commands()
    for name in WORKFLOWS:
        assert any(src == name and cmd[:1] == ["check"] for src, cmd in commands), name


@pytest.mark.parametrize(("source", "args"), _all_commands(),
                         ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_command_lines_are_valid(source: str, args: list[str]) -> None:
    for fmt in _formats_used(args):
        assert fmt in FORMATS, f"{source}: unknown format {fmt!r}"
    _cli_check(args)


def test_code_scanning_example_uploads_sarif() -> None:
    workflow = _load(DOCS / "github-code-scanning.yml")
    steps = workflow["jobs"]["dlint"]["steps"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "dlint.sarif"
    assert workflow["jobs"]["dlint"]["permissions"]["security-events"] == "write"
    commands = [cmd for _, cmd in _all_commands() if "sarif" in _formats_used(cmd)]
    assert any("dlint.sarif" in cmd for cmd in commands)


def test_gitlab_example_publishes_code_quality() -> None:
    job = _load(DOCS / "gitlab-ci.yml")["dlint"]
    path = job["artifacts"]["reports"]["codequality"]
    assert any(f"gitlab={path}" in cmd for _, cmd in _all_commands() if "gitlab" in _formats_used(cmd))


@pytest.mark.parametrize(("name", "matches"), [
    ("Dockerfile", True), ("svc/Dockerfile", True), ("Containerfile", True), ("api.Dockerfile", True),
    ("Dockerfile.prod", True), ("Dockerfile-dev", True), ("build/api_Dockerfile", True),
    ("x.dockerfile", True), ("Dockerfile.md", False), (".dockerignore", False), ("README.md", False),
    ("Dockerfile.yaml", False), ("mydockerfiles/notes.txt", False),
])
def test_pre_commit_file_filter(name: str, matches: bool) -> None:
    (hook,) = _load(ROOT / ".pre-commit-hooks.yaml")
    hit = bool(re.search(hook["files"], name)) and not re.search(hook["exclude"], name)
    assert hit is matches
    try:
        from dlint.discover import is_dockerfile_name
    except ImportError:  # pragma: no cover
        return
    assert is_dockerfile_name(name.rsplit("/", 1)[-1]) is matches, "hook filter disagrees with discovery"
