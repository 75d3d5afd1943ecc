"""From parsed instructions to the model rules read: stages, meta ARGs and image references.

The parser only knows lines and words; what a policy asks about ("which images does this
build pull, and are they pinned?") needs BuildKit's build-time reading on top: which ARGs
reach a FROM, which names are stages rather than images.  This module adds exactly that,
without touching the network.

Decisions, all following BuildKit where BuildKit is decidable from the file alone:

* FROM sees only ARGs declared before the first FROM, plus the automatic platform ARGs
  (``BUILDPLATFORM``, ``TARGETARCH`` ...).  A platform ARG has no value a linter can know, so
  it is *unresolved* (the image then has ``resolved=None``) unless ``build_args`` gives it
  one, which lets a caller lint for one concrete platform; but it is never empty, so
  ``${TARGETARCH:+@sha256:...}`` does resolve.  A name that is not declared at
  all is also reported as unresolved (BuildKit would expand it to the empty string and warn);
  a non-fatal ``undefined-arg-in-from`` entry in ``Document.errors`` mirrors that warning.
* ``--build-arg`` values (``build_args``) replace the defaults of meta ARGs.
* ``COPY --from`` and ``RUN --mount=...,from=`` take no variables: current BuildKit fails
  the build when expansion would change the value ("variable expansion is not supported
  for --from"), so such a value is a ``syntax`` error (code ``from-expansion``), never an
  image.  So nothing here needs the ARG and ENV values inside stages.
* A stage name used by ``COPY --from``/``from=`` may be any stage of the file; FROM may only
  name an earlier stage.  A number in ``--from``/``from=`` is a stage index, and ``scratch``
  there is the empty image, as in FROM (BuildKit pulls nothing for it).
* Images in ONBUILD triggers are not collected: they are pulled by the child image's
  build, where names may mean other stages.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from dlint.dockerfile.expand import Expansion, expand, is_single_variable
from dlint.dockerfile.imageref import InvalidReference, parse_reference
from dlint.dockerfile.model import (
    Document,
    Flag,
    ImageRef,
    ImageSource,
    Instruction,
    MetaArg,
    Span,
    Stage,
    SyntaxError_,
    Token,
)

__all__ = ["PLATFORM_ARGS", "build_model", "load_document", "stage_user"]

PLATFORM_ARGS: tuple[str, ...] = (
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
)

_STAGE_NAME_RE = re.compile(r"[a-z][a-z0-9\-_.]*")
_STAGE_INDEX_RE = re.compile(r"[+-]?[0-9]+")
_MOUNT_FROM_RE = re.compile(r"(?:^[\"']?|,)\s*(\"?)from=", re.IGNORECASE)


def load_document(raw: bytes | str, path: str = "Dockerfile", build_args: Mapping[str, str] | None = None) -> Document:
    """Parse a Dockerfile and build its stage/ARG/image model."""
    from dlint.dockerfile.parser import parse  # the parser module is owned elsewhere

    doc = parse(raw, path)
    return build_model(doc, build_args)


def build_model(doc: Document, build_args: Mapping[str, str] | None = None) -> Document:
    """Fill ``stages``, ``meta_args`` and ``images`` of an already parsed document, in place."""
    _Builder(doc, dict(build_args or {})).run()
    return doc


def stage_user(doc: Document, stage: Stage) -> str | None:
    """The USER in effect at the end of ``stage``, following base stages; None when unset here."""
    seen: set[int] = set()
    current: Stage | None = stage
    while current is not None and current.index not in seen:
        seen.add(current.index)
        for index in reversed(current.instructions):
            ins = doc.instructions[index]
            if ins.keyword == "USER" and ins.args:
                return ins.args[0]
        current = doc.stages[current.base_stage] if current.base_stage is not None else None
    return None


# --- spans ----------------------------------------------------------------------------------


def _sub_span(token: Token, start: int, end: int | None = None) -> Span:
    """The span of ``token.value[start:end]``; the whole token when it crosses lines."""
    span = token.span
    value = token.value
    if not token.contiguous:
        return span
    if end is None:
        end = len(value)
    head = value[:start]
    middle = value[start:end]
    start_offset = span.start_offset + len(head.encode("utf-8"))
    end_offset = start_offset + len(middle.encode("utf-8"))
    return Span(
        span.start_line,
        span.start_column + len(head),
        span.start_line,
        span.start_column + end,
        start_offset,
        end_offset,
    )


def _unquoted_bounds(text: str, start: int) -> tuple[int, int]:
    """Shrink ``text[start:]`` past one pair of plain enclosing quotes, so a rewrite keeps them."""
    end = len(text)
    if end - start >= 2 and text[start] == text[end - 1] and text[start] in "'\"":
        inner = text[start + 1 : end - 1]
        quote = text[start]
        if quote not in inner and (quote == "'" or ("\\" not in inner and "`" not in inner)):
            return start + 1, end - 1
    return start, end


# --- the builder ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Var:
    value: str | None
    overridable: frozenset[str] = frozenset()  # default-valued ARGs this value came from


class _UnknownEnv(Mapping[str, str | None]):
    """Every name exists with a value unknown here: any variable leaves a word unresolved."""

    def __getitem__(self, key: str) -> str | None:
        return None

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_NO_VARIABLES = _UnknownEnv()


class _ClosedEnv(Mapping[str, str | None]):
    """The FROM environment: names not declared are unset (BuildKit expands them to "")."""

    __slots__ = ("_vars",)

    def __init__(self, variables: Mapping[str, _Var]) -> None:
        self._vars = variables

    def __getitem__(self, key: str) -> str | None:
        return self._vars[key].value

    def __contains__(self, key: object) -> bool:
        return key in self._vars

    def __iter__(self) -> Iterator[str]:
        return iter(self._vars)

    def __len__(self) -> int:
        return len(self._vars)


class _Builder:
    __slots__ = ("build_args", "doc", "meta", "meta_by_name", "stage_count", "stage_names")

    def __init__(self, doc: Document, build_args: dict[str, str]) -> None:
        self.doc = doc
        self.build_args = build_args
        self.meta: dict[str, _Var] = {name: _Var(build_args.get(name)) for name in PLATFORM_ARGS}
        self.meta_by_name: dict[str, MetaArg] = {}
        self.stage_names: dict[str, int] = {}
        self.stage_count = 0

    def _platform_nonempty(self) -> frozenset[str]:
        """Platform ARGs the file has not redeclared: BuildKit always sets them, so their
        value is unknown here but never empty."""
        return frozenset(name for name in PLATFORM_ARGS if name not in self.meta_by_name)

    def run(self) -> None:
        doc = self.doc
        doc.stages = []
        doc.meta_args = []
        doc.images = []
        doc.build_args = dict(self.build_args)
        self._syntax_images()
        self._scan_stage_names()
        for position, ins in enumerate(doc.instructions):
            ins.index = position
            if ins.keyword == "FROM":
                self._from(ins)
                continue
            if not doc.stages:
                ins.stage = None
                if ins.keyword == "ARG":
                    self._meta_arg(ins)
                continue
            stage = doc.stages[-1]
            ins.stage = stage.index
            stage.instructions.append(position)
            if ins.keyword == "COPY":
                self._copy_from(ins)
            elif ins.keyword == "RUN":
                self._mount_from(ins)

    # -- first pass: every stage name, for --from lookups -------------------------------------

    def _scan_stage_names(self) -> None:
        count = 0
        for ins in self.doc.instructions:
            if ins.keyword != "FROM":
                continue
            name = _stage_name_token(ins)
            if name is not None:
                self.stage_names.setdefault(name.value.lower(), count)
            count += 1
        self.stage_count = count

    # -- syntax directive -----------------------------------------------------------------------

    def _syntax_images(self) -> None:
        for directive in self.doc.directives:
            if directive.name != "syntax":
                continue
            value = directive.value.strip()
            image = _image("syntax", value, directive.value_span, None, None, Expansion(value), frozenset())
            self.doc.images.append(image)

    # -- meta ARGs -------------------------------------------------------------------------------

    def _meta_arg(self, ins: Instruction) -> None:
        for token in ins.words:
            name, eq, default = token.value.partition("=")
            if not name:
                continue
            default_span: Span | None = None
            written_default: str | None = None
            if eq:
                start, end = _unquoted_bounds(token.value, len(name) + 1)
                written_default = token.value[start:end]
                default_span = _sub_span(token, start, end) if token.contiguous else None
            meta = MetaArg(name, written_default, token, default_span, ins.index)
            self.doc.meta_args.append(meta)
            self.meta_by_name[name] = meta
            if name in self.build_args:
                self.meta[name] = _Var(self.build_args[name])
            elif eq:
                result = expand(default, _ClosedEnv(self.meta), self.doc.escape, self._platform_nonempty())
                self.meta[name] = _Var(result.resolved, self._overridable(result, self.meta) | {name})
                if result.error is not None:
                    # BuildKit expands meta ARG defaults before any stage and fails the build here
                    self._error(SyntaxError_(f"the default of ARG {name} cannot be expanded: {result.error}",
                                             default_span or token.span, "arg-expansion"))
            elif name not in self.meta:
                self.meta[name] = _Var(None)

    @staticmethod
    def _overridable(result: Expansion, variables: Mapping[str, _Var]) -> frozenset[str]:
        names: set[str] = set()
        for used in result.used:
            var = variables.get(used)
            if var is not None:
                names |= var.overridable
        return frozenset(names)

    # -- FROM ------------------------------------------------------------------------------------

    def _from(self, ins: Instruction) -> None:
        doc = self.doc
        index = len(doc.stages)
        ins.stage = index
        image_token = ins.words[0] if ins.words else None
        name_token = _stage_name_token(ins)
        name = name_token.value.lower() if name_token is not None else None
        if name_token is not None and name is not None:
            if _STAGE_NAME_RE.fullmatch(name) is None:
                self._error(
                    SyntaxError_(
                        f"invalid name for build stage: {name_token.value!r}, name can't start with a "
                        "number or contain symbols",
                        name_token.span,
                        "invalid-stage-name",
                    )
                )
            elif any(stage.name == name for stage in doc.stages):
                self._error(
                    SyntaxError_(f"duplicate stage name {name_token.value!r}", name_token.span, "duplicate-stage-name")
                )
        platform_flag = ins.flag("platform")
        stage = Stage(
            index=index,
            name=name,
            written_name=name_token.value if name_token is not None else None,
            name_span=name_token.span if name_token is not None else None,
            base=image_token.value if image_token is not None else "",
            base_stage=None,
            image=None,
            platform=platform_flag.value if platform_flag is not None else None,
            from_instruction=ins.index,
            instructions=[ins.index],
        )
        doc.stages.append(stage)
        if image_token is None:
            return
        result = expand(image_token.value, _ClosedEnv(self.meta), doc.escape, self._platform_nonempty())
        if result.undefined:
            self._error(
                SyntaxError_(
                    "FROM uses undeclared build argument(s) "
                    + ", ".join(result.undefined)
                    + "; BuildKit expands them to empty",
                    image_token.span,
                    "undefined-arg-in-from",
                    fatal=False,
                )
            )
            # Reported as unresolved rather than trusted as "": it is almost always a mistake,
            # and a policy must not judge the image BuildKit happens to fall back to.
            unresolved = list(dict.fromkeys([*result.unresolved, *result.undefined]))
            result = Expansion(result.value, unresolved, result.used, result.undefined, result.error)
        resolved = result.resolved
        if resolved is not None:
            lowered = resolved.lower()
            earlier = next((s for s in doc.stages[:-1] if s.name is not None and s.name == lowered), None)
            if earlier is not None:
                stage.base_stage = earlier.index
                return
            if lowered == "scratch":
                return
        image = _image(
            "from",
            image_token.value,
            image_token.span,
            ins.index,
            index,
            result,
            self._overridable(result, self.meta),
        )
        self._link_arg(image, image_token.value)
        stage.image = image
        doc.images.append(image)

    def _error(self, error: SyntaxError_) -> None:
        """Record a problem once: the parser may already have reported it, or the model rebuilt."""
        for known in self.doc.errors:
            if known.code == error.code and known.span == error.span:
                return
        self.doc.errors.append(error)

    def _link_arg(self, image: ImageRef, written: str) -> None:
        name = is_single_variable(written)
        if name is None:
            return
        meta = self.meta_by_name.get(name)
        if meta is None or meta.default is None:
            return
        image.arg_name = name
        image.arg_default_span = meta.default_span

    def _is_stage(self, value: str) -> bool:
        """Whether a ``--from``/``from=`` value names no image: a stage (by name or index), or
        ``scratch``, which BuildKit turns into the empty state there just as in FROM."""
        return (
            _STAGE_INDEX_RE.fullmatch(value) is not None
            or value.lower() in self.stage_names
            or value == "scratch"
        )

    # -- inside stages ---------------------------------------------------------------------------

    def _copy_from(self, ins: Instruction) -> None:
        flag = ins.flag("from")
        if flag is None or flag.value is None:
            return
        self._from_reference(
            "copy-from", flag.value, _flag_value_span(flag), ins,
            "variable expansion is not supported for --from; define a stage with FROM "
            "(using a global ARG) and copy from that stage",
        )

    def _mount_from(self, ins: Instruction) -> None:
        for flag in ins.flags:
            if flag.name != "mount" or not flag.value:
                continue
            located = _mount_from_value(flag)
            if located is not None:
                self._from_reference(
                    "mount-from", located[0], located[1], ins,
                    "'from' in --mount does not support variable expansion; define a stage and mount from it",
                )

    def _from_reference(self, source: ImageSource, written: str, span: Span, ins: Instruction,
                        expansion_error: str) -> None:
        """A ``--from``/``from=`` value: a stage, or an image taken literally.  BuildKit
        (dockerfile 1.18+) refuses any value that expansion would change rather than guess
        whether it names a stage or an image, so a variable there is a syntax error."""
        result = expand(written, _NO_VARIABLES, self.doc.escape)
        if result.unresolved or result.error is not None or result.value != written:
            self._error(SyntaxError_(expansion_error, span, "from-expansion"))
            return
        if self._is_stage(written):
            if source == "copy-from" and _STAGE_INDEX_RE.fullmatch(written) and not (
                0 <= int(written) < self.stage_count
            ):
                # BuildKit's findStateByIndex: an index names one of the file's stages or fails
                self._error(SyntaxError_(f"invalid stage index {int(written)}", span, "invalid-stage-index"))
            return
        self.doc.images.append(_image(source, written, span, ins.index, ins.stage, result, frozenset()))


def _stage_name_token(ins: Instruction) -> Token | None:
    words = ins.words
    if len(words) >= 3 and words[1].value.lower() == "as":
        return words[2]
    return None


def _flag_value_span(flag: Flag) -> Span:
    token = flag.token
    eq = token.value.find("=")
    if eq < 0:
        return token.span
    start, end = _unquoted_bounds(token.value, eq + 1)
    return _sub_span(token, start, end)


def _mount_from_value(flag: Flag) -> tuple[str, Span] | None:
    """The ``from=`` field of a ``--mount`` flag: its value and where it is written."""
    assert flag.value is not None
    try:
        fields = next(csv.reader([flag.value]))
    except (csv.Error, StopIteration):
        return None
    value: str | None = None
    for item in fields:
        key, eq, val = item.partition("=")
        if eq and key.strip().lower() == "from":
            value = val
    if value is None:
        return None
    token = flag.token
    span = token.span
    base = token.value.find("=") + 1
    matches = list(_MOUNT_FROM_RE.finditer(token.value[base:])) if base else []
    if matches:
        match = matches[-1]
        start = base + match.end()
        end = token.value.find(",", start)
        if end < 0:
            end = len(token.value)
        if match.group(1) and token.value[end - 1 : end] == '"':
            end -= 1
        start, end = _unquoted_bounds(token.value[:end], start)
        if token.value[start:end] == value:
            span = _sub_span(token, start, end)
    return value, span


def _image(
    source: ImageSource,
    written: str,
    span: Span,
    instruction: int | None,
    stage: int | None,
    result: Expansion,
    overridable: frozenset[str],
) -> ImageRef:
    image = ImageRef(
        source=source,
        written=written,
        resolved=result.resolved,
        registry=None,
        repository=None,
        tag=None,
        digest=None,
        span=span,
        instruction=instruction,
        stage=stage,
        unresolved=list(result.unresolved),
        overridable=sorted(overridable),
    )
    if result.error is not None:
        image.error = f"cannot expand {written!r}: {result.error}"
        return image
    if image.resolved is None:
        return image
    try:
        ref = parse_reference(image.resolved)
    except InvalidReference as exc:
        image.error = exc.message
        return image
    image.registry = ref.registry
    image.repository = ref.repository
    image.tag = ref.tag
    image.digest = ref.digest
    return image
