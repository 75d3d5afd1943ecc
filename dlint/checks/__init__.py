"""Built-in checks: small functions over the document model.

Each check is registered by name with ``@check(name, options_schema)``.  A check gets the
``Document`` and its validated options and yields ``Violation``s; the engine turns those
into findings with the rule's id and severity.  Checks know nothing of output formats or
of policies beyond their own options.  The function's docstring is the rule's
documentation (What it does / Why is this bad? / Example / Use instead / Options), as in
yamllint and ruff.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dlint.dockerfile.model import Document, Span

# modules holding checks, imported on first use of the registry
CHECK_MODULES = ("syntax", "images", "users", "secrets", "sources", "meta", "style", "instructions")


@dataclass(frozen=True, slots=True)
class Violation:
    """What a check reports: a message and the exact span at fault."""

    message: str
    span: Span
    instruction: int | None = None  # index of the instruction, for context and suppressions
    image: str | None = None  # normalized image name the finding is about (waivers match on it)


CheckFunction = Callable[[Document, dict[str, Any]], Iterator[Violation]]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    name: str
    function: CheckFunction
    options_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object", "additionalProperties": False})

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.function.__doc__ or "")


_REGISTRY: dict[str, CheckSpec] = {}
_LOADED = False


def check(name: str, options_schema: dict[str, Any] | None = None) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under ``name`` (the name rule YAML refers to)."""

    def register(function: CheckFunction) -> CheckFunction:
        schema = options_schema or {"type": "object", "additionalProperties": False}
        _REGISTRY[name] = CheckSpec(name, function, schema)
        return function

    return register


def registry() -> dict[str, CheckSpec]:
    """All built-in checks by name."""
    global _LOADED
    if not _LOADED:
        for module in CHECK_MODULES:
            importlib.import_module(f"dlint.checks.{module}")
        _LOADED = True
    return _REGISTRY
