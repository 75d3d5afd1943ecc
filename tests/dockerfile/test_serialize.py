"""The inspect/CEL JSON model: shape, determinism and the published schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dlint.dockerfile.parser", reason="the parser module has not landed yet")
jsonschema = pytest.importorskip("jsonschema")

from dlint.dockerfile.document import load_document  # noqa: E402
from dlint.dockerfile.serialize import document_to_dict  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "inspect.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CORPUS = ROOT.parent / "shared" / "corpus"

SAMPLE = (
    "# syntax=docker/dockerfile:1.7\n"
    "ARG BASE=alpine:3.20\n"
    "FROM ${BASE} AS build\n"
    "USER builder\n"
    "RUN --mount=type=cache,from=golang:1.22,target=/x <<EOF\n"
    "FROM evil/x\n"
    "EOF\n"
    "FROM build AS final\n"
    "ONBUILD RUN echo hi\n"
    "COPY --from=nginx /a /b\n"
    "FROM alpine AS FINAL\n"
)


def _model(text: str, **kwargs: Any) -> dict[str, Any]:
    return document_to_dict(load_document(text, "sample/Dockerfile", **kwargs))


def test_sample_shape() -> None:
    model = _model(SAMPLE)
    VALIDATOR.validate(model)
    assert model["path"] == "sample/Dockerfile"
    assert model["directives"] == [{"name": "syntax", "value": "docker/dockerfile:1.7", "line": 1}]
    assert model["args"] == [{"name": "BASE", "default": "alpine:3.20", "line": 2}]
    stages = model["stages"]
    assert [(s["name"], s["base_stage"], s["is_final"], s["user"]) for s in stages] == [
        ("build", None, False, "builder"),
        ("final", 0, False, "builder"),
        ("final", None, True, None),
    ]
    images = model["images"]
    assert [(i["source"], i["name"], i["pinned"], i["implicit_latest"]) for i in images] == [
        ("syntax", "docker.io/docker/dockerfile", False, False),
        ("from", "docker.io/library/alpine", False, False),
        ("mount-from", "docker.io/library/golang", False, False),
        ("copy-from", "docker.io/library/nginx", False, True),
        ("from", "docker.io/library/alpine", False, True),
    ]
    assert images[1]["overridable"] == ["BASE"] and images[1]["arg_name"] == "BASE"
    onbuild = next(i for i in model["instructions"] if i["keyword"] == "ONBUILD")
    assert onbuild["onbuild"]["keyword"] == "RUN"
    assert onbuild["onbuild"]["stage"] == onbuild["stage"] == 1
    run = next(i for i in model["instructions"] if i["keyword"] == "RUN")
    assert run["heredocs"] == [{"name": "EOF", "body": "FROM evil/x\n", "expand": True}]
    assert run["flags"] == [{"name": "mount", "value": "type=cache,from=golang:1.22,target=/x"}]
    assert any(e["code"] == "duplicate-stage-name" for e in model["errors"])


def test_null_values_are_present() -> None:
    model = _model("ARG V\nFROM repo:$V\n")
    VALIDATOR.validate(model)
    image = model["images"][0]
    assert image["resolved"] is None and image["registry"] is None and image["unresolved"] == ["V"]
    assert model["args"][0]["default"] is None
    assert model["stages"][0]["name"] is None and model["stages"][0]["user"] is None


def test_deterministic_and_json_only() -> None:
    first = json.dumps(_model(SAMPLE, build_args={"B": "1", "A": "2"}), sort_keys=False)
    second = json.dumps(_model(SAMPLE, build_args={"A": "2", "B": "1"}), sort_keys=False)
    assert first == second
    assert json.loads(first)["build_args"] == {"A": "2", "B": "1"}


def test_every_schema_property_is_described() -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert sub.get("description"), f"{where}.{name} has no description"
            for key, sub in node.items():
                walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(SCHEMA, "$")


def _corpus_sample() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    return files[::10]


def test_corpus_sample_validates() -> None:
    files = _corpus_sample()
    assert len(files) > 100
    for path in files:
        model = document_to_dict(load_document(path.read_bytes(), path.relative_to(CORPUS).as_posix()))
        errors = sorted(VALIDATOR.iter_errors(model), key=lambda e: list(e.path))
        assert not errors, f"{path}: {errors[0].message} at {list(errors[0].path)}"
        json.dumps(model)
