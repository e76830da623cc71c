"""kolada-in: the shipped sample in both formats gives the same Nyckeltal; offline; errors."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from python_calamine import CalamineWorkbook

from conftest import DATA, DEMO_TODAY
from uppf_xl import kolada
from uppf_xl.cli import main
from uppf_xl.workbook import open_workbook

SAMPLE = DATA / "kolada"
JSON_FILES = sorted(SAMPLE.glob("*.json"))
CSV_FILES = sorted(SAMPLE.glob("*.csv"))


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, [*args, "--today", DEMO_TODAY.isoformat()])
    assert "Traceback" not in result.output, result.output
    return result


def nyckeltal(book: Path) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Nyckeltal").to_python()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("kolada-in tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_json_and_csv_give_the_same_nyckeltal(demo_book: Path, tmp_path: Path, no_network: None) -> None:
    other = tmp_path / "csv.xlsx"
    shutil.copyfile(demo_book, other)
    a = run("kolada-in", str(demo_book), *map(str, JSON_FILES))
    b = run("kolada-in", str(other), *map(str, CSV_FILES))
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert "Kolada: 76 värden för 11 utförare och 3 nyckeltal ur 3 filer." in a.output
    assert "Kolada: 76 värden för 11 utförare och 3 nyckeltal ur 1 fil." in b.output
    rows_a, rows_b = nyckeltal(demo_book), nyckeltal(other)
    assert rows_a == rows_b
    assert rows_a[0] == ["KPI", "Nyckeltal", "Kolada-ID", "UtförarID", "År", "Kön", "Värde", "Kommunen", "Riket"]
    by_key = {(r[0], r[3], int(r[4]), r[5]): r for r in rows_a[1:]}
    row = by_key[("U21468", "U001", 2024, "T")]
    assert row[1] == "Brukarbedömning hemtjänst äldreomsorg – helhetssyn, andel (%)"
    assert row[2] == "V21E18990101" and (row[6], row[7], row[8]) == (81.0, 86.0, 87.0)
    assert by_key[("U21468", "U001", 2024, "K")][6:] == [82.5, 87.0, 88.0]
    assert by_key[("U21401", "U006", 2024, "T")][6] == ""  # no value in Kolada: an empty cell, not 0
    assert ("U21468", "U032", 2023, "T") not in by_key  # started later: no value that year


def test_reimport_replaces_the_same_values_and_keeps_others(demo_book: Path, tmp_path: Path) -> None:
    assert run("kolada-in", str(demo_book), *map(str, JSON_FILES)).exit_code == 0
    changed = json.loads((SAMPLE / "kolada_oudata_2024.json").read_text(encoding="utf-8"))
    changed["values"] = [v for v in changed["values"] if v["ou"] == "V21E18990101" and v["kpi"] == "U21468" and v["period"] == 2024]
    changed["values"][0]["values"] = [{"gender": "T", "value": 99.5, "status": "", "count": 1}]
    new = tmp_path / "ny.json"
    new.write_text(json.dumps(changed), encoding="utf-8")
    r = run("kolada-in", str(demo_book), str(new))
    assert r.exit_code == 0, r.output
    rows = nyckeltal(demo_book)[1:]
    assert len(rows) == 76
    by_key = {(r[0], r[3], int(r[4]), r[5]): r for r in rows}
    assert by_key[("U21468", "U001", 2024, "T")][6] == 99.5
    assert by_key[("U21468", "U001", 2024, "T")][7] == ""  # the new file has no municipality value
    assert by_key[("U21468", "U001", 2024, "K")][6] == 82.5
    assert "saknar kommunens värde" in r.output


def test_units_without_provider_and_providers_without_values_are_named(demo_book: Path, tmp_path: Path) -> None:
    path = tmp_path / "enhet.csv"
    path.write_text("Nyckeltals-ID;Enhets-ID;År;Kön;Värde\nU21468;V21E18999999;2024;Totalt;70,5\n", encoding="cp1252")
    r = run("kolada-in", str(demo_book), str(path))
    assert r.exit_code == 0
    assert "1 enheter i filerna har ingen utförare med det Kolada-ID:t (fyll i Kolada-ID i Utförare): V21E18999999" in r.output
    assert "Inga värden i filerna för 11 utförare med Kolada-ID" in r.output
    assert open_workbook(demo_book).register(DEMO_TODAY).kpis == []


def test_a_file_that_is_not_from_kolada_is_refused_and_nothing_is_written(demo_book: Path, tmp_path: Path) -> None:
    before = demo_book.read_bytes()
    bad = tmp_path / "fel.json"
    bad.write_text('{"rader": []}', encoding="utf-8")
    r = run("kolada-in", str(demo_book), str(bad))
    assert r.exit_code == 3
    assert 'fel.json: nyckeln "values" saknas' in r.output
    csv = tmp_path / "fel.csv"
    csv.write_text("a;b\n1;2\n", encoding="utf-8")
    r = run("kolada-in", str(demo_book), str(csv))
    assert r.exit_code == 3 and "fel.csv: kolumnen Nyckeltals-id, År, Värde saknas" in r.output
    assert demo_book.read_bytes() == before


def test_reading_details() -> None:
    assert kolada.unit_municipality("V21E18990101") == "1899"
    assert kolada.unit_municipality("ABC") is None
    data = kolada.read_files(CSV_FILES)
    assert data.municipalities[("U21468", "0000", 2024, "M")] == 85.0
    assert data.titles["U21401"].startswith("Personalkontinuitet")
