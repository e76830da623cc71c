"""The public comparison in a real browser: headless Chromium loads each page, axe-core finds nothing.

Chromium comes from Debian (/usr/bin/chromium) and axe-core from npm (node_modules, installed
by scripts/setup.sh); Playwright drives the browser. Each page is checked against WCAG 2.1 A
and AA (and axe's best practices) at desktop width, and again at 320 CSS pixels (400 %
zoom of a 1280 px window, which covers 200 %): no violations and no sideways scrolling of
the page. Screenshots are kept in the test's folder to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, DEMO_TODAY
from uppf_xl.cli import main

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("UPPF_XL_CHROMIUM", "/usr/bin/chromium"))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _missing() -> str:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Python-paketet playwright saknas (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"Chromium saknas ({CHROMIUM}); kör scripts/setup.sh"
    if not AXE.is_file():
        return "axe-core saknas (node_modules); kör scripts/setup.sh"
    return ""


@pytest.fixture(scope="module")
def pages(demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("browser")
    book = folder / "uppfoljning.xlsx"
    shutil.copyfile(demo_master, book)
    today = ["--today", DEMO_TODAY.isoformat()]
    runner = CliRunner()
    assert runner.invoke(main, ["plan", str(book), *today]).exit_code == 0
    assert runner.invoke(main, ["kolada-in", str(book), *map(str, sorted((DATA / "kolada").glob("*.json"))), *today]).exit_code == 0
    result = runner.invoke(main, ["publish", str(book), "--out", str(folder / "pub"), *today])
    assert result.exit_code == 0, result.output
    return folder / "pub"


def _axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    assert len(result["passes"]) > 10  # axe really ran
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def test_axe_finds_no_violations_and_pages_reflow(pages: Path) -> None:
    from playwright.sync_api import sync_playwright

    files = sorted(pages.glob("*.html"))
    assert len(files) == 5
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            wide = browser.new_page(viewport={"width": 1280, "height": 900})
            narrow = browser.new_page(viewport={"width": 320, "height": 640})
            for path in files:
                for page, label in ((wide, "bred"), (narrow, "smal")):
                    page.goto(path.as_uri())
                    assert page.evaluate("document.documentElement.lang") == "sv"
                    assert _axe(page) == [], (path.name, label)
                    page.screenshot(path=str(pages.parent / f"{path.stem}_{label}.png"), full_page=True)
                # 320 CSS px: the page itself never scrolls sideways (a wide table scrolls in its own region).
                width = narrow.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                assert width[0] <= width[1], (path.name, width)
                assert narrow.evaluate("getComputedStyle(document.body).fontSize") == "16px"
        finally:
            browser.close()
    assert (pages.parent / "hemtjanst_bred.png").stat().st_size > 10_000
