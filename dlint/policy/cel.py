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

from dlint.checks import Violation
from dlint.dockerfile.model import Document, Span
from dlint.policy.model import Rule

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


def _glob_regex(pattern: str) -> str:
    """``*`` stays within a path segment, ``**`` crosses ``/``, ``?`` is one character."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
        i += 1
    return "^" + "".join(out) + "$"


@lru_cache(maxsize=1024)
def _compiled_glob(pattern: str) -> Any:
    import re2

    return re2.compile(_glob_regex(pattern))


def glob_match(text: Any, patterns: Any) -> bool:
    """True when ``text`` matches the glob (or any glob of a list)."""
    if text is None:
        return False
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(_compiled_glob(str(p)).match(str(text)) is not None for p in patterns)


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
        if _compiled_glob(normalized).match(str(target)) is not None:
            return True
    return False


@lru_cache(maxsize=256)
def _re2(pattern: str) -> Any:
    import re2

    return re2.compile(pattern)


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
    import cel

    return cel


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
        if not expression:
            continue
        problem = check_expression(expression, spec.on, "message")
        if problem is not None:
            before = (spec.message or "")[:offset]
            line = before.count("\n") + problem.line
            column = (offset - (before.rfind("\n") + 1) + problem.column) if problem.line == 1 else problem.column
            problems.append(CelProblem("message", line, column, f"in {{{{ {expression} }}}}: {problem.message}"))
    return problems


# ---------------------------------------------------------------- evaluating

_CONTEXTS: dict[Any, Any] = {}  # contexts for the current document, by the variables they hold
_CONTEXTS_FOR: list[Any] = []  # [model] the contexts above belong to


def _document_context(model: dict[str, Any], names: frozenset[str]) -> Any:
    """A CEL context with ``names`` for this document, built once and reused by every rule.

    Converting Python values into CEL values is the dominant cost of evaluation, and the
    ``cel`` package re-converts a context's variables whenever one is added.  So each
    document gets a few immutable contexts (``file`` and the object lists a rule kind
    needs), and the per-object variables are bound inside CEL by the wrapper below.
    """
    if not _CONTEXTS_FOR or _CONTEXTS_FOR[0] is not model:
        _CONTEXTS.clear()
        _CONTEXTS_FOR[:] = [model]
    context = _CONTEXTS.get(names)
    if context is None:
        values: dict[str, Any] = {}
        stages = model.get("stages") or []

        def stage_of(index: Any) -> Any:
            return stages[index] if isinstance(index, int) and 0 <= index < len(stages) else None

        for name in names:
            if name == "file":
                values["file"] = model
            elif name == "__images":
                values[name] = [
                    [i, image, stage_of(image.get("stage"))] for i, image in enumerate(model.get("images") or [])
                ]
            elif name == "__instructions":
                values[name] = [
                    [i, ins, stage_of(ins.get("stage"))] for i, ins in enumerate(model.get("instructions") or [])
                ]
            elif name == "__stages":
                values[name] = [[i, stage] for i, stage in enumerate(stages)]
        context = _import_cel().Context(values, functions())
        _CONTEXTS[names] = context
    return context


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


_OBJECT_LISTS = {"image": "__images", "instruction": "__instructions", "stage": "__stages"}
_ALL_NAMES = frozenset(("file", *_OBJECT_LISTS.values()))


def _bind(rule: Rule, element: str, body: str) -> str:
    """``body`` with the rule's variables bound from ``element`` (an item of an object list).

    ``[x].all(name, e)`` is ``e`` with ``name`` bound to ``x`` (CEL has no let), so the
    user's expressions see exactly the variables documented for their ``on`` kind.
    ``all``/``filter`` rather than ``map``: the ``cel`` package's ``map`` is quadratic.
    """
    spec = rule.cel
    assert spec is not None
    body = f"[{_literal(spec.params)}].all(params, {body})"
    if spec.on == "stage":
        return f"[{element}[1]].all(stage, {body})"
    if spec.on in ("image", "instruction"):
        return f"[{element}[1]].all({spec.on}, [{element}[2]].all(stage, {body}))"
    return body


def _batch_source(rule: Rule) -> str:
    """One program that returns the indices of the objects where the rule does not hold."""
    spec = rule.cel
    assert spec is not None
    inner = f"(({spec.when}) ? ({spec.require}) : true)" if spec.when else f"({spec.require})"
    if spec.on == "file":
        return f"{_bind(rule, '', inner)} ? [] : [0]"
    objects = _OBJECT_LISTS[spec.on]
    return f"{objects}.filter(__o, !({_bind(rule, '__o', inner)})).map(__o, __o[0])"


def _message_source(rule: Rule, expression: str, index: int) -> str:
    """A placeholder expression evaluated for object ``index`` of the document context."""
    spec = rule.cel
    assert spec is not None
    body = f"[{_literal(spec.params)}].map(params, ({expression}))[0]"
    if spec.on == "file":
        return body
    element = f"{_OBJECT_LISTS[spec.on]}[{index}]"
    if spec.on == "stage":
        return f"[{element}[1]].map(stage, {body})[0]"
    return f"[{element}[1]].map({spec.on}, [{element}[2]].map(stage, {body})[0])[0]"


def _doc_eval(rule: Rule, model: dict[str, Any], source: str) -> Any:
    program = _program(source)
    return program.execute(_document_context(model, _ALL_NAMES))


def _fast_message(rule: Rule, model: dict[str, Any], index: int) -> str:
    """The message for object ``index``, with placeholders evaluated in the document context."""
    spec = rule.cel
    assert spec is not None
    template = spec.message or rule.title

    def substitute(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        try:
            return _render(_doc_eval(rule, model, _message_source(rule, expression, index)))
        except Exception as exc:  # a placeholder that fails must not lose the finding
            return f"<{expression}: {_short(exc)}>"

    return _PLACEHOLDER.sub(substitute, template) if "{{" in template else template


def _batch(rule: Rule, model: dict[str, Any]) -> set[int] | None:
    """Indices of the objects that fail the rule (None when the batch raised an error:
    then objects are evaluated one by one, so the error lands on the object at fault)."""
    try:
        results = _doc_eval(rule, model, _batch_source(rule))
    except Exception:
        return None
    if not isinstance(results, list) or not all(isinstance(i, int) for i in results):
        return None
    return set(results)


def _line_span(doc: Document, span: Span) -> Span:
    """``span`` cut to its first line: a multi-line instruction is pointed at by its first line."""
    if span.end_line == span.start_line:
        return span
    lines = doc.text.splitlines()
    text = lines[span.start_line - 1] if 0 < span.start_line <= len(lines) else ""
    rest = text[span.start_column - 1 :].rstrip("\r")
    return Span(
        span.start_line,
        span.start_column,
        span.start_line,
        span.start_column + len(rest),
        span.start_offset,
        span.start_offset + len(rest.encode("utf-8")),
    )


def _file_span(doc: Document) -> Span:
    lines = doc.text.splitlines()
    first = lines[0] if lines else ""
    offset = 3 if doc.bom else 0
    return Span(1, 1, 1, len(first) + 1, offset, offset + len(first.encode("utf-8")))


_Object = tuple[dict[str, Any], Span, int | None, str, str | None]


def _objects(doc: Document, model: dict[str, Any], on: str) -> Iterator[_Object]:
    """(variables, span, instruction index, description, image name) per object the rule looks at."""
    stages = model.get("stages") or []

    def stage_of(index: Any) -> Any:
        return stages[index] if isinstance(index, int) and 0 <= index < len(stages) else None

    if on == "image":
        for image, data in zip(doc.images, model.get("images") or [], strict=False):
            yield (
                {"image": data, "stage": stage_of(image.stage)},
                image.span,
                image.instruction,
                f"image {image.written}",
                image.name,
            )
    elif on == "instruction":
        for instruction, data in zip(doc.instructions, model.get("instructions") or [], strict=False):
            yield (
                {"instruction": data, "stage": stage_of(instruction.stage)},
                _line_span(doc, instruction.span),
                instruction.index,
                f"{instruction.keyword} on line {instruction.line}",
                None,
            )
    elif on == "stage":
        for stage, data in zip(doc.stages, stages, strict=False):
            if 0 <= stage.from_instruction < len(doc.instructions):
                span = _line_span(doc, doc.instructions[stage.from_instruction].span)
            else:
                span = _file_span(doc)
            yield {"stage": data}, span, stage.from_instruction, f"stage {stage.name or stage.index}", None
    else:
        yield {}, _file_span(doc), None, "the file", None


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_render(v) for v in value)
    return str(value)


def _message(rule: Rule, context: Any) -> str:
    spec = rule.cel
    assert spec is not None
    template = spec.message or rule.title
    if "{{" not in template:
        return template

    def substitute(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        try:
            return _render(_program(expression).execute(context))
        except Exception as exc:  # a placeholder that fails must not lose the finding
            return f"<{expression}: {_short(exc)}>"

    return _PLACEHOLDER.sub(substitute, template)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if isinstance(exc, KeyError):
        return f"no such key {first}"
    return first[:300]


def _context(model: dict[str, Any], variables: dict[str, Any], params: dict[str, Any], sources: list[str]) -> Any:
    """A context for one object (messages, isolating errors) with only what ``sources`` use.

    ``file`` is the costly one to convert, so it is left out unless referenced.
    """
    used: set[str] = set()
    for source in sources:
        try:
            used.update(_program(source).variables())
        except Exception:  # compiled at load time; a failure here leaves the name out
            continue
    values = {"params": params, **variables}
    if "file" in used:
        values["file"] = model
    return _import_cel().Context(values, functions())


def _message_sources(rule: Rule) -> list[str]:
    spec = rule.cel
    template = (spec.message if spec is not None else None) or rule.title
    return [expression for expression, _ in message_expressions(template) if expression]


def evaluate_rule(rule: Rule, doc: Document, model: dict[str, Any]) -> Iterator[Violation]:
    """Violations of a CEL rule in one document (``model`` is ``document_to_dict(doc)``).

    The rule runs as one program over all objects of its kind; only when that fails (a
    runtime error on some object) are objects evaluated one by one, so the error is
    reported on the object that caused it and the others still get their verdict.
    """
    spec = rule.cel
    if spec is None:
        return
    objects = list(_objects(doc, model, spec.on))
    failing = _batch(rule, model)
    when = _program(spec.when) if spec.when else None
    require = _program(spec.require)
    for index, (variables, span, instruction, what, image) in enumerate(objects):
        if failing is not None:
            if index in failing:
                yield Violation(_fast_message(rule, model, index), span, instruction, image)
            continue
        sources = [spec.require, *([spec.when] if spec.when else []), *_message_sources(rule)]
        context = _context(model, variables, spec.params, sources)
        stage = "when"
        try:
            if when is not None:
                selected = when.execute(context)
                if not isinstance(selected, bool):
                    raise TypeError(f"when must be true or false, got {_render(selected)!r}")
                if not selected:
                    continue
            stage = "require"
            verdict = require.execute(context)
            if not isinstance(verdict, bool):
                raise TypeError(f"require must be true or false, got {_render(verdict)!r}")
        except Exception as exc:  # one object's error must not stop the run
            yield CelRuntimeError(
                f"rule {rule.id} could not be evaluated on {what}: {stage}: {_short(exc)}", span, instruction, image
            )
            continue
        if not verdict:
            yield Violation(_message(rule, context), span, instruction, image)
