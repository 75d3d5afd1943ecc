"""``dlint policy validate | show | init``: the policy commands, printing their own output.

Kept out of ``cli.py`` so the CLI stays a thin wiring layer and these can be tested by
calling them.  Each returns the exit code (0 fine, 2 a policy or usage error).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from dlint.policy.loader import CONFIG_NAMES, PolicyError, PolicyResolver, load_policy_file
from dlint.policy.model import Origin, Policy

STARTER = """\
# yaml-language-server: $schema=https://raw.githubusercontent.com/dlint-project/dlint/main/schemas/policy.schema.json
# dlint policy for this repository.  Nested .dlint.yaml files in subfolders refine it for
# their subtree.  Guide: docs/policies.md; check it with `dlint policy validate`.

# Start from dlint's recommended rules (syntax, secrets, root user, image hygiene ...).
extends: [recommended]

# `dlint check` exits 1 on findings at or above this severity.
fail-on: warning

rules:
  # 1. Base images must carry digests, so a build always gets the bytes that were
  #    reviewed.  `dlint pin` adds them for you.
  image-digest: error

  # 2. Images only from approved registries.  Patterns are globs over normalized
  #    names: `alpine` is docker.io/library/alpine; * stays within one path
  #    component, ** crosses them.
  allowed-registries:
    severity: error
    options:
      allow:
        - docker.io/library/*
        # - ghcr.io/your-org/**
        # - registry.example.com/**

# Nested .dlint.yaml files may not disable, downgrade or re-configure these.
locked: [image-digest, allowed-registries]

# Central, reasoned, expiring exceptions:
# waivers:
#   - rules: [image-digest]
#     paths: ["legacy/**"]
#     reason: vendor image, pinned by the vendor's release process
#     owner: team-platform
#     expires: 2027-03-31
"""


def _print_error(error: PolicyError) -> None:
    for item in error.errors:
        print(f"error: {item}", file=sys.stderr)


def validate(files: list[Path]) -> int:
    """Check policy files: schema, references, check options, CEL.  0 when all are valid."""
    if not files:
        found = [Path(name) for name in CONFIG_NAMES if Path(name).is_file()]
        if not found:
            print("error: no policy file given and no .dlint.yaml in the current folder", file=sys.stderr)
            return 2
        files = found
    status = 0
    cwd = Path.cwd()
    for file in files:
        try:
            policy = load_policy_file(file, display_base=cwd)
        except PolicyError as exc:
            _print_error(exc)
            status = 2
            continue
        if policy.problems:
            for problem in policy.problems:
                loc = problem.location
                print(f"error: {loc.path}:{loc.line}: {problem.rule}: {problem.message}", file=sys.stderr)
            status = 2
            continue
        custom = sum(1 for rule in policy.rules.values() if rule.cel is not None)
        enabled = sum(1 for rule in policy.rules.values() if rule.enabled)
        print(f"{file}: ok ({len(policy.rules)} rules, {enabled} enabled, {custom} custom)")
    return status


def _origin(origin: Origin | None) -> str:
    if origin is None:
        return "(default)"
    return f"{origin.path}:{origin.line}" if origin.line else origin.path


def _value(value: Any) -> str:
    import json

    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def render(policy: Policy) -> list[tuple[str, str]]:
    """(origin, setting) pairs, in a stable order: what ``policy show`` prints."""
    origins = policy.settings_origin
    rows: list[tuple[str, str]] = []
    rows.append((_origin(origins.get("fail-on")), f"fail-on: {policy.fail_on.label if policy.fail_on else 'never'}"))
    rows.append(
        (_origin(origins.get("require-reason")), f"require-reason: {str(policy.require_reason).lower()}")
    )
    rows.append(
        (
            _origin(origins.get("waiver-expiry-warning-days")),
            f"waiver-expiry-warning-days: {policy.expiry_warning_days}",
        )
    )
    for rule_id in sorted(policy.rules):
        rule = policy.rules[rule_id]
        kind = f"check {rule.check}" if rule.check else f"cel on {rule.cel.on if rule.cel else '?'}"
        base = f"rules.{rule_id}"
        rows.append((_origin(origins.get(base) or rule.origin), f"{base}: {kind} ({rule.title})"))
        rows.append(
            (
                _origin(origins.get(f"{base}.enabled") or rule.origin),
                f"{base}.enabled: {str(rule.enabled).lower()}",
            )
        )
        rows.append(
            (
                _origin(origins.get(f"{base}.severity") or rule.origin),
                f"{base}.severity: {rule.severity.label}",
            )
        )
        for name in sorted(rule.options):
            rows.append(
                (
                    _origin(origins.get(f"{base}.options.{name}")),
                    f"{base}.options.{name}: {_value(rule.options[name])}",
                )
            )
        if rule.cel is not None:
            for name in sorted(rule.cel.params):
                rows.append(
                    (
                        _origin(origins.get(f"{base}.params.{name}")),
                        f"{base}.params.{name}: {_value(rule.cel.params[name])}",
                    )
                )
        allowed = policy.inline_suppression.get(rule_id, True)
        rows.append(
            (
                _origin(origins.get(f"{base}.inline-suppression")),
                f"{base}.inline-suppression: {str(allowed).lower()}",
            )
        )
        if rule_id in policy.locked:
            rows.append((_origin(origins.get(f"locked.{rule_id}")), f"{base}.locked: true"))
    for waiver in policy.waivers:
        what = ", ".join(waiver.rules)
        where = ", ".join(waiver.paths + waiver.images)
        until = f" until {waiver.expires.isoformat()}" if waiver.expires else ""
        rows.append((_origin(waiver.origin), f"waiver: {what} in {where}{until} ({waiver.reason})"))
    return rows


def show(path: Path, config: Path | None) -> int:
    """Print the effective policy for ``path`` with the file and line of every setting."""
    path = Path(path)
    if not path.exists():
        print(f"error: {path}: no such file or folder", file=sys.stderr)
        return 2
    target = path.resolve()
    directory = target if target.is_dir() else target.parent
    cwd = Path.cwd().resolve()
    scan_root = cwd if directory == cwd or cwd in directory.parents else directory
    try:
        resolver = PolicyResolver(scan_root, config)
        policy = resolver.for_directory(directory)
    except PolicyError as exc:
        _print_error(exc)
        return 2
    print(f"# effective policy for {path}")
    print(f"# layers, in order: {', '.join(policy.sources) or '(none)'}")
    rows = render(policy)
    width = min(max(len(origin) for origin, _ in rows), 40)
    for origin, setting in rows:
        print(f"{origin:<{width}}  {setting}")
    for problem in policy.problems:
        loc = problem.location
        print(f"error: {loc.path}:{loc.line}: {problem.rule}: {problem.message}", file=sys.stderr)
    return 0


def init(directory: Path, force: bool) -> int:
    """Write a commented starter ``.dlint.yaml`` (atomically); refuse to overwrite unless forced."""
    directory = Path(directory)
    target = directory / CONFIG_NAMES[0]
    if target.exists() and not force:
        print(f"error: {target} already exists (use --force to overwrite)", file=sys.stderr)
        return 2
    if not directory.is_dir():
        print(f"error: {directory}: not a folder", file=sys.stderr)
        return 2
    from dlint.atomic import write_atomic

    write_atomic(target, STARTER)
    print(f"wrote {target}")
    return 0
