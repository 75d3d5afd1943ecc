"""Custom rules in CEL: compiling them when a policy loads, evaluating them per object.

A CEL rule names the kind of object it looks at (``on``), optionally narrows it with
``when`` and states what must hold with ``require``; where ``require`` is false, dlint
reports a finding with the rule's ``message`` (``{{ expr }}`` placeholders are CEL
expressions over the same variables).  The variables are the JSON model ``dlint inspect``
prints (``dlint.dockerfile.serialize.document_to_dict``), so authors can look at the data
before writing against it:

=============  ==================================================  =====================
``on``         variables                                           finding points at
=============  ==================================================  =====================
image          ``image``, ``stage`` (null for ``# syntax=``),      the image token
               ``file``, ``params``
instruction    ``instruction``, ``stage`` (null before FROM),      the instruction's first
               ``file``, ``params``                                line (keyword to end)
stage          ``stage``, ``file``, ``params``                     the stage's FROM line
file           ``file``, ``params``                                line 1
=============  ==================================================  =====================

Every expression is compiled at load time, with unknown variables and functions caught
then too (the ``cel`` package is dynamically typed, so we check references ourselves).
CEL has no I/O; the helpers added here are pure and bounded, and regexes go through RE2.
A runtime error on one object (a missing key, a type mismatch) becomes a
:class:`CelRuntimeError` violation naming the rule, never an exception.

The ``cel`` module is imported lazily: a policy without custom rules never pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dlint import globs
from dlint.checks import Violation
from dlint.dockerfile.model import Document, Span, leading_span
from dlint.policy.model import CelRule, Rule

MAX_EXPRESSION_CHARS = 4096
MAX_COMPREHENSION_DEPTH = 3
MAX_RESULT_CHARS = 1 << 20  # helpers refuse to build strings or lists larger than this

VARIABLES: dict[str, tuple[str, ...]] = {
    "image": ("image", "stage", "file", "params"),
    "instruction": ("instruction", "stage", "file", "params"),
    "stage": ("stage", "file", "params"),
    "file": ("file", "params"),
}

# functions and macros the CEL runtime itself provides
_NATIVE_FUNCTIONS = {
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "timestamp",
    "duration",
    "dyn",
    "type",
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
    "getFullYear",
    "getMonth",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
    "max",
    "min",
}
_MACROS = ("all", "exists", "exists_one", "map", "filter")
_MACRO_VAR = re.compile(r"\.\s*(?:all|exists_one|exists|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_CEL_ERROR = re.compile(r"<input>:(\d+):(\d+):\s*(.*)")


@dataclass(frozen=True, slots=True)
class CelProblem:
    """A compile-time problem in one expression of a rule."""

    field: str  # when | require | message
    line: int  # 1-based, within the expression (for message: within the message text)
    column: int
    message: str

    def describe(self) -> str:
        return f"CEL {self.field} {self.line}:{self.column}: {self.message}"


class CelRuntimeError(Violation):
    """A rule that could not be evaluated on one object; the engine reports it as an error.

    A subclass rather than a flag so checks' violations stay exactly as they are; the
    engine should give these ``Severity.ERROR`` whatever the rule's severity.
    """

    __slots__ = ()


# ---------------------------------------------------------------- helpers (CEL functions)


def glob_match(text: Any, patterns: Any) -> bool:
    """True when ``text`` matches the glob (or any glob of a list)."""
    if text is None:
        return False
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(globs.glob_match(str(p), str(text)) for p in patterns)


def normalize_image(reference: Any) -> str:
    """Docker's normalization: ``alpine`` -> ``docker.io/library/alpine``; keeps tag/digest.

    Works on patterns too (``alpine:3.*``), so allow-lists can be written the familiar way.
    """
    text = (
        str(reference.get("resolved") or reference.get("written") or "")
        if isinstance(reference, dict)
        else str(reference)
    )
    name, digest = [*text.split("@", 1), ""][:2]
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        registry, path = first, rest
    else:
        registry, path = "docker.io", name
    if registry == "index.docker.io":
        registry = "docker.io"
    if registry == "docker.io" and "/" not in path:
        path = "library/" + path
    result = f"{registry}/{path}"
    if tag:
        result += f":{tag}"
    if digest:
        result += f"@{digest}"
    return result


def image_matches(image: Any, patterns: Any) -> bool:
    """Glob match of a normalized image reference against normalized patterns.

    A pattern without tag or digest matches the image name (``registry/repository``);
    a pattern with ``:tag`` or ``@digest`` matches the full normalized reference.  An
    image map (``image`` variable) uses its normalized ``name``, ``tag`` and ``digest``.
    """
    if isinstance(patterns, str):
        patterns = [patterns]
    if isinstance(image, dict):
        name = image.get("name")
        if not name:
            return False
        full = (
            str(name)
            + (f":{image['tag']}" if image.get("tag") else "")
            + (f"@{image['digest']}" if image.get("digest") else "")
        )
    else:
        full = normalize_image(image)
        name = full.split("@", 1)[0]
        slash = name.rfind("/")
        if name.rfind(":") > slash:
            name = name[: name.rfind(":")]
    for pattern in patterns:
        normalized = normalize_image(pattern)
        last = normalized.rsplit("/", 1)[-1]
        target = full if ("@" in normalized or ":" in last) else name
        if globs.glob_match(normalized, str(target)):
            return True
    return False


@lru_cache(maxsize=256)
def _re2(pattern: str) -> Any:
    import re2

    return re2.compile(pattern, globs.quiet_re2_options())


def regex_find(text: Any, pattern: Any) -> str:
    """The first match of an RE2 pattern in ``text`` ('' when none)."""
    match = _re2(str(pattern)).search(str(text))
    return match.group(0) if match else ""


def regex_find_all(text: Any, pattern: Any) -> list[str]:
    """All non-overlapping matches of an RE2 pattern in ``text``."""
    return [m.group(0) for m in _re2(str(pattern)).finditer(str(text))][:10_000]


HELPERS: dict[str, Callable[..., Any]] = {
    "glob": glob_match,
    "imageMatches": image_matches,
    "normalizeImage": normalize_image,
    "regexFind": regex_find,
    "regexFindAll": regex_find_all,
}


def _bounded(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        result = function(*args)
        if isinstance(result, str | list) and len(result) > MAX_RESULT_CHARS:
            raise ValueError(f"result larger than {MAX_RESULT_CHARS} (refused)")
        return result

    return call


@lru_cache(maxsize=1)
def functions() -> dict[str, Callable[..., Any]]:
    """Every function a policy expression may call beyond native CEL."""
    _import_cel()  # registers the package without its CLI before the submodule import
    from cel.stdlib import EXTENSIONS

    table: dict[str, Callable[..., Any]] = {}
    for library in ("core", "strings", "sets", "lists", "math"):
        for name, function in EXTENSIONS.get(library, {}).items():
            if name in ("lists.range",):
                continue  # builds lists of any size from a number: a memory bomb
            table[name] = _bounded(function)
    table.update(HELPERS)
    return table


# ---------------------------------------------------------------- compiling


def _import_cel() -> Any:
    """The CEL runtime: the package's compiled extension module.

    ``import cel`` runs the package's ``__init__``, which also loads its interactive
    command line (typer, rich, prompt_toolkit: ~180 ms).  dlint needs only the extension
    and ``cel.stdlib``, so when the package is not imported yet, register it without
    running ``__init__`` and import just those two submodules (~7 ms)."""
    import importlib
    import importlib.util
    import sys

    if "cel" not in sys.modules:
        spec = importlib.util.find_spec("cel")
        if spec is not None and spec.submodule_search_locations is not None:
            sys.modules["cel"] = importlib.util.module_from_spec(spec)
    return importlib.import_module("cel.cel")


@lru_cache(maxsize=4096)
def _program(source: str) -> Any:
    return _import_cel().compile(source)


def _comprehension_depth(source: str) -> int:
    depth = 0
    deepest = 0
    stack: list[bool] = []
    quote = ""
    i = 0
    while i < len(source):
        char = source[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            head = re.search(r"\.\s*([A-Za-z_]\w*)\s*$", source[:i])
            is_macro = head is not None and head.group(1) in _MACROS
            stack.append(is_macro)
            if is_macro:
                depth += 1
                deepest = max(deepest, depth)
        elif char == ")" and stack and stack.pop():
            depth -= 1
        i += 1
    return deepest


def _position(source: str, needle: str) -> tuple[int, int]:
    match = re.search(rf"(?<![\w.]){re.escape(needle)}(?!\w)", source)
    offset = match.start() if match else 0
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


def check_expression(source: str, on: str, field: str) -> CelProblem | None:
    """Compile one expression and check the names it uses; the first problem or None."""
    if len(source) > MAX_EXPRESSION_CHARS:
        return CelProblem(field, 1, 1, f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        program = _program(source)
    except (ValueError, RuntimeError) as exc:
        text = str(exc)
        match = _CEL_ERROR.search(text)
        if match:
            return CelProblem(field, int(match.group(1)), int(match.group(2)), match.group(3).strip())
        return CelProblem(field, 1, 1, text.splitlines()[0] if text else "cannot compile")
    if _comprehension_depth(source) > MAX_COMPREHENSION_DEPTH:
        return CelProblem(
            field,
            1,
            1,
            f"comprehensions (all/exists/map/filter) nested deeper than {MAX_COMPREHENSION_DEPTH}",
        )
    bound = set(_MACRO_VAR.findall(source))
    allowed = set(VARIABLES[on]) | bound
    for name in program.variables():
        if name not in allowed:
            line, column = _position(source, name)
            hint = ", ".join(VARIABLES[on])
            return CelProblem(field, line, column, f"unknown variable '{name}' (rules on {on} see: {hint})")
    known = _NATIVE_FUNCTIONS | set(functions())
    for name in program.functions():
        if name.startswith(("_", "@", "!_", "-_")) or name in known:
            continue
        line, column = _position(source, name)
        return CelProblem(field, line, column, f"unknown function '{name}'")
    return None


def message_expressions(message: str) -> list[tuple[str, int]]:
    """The ``{{ expr }}`` placeholders of a message with their offsets."""
    return [(m.group(1).strip(), m.start(1)) for m in _PLACEHOLDER.finditer(message)]


def compile_errors(rule: Rule) -> list[CelProblem]:
    """Every compile-time problem of a CEL rule (empty when it is fine)."""
    spec = rule.cel
    if spec is None:
        return []
    if spec.on not in VARIABLES:
        return [CelProblem("on", 1, 1, f"unknown on: {spec.on!r}")]
    problems: list[CelProblem] = []
    for field, source in (("when", spec.when), ("require", spec.require)):
        if source is not None:
            problem = check_expression(source, spec.on, field)
            if problem is not None:
                problems.append(problem)
    for expression, offset in message_expressions(spec.message or ""):
        # an empty ``{{ }}`` used to pass here and then print CEL's parse error into every
        # finding's message; like any other bad placeholder, it is an error at load time
        problem = (
            check_expression(expression, spec.on, "message")
            if expression
            else CelProblem("message", 1, 1, "empty placeholder: write an expression between the braces")
        )
        if problem is not None:
            before = (spec.message or "")[:offset]
            line = before.count("\n") + problem.line
            column = (offset - (before.rfind("\n") + 1) + problem.column) if problem.line == 1 else problem.column
            problems.append(CelProblem("message", line, column, f"in {{{{ {expression} }}}}: {problem.message}"))
    return problems


# ---------------------------------------------------------------- evaluating
#
# Converting Python values into CEL values is what costs (a whole document model takes
# hundreds of microseconds; running a compiled program on a ready context, well under one).
# So a document gets one context; ``file`` is bound once if any rule reads it, each object
# (image, instruction, stage) is bound once, trimmed to the fields the rules read, and
# every rule of that kind then runs against the same bound context.


@dataclass(slots=True)
class _Compiled:
    """A rule's programs, ready to run against a context holding its variables."""

    rule: Rule
    when: Any
    require: Any


