"""Checks about the user the final image runs as."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dlint.checks import Violation, check
from dlint.dockerfile.model import Document, Instruction, Stage
from dlint.globs import glob_match

ROOT_USER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "nonroot-base-images": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "format": "glob"},
            "description": "Globs over 'registry/repository:tag' of base images known to run as a "
            "non-root user, so a final stage built on them needs no USER of its own.",
        }
    },
}


def _last_user(doc: Document, stage: Stage, seen: set[int]) -> tuple[Instruction | None, Stage]:
    """The USER instruction in effect at the end of ``stage``, following FROM <stage>.

    Returns the stage whose base image decides the user when no USER is found, because a
    stage built on an earlier stage inherits that stage's USER, as Docker does."""
    for index in reversed(stage.instructions):
        instruction = doc.instructions[index]
        if instruction.keyword == "USER" and instruction.args:
            return instruction, stage
    if stage.base_stage is not None and stage.base_stage not in seen and stage.base_stage < len(doc.stages):
        seen.add(stage.base_stage)
        return _last_user(doc, doc.stages[stage.base_stage], seen)
    return None, stage


def _is_root(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in {"root", "0"}


@check("root-user", ROOT_USER_SCHEMA)
def root_user(doc: Document, options: dict[str, Any]) -> Iterator[Violation]:
    """## What it does
    Checks that the final stage (the image that ships) runs as a non-root user: it flags a
    final stage with no `USER` (inherited through `FROM <stage>` counts), and a last `USER`
    of `root`, `0`, `root:<group>` or `0:<group>`. A `USER` whose value comes from a
    variable is not judged.

    ## Why is this bad?
    A process running as root in a container is root on the host's kernel, one kernel bug
    or misconfigured mount away from the host. Most services need no root at run time.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY app /app
    CMD ["python", "/app/main.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN useradd --system --uid 10001 app
    COPY app /app
    USER app
    CMD ["python", "/app/main.py"]
    ```

    ## Options
    - `nonroot-base-images` (list of globs over `registry/repository:tag`): base images
      that already run as non-root, e.g. `gcr.io/distroless/*:nonroot`.
    """
    stage = doc.final_stage
    if stage is None:
        return
    instruction, deciding = _last_user(doc, stage, {stage.index})
    if instruction is None:
        image = deciding.image
        if image is not None and image.name is not None:
            ref = f"{image.name}:{image.tag or 'latest'}"
            if any(glob_match(pattern, ref) for pattern in options.get("nonroot-base-images") or []):
                return
        from_instruction = doc.instructions[stage.from_instruction]
        yield Violation(
            "the final stage sets no USER, so the image runs as root",
            from_instruction.keyword_span,
            stage.from_instruction,
        )
        return
    value = instruction.args[0]
    if "$" not in value and _is_root(value):
        span = instruction.words[0].span if instruction.words else instruction.span
        yield Violation(f"the final stage runs as root (USER {value})", span, instruction.index)
