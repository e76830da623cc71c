"""publish: the pages and PDFs re-read (HTML parsed, PDF text), their structure, and no personal data."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import html as lxml_html

from conftest import DATA, DEMO_TODAY
from personal_data import found_in, pdf_text, planted_texts
from uppf_xl import publish
from uppf_xl.cli import main
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes, RowAppend


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, [*args, "--today", DEMO_TODAY.isoformat()])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def published(demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo planned and carried out, with Kolada values and personal data in internal texts; then published."""
    from uppf_xl.demo import _simulate_fieldwork

    folder = tmp_path_factory.mktemp("publish")
    book = folder / "uppfoljning.xlsx"
    shutil.copyfile(demo_master, book)
    assert run("plan", str(book)).exit_code == 0
    _simulate_fieldwork(book, DEMO_TODAY.year, DEMO_TODAY)
    assert run("kolada-in", str(book), *map(str, sorted((DATA / "kolada").glob("*.csv")))).exit_code == 0
    wb = open_workbook(book)
    reg = wb.register(DEMO_TODAY)
    texts = planted_texts()
    u001 = reg.provider("U001")
    assert u001 is not None
    wb.apply(Changes(
        patches=[CellPatch("Utförare", {(u001.row, "Kommentar"): texts[0]})],
        appends=[RowAppend("Iakttagelser", [
            {"IakttagelseID": "I-T-1", "Datum": date(2025, 10, 1), "UtförarID": "U001", "Kategori": "Gott exempel",
             "Område": "Kompetens", "Beskrivning": f"{texts[2]} Maria Lind berättade.",
             "Sammanfattning för nämnd": "Alla medarbetare har fått utbildning i demensvård."},
            {"IakttagelseID": "I-T-2", "Datum": date(2025, 10, 2), "UtförarID": "U005", "Kategori": "Avvikelse",
             "Område": "Dokumentation", "Beskrivning": texts[1], "Sammanfattning för nämnd": "Dokumentationen brister."},
        ]),
                 RowAppend("Händelser", [{"Datum": date(2025, 10, 1), "UtförarID": "U001", "Typ": "Klagomål",
                                          "Beskrivning": texts[3], "Allvarlig": "Nej", "Hanterad": "Nej"}])],
    ), "test", "planterat")
    out = folder / "Jämförelse"
    r = run("publish", str(book), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert not found_in(r.output)
    return book, out


def chefs(book: Path) -> list[str]:
    return [p.chef for p in open_workbook(book).register(DEMO_TODAY).providers if p.chef]


def test_one_page_and_one_pdf_per_area_with_free_choice(published: tuple[Path, Path]) -> None:
    book, out = published
    areas = publish.choice_areas(open_workbook(book).register(DEMO_TODAY), DEMO_TODAY)
    assert areas == ["Boendestöd", "Daglig verksamhet", "Hemtjänst", "Personlig assistans"]
    names = {p.name for p in out.iterdir()}
    assert names == {"index.html", *(f"{publish.slug(a)}.html" for a in areas), *(f"{publish.slug(a)}.pdf" for a in areas)}
    index = lxml_html.parse(str(out / "index.html")).getroot()
    links = {a.get("href") for a in index.iter("a")}
    assert {"hemtjanst.html", "hemtjanst.pdf"} <= links
    assert not index.xpath("//script")


def test_pages_are_structured_for_assistive_technology(published: tuple[Path, Path]) -> None:
    _, out = published
    for page in sorted(out.glob("*.html")):
        root = lxml_html.parse(str(page)).getroot()
        assert root.get("lang") == "sv", page.name
        assert root.findtext("head/title").strip()
        assert not root.xpath("//script") and not root.xpath("//*[@style]")
        levels = [int(h.tag[1]) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert levels[0] == 1 and levels.count(1) == 1, page.name
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (page.name, levels)
        assert len(root.xpath("//main")) == 1 and root.xpath("//a[@href='#innehall']")
        for table in root.iter("table"):
            assert table.find("caption") is not None and table.findtext("caption").strip()
            assert table.xpath("thead/tr/th[@scope='col']")
            assert all(row.xpath("th[@scope='row']") for row in table.xpath("tbody/tr"))
        for img in root.iter("img"):
            assert img.get("alt")


def test_content_of_the_hemtjanst_page(published: tuple[Path, Path]) -> None:
    book, out = published
    root = lxml_html.parse(str(out / "hemtjanst.html")).getroot()
    text = " ".join(root.text_content().split())
    overview = root.xpath("//table[caption[contains(., 'senaste uppföljning')]]")[0]
    rows = {r.xpath("string(th)").strip(): [td.text_content().strip() for td in r.xpath("td")] for r in overview.xpath("tbody/tr")}
    assert set(rows) == {"Hemtjänst Norra (egen regi)", "Hemtjänst Södra (egen regi)", "Hemtjänst Väst (egen regi)",
                         "Omsorgshuset Linnea AB", "Solgläntans hemtjänst AB", "Trygga Händer Omsorg AB", "Vardagshjälpen i Sjövik AB"}
    assert "Omsorg i Hemmet Norden AB" not in text  # ended in April
    assert rows["Omsorgshuset Linnea AB"][0] == "Privat"
    assert rows["Omsorgshuset Linnea AB"][2].capitalize() in {w.capitalize() for w in (
        publish.NO_FINDINGS, publish.RESOLVED, publish.PLAN_OPEN, publish.ONGOING, publish.NOTHING_YET)}
    # Findings by category: small counts suppressed.
    counts = root.xpath("//table[caption[contains(., 'per kategori')]]")[0]
    cells = [td.text_content().strip() for td in counts.xpath("tbody/tr/td")]
    assert "<3" in cells and not {"1", "2"} & set(cells)
    # Good example from the public summary only; the internal description never.
    assert "Alla medarbetare har fått utbildning i demensvård." in text
    assert "berättade" not in text
    # Indicators with the municipality's value.
    kpis = root.xpath("//table[caption[contains(., 'Nyckeltal')]]")[0]
    assert kpis.xpath("string(tfoot/tr/th)") == "Kommunen"
    assert [td.text_content() for td in kpis.xpath("tfoot/tr/td")] == ["15", "86"]
    assert "info@omsorgshusetlinnea.example" in text
    assert found_in(text, chefs(book)) == []


def test_no_personal_data_in_any_output(published: tuple[Path, Path]) -> None:
    book, out = published
    names = chefs(book)
    for path in out.iterdir():
        assert found_in(path.name, names) == []
        if path.suffix == ".html":
            raw = path.read_text(encoding="utf-8")
            assert found_in(raw, names) == [], path.name
        elif path.suffix == ".pdf":
            text = pdf_text(path)
            assert "Jämför utförare" in text
            assert found_in(text, names) == [], path.name
            data = path.read_bytes()
            assert b"/StructTreeRoot" in data and b"pdfaid:part>2<" in data.replace(b"</pdfaid:part", b"<")


def test_the_guard_stops_publish_before_anything_is_written(demo_book: Path, tmp_path: Path) -> None:
    wb = open_workbook(demo_book)
    reg = wb.register(DEMO_TODAY)
    example = next(f for f in reg.findings if f.category.value == "Gott exempel" and f.provider_id == "U012")
    u013 = reg.provider("U013")
    assert u013 is not None
    # Move a LOV provider's good example text to name its verksamhetschef.
    wb.apply(Changes(patches=[CellPatch("Iakttagelser", {(example.row, "UtförarID"): "U001",
                                                          (example.row, "Sammanfattning för nämnd"): "Maria Lind leder ett bra brukarråd."})]),
             "test", "namn")
    out = tmp_path / "pub"
    r = run("publish", str(demo_book), "--out", str(out))
    assert r.exit_code == 1
    assert "Iakttagelser!H" in r.output and "[namn]" in r.output and "Maria Lind" not in r.output
    assert not out.exists() or not any(out.iterdir())


def test_outcome_in_plain_words_follows_the_findings_of_the_latest_follow_up() -> None:
    import factories as f
    from uppf_xl.model import Finding
    from uppf_xl.vocab import Category

    p = f.provider("U001")
    row = f.schedule_row("U001|KVAL|2025", done=date(2025, 5, 6))
    reg = f.register([p], schedule=[row])
    latest = publish.latest_follow_up(reg, p)
    assert latest is row
    assert publish.outcome_words(reg, p, latest, date(2025, 6, 1)) == "inga avvikelser"
    dev = Finding("I1", date(2025, 5, 6), "U001", Category.AVVIKELSE, key=row.key)
    reg.findings = [dev]
    assert publish.outcome_words(reg, p, latest, date(2025, 6, 1)) == "uppföljning pågår"
    dev.requested = date(2025, 5, 8)
    assert publish.outcome_words(reg, p, latest, date(2025, 6, 1)) == "åtgärdsplan begärd, pågår"
    dev.approved = date(2025, 6, 10)
    assert publish.outcome_words(reg, p, latest, date(2025, 6, 20)) == "åtgärdsplan begärd, åtgärdad"
    # A finding of an earlier follow-up does not colour the latest one; a good example never does.
    reg.findings = [Finding("I0", date(2024, 5, 6), "U001", Category.ALLVARLIG, key="U001|KVAL|2024"),
                    Finding("I2", date(2025, 5, 6), "U001", Category.GOTT_EXEMPEL, key=row.key)]
    assert publish.outcome_words(reg, p, latest, date(2025, 6, 1)) == "inga avvikelser"
    # Nothing done yet: underway once a kallelse went out.
    planned = f.schedule_row("U001|KVAL|2026")
    reg2 = f.register([p], schedule=[planned])
    assert publish.outcome_words(reg2, p, None, date(2026, 2, 1)) == "ingen uppföljning ännu"
    planned.notified = date(2026, 2, 2)
    assert publish.outcome_words(reg2, p, None, date(2026, 2, 3)) == "uppföljning pågår"


def test_only_areas_with_free_choice_are_published_and_ended_providers_leave() -> None:
    import factories as f
    from uppf_xl.vocab import Avtalsform, Regi

    reg = f.register([
        f.provider("U001"),
        f.provider("U002", regi=Regi.EGEN, avtalsform=Avtalsform.UPPDRAG),
        f.provider("U003", area="Särskilt boende för äldre", avtalsform=Avtalsform.LOU),
        f.provider("U004", end=date(2025, 3, 31)),
    ])
    pages = publish.build_pages(reg, date(2025, 6, 1))
    assert [(p.area, [x.id for x in p.providers]) for p in pages] == [("Hemtjänst", ["U001", "U002"])]
    assert publish.choice_areas(reg, date(2025, 3, 1)) == ["Hemtjänst"]


def test_the_guard_names_the_real_cell_after_the_user_moved_columns(demo_book: Path, tmp_path: Path) -> None:
    import re
    import sys

    import openpyxl
    from openpyxl.utils.cell import get_column_letter

    sys.path.insert(0, str(DATA))
    from make_robust_cases import reorder_columns

    book = openpyxl.load_workbook(demo_book)
    ws = book["Utförare"]
    reorder_columns(ws, ["Adress", "UtförarID"])
    headers = [c.value for c in ws[1]]
    address = get_column_letter(headers.index("Adress") + 1)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value:
            ws.cell(r, 1).value = f"{ws.cell(r, 1).value}, c/o 19121212-1212"
    book.save(demo_book)
    out = tmp_path / "pub"
    r = run("publish", str(demo_book), "--out", str(out))
    assert r.exit_code == 1, r.output
    cells = re.findall(r"Utförare!([A-Z]+)\d+", r.output)
    assert cells and set(cells) == {address}, r.output  # A here; the contract's order has Adress elsewhere
    assert "19121212-1212" not in r.output