def _wrap_params(rule: Rule, source: str) -> str:
    """Bind ``params`` inside the expression ([p].all(params, e) is e with params = p; CEL
    has no let), so one context serves rules with different params."""
    spec = rule.cel
    assert spec is not None
    if not re.search(r"\bparams\b", source):
        return source
    return f"[{_literal(spec.params)}].all(params, {source})"


def _literal(value: Any) -> str:
    """``params`` as a CEL literal, so they are part of the compiled program."""
    import json

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_literal(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))


def _value_program(rule: Rule, source: str) -> Any:
    """A program returning the value of ``source`` with params bound (for messages)."""
    if not re.search(r"\bparams\b", source):
        return _program(source)
    spec = rule.cel
    assert spec is not None
    return _program(f"[{_literal(spec.params)}].map(params, ({source}))[0]")


@lru_cache(maxsize=1024)
def _fields(variable: str, sources: tuple[str, ...]) -> frozenset[str] | None:
    """The fields of ``variable`` the expressions read, or None when they use it whole
    (passed to a function, indexed with [], compared) and it must be bound complete."""
    fields: set[str] = set()
    pattern = re.compile(rf"(?<![\w.]){variable}\b(\s*\.\s*(\w+))?")
    for source in sources:
        for match in pattern.finditer(source):
            if match.group(2) is None:
                return None
            fields.add(match.group(2))
    return frozenset(fields)


