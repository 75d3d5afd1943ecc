"""Style checks that BuildKit's ``docker build --check`` also makes: keyword and name casing,
and the legacy ``KEY value`` form of ENV and LABEL.

They follow BuildKit's decisions exactly (which instructions count, what is compared), so
the BuildKit rule names work as aliases and a file clean under ``docker build --check`` is
clean here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dlint.checks import Violation, check
from dlint.dockerfile.model import Document, Instruction

# what BuildKit accepts as a stage name, after lower-casing it
_STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]*")


def _consistent(word: str) -> bool:
    """True for a word that is all lower-case or all upper-case (``cmd``, ``CMD``, not ``Cmd``)."""
    return word == word.lower() or word == word.upper()


_KEYWORDS = frozenset({"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
                       "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
                       "WORKDIR"})


def _staged(doc: Document) -> Iterator[Instruction]:
    """Instructions inside stages: BuildKit's casing checks look only at those, because the
    ARGs before the first FROM are parsed apart from the stages.  Unknown instructions are
    left to the syntax rule, which already reports them."""
    for instruction in doc.instructions:
        if instruction.stage is not None and instruction.keyword in _KEYWORDS:
            yield instruction


@check("stage-name-casing")
def stage_name_casing(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags a stage name (`FROM image AS name`) that is not all lower-case, as BuildKit's
    `StageNameCasing` check does.

    ## Why is this bad?
    BuildKit lower-cases stage names before matching them, so `AS Build` is referred to
    as `build`, `Build` or `BUILD` alike. A mixed-case name suggests that the case means
    something, and readers searching for `--from=Build` miss `--from=build`. One
    lower-case spelling keeps names greppable and matches how they are resolved.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS BuildEnv
    FROM alpine:3.20
    COPY --from=buildenv /out/app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build-env
    FROM alpine:3.20
    COPY --from=build-env /out/app /app
    ```

    ## Options
    None.
    """
    for stage in doc.stages:
        instruction = doc.instructions[stage.from_instruction]
        name = stage.written_name
        # BuildKit looks only at the well-formed `FROM image AS name` (three words); a name
        # that is not a valid stage name at all is already a syntax error.
        if name is None or stage.name_span is None or len(instruction.args) != 3:
            continue
        if name != name.lower() and _STAGE_NAME.fullmatch(name.lower()):
            yield Violation(
                f"stage name {name!r} should be lower-case ({name.lower()!r})",
                stage.name_span,
                instruction.index,
            )


