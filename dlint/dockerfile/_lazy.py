"""A list (of tokens, of comments) that is built the first time anyone looks at it.

Most words of a Dockerfile sit in long RUN scripts that few checks ever inspect, and
building a Span for each of them costs more than the rest of parsing together.  So
``Instruction.words`` is filled on first use.  Every Python-level list operation fills
it first; only C code that reads a list's storage without calling its methods (such as
``plain_list + tokens``) could see it empty before then, so prefer ``[*a, *tokens]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

_T = TypeVar("_T")


class LazyList(list[_T]):
    __slots__ = ("_build",)

    def __init__(self, items: Iterable[_T] = (), build: Callable[[], list[_T]] | None = None) -> None:
        super().__init__(items)
        self._build = build

    def _fill(self) -> None:
        build = self._build
        if build is not None:
            self._build = None
            list.extend(self, build())

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        self._fill()
        return (LazyList, (list(self),))


def _filling(name: str) -> Callable[..., Any]:
    method = getattr(list, name)

    def wrapper(self: LazyList[Any], *args: Any, **kwargs: Any) -> Any:
        self._fill()
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


for _name in (
    "__len__", "__iter__", "__getitem__", "__contains__", "__reversed__", "__eq__", "__ne__",
    "__lt__", "__le__", "__gt__", "__ge__", "__repr__", "__add__", "__mul__", "__rmul__",
    "__iadd__", "__imul__", "__setitem__", "__delitem__", "append", "extend", "insert", "pop",
    "remove", "clear", "index", "count", "copy", "sort", "reverse",
):  # fmt: skip
    setattr(LazyList, _name, _filling(_name))
