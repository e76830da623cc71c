"""month-in: each planted deviation is flagged where planted and nowhere else; nothing personal leaks."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import DEMO_TODAY
from month_exports import CLEAN, DIALECTS, EXPECTED, Scenario, scenario, write
from uppf_xl import actions, monthly, monthly_read
from uppf_xl.documents import monthly as monthly_doc
from uppf_xl.cli import main
from uppf_xl.errors import ExportInvalid
from uppf_xl.monthly_sample import PLANTS
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes

MONTH = "2025-10"
TODAY = DEMO_TODAY


@pytest.fixture(scope="module")
def planned_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from uppf_xl.workbook.initbook import create_workbook

    path = tmp_path_factory.mktemp("month") / "plan.xlsx"
    create_workbook(path, demo=True, today=TODAY)
    actions.plan(open_workbook(path), 2025, date(2025, 1, 10))
    return path


@pytest.fixture
def book(planned_master: Path, tmp_path: Path) -> Path:
    path = tmp_path / "uppfoljning.xlsx"
    shutil.copyfile(planned_master, path)
    return path


@pytest.fixture(scope="module")
def case(planned_master: Path) -> Scenario:
    return scenario(open_workbook(planned_master).register(TODAY), MONTH)


def _codes(results: list) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in results:
        out[r.provider_id] = {code for code, label in monthly.KINDS.items() if label in r.deviations}
    return out


def test_each_deviation_is_flagged_exactly_where_planted(book: Path, case: Scenario, tmp_path: Path) -> None:
    files = write(case, tmp_path / "exp")
    outcome = actions.month_in(open_workbook(book), files, MONTH, False, TODAY)
    register = open_workbook(book).register(TODAY)
    found = _codes(register.monthly)
    expected = {pid: {EXPECTED[plant]} for pid, plant in case.planted.items()} | {pid: set() for pid in case.clean}
    assert found == expected
    assert len(register.monthly) == len(PLANTS) + CLEAN
    proposals = {f.id for f in register.findings if f.id.startswith("M-")}
    assert proposals == {f"M-{MONTH}-{pid}-{EXPECTED[plant]}" for pid, plant in case.planted.items()}
    for f in register.findings:
        if f.id.startswith("M-"):
            assert (f.category.value, f.area, f.confirmed) == ("Avvikelse", "Tidsregistrering", False)
            assert MONTH in f.description and "gräns" in f.description
    assert any("föreslagna iakttagelser" in line for line in outcome.lines)


def test_colours_mark_only_the_planted_counts(case: Scenario, planned_master: Path, tmp_path: Path) -> None:
    register = open_workbook(planned_master).register(TODAY)
    read = monthly_read.read_exports(register, write(case, tmp_path), "nyckel")
    analysis = monthly.analyse(read, register, {MONTH})
    sheet = monthly.monthly_sheet(analysis.results, register.settings)
    rows = {i: r.provider_id for i, r in enumerate(sorted(analysis.results, key=lambda r: r.provider_id), start=2)}
    red = {(rows[c.row], sheet.tables[0].header[c.col - 1]) for c in sheet.cells if c.style == "red"}
    label = {"DUB": "Dubbelregistreringar", "KORT": "Korta besök", "TATT": "Tätt efter varandra"}
    assert red == {(pid, label[EXPECTED[p]]) for pid, p in case.planted.items() if EXPECTED[p] in label}
    rules = {(cf.ref[0], cf.kind, cf.value) for cf in sheet.conditional}
    assert ("G", "less", 0.75) in rules and ("G", "greater", 1.0) in rules and ("M", "greater", 15.0) in rules


def test_reimport_replaces_the_month_keeps_others_and_proposes_nothing_twice(book: Path, case: Scenario, tmp_path: Path,
                                                                          planned_master: Path) -> None:
    september = scenario(open_workbook(planned_master).register(TODAY), "2025-09", seed=9)
    actions.month_in(open_workbook(book), write(september, tmp_path / "sep"), None, False, TODAY)
    files = write(case, tmp_path / "okt")
    actions.month_in(open_workbook(book), files, MONTH, False, TODAY)
    first = open_workbook(book).register(TODAY)
    # The administrator deletes one proposal; a re-import must not bring it back.
    dropped = next(f for f in first.findings if f.id.startswith(f"M-{MONTH}"))
    outcome = actions.month_in(open_workbook(book), files, MONTH, False, date(2025, 11, 24))
    again = open_workbook(book).register(TODAY)
    assert sorted((r.month, r.provider_id) for r in again.monthly) == sorted((r.month, r.provider_id) for r in first.monthly)
    assert {r.month for r in again.monthly} == {"2025-09", MONTH}
    assert [f.id for f in again.findings] == [f.id for f in first.findings]
    assert not any("föreslagna" in line for line in outcome.lines)
    assert dropped.id in {f.id for f in again.findings}


def test_the_month_row_is_marked_done_and_a_typed_date_is_kept(book: Path, case: Scenario, tmp_path: Path) -> None:
    wb = open_workbook(book)
    register = wb.register(TODAY)
    rows = [r for r in register.schedule if r.type_id == "MAN" and r.period == MONTH]
    exported = set(case.planted) | set(case.clean)
    mine = [r for r in rows if r.provider_id in exported and r.done is None]
    assert len(mine) >= 2
    typed = date(2025, 11, 3)
    wb.apply(Changes(patches=[CellPatch("Årshjul", {(mine[0].row, "Genomförd"): typed})]), "test", "typed")
    actions.month_in(open_workbook(book), write(case, tmp_path), MONTH, False, TODAY)
    after = {r.key: r for r in open_workbook(book).register(TODAY).schedule}
    assert after[mine[0].key].done == typed
    assert all(after[r.key].done == TODAY and after[r.key].status == "Genomförd" for r in mine[1:])
    others = [r for r in rows if r.provider_id not in exported]
    assert all(after[r.key].done == r.done for r in others)


@pytest.mark.parametrize("dialect", DIALECTS[1:])
def test_every_dialect_reads_the_same(dialect: str, case: Scenario, planned_master: Path, tmp_path: Path) -> None:
    register = open_workbook(planned_master).register(TODAY)

    def results(d: str) -> list:
        read = monthly_read.read_exports(register, write(case, tmp_path / d, d), "nyckel")
        assert read.problems == []
        return monthly.analyse(read, register, None).results

    assert results(dialect) == results(DIALECTS[0])


def test_no_customer_or_staff_identity_is_written_or_printed(book: Path, case: Scenario, tmp_path: Path) -> None:
    files = write(case, tmp_path / "exp", "cp1252-semikolon")
    out_dir = tmp_path / "ut"
    result = CliRunner().invoke(main, ["month-in", str(book), *map(str, files), "--detaljer", "--today", TODAY.isoformat()],
                                env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "flaggade besök" in result.output
    written = [p for p in book.parent.rglob("*") if p.is_file() and p.parent != files[0].parent]
    assert any(p.name.endswith("_detaljer.xlsx") for p in written)
    blobs = [result.output.encode("utf-8")]
    for path in written:
        data = path.read_bytes()
        blobs.append(data)
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                blobs.extend(zf.read(n) for n in zf.namelist())
    identities = case.export.customers | case.export.staff
    assert len(identities) > 100
    for who in identities:
        for form in {who, who.replace("-", "")}:
            needle = form.encode("utf-8")
            assert not any(needle in blob for blob in blobs), f"{form} finns i det som skrevs"
    del out_dir


def test_bad_values_are_named_by_file_and_line_and_the_workbook_is_untouched(book: Path, case: Scenario,
                                                                            tmp_path: Path) -> None:
    visits, granted = write(case, tmp_path)
    lines = visits.read_text(encoding="utf-8").splitlines()

    def put(index: int, column: int, value: str) -> None:
        parts = lines[index].split(";")
        parts[column] = value
        lines[index] = ";".join(parts)

    put(1451, 4, "25:61")  # file line 1452
    put(10, 3, "2025-10-32")
    put(20, 0, "Okänd Omsorg AB")
    visits.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = book.read_bytes()
    with pytest.raises(ExportInvalid) as caught:
        actions.month_in(open_workbook(book), [visits, granted], MONTH, False, TODAY)
    assert caught.value.details == [
        f'Fel: {visits.name}:21: utföraren "Okänd Omsorg AB" finns inte i Utförare (UtförarID, Namn eller Organisationsnummer)',
        f'Fel: {visits.name}:11: "2025-10-32" är inget datum (skriv ÅÅÅÅ-MM-DD)',
        f'Fel: {visits.name}:1452: "25:61" är ingen tid',
    ]
    assert book.read_bytes() == before
    result = CliRunner().invoke(main, ["month-in", str(book), str(visits), "--today", TODAY.isoformat()])
    assert result.exit_code == 1
    assert f'{visits.name}:1452: "25:61" är ingen tid' in result.output
    assert book.read_bytes() == before


def test_a_missing_column_names_the_importformat_row(book: Path, case: Scenario, tmp_path: Path) -> None:
    visits, _ = write(case, tmp_path)
    text = visits.read_text(encoding="utf-8").replace("Registreringssätt", "Sätt", 1)
    visits.write_text(text, encoding="utf-8")
    with pytest.raises(ExportInvalid) as caught:
        actions.month_in(open_workbook(book), [visits], MONTH, False, TODAY)
    assert caught.value.details == [
        f'Fel: {visits.name}: kolumnen "Registreringssätt" saknas i exporten; rätta raden Registrering på bladet '
        "Importformat (Importformat!B8) eller exporten"
    ]


def test_trend_charts_on_oversikt_and_the_report_section(book: Path, case: Scenario, tmp_path: Path) -> None:
    from uppf_xl import report, schedule

    actions.month_in(open_workbook(book), write(case, tmp_path), MONTH, False, TODAY)
    actions.status(open_workbook(book), 2025, TODAY)  # a later status run keeps the monthly section
    ws = load_workbook(book)["Översikt"]
    titles = {c.title.tx.rich.p[0].r[0].t for c in ws._charts if c.title is not None}
    assert {"Andel utförd av beviljad", "Dubbelregistreringar", "Personalkontinuitet"} <= titles
    register = open_workbook(book).register(TODAY)
    rows = schedule.refresh_statuses(register.schedule, register.settings, TODAY)
    namnd = register.provider(next(iter(case.planted))).namnd  # type: ignore[union-attr]
    rep = report.build_report(register, rows, 2025, "år", namnd, TODAY)
    assert rep.monthly.header == monthly.REPORT_HEADER
    assert rep.monthly.rows[0][0] == "Kontrollerade (1 månader)"
    assert any(r[0] == "Dubbelregistreringar" for r in rep.monthly.rows) or namnd != register.provider(
        next(p for p, k in case.planted.items() if k == "dubbel")).namnd  # type: ignore[union-attr]


def test_a_pseudonym_never_looks_like_a_personnummer_or_a_number() -> None:
    import re

    from uppf_xl import guard
    from uppf_xl.monthly_read import pseudonym

    seen = set()
    for i in range(3000):
        for kind in ("brukare", "personal"):
            p = pseudonym("nyckel", kind, f"19{i:06d}-{i % 10000:04d}")
            assert re.fullmatch(r"[BP]-[bcdfghjklmnpqrstvwxz]{12}", p), p
            assert guard.find(f"Brukare {p} i texten") == []
            seen.add(p)
    assert len(seen) == 6000
    assert pseudonym("nyckel", "brukare", "x") == pseudonym("nyckel", "brukare", "x") != pseudonym("annan", "brukare", "x")


def test_the_drill_down_passes_the_personal_data_guard(case: Scenario, planned_master: Path, tmp_path: Path) -> None:
    import polars as pl

    from uppf_xl.errors import PersonalDataFound

    register = open_workbook(planned_master).register(TODAY)
    analysis = monthly.analyse(monthly_read.read_exports(register, write(case, tmp_path), "nyckel"), register, {MONTH})
    assert analysis.flagged.height and analysis.flagged["customer"].str.contains(r"\d").not_().all()
    ok = tmp_path / "ut" / "ok_detaljer.xlsx"
    assert monthly_doc.write_details(ok, analysis.flagged) == analysis.flagged.height
    columns = load_workbook(ok).active.column_dimensions
    assert columns["F"].width == 17  # wide enough for a date and time, not "###"
    leaking = analysis.flagged.with_columns(pl.lit("19121212-1212").alias("customer"))
    bad = tmp_path / "ut" / "stopp_detaljer.xlsx"
    with pytest.raises(PersonalDataFound):
        monthly_doc.write_details(bad, leaking)
    assert not bad.exists()


def test_a_registration_stamp_with_an_impossible_date_is_an_error(case: Scenario, planned_master: Path,
                                                                   tmp_path: Path) -> None:
    register = open_workbook(planned_master).register(TODAY)
    visits, granted = write(case, tmp_path)
    lines = visits.read_text(encoding="utf-8").splitlines()
    for index, value in ((5, "2025-13-01 07:00"), (6, "07:56")):  # the second is a time of day: on the visit's date
        parts = lines[index].split(";")
        parts[7] = value
        lines[index] = ";".join(parts)
    visits.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = monthly_read.read_exports(register, [visits, granted], "nyckel")
    assert read.problems == [f'{visits.name}:6: "2025-13-01 07:00" är ingen tidpunkt (skriv ÅÅÅÅ-MM-DD TT:MM)']


def test_the_progress_bar_counts_the_files_the_analysis_and_the_writing(book: Path, case: Scenario, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    files = write(case, tmp_path)
    actions.month_in(open_workbook(book), files, MONTH, False, TODAY, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_an_export_split_over_two_files_gives_the_same_figures_and_pseudonyms(case: Scenario, planned_master: Path,
                                                                              tmp_path: Path) -> None:
    """The second file's customers and staff get the first file's codes where they meet again."""
    register = open_workbook(planned_master).register(TODAY)
    visits, granted = write(case, tmp_path / "hel")
    header, *rows = visits.read_text(encoding="utf-8").splitlines()
    rows = rows[1::2] + rows[::2]  # the halves share customers and staff, in another order
    halves = [tmp_path / "del1.csv", tmp_path / "del2.csv"]
    for path, part in zip(halves, (rows[: len(rows) // 2], rows[len(rows) // 2:])):
        path.write_text("\n".join([header, *part]) + "\n", encoding="utf-8")
    whole = monthly.analyse(monthly_read.read_exports(register, [visits, granted], "nyckel"), register, {MONTH})
    split = monthly.analyse(monthly_read.read_exports(register, [*halves, granted], "nyckel"), register, {MONTH})
    assert split.results == whole.results and whole.deviations
    columns = ["month", "provider", "kind", "customer", "staff", "start", "end"]
    assert whole.flagged.height
    assert split.flagged.select(columns).sort(columns).equals(whole.flagged.select(columns).sort(columns))


def test_the_quick_read_of_a_clean_export_and_the_careful_read_agree(case: Scenario, planned_master: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean CSV gets its dates and registration times parsed while it is read; a file with one
    value that does not parse strictly (a bare clock time, read on the visit's date) takes the
    careful path. Both give what the careful path gives."""
    register = open_workbook(planned_master).register(TODAY)
    visits, granted = write(case, tmp_path / "ren")
    header, *rows = visits.read_text(encoding="utf-8").splitlines()
    names = header.split(";")
    day, at = names.index("Datum"), names.index("Registrerad")
    n = next(i for i in range(len(rows) // 2, len(rows)) if rows[i].split(";")[at].startswith(rows[i].split(";")[day]))
    cells = rows[n].split(";")
    cells[at] = cells[at][11:]  # "2025-10-14 08:41" -> "08:41", on the visit's date
    odd = tmp_path / "udda.csv"
    odd.write_text("\n".join([header, *rows[:n], ";".join(cells), *rows[n + 1:]]) + "\n", encoding="utf-8")
    taken: list[bool] = []
    quick_csv = monthly_read._quick_csv

    def watched(*args: object) -> object:
        out = quick_csv(*args)  # type: ignore[arg-type]
        taken.append(out is not None)
        return out

    monkeypatch.setattr(monthly_read, "_quick_csv", watched)

    def read(files: list[Path]) -> pl.DataFrame:
        """The visits with each code as its pseudonym (the codes' numbering is the reader's own)."""
        out = monthly_read.read_exports(register, files, "nyckel")
        assert out.problems == []
        v = out.visits
        return v.with_columns(pl.col(c).replace_strict(out.pseudonyms.of(role, v.get_column(c).unique().to_list()),
                                                       return_dtype=pl.String)
                              for c, role in (("customer", "customer"), ("staff", "staff")))

    quick = [read([visits, granted]), read([odd, granted])]
    assert taken == [True, True, False, True]  # visits, granted, the odd visits, granted
    monkeypatch.setattr(monthly_read, "QUICK_TYPES", {})
    careful = [read([visits, granted]), read([odd, granted])]
    for a, b in zip(quick, careful):
        assert a.equals(b)
    assert quick[0].equals(quick[1])
