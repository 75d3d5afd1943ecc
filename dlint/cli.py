"""The `dlint` command line: flags in, exit codes out, no logic of its own.

Every command turns its options into a call of a library function; heavy modules are
imported inside the commands so that `dlint check` on one file starts fast.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from dlint.report import ReportInput

app = typer.Typer(
    name="dlint",
    help="A policy linter for Dockerfiles: organization rules in YAML and CEL, exact findings, "
    "SARIF for code scanning, and digest pinning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
policy_app = typer.Typer(help="Validate, explain and start policy files.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


def _show_version(value: bool) -> None:
    if value:
        from dlint import __version__

        typer.echo(f"dlint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print dlint's version and exit."),
    ] = False,
) -> None:
    """A policy linter for Dockerfiles: organization rules in YAML and CEL, exact findings,
    SARIF for code scanning, and digest pinning."""


# options several commands share, declared once so their spelling and help stay the same
BuildArgOption = Annotated[
    list[str] | None,
    typer.Option(
        "--build-arg", metavar="KEY=VALUE", help="Override an ARG default, as docker build does (repeatable)."
    ),
]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="GLOB",
        help="Skip paths matching this gitignore-style glob when walking folders (repeatable).",
    ),
]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    gitlab = "gitlab"
    junit = "junit"
    checkstyle = "checkstyle"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"dlint: {message}", err=True)
    raise typer.Exit(code)


def _parse_build_args(values: list[str]) -> dict[str, str]:
    """``K=V`` pairs; a bare ``K`` takes its value from the environment, as docker build does."""
    result: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not key:
            _fail(f"--build-arg needs KEY=VALUE, got {value!r}")
        if sep:
            result[key] = rest
        elif key in os.environ:
            result[key] = os.environ[key]
    return result


def _parse_reports(values: list[str]) -> list[tuple[str, Path]]:
    from dlint.report import FORMATS

    reports = []
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not path:
            _fail(f"--report needs FORMAT=PATH, got {value!r}")
        if name not in FORMATS:
            _fail(f"--report: unknown format {name!r}; choose from {', '.join(sorted(FORMATS))}")
        reports.append((name, Path(path)))
    return reports


def _today(value: str | None) -> dt.date:
    from dlint.suppress import InvalidDateError, today_from

    try:
        return today_from(value, os.environ)
    except InvalidDateError as error:
        _fail(str(error))


def _use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@app.command()
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to lint (default: .). '-' reads stdin.")
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format on stdout (or --output).")
    ] = OutputFormat.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the --format output to this file.")
    ] = None,
    report: Annotated[
        list[str] | None,
        typer.Option(
            "--report", metavar="FORMAT=PATH", help="Also write FORMAT to PATH (repeatable), e.g. sarif=dlint.sarif."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", metavar="FILE", help="Use this policy file instead of discovering .dlint.yaml files."
        ),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select", metavar="RULE", help="Run only these rules (repeatable; ids or aliases). Locked rules stay on."
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="RULE", help="Do not run these rules (repeatable). Locked rules stay on."),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on", help="Lowest severity that fails the run (default: the policy's fail-on, else warning)."
        ),
    ] = None,
    build_arg: BuildArgOption = None,
    exclude: ExcludeOption = None,
    stdin_filename: Annotated[
        str, typer.Option("--stdin-filename", metavar="PATH", help="Path to report for input read from stdin.")
    ] = "Dockerfile",
    stale: Annotated[
        bool,
        typer.Option(
            "--stale", help="Ask registries whether pinned tags have moved (stale-pin, tag-gone). Uses the network."
        ),
    ] = False,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            metavar="OS/ARCH[/VARIANT]",
            help="With --stale: compare platform manifests instead of indexes.",
        ),
    ] = None,
    insecure_registry: Annotated[
        list[str] | None,
        typer.Option(
            "--insecure-registry",
            metavar="HOST:PORT",
            help="With --stale: talk plain HTTP to this registry (repeatable).",
        ),
    ] = None,
    show_suppressed: Annotated[
        bool,
        typer.Option("--show-suppressed", help="List suppressed, waived and baselined findings too (text and JSON)."),
    ] = False,
    sarif_category: Annotated[
        str | None,
        typer.Option(
            "--sarif-category",
            metavar="NAME",
            help="SARIF automationDetails.id, to tell apart several uploads for one commit.",
        ),
    ] = None,
    sarif_include_suppressed: Annotated[
        bool,
        typer.Option(
            "--sarif-include-suppressed", help="Write suppressed findings into SARIF with their justification."
        ),
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", metavar="FILE", help="Report only findings that are not in this baseline file."),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            "--write-baseline", metavar="FILE", help="Record the current findings in this baseline file and exit 0."
        ),
    ] = None,
    prune_baseline: Annotated[
        bool, typer.Option("--prune-baseline", help="With --baseline: drop entries that no longer match anything.")
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(
            "--today", metavar="YYYY-MM-DD", help="The date waivers expire against (default: DLINT_TODAY, else today)."
        ),
    ] = None,
) -> None:
    """Lint Dockerfiles against the effective policy.

    Exit codes: 0 nothing at or above the failure threshold, 1 findings, 2 usage,
    configuration or internal error, or (with --stale) a registry that could not be asked.
    """
    from dlint.atomic import write_atomic
    from dlint.report import ReportInput, render
    from dlint.run import CheckOptions, UsageError, run_check

    if prune_baseline and baseline is None:
        _fail("--prune-baseline needs --baseline FILE")
    if write_baseline is not None and (select or ignore):
        _fail("--write-baseline records every rule's findings; run it without --select/--ignore")
    given = paths or []
    stdin_bytes = None
    if any(str(p) == "-" for p in given):
        stdin_bytes = sys.stdin.buffer.read()
        given = [p for p in given if str(p) != "-"]
    elif not given:
        given = [Path(".")]
    reports = _parse_reports(report or [])
    options = CheckOptions(
        paths=given,
        root=Path.cwd(),
        excludes=exclude or [],
        config=config,
        select=select or [],
        ignore=ignore or [],
        fail_on=fail_on.value if fail_on else None,
        build_args=_parse_build_args(build_arg or []),
        stdin=stdin_bytes,
        stdin_filename=stdin_filename,
        stale=stale,
        platform=platform,
        insecure_registries=insecure_registry or [],
        today=_today(today),
        baseline=baseline,
        write_baseline=write_baseline,
        prune_baseline=prune_baseline,
    )
    try:
        result = run_check(options)
    except UsageError as error:
        _fail(str(error))
    except _policy_error() as error:
        _fail(f"invalid policy: {error}")
    for note in result.notes:
        typer.echo(f"dlint: {note}", err=True)
    for problem in result.errors:
        typer.echo(f"dlint: error: {problem}", err=True)
    if write_baseline is not None:
        raise typer.Exit(0)
    from dlint import __version__

    data = ReportInput(
        findings=result.findings,
        rules=result.rules,
        files=result.files,
        bom_paths=result.bom_paths,
        scanned=result.scanned,
        tool_version=__version__,
        color=output is None and output_format is OutputFormat.text and _use_color(),
        show_suppressed=show_suppressed,
        sarif_category=sarif_category,
        sarif_include_suppressed=sarif_include_suppressed,
        fail_on=fail_on.value if fail_on else (result.fail_on.label if result.fail_on else "never"),
        baseline_hidden=result.baseline_hidden,
        baseline_fixed=result.baseline_fixed,
    )
    try:
        for name, path in reports:
            write_atomic(path, render(name, _plain(data)))
        text = render(output_format.value, data if output is None else _plain(data))
        if output is not None:
            write_atomic(output, text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except OSError as error:
        _fail(f"cannot write report: {error}")
    raise typer.Exit(result.exit_code)


def _plain(data: ReportInput) -> ReportInput:
    """Files never get terminal colours."""
    from dataclasses import replace

    return replace(data, color=False)


def _policy_error() -> type[Exception]:
    from dlint.policy import PolicyError

    return PolicyError


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A Dockerfile ('-' for stdin).")],
    build_arg: BuildArgOption = None,
) -> None:
    """Print the document model as JSON: what custom CEL rules see as variables."""
    import json

    from dlint.dockerfile.document import load_document
    from dlint.dockerfile.serialize import document_to_dict

    if str(file) == "-":
        raw, shown = sys.stdin.buffer.read(), "Dockerfile"
    else:
        try:
            raw, shown = file.read_bytes(), file.as_posix()
        except OSError as error:
            _fail(f"cannot read {file}: {error.strerror or error}")
    doc = load_document(raw, shown, _parse_build_args(build_arg or []))
    typer.echo(json.dumps(document_to_dict(doc), indent=2, ensure_ascii=False))


@app.command()
def rules(
    rule_id: Annotated[str | None, typer.Argument(metavar="RULE", help="Show this rule's documentation.")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", metavar="FILE", help="Policy file to read rules from.")
    ] = None,
) -> None:
    """List the rules of the effective policy here (the current folder's .dlint.yaml chain),
    or print one rule's documentation."""
    from dlint.policy import PolicyResolver, known_rule_ids

    try:
        policy = PolicyResolver(Path.cwd(), config).for_file(Path.cwd() / "Dockerfile")
    except _policy_error() as error:
        _fail(f"invalid policy: {error}")
    if rule_id is None:
        width = max((len(r) for r in policy.rules), default=10)
        for rule in sorted(policy.rules.values(), key=lambda r: r.id):
            state = rule.severity.label if rule.enabled else "off"
            typer.echo(f"{rule.id:<{width}}  {state:<7}  {rule.pack:<12}  {rule.title}")
        return
    found = known_rule_ids(policy).get(rule_id) or known_rule_ids(policy).get(rule_id.lower())
    if found is None:
        _fail(f"unknown rule {rule_id!r} (see `dlint rules`)")
    from dlint.ruledocs import rule_page

    typer.echo(rule_page(policy.rules[found]), nl=False)


@policy_app.command("validate")
def policy_validate(
    files: Annotated[list[Path] | None, typer.Argument(help="Policy files (default: .dlint.yaml).")] = None,
) -> None:
    """Check policy files: schema, rule options, CEL compilation, references. Exit 0 or 2."""
    from dlint.policy.commands import validate

    raise typer.Exit(validate(files or [Path(".dlint.yaml")]))


@policy_app.command("show")
def policy_show(
    path: Annotated[Path, typer.Argument(help="A Dockerfile or folder to show the effective policy for.")] = Path("."),
    config: Annotated[
        Path | None, typer.Option("--config", "-c", metavar="FILE", help="Use this policy file instead of discovery.")
    ] = None,
) -> None:
    """Print the effective policy for PATH and where every setting came from."""
    from dlint.policy.commands import show

    raise typer.Exit(show(path, config))


@policy_app.command("init")
def policy_init(
    directory: Annotated[Path, typer.Argument(help="Where to write .dlint.yaml.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing .dlint.yaml.")] = False,
) -> None:
    """Write a commented starter .dlint.yaml with the two headline policies."""
    from dlint.policy.commands import init

    raise typer.Exit(init(directory, force))


@app.command()
def pin(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: .).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print a unified diff; change nothing. Exit 1 if anything would change.")
    ] = False,
    check_only: Annotated[
        bool, typer.Option("--check", help="Exit 1 if anything would change; print what (for CI).")
    ] = False,
    update: Annotated[
        bool, typer.Option("--update", help="Also refresh existing pins whose tag now points elsewhere.")
    ] = False,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform",
            metavar="OS/ARCH[/VARIANT]",
            help="Pin this platform's manifest instead of the multi-platform index.",
        ),
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="No network at all: resolve only from --cache.")] = False,
    cache: Annotated[
        Path | None, typer.Option("--cache", metavar="FILE", help="JSON file of resolved digests, read and updated.")
    ] = None,
    insecure_registry: Annotated[
        list[str] | None,
        typer.Option("--insecure-registry", metavar="HOST:PORT", help="Talk plain HTTP to this registry (repeatable)."),
    ] = None,
    allow_latest: Annotated[
        bool, typer.Option("--allow-latest", help="Also pin references with no tag (latest).")
    ] = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="Registry requests in flight at once.")
    ] = 8,
    build_arg: BuildArgOption = None,
    exclude: ExcludeOption = None,
) -> None:
    """Add @sha256 digests to image references, resolved from their registries.

    Exit codes: 0 nothing to do, 1 changes needed or made, 2 resolution or auth errors.
    """
    from dlint.pin.command import run_pin

    code = run_pin(
        paths or [Path(".")],
        dry_run=dry_run,
        check=check_only,
        update=update,
        platform=platform,
        offline=offline,
        cache=cache,
        insecure_registries=insecure_registry or [],
        allow_latest=allow_latest,
        concurrency=concurrency,
        build_args=_parse_build_args(build_arg or []),
        excludes=exclude or [],
    )
    raise typer.Exit(code)


@app.command()
def version() -> None:
    """Print dlint's version."""
    from dlint import __version__

    typer.echo(f"dlint {__version__}")


def main() -> None:
    """Console entry point: no traceback ever reaches the user (DLINT_DEBUG=1 shows it)."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("dlint: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException as error:
        if os.environ.get("DLINT_DEBUG"):
            raise
        typer.echo(f"dlint: internal error: {type(error).__name__}: {error}", err=True)
        typer.echo("dlint: please report this; DLINT_DEBUG=1 shows the details", err=True)
        sys.exit(2)
