"""Checks on how single instructions behave at build and run time, the ones BuildKit's
``docker build --check`` makes: shell-form CMD/ENTRYPOINT, overridden CMD/ENTRYPOINT/
HEALTHCHECK, relative WORKDIR, MAINTAINER, EXPOSE with host parts, a redundant
``--platform=$TARGETPLATFORM``.

Stage state follows BuildKit's dispatcher: a stage built ``FROM`` an earlier stage inherits
that stage's SHELL and WORKDIR, but not its CMD/ENTRYPOINT/HEALTHCHECK bookkeeping (a stage
may override what its base stage set).  ``ONBUILD`` triggers are never judged here: they
run in another build, with another stage's state.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dlint.checks import Violation, check
from dlint.dockerfile.expand import expand
from dlint.dockerfile.model import Document, Instruction, Span


def _args_span(instruction: Instruction) -> Span:
    """From the first argument word to the end of the last, or the keyword when there is none."""
    words = instruction.words
    if not words:
        return instruction.keyword_span
    first, last = words[0].span, words[-1].span
    return Span(
        first.start_line, first.start_column, last.end_line, last.end_column, first.start_offset, last.end_offset
    )


def _stage_instructions(doc: Document, stage_index: int) -> Iterator[Instruction]:
    for index in doc.stages[stage_index].instructions:
        yield doc.instructions[index]


@check("json-args-recommended")
def json_args_recommended(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags `CMD` and `ENTRYPOINT` in shell form (`CMD my-app --serve`), as BuildKit's
    `JSONArgsRecommended` check does. As in BuildKit, a stage that sets `SHELL` before the
    instruction (itself or in the stage it is built `FROM`) is exempt: an explicit `SHELL`
    says the shell is wanted.

    ## Why is this bad?
    Shell form runs the command as `/bin/sh -c "my-app --serve"`. The shell, not the
    application, is then usually PID 1, and shells do not forward signals to their
    children: `docker stop` sends `SIGTERM`, the application never sees it, and the
    container is killed after the grace period, without a clean shutdown. `ENTRYPOINT`
    in shell form also ignores `CMD` and `docker run` arguments.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD python -m http.server 8000
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "-m", "http.server", "8000"]
    ```
    When shell features are needed, use a script as the exec-form entry point (with
    `exec` before the final command), or set `SHELL` explicitly to make the choice visible.

    ## Options
    None.
    """
    shell_set: list[bool] = []
    for stage in doc.stages:
        base = stage.base_stage
        has_shell = base is not None and base < len(shell_set) and shell_set[base]
        for instruction in _stage_instructions(doc, stage.index):
            keyword = instruction.keyword
            if keyword == "SHELL":
                has_shell = True
            elif (keyword in {"CMD", "ENTRYPOINT"} and not instruction.json_form and not has_shell
                  and instruction.args):  # no args: a broken JSON array, already a syntax error
                yield Violation(
                    f"{instruction.written_keyword} in shell form runs under /bin/sh -c, which does not forward "
                    f"signals such as SIGTERM; use the JSON form {keyword} [\"executable\", \"arg\"]",
                    _args_span(instruction),
                    instruction.index,
                )
        shell_set.append(has_shell)


_ONCE = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


