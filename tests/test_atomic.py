from __future__ import annotations

import os
from pathlib import Path

import pytest

from dlint.atomic import write_atomic


def test_new_file_gets_umask_mode_and_no_temp_is_left(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.sarif"
    write_atomic(target, "{}\n")
    assert target.read_text() == "{}\n"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["report.sarif"]


def test_existing_file_keeps_mode_and_symlink_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "Dockerfile.real"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "Dockerfile"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert real.stat().st_mode & 0o777 == 0o640


def test_failed_write_leaves_the_original_untouched(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(b"original")

    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]  # fails after the temp file exists
    assert target.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]
