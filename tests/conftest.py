"""Shared fixtures: the demo workbook (built once per session) and LibreOffice conversion."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest

from uppf_xl.workbook.initbook import create_workbook

DEMO_TODAY = date(2025, 11, 22)
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workbook for DEMO_TODAY, built once; copy it before changing it."""
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    create_workbook(path, demo=True, today=DEMO_TODAY)
    return path


@pytest.fixture
def demo_book(demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo workbook."""
    path = tmp_path / "uppfoljning.xlsx"
    shutil.copyfile(demo_master, path)
    return path


def soffice_convert(files: list[Path], target: str, out_dir: Path) -> None:
    """Convert `files` with LibreOffice headless in ONE call (start-up costs 1-2 s)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice (soffice) saknas: installera den med .ci/install")
    profile = Path(tempfile.mkdtemp(prefix="lo_profile_"))
    try:
        subprocess.run(
            [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target,
             "--outdir", str(out_dir), *map(str, files)],
            check=True, capture_output=True, timeout=240,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
