"""A small JSON Schema validator for policy files and check options.

Why not the ``jsonschema`` package: it is a test-only dependency of dlint, it costs
more to import than a whole normal run spends loading policies, and its messages speak
of schema keywords rather than of the user's keys.  Policy files and check option
schemas use a plain subset of JSON Schema (draft 2020-12 spelling), which this module
implements: ``type``, ``enum``, ``const``, ``properties``, ``required``,
``additionalProperties``, ``patternProperties``, ``propertyNames``, ``items``,
``minItems``/``maxItems``, ``uniqueItems``, ``minimum``/``maximum`` (and exclusive),
``minLength``/``maxLength``, ``pattern``, ``format: date``/``glob``, ``anyOf``/``oneOf``, local
``$ref`` (``#/$defs/...``).  Unknown keywords are ignored, as JSON Schema says.
Patterns run through RE2 (linear time) because schemas from rule packs are untrusted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

Path_ = tuple[str | int, ...]
SchemaError = tuple[Path_, str]

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "null":
        return value is None
    return True


def _search(pattern: str, text: str) -> bool:
    import re2  # lazy: only schemas with patterns need it

    return re2.search(pattern, text) is not None


def describe(value: Any) -> str:
    """A short, user-facing rendering of a value for messages."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def validate(
    value: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, path: Path_ = ()
) -> list[SchemaError]:
    """All problems of ``value`` against ``schema``, each as (path, message)."""
    return list(_validate(value, schema, root if root is not None else schema, path))


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ValueError(f"unsupported $ref {ref!r} (only local #/ references)")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        merged = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **merged}
        seen += 1
        if seen > 32:
            raise ValueError("$ref loop in schema")
    return schema


def _validate(value: Any, schema: Any, root: dict[str, Any], path: Path_) -> Iterator[SchemaError]:
    if schema is True or schema is None:
        return
    if schema is False:
        yield path, "is not allowed here"
        return
    schema = _resolve(schema, root)
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            yield from _alternatives(value, schema[keyword], root, path)
    expected = schema.get("type")
    if expected is not None:
        names = [expected] if isinstance(expected, str) else list(expected)
        if not any(_is_type(value, name) for name in names):
            wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
            yield path, f"expected {wanted}, got {describe(value)}"
            return
    if "enum" in schema and value not in schema["enum"]:
        options = ", ".join(str(v) for v in schema["enum"])
        yield path, f"{describe(value)} is not one of: {options}"
    if "const" in schema and value != schema["const"]:
        yield path, f"must be {describe(schema['const'])}"
    if isinstance(value, str):
        yield from _string(value, schema, path)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield from _number(value, schema, path)
    elif isinstance(value, list):
        yield from _array(value, schema, root, path)
    elif isinstance(value, dict):
        yield from _object(value, schema, root, path)


def _alternatives(value: Any, options: list[Any], root: dict[str, Any], path: Path_) -> Iterator[SchemaError]:
    results = [list(_validate(value, option, root, path)) for option in options]
    if any(not errors for errors in results):
        return
    # Report the branch the value was evidently aiming at: the one whose type matches.
    for option, errors in zip(options, results, strict=True):
        resolved = _resolve(option, root) if isinstance(option, dict) else {}
        expected = resolved.get("type")
        names = [expected] if isinstance(expected, str) else list(expected or [])
        if names and any(_is_type(value, name) for name in names):
            yield from errors
            return
    allowed: list[str] = []
    for option in options:
        resolved = _resolve(option, root) if isinstance(option, dict) else {}
        if "enum" in resolved:
            allowed.extend(str(v) for v in resolved["enum"])
        elif "type" in resolved:
            types = resolved["type"]
            allowed.extend(_TYPE_NAMES.get(t, t) for t in ([types] if isinstance(types, str) else types))
    yield (
        path,
        f"{describe(value)} is not valid here" + (f" (expected {', '.join(allowed)})" if allowed else ""),
    )


def _string(value: str, schema: dict[str, Any], path: Path_) -> Iterator[SchemaError]:
    if "minLength" in schema and len(value) < schema["minLength"]:
        yield path, "must not be empty" if schema["minLength"] == 1 else f"shorter than {schema['minLength']}"
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        yield path, f"longer than {schema['maxLength']} characters"
    if "pattern" in schema and not _search(schema["pattern"], value):
        yield path, f"{describe(value)} does not match {schema['pattern']}"
    if schema.get("format") == "glob":
        from dlint.globs import glob_problem

        problem = glob_problem(value)
        if problem is not None:
            yield path, f"{value!r} is not a valid glob: {problem}"
    if schema.get("format") == "date":
        try:
            dt.date.fromisoformat(value[:10] if len(value) > 10 and value[10] == "T" else value)
        except ValueError:
            yield path, f"{describe(value)} is not a date (YYYY-MM-DD)"


def _number(value: float, schema: dict[str, Any], path: Path_) -> Iterator[SchemaError]:
    if "minimum" in schema and value < schema["minimum"]:
        yield path, f"must be at least {schema['minimum']}"
    if "maximum" in schema and value > schema["maximum"]:
        yield path, f"must be at most {schema['maximum']}"
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        yield path, f"must be greater than {schema['exclusiveMinimum']}"
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        yield path, f"must be less than {schema['exclusiveMaximum']}"


def _array(
    value: list[Any], schema: dict[str, Any], root: dict[str, Any], path: Path_
) -> Iterator[SchemaError]:
    if "minItems" in schema and len(value) < schema["minItems"]:
        yield (
            path,
            "must not be empty" if schema["minItems"] == 1 else f"needs at least {schema['minItems']} items",
        )
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        yield path, f"has more than {schema['maxItems']} items"
    if schema.get("uniqueItems"):
        seen: list[Any] = []
        for index, item in enumerate(value):
            if item in seen:
                yield (*path, index), f"duplicate item {describe(item)}"
            seen.append(item)
    items = schema.get("items")
    if items is not None:
        for index, item in enumerate(value):
            yield from _validate(item, items, root, (*path, index))


def _object(
    value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: Path_
) -> Iterator[SchemaError]:
    for key in schema.get("required", []):
        if key not in value:
            yield path, f"missing required key '{key}'"
    properties: dict[str, Any] = schema.get("properties", {})
    patterns: dict[str, Any] = schema.get("patternProperties", {})
    names = schema.get("propertyNames")
    additional = schema.get("additionalProperties", True)
    for key, item in value.items():
        if names is not None:
            for _, message in _validate(key, names, root, ()):
                yield (*path, key), f"key {message}"
        if key in properties:
            yield from _validate(item, properties[key], root, (*path, key))
            continue
        matched = False
        for pattern, sub in patterns.items():
            if _search(pattern, key):
                matched = True
                yield from _validate(item, sub, root, (*path, key))
        if matched:
            continue
        if additional is False:
            known = ", ".join(sorted(properties))
            yield (*path, key), f"unknown key '{key}'" + (f" (expected one of: {known})" if known else "")
        elif isinstance(additional, dict):
            yield from _validate(item, additional, root, (*path, key))
