"""The document as plain JSON: what ``dlint inspect`` prints and what CEL rules see.

One function produces both on purpose: a policy author writes a CEL expression against the
exact object ``dlint inspect`` showed them, so the two can never drift apart.  Every key is
always present (``null`` rather than missing) so expressions need no ``has()`` guards, and
the output is deterministic so it can be diffed and snapshotted.
``schemas/inspect.schema.json`` documents every key.
"""

from __future__ import annotations

from typing import Any

from dlint.dockerfile.document import stage_user
from dlint.dockerfile.model import Document, ImageRef, Instruction

__all__ = ["document_to_dict", "image_to_dict", "instruction_to_dict"]


def instruction_to_dict(
    ins: Instruction, index: int | None = None, stage: int | None = None
) -> dict[str, Any]:
    """One instruction; ``index``/``stage`` override the instruction's own (for ONBUILD bodies)."""
    span = ins.span
    return {
        "index": ins.index if index is None else index,
        "keyword": ins.keyword.upper(),
        "line": span.start_line,
        "end_line": span.end_line,
        "column": span.start_column,
        "end_column": span.end_column,
        "flags": [{"name": flag.name, "value": flag.value} for flag in ins.flags],
        "args": list(ins.args),
        "json": ins.json_form,
        "original": ins.original,
        "heredocs": [{"name": h.name, "body": h.body, "expand": h.expand} for h in ins.heredocs],
        "stage": ins.stage if stage is None else stage,
        "onbuild": (
            instruction_to_dict(
                ins.onbuild, ins.index if index is None else index, ins.stage if stage is None else stage
            )
            if ins.onbuild is not None
            else None
        ),
    }


def image_to_dict(image: ImageRef) -> dict[str, Any]:
    span = image.span
    return {
        "source": image.source,
        "written": image.written,
        "resolved": image.resolved,
        "registry": image.registry,
        "repository": image.repository,
        "name": image.name,
        "tag": image.tag,
        "digest": image.digest,
        "pinned": image.digest is not None,
        "implicit_latest": image.registry is not None and image.tag is None and image.digest is None,
        "line": span.start_line,
        "column": span.start_column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "stage": image.stage,
        "instruction": image.instruction,
        "unresolved": list(image.unresolved),
        "overridable": list(image.overridable),
        "arg_name": image.arg_name,
        "error": image.error,
    }


def document_to_dict(doc: Document) -> dict[str, Any]:
    """The inspect/CEL model of a document built by ``load_document``."""
    last_stage = len(doc.stages) - 1
    return {
        "path": doc.path,
        "escape": doc.escape,
        "build_args": dict(sorted(doc.build_args.items())),
        "directives": [{"name": d.name, "value": d.value, "line": d.span.start_line} for d in doc.directives],
        "args": [
            {"name": arg.name, "default": arg.default, "line": arg.token.span.start_line}
            for arg in doc.meta_args
        ],
        "instructions": [instruction_to_dict(ins) for ins in doc.instructions],
        "stages": [
            {
                "index": stage.index,
                "name": stage.name,
                "base": stage.base,
                "base_stage": stage.base_stage,
                "platform": stage.platform,
                "line": doc.instructions[stage.from_instruction].span.start_line,
                "is_final": stage.index == last_stage,
                "user": stage_user(doc, stage),
                "instructions": list(stage.instructions),
            }
            for stage in doc.stages
        ],
        "images": [image_to_dict(image) for image in doc.images],
        "errors": [
            {
                "message": error.message,
                "code": error.code,
                "line": error.span.start_line,
                "column": error.span.start_column,
                "fatal": error.fatal,
            }
            for error in doc.errors
        ],
    }