@check("from-as-casing")
def from_as_casing(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags a `FROM ... AS name` whose `AS` keyword is not written in the same case as
    `FROM` (`FROM image as name`, `from image AS name`), as BuildKit's `FromAsCasing`
    check does. A `FROM` keyword in mixed case (`From`) is left to
    `consistent-instruction-casing`.

    ## Why is this bad?
    Both spellings build the same, but a Dockerfile that mixes them reads as if written by
    several hands with no convention, and tools that grep for ` AS ` miss stages.

    ## Example
    ```dockerfile
    FROM node:20 as build
    ```

    ## Use instead
    ```dockerfile
    FROM node:20 AS build
    ```

    ## Options
    None.
    """
    for stage in doc.stages:
        instruction = doc.instructions[stage.from_instruction]
        words = instruction.words
        if len(words) < 3 or words[1].value.lower() != "as":
            continue
        keyword = instruction.written_keyword
        if not _consistent(keyword):
            continue
        as_word = words[1]
        expected = as_word.value.lower() if keyword == keyword.lower() else as_word.value.upper()
        if as_word.value != expected:
            yield Violation(
                f"'{as_word.value}' does not match the casing of '{keyword}' (write '{expected}')",
                as_word.span,
                instruction.index,
            )


@check("consistent-instruction-casing")
def consistent_instruction_casing(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags instruction keywords whose casing differs from the file's majority, and keywords
    in mixed case (`Run`, `From`), as BuildKit's `ConsistentInstructionCasing` check does.
    The majority is counted over the keywords inside stages written all lower-case or all
    upper-case; on a tie upper-case wins. As in BuildKit, the `ARG`s before the first
    `FROM` are neither counted nor flagged, and only the `ONBUILD` keyword of an `ONBUILD`
    line counts.

    ## Why is this bad?
    Keywords are case-insensitive, so this is about reading, not building: a file that
    switches between `RUN` and `run` looks like several files pasted together, and keyword
    searches (`grep '^RUN'`) silently miss lines.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    run apk add --no-cache curl
    Copy app /app
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl
    COPY app /app
    ```

    ## Options
    None.
    """
    lower = upper = 0
    staged = list(_staged(doc))
    for instruction in staged:
        keyword = instruction.written_keyword
        if keyword == keyword.lower():
            lower += 1
        elif keyword == keyword.upper():
            upper += 1
    majority_lower = lower > upper
    for instruction in staged:
        keyword = instruction.written_keyword
        expected = keyword.lower() if majority_lower else keyword.upper()
        if keyword != expected:
            casing = "lower-case" if majority_lower else "upper-case"
            yield Violation(
                f"'{keyword}' should be {casing} like most instructions in this file ('{expected}')",
                instruction.keyword_span,
                instruction.index,
            )


@check("legacy-key-value-format")
def legacy_key_value_format(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags `ENV` and `LABEL` instructions in the legacy `KEY value` form (no `=`), as
    BuildKit's `LegacyKeyValueFormat` check does. Only instructions of build stages are
    checked; `ONBUILD` triggers are checked in the image that runs them.

    ## Why is this bad?
    In the legacy form everything after the first space is one value: `ENV PATH /a /b`
    sets `PATH` to `/a /b`, and `ENV A 1 B 2` sets one variable `A` to `1 B 2`, where the
    author most likely meant two. The form also allows only one key per instruction, and
    Docker documents it as deprecated. `KEY=value` says exactly where a value starts and
    ends.

    ## Example
    ```dockerfile
    ENV APP_HOME /srv/app
    LABEL maintainer "team@example.com"
    ```

    ## Use instead
    ```dockerfile
    ENV APP_HOME=/srv/app
    LABEL maintainer="team@example.com"
    ```

    ## Options
    None.
    """
    for instruction in _staged(doc):
        if instruction.keyword not in {"ENV", "LABEL"}:
            continue
        args = instruction.args
        # args are (key, value, separator) triples; an empty separator is the legacy form
        if len(args) >= 3 and args[2] == "":
            span = instruction.words[0].span if instruction.words else instruction.keyword_span
            keyword = instruction.written_keyword
            yield Violation(
                f"{keyword} {args[0]} uses the legacy '{keyword} key value' form; write '{keyword} key=value'",
                span,
                instruction.index,
            )


@check("expose-proto-casing")
def expose_proto_casing(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags an `EXPOSE` port whose protocol is not lower-case (`80/TCP`, `53/Udp`), as
    BuildKit's `ExposeProtoCasing` check does. Ports whose value comes from a variable are
    not judged.

    ## Why is this bad?
    Docker lower-cases the protocol, so the image metadata says `80/tcp` while the file
    says `80/TCP`; tools and people comparing the two see a mismatch, and other tools that
    read the Dockerfile itself may not accept the upper-case spelling.

    ## Example
    ```dockerfile
    EXPOSE 8080/TCP 53/UDP
    ```

    ## Use instead
    ```dockerfile
    EXPOSE 8080/tcp 53/udp
    ```

    ## Options
    None.
    """
    for instruction in _staged(doc):
        if instruction.keyword != "EXPOSE" or instruction.json_form:
            continue
        # args are the words' values; the (lazily built) tokens are read only to report
        for position, raw in enumerate(instruction.args):
            value = raw.strip("\"'")  # BuildKit removes quotes before reading the port
            if "$" in value or "/" not in value:
                continue
            proto = value.rsplit(":", 1)[-1].partition("/")[2]
            # an unknown protocol is a build error, not a casing matter
            if proto.lower() in {"tcp", "udp", "sctp"} and proto != proto.lower():
                yield Violation(
                    f"protocol of EXPOSE {value} should be lower-case ({proto.lower()})",
                    instruction.words[position].span,
                    instruction.index,
                )
