"""Shared helpers for policy tests: writing policy trees and loading documents."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from dlint.dockerfile.document import load_document
from dlint.dockerfile.model import Document


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def document(text: str, path: str = "Dockerfile") -> tuple[Document, dict[str, Any]]:
    from dlint.dockerfile.serialize import document_to_dict

    doc = load_document(textwrap.dedent(text).lstrip("\n").encode(), path)
    return doc, document_to_dict(doc)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root
