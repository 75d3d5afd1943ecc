"""Loading, validating and merging policy files into one effective :class:`Policy`.

A policy is built from *layers* applied in order: every target of ``extends:`` (depth
first, each layer once), then the file itself; for a Dockerfile, the ``.dlint.yaml``
files from the repository top down to the Dockerfile's folder.  Later layers refine
earlier ones, except for rules an earlier layer ``locked``: attempts to weaken those are
recorded as ``locked-rule`` findings at the offending policy line and ignored, so the
organization's setting stays and CI shows who tried.

Everything a user wrote is checked before it is used: the file against
``schemas/policy.schema.json``, rule references against the rules defined so far, check
options against each check's own schema, CEL expressions by compiling them.  Errors are
:class:`PolicyError` with file, line and key, and the CLI exits 2 on them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from dlint import resources
from dlint.findings import Finding, Location, Severity
from dlint.globs import glob_problem
from dlint.policy._schema import validate as validate_schema
from dlint.policy._yaml import MAX_FILE_BYTES, YamlDoc, YamlError, load_yaml
from dlint.policy.model import CelRule, Origin, Policy, Rule, Waiver

CONFIG_NAMES = (".dlint.yaml", ".dlint.yml")
ENTRY_POINT_GROUP = "dlint.packs"
LOCKED_RULE = "locked-rule"
DEFAULT_EXTENDS = ("recommended",)

Key = tuple[str | int, ...]

# keys a layer may use to configure a rule it did not define
_CONFIG_KEYS = {"severity", "enabled", "options", "params", "inline-suppression"}
_CEL_KEYS = {"on", "when", "require", "message", "params"}


class PolicyError(Exception):
    """A policy that cannot be used: names the file, line and key at fault.

    ``errors`` holds every problem found in the same pass (``policy validate`` prints
    them all); the exception itself describes the first.
    """

    def __init__(
        self, path: str, line: int, key: str, message: str, errors: list[PolicyError] | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        self.errors: list[PolicyError] = errors if errors is not None else [self]
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


def format_key(key: Key) -> str:
    """``("rules", "x", "options", "allow", 0)`` -> ``rules.x.options.allow[0]``."""
    text = ""
    for part in key:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    with open(resources.schema_path("policy.schema.json"), encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@dataclass(slots=True)
class Layer:
    """One policy file as read: its data, positions and where its extends point."""

    key: str  # identity for cycle detection and de-duplication
    display: str  # what messages and Origin.path show
    file: Path | None  # real file, for resolving relative extends
    doc: YamlDoc
    pack: str

    @property
    def data(self) -> dict[str, Any]:
        return self.doc.data if isinstance(self.doc.data, dict) else {}

    def origin(self, key: Key) -> Origin:
        return Origin(self.display, self.doc.line(key))

    def error(self, key: Key, message: str) -> PolicyError:
        return PolicyError(self.display, self.doc.line(key), format_key(key), message)


# ---------------------------------------------------------------- reading files


def _read_layer(file: Path, display: str, pack: str) -> Layer:
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PolicyError(
                display, 0, "", f"file is {size} bytes; policy files are limited to {MAX_FILE_BYTES} bytes"
            )
        raw = file.read_bytes()
    except OSError as exc:
        raise PolicyError(display, 0, "", f"cannot read policy file: {exc.strerror or exc}") from None
    try:
        doc = load_yaml(raw, display)
    except YamlError as exc:
        raise PolicyError(display, exc.line, "", exc.message) from None
    if doc.data is None:
        doc.data = {}
    layer = Layer(str(file.resolve()), display, file, doc, pack)
    problems = validate_schema(doc.data, policy_schema())
    if problems:
        errors = [layer.error(path, message) for path, message in problems]
        errors.sort(key=lambda e: e.line)
        first = errors[0]
        raise PolicyError(first.path, first.line, first.key, first.message, errors)
    return layer


def builtin_packs() -> dict[str, Path]:
    """Built-in rule packs by name: every ``rules/*.yaml`` by file stem."""
    return {path.stem: path for path in sorted(resources.rules_dir().glob("*.yaml"))}


def installed_packs() -> dict[str, Any]:
    """Packs published as Python packages, by entry point name (group ``dlint.packs``)."""
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _installed_pack_file(name: str, entry: Any) -> Path:
    """Where an installed pack's YAML lives, found without importing (running) its code.

    The entry point value is ``package:file.yaml``: the YAML file shipped inside the
    package (``acme = acme_dlint_policy:policy.yaml``).
    """
    import importlib.util

    module, _, resource = str(entry.value).partition(":")
    resource = resource.strip() or "policy.yaml"
    spec = importlib.util.find_spec(module.strip()) if "." not in module else None
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"installed pack {name!r} points at {entry.value!r}: "
            f"{module!r} is not an importable top-level package"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / resource
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"installed pack {name!r}: {resource!r} not found in package {module!r}")


class _Reader:
    """Reads layers once and expands ``extends`` chains, detecting cycles."""

    def __init__(self, display_base: Path | None) -> None:
        self.display_base = display_base
        self.cache: dict[str, Layer] = {}

    def display(self, file: Path) -> str:
        if self.display_base is None:
            return str(file)
        try:
            rel = os.path.relpath(file.resolve(), self.display_base)
        except ValueError:  # another drive on Windows
            return str(file)
        absolute = file.resolve().as_posix()
        rel = Path(rel).as_posix()
        return absolute if rel.startswith("../") and len(absolute) < len(rel) else rel

    def file_layer(self, file: Path) -> Layer:
        key = str(file.resolve())
        if key not in self.cache:
            self.cache[key] = _read_layer(file, self.display(file), pack=self.display(file))
        return self.cache[key]

    def named_layer(self, name: str) -> Layer | None:
        builtin = builtin_packs()
        if name in builtin:
            key = f"builtin:{name}"
            if key not in self.cache:
                layer = _read_layer(builtin[name], key, pack=name)
                layer.key = key
                self.cache[key] = layer
            return self.cache[key]
        installed = installed_packs()
        if name in installed:
            key = f"pack:{name}"
            if key not in self.cache:
                file = _installed_pack_file(name, installed[name])
                layer = _read_layer(file, key, pack=name)
                layer.key = key
                self.cache[key] = layer
            return self.cache[key]
        return None

    def resolve(self, target: str, parent: Layer, key: Key) -> Layer:
        looks_like_file = "/" in target or "\\" in target or target.endswith((".yaml", ".yml"))
        if not looks_like_file:
            try:
                found = self.named_layer(target)
            except FileNotFoundError as exc:
                raise parent.error(key, str(exc)) from None
            if found is None:
                known = sorted(set(builtin_packs()) | set(installed_packs()))
                raise parent.error(
                    key,
                    f"no built-in or installed pack named '{target}' "
                    f"(known: {', '.join(known) or 'none'}; a file path needs a '/' "
                    "or a .yaml suffix)",
                )
            return found
        base = parent.file.parent if parent.file is not None else Path.cwd()
        file = base / target  # an absolute target stays absolute
        if not file.is_file():
            raise parent.error(key, f"extends target '{target}' not found ({file})")
        return self.file_layer(file)

    def expand(self, layer: Layer, stack: tuple[str, ...] = ()) -> list[Layer]:
        """The layers to apply for ``layer``: its extends (depth first), then itself."""
        stack = (*stack, layer.key)
        ordered: list[Layer] = []
        for target, key in _extends(layer):
            sub = self.resolve(target, layer, key)
            if sub.key in stack:
                names = [*stack[stack.index(sub.key) :], sub.key]
                shown = " -> ".join(self.cache[n].display if n in self.cache else n for n in names)
                raise layer.error(key, f"extends cycle: {shown}")
            ordered.extend(self.expand(sub, stack))
        ordered.append(layer)
        return ordered


def _extends(layer: Layer) -> list[tuple[str, Key]]:
    value = layer.data.get("extends")
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, ("extends",))]
    return [(item, ("extends", i)) for i, item in enumerate(value)]


# ---------------------------------------------------------------- merging


def _severity(text: str) -> Severity:
    return Severity.parse(text)


@dataclass(slots=True)
class _Merger:
    """The state of merging layers; cloned per directory by the resolver."""

    policy: Policy = field(default_factory=Policy)
    applied: list[str] = field(default_factory=list)
    lock_origin: dict[str, Origin] = field(default_factory=dict)
    option_origin: dict[tuple[str, str], Origin] = field(default_factory=dict)
    # lines of the items inside an option value (list entries, nested keys), so a schema
    # error names the line of the bad item rather than of the option's key
    option_item_lines: dict[tuple[str, str], dict[tuple[object, ...], int]] = field(default_factory=dict)
    inline_explicit: dict[str, bool] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # lower-cased alias -> rule id
    errors: list[PolicyError] = field(default_factory=list)

    def clone(self) -> _Merger:
        return copy.deepcopy(self)

    # -- lookup
    def find_rule(self, name: str) -> str | None:
        if name in self.policy.rules:
            return name
        return self.aliases.get(name.lower())

    # -- layers
    def apply_all(self, layers: Iterable[Layer]) -> None:
        for layer in layers:
            if layer.key in self.applied:
                continue  # a pack reached twice (diamond extends) applies once, first time
            self.applied.append(layer.key)
            self.apply(layer)

    def apply(self, layer: Layer) -> None:
        policy = self.policy
        data = layer.data
        policy.sources.append(layer.display)
        if "fail-on" in data:
            fail_on = str(data["fail-on"])
            policy.fail_on = None if fail_on.strip().lower() == "never" else _severity(fail_on)
            policy.settings_origin["fail-on"] = layer.origin(("fail-on",))
        if "require-reason" in data:
            policy.require_reason = bool(data["require-reason"])
            policy.settings_origin["require-reason"] = layer.origin(("require-reason",))
        if "waiver-expiry-warning-days" in data:
            policy.expiry_warning_days = int(data["waiver-expiry-warning-days"])
            policy.settings_origin["waiver-expiry-warning-days"] = layer.origin(
                ("waiver-expiry-warning-days",)
            )
        for rule_id, entry in (data.get("rules") or {}).items():
            try:
                self._apply_rule(layer, rule_id, entry)
            except PolicyError as exc:
                self.errors.append(exc)
        for index, name in enumerate(data.get("locked") or []):
            target = self.find_rule(name)
            if target is None:
                self.errors.append(layer.error(("locked", index), f"unknown rule '{name}'"))
                continue
            if target not in policy.locked:
                policy.locked.add(target)
                self.lock_origin[target] = layer.origin(("locked", index))
                policy.settings_origin[f"locked.{target}"] = self.lock_origin[target]
        for index, entry in enumerate(data.get("waivers") or []):
            try:
                waiver = self._waiver(layer, index, entry)
            except PolicyError as exc:
                self.errors.append(exc)
                continue
            waiver.rules = self._unlocked(layer, index, waiver.rules)
            if waiver.rules:
                policy.waivers.append(waiver)

    def _unlocked(self, layer: Layer, index: int, rules: list[str]) -> list[str]:
        """The waiver's rules minus those an earlier layer locked: a waiver below the lock
        would switch the rule off for its paths, which is what locking forbids.  (Waivers
        written in the locking layer itself are the organization's own exceptions.)"""
        kept = []
        for position, rule_id in enumerate(rules):
            lock = self.lock_origin.get(rule_id)
            if rule_id in self.policy.locked and lock is not None and lock.path != layer.display:
                self._problem(layer, ("waivers", index, "rules", position), rule_id, "waiving it")
                continue
            kept.append(rule_id)
        return kept

    def _problem(self, layer: Layer, key: Key, rule_id: str, what: str) -> None:
        pos = layer.doc.pos(key)
        line_text = layer.doc.lines[pos.line - 1] if 0 < pos.line <= len(layer.doc.lines) else ""
        end = max(len(line_text.rstrip()) + 1, pos.column + 1)
        lock = self.lock_origin[rule_id]
        message = (
            f"rule '{rule_id}' is locked by {lock.path}:{lock.line}; {what} is ignored "
            "and the locked setting stays"
        )
        self.policy.problems.append(
            Finding(
                rule=LOCKED_RULE,
                severity=Severity.ERROR,
                message=message,
                location=Location(layer.display, pos.line, pos.column, pos.line, end),
                context=line_text.strip(),
            )
        )

    def _apply_rule(self, layer: Layer, written_id: str, entry: Any) -> None:
        key: Key = ("rules", written_id)
        if isinstance(entry, bool):
            entry = {"enabled": entry}
        elif isinstance(entry, str):
            entry = {"enabled": entry != "off"} | ({"severity": entry} if entry not in ("on", "off") else {})
        assert isinstance(entry, dict)
        defines = "title" in entry or "check" in entry or "require" in entry
        if defines:
            self._define(layer, written_id, entry)
            return
        rule_id = self.find_rule(written_id)
        if rule_id is None:
            raise layer.error(
                key,
                f"unknown rule '{written_id}' (not defined by this policy or anything it "
                "extends; a new rule needs a title and a check or require)",
            )
        extra = sorted(set(entry) - _CONFIG_KEYS)
        if extra:
            raise layer.error(
                (*key, extra[0]),
                f"'{extra[0]}' can only be set where the rule is defined (with title and check or require)",
            )
        self._configure(layer, key, rule_id, entry)

    def _configure(self, layer: Layer, key: Key, rule_id: str, entry: dict[str, Any]) -> None:
        rule = self.policy.rules[rule_id]
        origins = self.policy.settings_origin
        locked = rule_id in self.policy.locked
        if "enabled" in entry:
            enabled = bool(entry["enabled"])
            if locked and not enabled and rule.enabled:
                self._problem(
                    layer,
                    (*key, "enabled") if (*key, "enabled") in layer.doc.positions else key,
                    rule_id,
                    "disabling it",
                )
            elif enabled != rule.enabled or (*key, "enabled") in layer.doc.positions:
                rule.enabled = enabled
                origins[f"rules.{rule_id}.enabled"] = layer.origin((*key, "enabled"))
        if "severity" in entry:
            severity = _severity(entry["severity"])
            if locked and severity < rule.severity:
                self._problem(
                    layer, (*key, "severity"), rule_id, f"lowering its severity to {severity.label}"
                )
            else:
                rule.severity = severity
                origins[f"rules.{rule_id}.severity"] = layer.origin((*key, "severity"))
        if "options" in entry:
            options = entry["options"] or {}
            if rule.check is None:
                raise layer.error(
                    (*key, "options"), f"rule '{rule_id}' is a CEL rule; it takes params, not options"
                )
            changed = {k: v for k, v in options.items() if rule.options.get(k, _MISSING) != v}
            if locked and changed:
                self._problem(layer, (*key, "options", next(iter(changed))), rule_id, "changing its options")
            else:
                for name, value in options.items():
                    rule.options[name] = value
                    origin = layer.origin((*key, "options", name))
                    self.option_origin[(rule_id, name)] = origin
                    self.option_item_lines[(rule_id, name)] = _item_lines(layer, (*key, "options", name), value)
                    origins[f"rules.{rule_id}.options.{name}"] = origin
        if "params" in entry:
            params = entry["params"] or {}
            if rule.cel is None:
                raise layer.error((*key, "params"), f"rule '{rule_id}' is a built-in check; it takes options")
            changed = {k: v for k, v in params.items() if rule.cel.params.get(k, _MISSING) != v}
            if locked and changed:
                self._problem(layer, (*key, "params", next(iter(changed))), rule_id, "changing its params")
            else:
                for name, value in params.items():
                    rule.cel.params[name] = value
                    origins[f"rules.{rule_id}.params.{name}"] = layer.origin((*key, "params", name))
        if "inline-suppression" in entry:
            allowed = bool(entry["inline-suppression"])
            current = self.inline_explicit.get(rule_id, not locked)
            if locked and allowed and not current:
                self._problem(layer, (*key, "inline-suppression"), rule_id, "allowing inline suppression")
            else:
                self.inline_explicit[rule_id] = allowed
                origins[f"rules.{rule_id}.inline-suppression"] = layer.origin((*key, "inline-suppression"))

    def _define(self, layer: Layer, rule_id: str, entry: dict[str, Any]) -> None:
        key: Key = ("rules", rule_id)
        existing = self.find_rule(rule_id)
        if existing is not None and existing != rule_id:
            raise layer.error(key, f"'{rule_id}' is an alias of rule '{existing}'")
        if "title" not in entry:
            raise layer.error(key, "a rule definition needs a title")
        has_check, has_require = "check" in entry, "require" in entry
        if has_check == has_require:
            raise layer.error(
                key,
                "a rule definition needs exactly one of check (a built-in check) "
                "or require (a CEL expression)",
            )
        if has_check:
            stray = sorted(set(entry) & (_CEL_KEYS - {"params"})) or (["params"] if "params" in entry else [])
            if stray:
                raise layer.error(
                    (*key, stray[0]), f"'{stray[0]}' belongs to CEL rules; this rule uses check"
                )
        else:
            if "options" in entry:
                raise layer.error((*key, "options"), "a CEL rule takes params, not options")
            if "on" not in entry:
                raise layer.error(key, "a CEL rule needs on: image, instruction, stage or file")
        if existing is not None and existing in self.policy.locked:
            self._problem(layer, key, existing, "redefining it")
            return
        origin = layer.origin(key)
        rule = Rule(
            id=rule_id,
            title=entry["title"],
            severity=_severity(entry.get("severity", "warning")),
            docs=entry.get("docs", ""),
            tags=list(entry.get("tags", [])),
            aliases=list(entry.get("aliases", [])),
            enabled=bool(entry.get("enabled", True)),
            pack=layer.pack,
            precision=entry.get("precision", "very-high" if has_check else "high"),
            security_severity=entry.get("security-severity"),
            help_uri=entry.get("help-uri"),
            origin=origin,
        )
        for alias in rule.aliases:
            owner = self.find_rule(alias)
            if owner is not None and owner != rule_id:
                raise layer.error((*key, "aliases"), f"alias '{alias}' is already used by rule '{owner}'")
        if has_check:
            rule.check = entry["check"]
            rule.options = dict(entry.get("options") or {})
            spec = _check_spec(rule.check)
            if spec is None:
                raise layer.error((*key, "check"), f"unknown check '{rule.check}'")
            if not rule.docs:
                rule.docs = spec.doc
        else:
            rule.cel = CelRule(
                on=entry["on"],
                require=entry["require"],
                when=entry.get("when"),
                message=entry.get("message"),
                params=dict(entry.get("params") or {}),
            )
            self._compile(layer, key, rule)
        if existing is not None:  # a redefinition replaces the earlier one, settings included
            old = self.policy.rules.pop(existing)
            for alias in old.aliases:
                self.aliases.pop(alias.lower(), None)
            for option_key in [k for k in self.option_origin if k[0] == existing]:
                del self.option_origin[option_key]
            self.inline_explicit.pop(existing, None)
            prefix = f"rules.{existing}."
            for name in [k for k in self.policy.settings_origin if k.startswith(prefix)]:
                del self.policy.settings_origin[name]
        self.policy.rules[rule_id] = rule
        for alias in rule.aliases:
            self.aliases[alias.lower()] = rule_id
        self.policy.settings_origin[f"rules.{rule_id}"] = origin
        for name in ("severity", "enabled"):
            if name in entry:
                self.policy.settings_origin[f"rules.{rule_id}.{name}"] = layer.origin((*key, name))
        for name in rule.options:
            opt_origin = layer.origin((*key, "options", name))
            self.option_origin[(rule_id, name)] = opt_origin
            self.option_item_lines[(rule_id, name)] = _item_lines(layer, (*key, "options", name), rule.options[name])
            self.policy.settings_origin[f"rules.{rule_id}.options.{name}"] = opt_origin
        if rule.cel is not None:
            for name in rule.cel.params:
                self.policy.settings_origin[f"rules.{rule_id}.params.{name}"] = layer.origin(
                    (*key, "params", name)
                )
        if "inline-suppression" in entry:
            self.inline_explicit[rule_id] = bool(entry["inline-suppression"])
            self.policy.settings_origin[f"rules.{rule_id}.inline-suppression"] = layer.origin(
                (*key, "inline-suppression")
            )

    def _compile(self, layer: Layer, key: Key, rule: Rule) -> None:
        from dlint.policy import cel  # lazy: only policies with custom rules pay for CEL

        for problem in cel.compile_errors(rule):
            field_key = (*key, problem.field) if problem.field in ("when", "require", "message") else key
            pos = layer.doc.pos(field_key)
            line = pos.line + _block_offset(layer, field_key, problem.line)
            error = PolicyError(
                layer.display, line, format_key(field_key), f"rule '{rule.id}': {problem.describe()}"
            )
            raise error

    def _waiver(self, layer: Layer, index: int, entry: dict[str, Any]) -> Waiver:
        key: Key = ("waivers", index)
        if not entry.get("paths") and not entry.get("images"):
            raise layer.error(
                key, "a waiver needs paths or images (to switch a rule off everywhere, set it to off instead)"
            )
        if not str(entry["reason"]).strip():
            # a blank reason passed the schema but made the waiver silently never apply
            raise layer.error((*key, "reason"), "a waiver needs a reason (it is blank)")
        expires = None
        if "expires" in entry:
            expires = dt.date.fromisoformat(str(entry["expires"])[:10])
        for rule_index, name in enumerate(entry["rules"]):
            if self.find_rule(name) is None:
                raise layer.error((*key, "rules", rule_index), f"unknown rule '{name}'")
        for field_name in ("paths", "images"):
            for item_index, pattern in enumerate(entry.get(field_name) or []):
                problem = glob_problem(pattern)
                if problem is not None:
                    raise layer.error((*key, field_name, item_index), f"invalid pattern '{pattern}': {problem}")
        return Waiver(
            rules=[self.find_rule(name) or name for name in entry["rules"]],
            paths=list(entry.get("paths", [])),
            reason=entry["reason"],
            images=list(entry.get("images", [])),
            owner=entry.get("owner"),
            ticket=entry.get("ticket"),
            expires=expires,
            origin=layer.origin(key),
        )

    def finish(self, layers_by_display: dict[str, Layer]) -> Policy:
        """Validate what only the merged result can tell, and return a copy of the policy."""
        errors = list(self.errors)
        for rule in self.policy.rules.values():
            if rule.check is None:
                continue
            spec = _check_spec(rule.check)
            if spec is None:
                continue
            for path, message in validate_schema(rule.options, spec.options_schema):
                origin = (self.option_origin.get((rule.id, str(path[0]))) if path else None) or rule.origin
                if origin is not None and len(path) > 1:
                    lines = self.option_item_lines.get((rule.id, str(path[0])), {})
                    deepest = next((lines[tuple(path[1:n])] for n in range(len(path), 1, -1)
                                    if tuple(path[1:n]) in lines), None)
                    origin = Origin(origin.path, deepest) if deepest else origin
                key = format_key(("rules", rule.id, "options", *path))
                errors.append(
                    PolicyError(origin.path if origin else "", origin.line if origin else 0, key, message)
                )
        if errors:
            errors.sort(key=lambda e: (e.path, e.line))
            first = errors[0]
            raise PolicyError(first.path, first.line, first.key, first.message, errors)
        policy = copy.deepcopy(self.policy)
        policy.inline_suppression = {
            rule_id: self.inline_explicit.get(rule_id, rule_id not in policy.locked)
            for rule_id in policy.rules
        }
        del layers_by_display
        return policy


_MISSING = object()


def _item_lines(layer: Layer, key: Key, value: object) -> dict[tuple[object, ...], int]:
    """The YAML line of every item nested in an option value, by its path below the option."""
    lines: dict[tuple[object, ...], int] = {}

    def walk(path: tuple[object, ...], item: object) -> None:
        children: list[tuple[object, object]] = []
        if isinstance(item, list):
            children = list(enumerate(item))
        elif isinstance(item, dict):
            children = list(item.items())
        for name, child in children:
            line = layer.doc.line((*key, *path, name))  # type: ignore[arg-type]
            if line:
                lines[(*path, name)] = line
            walk((*path, name), child)

    walk((), value)
    return lines


def _block_offset(layer: Layer, key: Key, cel_line: int) -> int:
    """Lines between a YAML key and line ``cel_line`` of its (block scalar) expression."""
    if cel_line <= 1:
        return 0
    pos = layer.doc.pos(key)
    text = layer.doc.lines[pos.line - 1] if 0 < pos.line <= len(layer.doc.lines) else ""
    after = text.split(":", 1)[1].strip() if ":" in text else ""
    block = after.startswith(("|", ">"))
    return cel_line if block else cel_line - 1


def _check_spec(name: str) -> Any:
    from dlint.checks import registry

    return registry().get(name)


# ---------------------------------------------------------------- public entry points


def _implicit_default(layer: Layer) -> Layer:
    """A top-level policy without ``extends`` builds on ``recommended``."""
    if "extends" in layer.data:
        return layer
    doc = YamlDoc(
        {**layer.data, "extends": list(DEFAULT_EXTENDS)}, dict(layer.doc.positions), layer.doc.lines
    )
    return Layer(layer.key, layer.display, layer.file, doc, layer.pack)


def load_policy_file(
    path: Path, *, implicit_default: bool = True, display_base: Path | None = None
) -> Policy:
    """One policy file with its extends chain (what ``policy validate`` checks)."""
    reader = _Reader(display_base)
    layer = reader.file_layer(Path(path))
    if implicit_default:
        layer = _implicit_default(layer)
    merger = _Merger()
    merger.apply_all(reader.expand(layer))
    return merger.finish({})


def _empty_layer(name: str) -> Layer:
    return Layer(f"default:{name}", name, None, YamlDoc({"extends": list(DEFAULT_EXTENDS)}, {}, []), name)


def builtin_policy() -> Policy:
    """The policy used when no ``.dlint.yaml`` exists: ``extends: [recommended]``."""
    return _builtin_policy_cached()


@lru_cache(maxsize=1)
def _builtin_policy_cached() -> Policy:
    reader = _Reader(None)
    merger = _Merger()
    merger.apply_all(reader.expand(_empty_layer("builtin:default")))
    return merger.finish({})


def known_rule_ids(policy: Policy) -> dict[str, str]:
    """Rule ids and aliases -> rule id; aliases are also listed lower-cased (case-insensitive)."""
    known: dict[str, str] = {}
    for rule in policy.rules.values():
        for alias in rule.aliases:
            known[alias] = rule.id
            known[alias.lower()] = rule.id
    for rule_id in policy.rules:
        known[rule_id] = rule_id
    return known


def _repo_top(start: Path) -> Path:
    """The nearest ancestor of ``start`` (itself included) holding ``.git``, else ``start``."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _config_in(directory: Path) -> Path | None:
    found = [directory / name for name in CONFIG_NAMES if (directory / name).is_file()]
    if len(found) > 1:
        raise PolicyError(
            found[1].as_posix(), 0, "", f"both {found[0].name} and {found[1].name} exist; keep one"
        )
    return found[0] if found else None


class PolicyResolver:
    """The effective policy for each Dockerfile, from the nested ``.dlint.yaml`` chain.

    Discovery: the ``.dlint.yaml`` files in every folder from the repository top (the
    nearest ancestor of the scan root holding ``.git``; the scan root itself when there is
    none) down to the Dockerfile's folder, applied in that order.  The first file of the
    chain builds on ``recommended`` unless it says ``extends:``.  With no file at all,
    the built-in default applies.  ``config`` (``--config FILE``) replaces discovery: that
    one file (with its extends) applies everywhere.  Results are cached per folder.

    A Dockerfile outside the scan root (``dlint check ../other-repo``) gets the chain of
    its own repository, as it would if dlint were run there.
    """

    def __init__(self, scan_root: Path, config: Path | None = None, *, display_base: Path | None = None) -> None:
        self.scan_root = Path(scan_root).resolve()
        self.config = Path(config) if config is not None else None
        # policy files are named relative to where dlint runs (``display_base``), also for a
        # resolver rooted at another repository: waiver paths are resolved from that name
        # and policy findings are reported under it
        self._reader = _Reader(Path(display_base).resolve() if display_base is not None else self.scan_root)
        self._states: dict[Path, tuple[_Merger | None, Policy]] = {}
        self._top = _repo_top(self.scan_root)
        self._elsewhere: dict[Path, PolicyResolver] = {}  # by repository top, for outside files

    def for_file(self, path: Path) -> Policy:
        """The policy for the Dockerfile at ``path`` (absolute, or relative to the scan root)."""
        path = Path(path)
        if not path.is_absolute():
            path = self.scan_root / path
        return self.for_directory(path.parent)

    def for_directory(self, directory: Path) -> Policy:
        if self.config is not None:
            return self._state(self.scan_root)[1]
        directory = Path(os.path.abspath(directory))
        try:
            directory.relative_to(self.scan_root)
        except ValueError:
            return self._outside(directory).for_directory(directory)
        return self._state(directory)[1]

    def _outside(self, directory: Path) -> PolicyResolver:
        """The resolver for a folder outside the scan root: rooted at its repository top."""
        resolved = directory.resolve()
        top = _repo_top(resolved)  # without a repository, the folder itself
        resolver = self._elsewhere.get(top)
        if resolver is None:
            resolver = self._elsewhere[top] = PolicyResolver(top, display_base=self._reader.display_base)
        return resolver

    def all_policies(self) -> list[Policy]:
        """Every distinct policy resolved so far (the scan root's at least)."""
        self.for_directory(self.scan_root)
        seen: dict[int, Policy] = {}
        for _, policy in self._states.values():
            seen.setdefault(id(policy), policy)
        for other in self._elsewhere.values():
            for policy in other.all_policies():
                seen.setdefault(id(policy), policy)
        return list(seen.values())

    def _state(self, directory: Path) -> tuple[_Merger | None, Policy]:
        cached = self._states.get(directory)
        if cached is not None:
            return cached
        if self.config is not None:
            layer = _implicit_default(self._reader.file_layer(self.config))
            merger = _Merger()
            merger.apply_all(self._reader.expand(layer))
            state: tuple[_Merger | None, Policy] = (merger, merger.finish({}))
        elif directory == self.scan_root:
            state = self._root_state()
        else:
            parent_merger, parent_policy = self._state(directory.parent)
            config = _config_in(directory)
            state = (parent_merger, parent_policy) if config is None else self._extend(parent_merger, config)
        self._states[directory] = state
        return state

    def _root_state(self) -> tuple[_Merger | None, Policy]:
        chain = [self.scan_root]
        if self._top != self.scan_root:
            chain = [p for p in reversed(self.scan_root.parents) if p == self._top or self._top in p.parents]
            chain.append(self.scan_root)
        merger: _Merger | None = None
        policy: Policy | None = None
        for directory in chain:
            config = _config_in(directory)
            if config is not None:
                merger, policy = self._extend(merger, config)
        if policy is None:
            return None, builtin_policy()
        return merger, policy

    def _extend(self, parent: _Merger | None, config: Path) -> tuple[_Merger, Policy]:
        layer = self._reader.file_layer(config)
        if parent is None:
            layer = _implicit_default(layer)
            merger = _Merger()
        else:
            merger = parent.clone()
        merger.apply_all(self._reader.expand(layer))
        return merger, merger.finish({})
