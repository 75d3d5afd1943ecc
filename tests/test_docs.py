"""The user docs stay honest where that is cheap to check.

* Every relative link in README.md and docs/**/*.md names a file that exists, and a
  ``#fragment`` into a Markdown file names one of its headings.
* Every ``dlint ...`` command in a fenced ``sh``/``bash``/``console`` block of README.md and
  docs/*.md parses against the real CLI (options, choices, subcommands), without running.
  The CI recipes in docs/ci are covered by tests/report/test_ci_examples.py, whose shell
  splitting this module reuses.
"""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from dlint.cli import app
from dlint.report import FORMATS
from tests.report.test_ci_examples import _SHELL_OPERATORS, _dlint_commands, _formats_used

ROOT = Path(__file__).resolve().parents[1]
LINKED_DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
COMMAND_DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_STOP = _SHELL_OPERATORS | {"<", "2>", "|&"}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _prose(text: str) -> str:
    """The Markdown outside fenced blocks and inline code, where links are links."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_slug(m[1]) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE)}


def _links() -> list[tuple[str, str]]:
    found = []
    for doc in LINKED_DOCS:
        for match in _LINK.finditer(_prose(doc.read_text(encoding="utf-8"))):
            target = match["target"].strip("<>")
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto: ...
                continue
            found.append((_rel(doc), target))
    return found


@pytest.mark.parametrize(("doc", "target"), _links(), ids=lambda v: v)
def test_relative_link_resolves(doc: str, target: str) -> None:
    path_part, _, fragment = target.partition("#")
    source = ROOT / doc
    resolved = (source.parent / path_part).resolve() if path_part else source
    assert resolved.exists(), f"{doc}: link to {target!r}, but {path_part} does not exist"
    assert resolved == ROOT or ROOT in resolved.parents, f"{doc}: link {target!r} leaves the repository"
    if fragment and resolved.is_file() and resolved.suffix == ".md":
        assert fragment in _anchors(resolved), f"{doc}: {target!r}: no heading #{fragment} in {path_part or doc}"


def test_links_were_found() -> None:
    docs = {doc for doc, _ in _links()}
    assert {"README.md", "docs/README.md"} <= docs


def test_docs_index_lists_every_page() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for _, target in _links() if _ == "docs/README.md"}
    pages = {p.name for p in (ROOT / "docs").glob("*.md") if p.name != "README.md"}
    missing = sorted(pages - linked)
    assert not missing, f"docs/README.md does not list {missing}"
    assert "rules/README.md" in index and "ci/README.md" in index


def _shell_lines(lang: str, body: str) -> list[str]:
    """Command lines of a fenced block: every line of sh/bash, the `$ ` lines of console."""
    joined = body.replace("\\\n", " ")
    if lang == "console":
        return [line[2:] for line in joined.splitlines() if line.startswith("$ ")]
    return joined.splitlines()


def _doc_commands() -> list[Any]:
    cases = []
    for doc in COMMAND_DOCS:
        for fence in _FENCE.finditer(doc.read_text(encoding="utf-8")):
            if fence["lang"] not in ("sh", "bash", "console"):
                continue
            for line in _shell_lines(fence["lang"], fence["body"]):
                for args in _dlint_commands(line):
                    cut = next((i for i, a in enumerate(args) if a in _STOP), len(args))
                    args = args[:cut]
                    cases.append(pytest.param(_rel(doc), args, id=f"{_rel(doc)}: dlint {shlex.join(args)}"))
    return cases


_CLI: Any = typer.main.get_command(app)
# typer may bring its own copy of click; its exceptions live in the package of its classes
UsageError: type[Exception] = importlib.import_module(type(_CLI).__mro__[1].__module__.rsplit(".", 1)[0]
                                                      + ".exceptions").UsageError


def _parse(args: list[str]) -> Any:
    """Parse a command line as `dlint` would, down to the last subcommand, without running it;
    raises the CLI's UsageError on an unknown command or option or a bad value.  (dlint's
    groups take no options of their own, so the words after a group name its subcommand.)"""
    command, rest = _CLI, list(args)
    ctx = command.make_context("dlint", list(rest), resilient_parsing=True)
    while hasattr(command, "resolve_command"):  # a group: descend into the subcommand
        assert rest, f"`dlint {shlex.join(args)}` names no command"
        name, sub, rest = command.resolve_command(ctx, rest)
        if sub is None:
            raise UsageError(f"no such command {rest[0]!r} in `dlint {shlex.join(args)}`")
        group = hasattr(sub, "resolve_command")
        ctx = sub.make_context(name or "", list(rest), parent=ctx, resilient_parsing=group)
        command = sub
    return command


@pytest.mark.parametrize(("doc", "args"), _doc_commands())
def test_doc_command_parses(doc: str, args: list[str]) -> None:
    for fmt in _formats_used(args):
        assert fmt in FORMATS, f"{doc}: unknown format {fmt!r}"
    try:
        _parse(args)
    except UsageError as error:
        pytest.fail(f"{doc}: `dlint {shlex.join(args)}`: {error}")


def test_commands_were_found() -> None:
    """The extraction itself works: the README's command list and the guides' examples."""
    found = {(doc, args[0]) for doc, args in (case.values for case in _doc_commands())}
    for expected in [("README.md", "check"), ("README.md", "pin"), ("README.md", "policy"),
                     ("README.md", "inspect"), ("README.md", "rules"), ("docs/pinning.md", "pin"),
                     ("docs/suppressions.md", "check")]:
        assert expected in found


def test_parse_rejects_what_the_cli_rejects() -> None:
    """The checker fails on the mistakes docs make: unknown options, choices, commands."""
    _parse(["policy", "show", "--config", "x.yaml", "services/api"])
    for bad in (["check", "--formt", "sarif"], ["check", "-f", "xml"], ["policy", "show", "--bogus"],
                ["pin", "--concurrency", "0"], ["lint", "."]):
        with pytest.raises(UsageError):
            _parse(bad)
