"""Safe YAML reading for policy files, with the line of every key.

Policy files come from other repositories and from installed packages, so they are
untrusted input.  We never construct arbitrary Python objects (only the tags
``yaml.safe_load`` knows), we cap the file size, and we build values ourselves from
PyYAML's node graph with a budget on visited nodes, so an alias bomb ("billion laughs")
or a self-referencing anchor fails fast with a clear message instead of exhausting
memory.  Building values ourselves also lets us keep, for every mapping key and list
item, the line and column where it was written: error messages and ``policy show``
need them.

Two YAML 1.1 surprises are handled here on purpose: mapping keys are always taken as
written (``on:`` is the key ``"on"``, not ``True``), and dates become ISO strings
(JSON has no date type, and the schema describes JSON).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_FILE_BYTES = 1024 * 1024  # a policy file is a few KiB; a MiB is generous
MAX_NODES = 100_000  # values visited while building, alias re-visits included
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"

try:  # libyaml is much faster when present; both are the safe loader
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class YamlError(Exception):
    """A policy file that is not acceptable YAML; carries the 1-based line and column."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a key (or list item) was written: 1-based line and column."""

    line: int
    column: int


@dataclass(slots=True)
class YamlDoc:
    """A loaded YAML document: plain JSON-like data plus positions by path."""

    data: Any
    positions: dict[Path_, Pos] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def pos(self, path: Path_) -> Pos:
        """The position of ``path``, or of its nearest written ancestor."""
        while path:
            found = self.positions.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.positions.get((), Pos(1, 1))

    def line(self, path: Path_) -> int:
        return self.pos(path).line


def load_yaml(text: str | bytes, name: str = "<policy>") -> YamlDoc:
    """Parse one YAML document safely; raise :class:`YamlError` with a position."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_FILE_BYTES:
        raise YamlError(f"file is {size} bytes; policy files are limited to {MAX_FILE_BYTES} bytes", 1, 1)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise YamlError(f"not UTF-8: {exc}", 1, 1) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", 1, 1) from None
    finally:
        loader.dispose()
    doc = YamlDoc(None, {}, text.splitlines())
    if node is None:
        return doc
    doc.positions[()] = Pos(node.start_mark.line + 1, node.start_mark.column + 1)
    builder = _Builder(doc, loader)
    doc.data = builder.build(node, (), 0)
    return doc


class _Builder:
    def __init__(self, doc: YamlDoc, loader: Any) -> None:
        self.doc = doc
        self.loader = loader
        self.visited = 0

    def _fail(self, message: str, node: yaml.Node) -> YamlError:
        return YamlError(message, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise self._fail(
                f"document expands to more than {MAX_NODES} values (alias bomb?); refusing to load it", node
            )
        if depth > MAX_DEPTH:
            raise self._fail(f"nesting deeper than {MAX_DEPTH} levels (recursive alias?)", node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self._fail(f"tag {node.tag!r} is not allowed in policy files", node)
            items = []
            for index, item in enumerate(node.value):
                self.doc.positions.setdefault(
                    (*path, index), Pos(item.start_mark.line + 1, item.start_mark.column + 1)
                )
                items.append(self.build(item, (*path, index), depth + 1))
            return items
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise self._fail(f"tag {node.tag!r} is not allowed in policy files", node)
            return self._mapping(node, path, depth)
        raise self._fail("unsupported YAML node", node)  # pragma: no cover

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _SAFE_SCALAR_TAGS:
            raise self._fail(f"tag {node.tag!r} is not allowed in policy files", node)
        constructor = yaml.SafeLoader.yaml_constructors[node.tag]
        try:
            value = constructor(self.loader, node)
        except (yaml.YAMLError, ValueError) as exc:
            raise self._fail(f"bad {node.tag.rsplit(':', 1)[-1]} value {node.value!r}: {exc}", node) from None
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        return value

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: list[yaml.MappingNode] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise self._fail("a merge key '<<' needs a mapping or a list of mappings", value_node)
                    merged.append(source)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._fail("mapping keys must be plain strings", key_node)
            if key_node.tag not in _SAFE_SCALAR_TAGS:
                raise self._fail(f"tag {key_node.tag!r} is not allowed in policy files", key_node)
            key = str(key_node.value)  # as written: 'on', 'off', 'yes' stay strings
            if key in result:
                raise self._fail(f"duplicate key {key!r}", key_node)
            self.doc.positions.setdefault(
                (*path, key), Pos(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            )
            result[key] = self.build(value_node, (*path, key), depth + 1)
        for source in merged:  # explicit keys win over merged ones, as in YAML's merge spec
            values = self._mapping(source, path, depth + 1)
            for key, value in values.items():
                result.setdefault(key, value)
        return result
