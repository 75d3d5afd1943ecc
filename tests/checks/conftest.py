"""Run one built-in check on a real Dockerfile written to disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dlint.checks import Violation, registry
from dlint.dockerfile.document import load_document

Lint = Callable[..., list[Violation]]


@pytest.fixture
def lint(tmp_path: Path) -> Lint:
    def run(
        check: str, text: str, options: dict[str, Any] | None = None, build_args: dict[str, str] | None = None
    ) -> list[Violation]:
        path = tmp_path / "Dockerfile"
        path.write_text(text, encoding="utf-8")
        doc = load_document(path.read_bytes(), "Dockerfile", build_args)
        return list(registry()[check].function(doc, options or {}))

    return run
