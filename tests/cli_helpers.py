"""Running the real CLI in a subprocess, as a user would, for the end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_dlint(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m dlint ARGS`` from this checkout, without colours, with a fixed "today"
    only when the test sets one (the caller's DLINT_TODAY must not leak in)."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **(env or {})}
    environment.pop("FORCE_COLOR", None)
    if "DLINT_TODAY" not in (env or {}):
        environment.pop("DLINT_TODAY", None)
    return subprocess.run(
        [sys.executable, "-m", "dlint", *args], cwd=cwd, input=stdin.decode() if stdin else None,
        capture_output=True, text=True, env=environment, timeout=120, check=False,
    )


def write(path: Path, text: str | bytes) -> Path:
    """Write a file, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