@check("multiple-instructions")
def multiple_instructions(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` that a later instruction of the same kind
    in the same stage overrides, as BuildKit's `MultipleInstructionsDisallowed` check does.
    The finding points at the instruction that has no effect. Setting one in a stage that
    overrides what its base stage set is fine.

    ## Why is this bad?
    Only the last of them ends up in the image; the earlier ones are dead code that reads
    as if it mattered. Usually it is a leftover from an edit, or a misunderstanding (two
    `CMD`s do not run two processes).

    ## Example
    ```dockerfile
    FROM nginx:1.27
    CMD ["nginx", "-g", "daemon off;"]
    CMD ["nginx-debug", "-g", "daemon off;"]
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    CMD ["nginx-debug", "-g", "daemon off;"]
    ```

    ## Options
    None.
    """
    for stage in doc.stages:
        last: dict[str, Instruction] = {}
        for instruction in _stage_instructions(doc, stage.index):
            keyword = instruction.keyword
            if keyword not in _ONCE:
                continue
            earlier = last.get(keyword)
            if earlier is not None:
                yield Violation(
                    f"this {earlier.written_keyword} has no effect: the {instruction.written_keyword} on line "
                    f"{instruction.line} replaces it (only the last {keyword} of a stage counts)",
                    earlier.keyword_span,
                    earlier.index,
                )
            last[keyword] = instruction


# What BuildKit's WORKDIR check counts as absolute: a POSIX path, or on Windows a drive or
# UNC path.  Both are accepted because the target platform is unknown to a linter.
_ABSOLUTE = re.compile(r"""^["']?(?:/|\\|[A-Za-z]:[\\/])""")


@check("workdir-relative-path")
def workdir_relative_path(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags a relative `WORKDIR` when no `WORKDIR` has been set earlier in the stage (or in
    the stage it is built `FROM`), as BuildKit's `WorkdirRelativePath` check does. Only
    the first `WORKDIR` of a stage is judged: once the directory is anchored in the file,
    relative steps from it are well defined. A path that starts with a variable
    (`WORKDIR $HOME/app`) may well be absolute and is not judged.

    ## Why is this bad?
    A relative `WORKDIR` is resolved against the base image's working directory, which the
    Dockerfile does not say and which can change with a new base image version, moving
    every later `COPY` and `RUN` somewhere else.

    ## Example
    ```dockerfile
    FROM node:20
    WORKDIR app
    COPY . .
    ```

    ## Use instead
    ```dockerfile
    FROM node:20
    WORKDIR /app
    COPY . .
    ```

    ## Options
    None.
    """
    workdir_set: list[bool] = []
    for stage in doc.stages:
        base = stage.base_stage
        is_set = base is not None and base < len(workdir_set) and workdir_set[base]
        for instruction in _stage_instructions(doc, stage.index):
            if instruction.keyword != "WORKDIR" or not instruction.args:
                continue
            path = instruction.args[0]
            if not is_set and not path.lstrip("\"'").startswith("$") and not _ABSOLUTE.match(path):
                yield Violation(
                    f"WORKDIR {path} is relative to the base image's working directory, which this file does not "
                    "set; use an absolute path",
                    _args_span(instruction),
                    instruction.index,
                )
            is_set = True
        workdir_set.append(is_set)


@check("maintainer-deprecated")
def maintainer_deprecated(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags the `MAINTAINER` instruction, as BuildKit's `MaintainerDeprecated` check does.

    ## Why is this bad?
    `MAINTAINER` is deprecated: it writes the legacy `author` field of the image config,
    which most tools no longer show. A label is where image metadata lives today, and the
    OCI annotation key `org.opencontainers.image.authors` is what registries and scanners
    read.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    MAINTAINER Jane Doe <jane@example.com>
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    ```

    ## Options
    None.
    """
    for instruction in doc.instructions:
        if instruction.keyword == "MAINTAINER":
            yield Violation(
                "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=\"...\"",
                instruction.keyword_span,
                instruction.index,
            )


@check("expose-invalid-format")
def expose_invalid_format(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags an `EXPOSE` port that carries a host port or an IP address
    (`EXPOSE 8080:80`, `EXPOSE 127.0.0.1:8080:80`), as BuildKit's `ExposeInvalidFormat`
    check does. Ports whose value comes from a variable are not judged.

    ## Why is this bad?
    `EXPOSE` only documents which container ports the application listens on; publishing
    to a host port or address is decided by `docker run -p`. The host part is silently
    dropped, so the file promises a mapping that never happens, and BuildKit plans to
    reject the form.

    ## Example
    ```dockerfile
    EXPOSE 0.0.0.0:8080:80/tcp
    ```

    ## Use instead
    ```dockerfile
    EXPOSE 80/tcp
    ```
    and publish at run time: `docker run -p 127.0.0.1:8080:80 image`.

    ## Options
    None.
    """
    for instruction in doc.instructions:
        if instruction.keyword != "EXPOSE" or instruction.stage is None or instruction.json_form:
            continue
        # args are the words' values; the (lazily built) tokens are read only to report
        for position, value in enumerate(instruction.args):
            if "$" in value or ":" not in value:
                continue
            parts = value.split(":")
            # BuildKit reads [ip:]host:container; ":80" has neither an IP nor a host port
            if len(parts) == 2 and parts[0] == "":
                continue
            yield Violation(
                f"EXPOSE {value} names a host port or IP address, which EXPOSE ignores; expose only the "
                "container port and publish with docker run -p",
                instruction.words[position].span,
                instruction.index,
            )


# TARGETPLATFORM's stand-in value: a result equal to it came from that variable alone
_SENTINEL = "\x00targetplatform\x00"


@check("redundant-target-platform")
def redundant_target_platform(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`, or any value that
    expands to exactly the target platform through that one variable), as BuildKit's
    `RedundantTargetPlatform` check does.

    ## Why is this bad?
    A stage is built for the target platform unless `--platform` says otherwise, so the
    flag changes nothing. It is noise at best, and at worst it hides the one stage that
    should have said `--platform=$BUILDPLATFORM` (a cross-compiling builder stage).

    ## Example
    ```dockerfile
    FROM --platform=$TARGETPLATFORM alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ```

    ## Options
    None.
    """
    # what FROM sees: the meta ARGs (unknown when they have no default), TARGETPLATFORM
    env: dict[str, str | None] = {meta.name: meta.default for meta in doc.meta_args}
    env["TARGETPLATFORM"] = _SENTINEL
    for stage in doc.stages:
        instruction = doc.instructions[stage.from_instruction]
        flag = instruction.flag("platform")
        if flag is None or flag.value is None or "$" not in flag.value:
            continue
        result = expand(flag.value, env, doc.escape)
        if (
            result.error is None
            and result.used == ["TARGETPLATFORM"]
            and not result.undefined
            and result.value == _SENTINEL
        ):
            yield Violation(
                f"--platform={flag.value} is redundant: a stage is built for the target platform by default",
                flag.token.span,
                instruction.index,
            )


# names BuildKit gives a meaning of its own: the empty image, and the build context
_RESERVED_STAGE_NAMES = frozenset({"scratch", "context"})


@check("reserved-stage-name")
def reserved_stage_name(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Flags a stage named `scratch` or `context` (in any casing), as BuildKit's
    `ReservedStageName` check does.

    ## Why is this bad?
    Both names already mean something to the builder: `scratch` is the empty base image
    and `context` is the name of the build context in `--build-context` and
    `COPY --from`. A stage with such a name makes `FROM scratch` or
    `COPY --from=context` ambiguous to readers, and which of the two meanings wins
    depends on the builder.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS context
    RUN go build -o /out/app ./...
    FROM scratch
    COPY --from=context /out/app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/app ./...
    FROM scratch
    COPY --from=build /out/app /app
    ```

    ## Options
    None.
    """
    for stage in doc.stages:
        if stage.name in _RESERVED_STAGE_NAMES and stage.name_span is not None:
            yield Violation(
                f"stage name {stage.written_name!r} is reserved (it means the "
                + ("empty base image" if stage.name == "scratch" else "build context")
                + "); choose another name",
                stage.name_span,
                stage.from_instruction,
            )