def _trim(value: dict[str, Any] | None, fields: frozenset[str] | None) -> Any:
    if value is None or fields is None:
        return value
    return {key: value[key] for key in fields if key in value}


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_render(v) for v in value)
    return str(value)


_DOTTED = re.compile(r"^([A-Za-z_]\w*)((?:\s*\.\s*\w+)*)$")


def _lookup(expression: str, variables: dict[str, Any]) -> tuple[bool, Any]:
    """``a.b.c`` read straight from the Python model: most placeholders are plain field
    paths, and converting a whole document into CEL just to print ``file.path`` would
    cost more than every rule together.  (False, None) when CEL must evaluate it."""
    match = _DOTTED.match(expression)
    if match is None or match.group(1) not in variables:
        return False, None
    value = variables[match.group(1)]
    for name in re.findall(r"\w+", match.group(2)):
        if not isinstance(value, dict) or name not in value:
            return False, None
        value = value[name]
    return True, value


def _message(rule: Rule, variables: dict[str, Any]) -> str:
    """The rule's message with ``{{ expr }}`` placeholders filled in for one object."""
    spec = rule.cel
    assert spec is not None
    template = spec.message or rule.title
    if "{{" not in template:
        return template
    context: list[Any] = []  # a CEL context, built only if some placeholder needs one

    def substitute(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        found, value = _lookup(expression, variables)
        if found:
            return _render(value)
        try:
            if not context:
                context.append(_import_cel().Context(variables, functions()))
            return _render(_value_program(rule, expression).execute(context[0]))
        except Exception as exc:  # a placeholder that fails must not lose the finding
            return f"<{expression}: {_short(exc)}>"

    return _PLACEHOLDER.sub(substitute, template)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if isinstance(exc, KeyError):
        return f"no such key {first}"
    return first[:300]


def _message_sources(rule: Rule) -> list[str]:
    spec = rule.cel
    template = (spec.message if spec is not None else None) or rule.title
    return [expression for expression, _ in message_expressions(template) if expression]


def _verdict(program: Any, context: Any, field: str) -> bool:
    value = program.execute(context)
    if value is True or value is False:
        return value
    raise TypeError(f"{field} must be true or false, got {_render(value)!r}")


@dataclass(frozen=True, slots=True)
class _Site:
    """Where a finding on one object points; built only when a rule fails there."""

    span: Span
    instruction: int | None
    what: str
    image: str | None


def _failure(compiled: _Compiled, context: Any) -> tuple[str, BaseException | None] | None:
    """None when the rule holds (or does not apply) for the object bound in ``context``;
    else ("", None) for a violation, or (stage, error) when it could not be evaluated."""
    stage = "when"
    try:
        if compiled.when is not None and not _verdict(compiled.when, context, "when"):
            return None
        stage = "require"
        if _verdict(compiled.require, context, "require"):
            return None
    except Exception as exc:  # one object's error must not stop the run
        return stage, exc
    return "", None


def evaluate_rules(rules: list[Rule], doc: Document, model: dict[str, Any]) -> Iterator[tuple[Rule, Violation]]:
    """Violations of CEL ``rules`` in one document (``model`` is ``document_to_dict(doc)``)."""
    rules = [rule for rule in rules if rule.cel is not None]
    if not rules:
        return
    cel = _import_cel()
    by_kind: dict[str, list[_Compiled]] = {}
    for rule in rules:
        spec = rule.cel
        assert spec is not None
        by_kind.setdefault(spec.on, []).append(_compiled(rule))
    # Rules that read ``file`` get a context of their own: adding a variable to a context
    # copies what it holds, so per-object variables next to a whole document are slow.
    plain = cel.Context({}, functions())
    with_file: list[Any] = []
    stages = model.get("stages") or []
    for kind, compiled in by_kind.items():
        for needs_file in (False, True):
            group = [c for c in compiled if (_fields("file", _logic(c.rule)) != frozenset()) is needs_file]
            if not group:
                continue
            if needs_file and not with_file:
                file_fields = _fields("file", tuple(s for r in rules for s in _logic(r)))
                with_file.append(cel.Context({"file": _trim(model, file_fields)}, functions()))
            context = with_file[0] if needs_file else plain
            sources = tuple(source for c in group for source in _logic(c.rule))
            own_fields = _fields(kind, sources) if kind != "file" else frozenset()
            stage_fields = _fields("stage", sources) if kind != "stage" else own_fields
            bind_stage = kind in ("image", "instruction") and stage_fields != frozenset()
            bound_stage: object = object()  # nothing bound yet
            for index, (data, stage_index) in enumerate(_objects(model, kind)):
                if kind != "file":
                    context.add_variable(kind, _trim(data, own_fields))
                if bind_stage and stage_index != bound_stage:
                    context.add_variable("stage", _trim(_stage(stages, stage_index), stage_fields))
                    bound_stage = stage_index
                for one in group:
                    failure = _failure(one, context)
                    if failure is not None:
                        yield one.rule, _violation(one.rule, doc, model, kind, index, data, failure)


def _violation(rule: Rule, doc: Document, model: dict[str, Any], kind: str, index: int, data: Any,
               failure: tuple[str, BaseException | None]) -> Violation:
    """The finding for object ``index``: the rule's message, or why it could not be evaluated."""
    site = _site(doc, kind, index)
    stage_name, error = failure
    if error is not None:
        return CelRuntimeError(
            f"rule {rule.id} could not be evaluated on {site.what}: {stage_name}: {_short(error)}",
            site.span, site.instruction, site.image)
    spec = rule.cel
    assert spec is not None
    variables: dict[str, Any] = {"file": model, "params": spec.params}
    if kind != "file":
        variables[kind] = data
    if kind in ("image", "instruction"):
        variables["stage"] = _stage(model.get("stages") or [], data.get("stage"))
    return Violation(_message(rule, variables), site.span, site.instruction, site.image)


_COMPILED: dict[int, tuple[CelRule, _Compiled]] = {}  # by id() of the rule's CelRule


def _compiled(rule: Rule) -> _Compiled:
    """The rule's programs, built once per rule for the whole run, not once per document."""
    spec = rule.cel
    assert spec is not None
    cached = _COMPILED.get(id(spec))
    if cached is not None and cached[0] is spec and cached[1].rule is rule:
        return cached[1]
    when = _program(_wrap_params(rule, spec.when)) if spec.when else None
    compiled = _Compiled(rule, when, _program(_wrap_params(rule, spec.require)))
    _COMPILED[id(spec)] = (spec, compiled)
    return compiled


def _stage(stages: list[Any], index: int | None) -> Any:
    return stages[index] if isinstance(index, int) and 0 <= index < len(stages) else None


def _objects(model: dict[str, Any], on: str) -> list[tuple[Any, int | None]]:
    """(model data, stage index) of every object of kind ``on``."""
    if on == "image":
        return [(data, data.get("stage")) for data in model.get("images") or []]
    if on == "instruction":
        return [(data, data.get("stage")) for data in model.get("instructions") or []]
    if on == "stage":
        return [(data, data.get("index")) for data in model.get("stages") or []]
    return [(None, None)]


def _site(doc: Document, on: str, index: int) -> _Site:
    """Where a finding on object ``index`` of kind ``on`` points."""
    if on == "image":
        image = doc.images[index]
        return _Site(image.span, image.instruction, f"image {image.written}", image.name)
    if on == "instruction":
        instruction = doc.instructions[index]
        return _Site(_line_span(doc, instruction.span), instruction.index,
                     f"{instruction.keyword} on line {instruction.line}", None)
    if on == "stage":
        stage = doc.stages[index]
        if 0 <= stage.from_instruction < len(doc.instructions):
            span = _line_span(doc, doc.instructions[stage.from_instruction].span)
        else:
            span = _file_span(doc)
        return _Site(span, stage.from_instruction, f"stage {stage.name or stage.index}", None)
    return _Site(_file_span(doc), None, "the file", None)


def _logic(rule: Rule) -> tuple[str, ...]:
    """The expressions that decide a rule (not its message, which is rendered apart)."""
    spec = rule.cel
    assert spec is not None
    return (spec.require, *([spec.when] if spec.when else []))


def evaluate_rule(rule: Rule, doc: Document, model: dict[str, Any]) -> Iterator[Violation]:
    """Violations of one CEL rule in one document; see :func:`evaluate_rules`."""
    for _, violation in evaluate_rules([rule], doc, model):
        yield violation


def _line_span(doc: Document, span: Span) -> Span:
    """``span`` cut to its first line: a multi-line instruction is pointed at by its first line."""
    if span.end_line == span.start_line:
        return span
    lines = doc.text.splitlines()
    text = lines[span.start_line - 1] if 0 < span.start_line <= len(lines) else ""
    return leading_span(span, text[span.start_column - 1 :].rstrip("\r"))


def _file_span(doc: Document) -> Span:
    lines = doc.text.splitlines()
    first = lines[0] if lines else ""
    offset = 3 if doc.bom else 0
    return Span(1, 1, 1, len(first) + 1, offset, offset + len(first.encode("utf-8")))
