"""Build tests/data/roundtrip/user_book.xlsm: a workbook carrying everything a user may own.

The base is saved by openpyxl (the contract's Iakttagelser, Årshjul, Logg and Listor tables
and a user's own sheet with formats, a formula and an image); then the parts openpyxl cannot
write are added as Excel writes them: a VBA project (from xlwings' quickstart workbook), a
ribbon (customUI14.xml and customUI.xml with their relationships), a list validation in an
x14 extension block, and a threaded comment with its persons part.

Run: python tests/data/make_roundtrip_fixture.py
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
from lxml import etree
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import Rule
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.table import Table, TableStyleInfo
from PIL import Image as PILImage

from uppf_xl.contract import FINDINGS, LOG, SCHEDULE

OUT = Path(__file__).parent / "roundtrip" / "user_book.xlsm"
FIXED = (2025, 1, 10, 12, 0, 0)
PERSON_ID = "{1D5A7A55-6B1C-4E6F-9C3B-2D4A5B6C7D01}"
COMMENT_ID = "{2E6B8B66-7C2D-4F70-8D4C-3E5B6C7D8E02}"

CUSTOM_UI14 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui">
  <ribbon><tabs><tab id="tabUppf" label="Uppföljning">
    <group id="grpPlan" label="Plan">
      <button id="btnPlan" label="Uppdatera årshjulet" size="large" imageMso="CalendarMonthDetailsSplit" onAction="OnRibbonAction" tag="plan"/>
    </group>
  </tab></tabs></ribbon>
</customUI>"""
CUSTOM_UI = CUSTOM_UI14.replace("2009/07/customui", "2006/01/customui")

X14_VALIDATION = (
    '<extLst><ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>Listor!$A$2:$A$6</xm:f></x14:formula1><xm:sqref>{sqref}</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext></extLst>"
)
THREADED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<threadedComment ref="G2" dT="2025-01-08T10:15:00.00" personId="{PERSON_ID}" id="{COMMENT_ID}">'
    "<text>Kontrollera med MAS innan återkopplingen.</text></threadedComment></ThreadedComments>"
)
PERSONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<person displayName="Anna Andersson" id="{PERSON_ID}" userId="anna.andersson@exempel.se" providerId="None"/>'
    "</personList>"
)
RT_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
RT_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RT_UI = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/ui/extensibility"
RT_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
RT_PERSON = "http://schemas.microsoft.com/office/2017/10/relationships/person"


def _table(ws, name: str, headers: list[str], rows: list[list[object]]) -> None:
    ws.append(headers)
    for row in rows:
        ws.append(row)
    last = openpyxl.utils.get_column_letter(len(headers))
    table = Table(displayName=name, ref=f"A1:{last}{max(len(rows), 1) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"


def _date_format(ws, headers: list[str], kinds: dict[str, str]) -> None:
    for i, h in enumerate(headers, start=1):
        if h in kinds:
            for row in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                for cell in row:
                    cell.number_format = kinds[h]


def base_workbook() -> bytes:
    wb = openpyxl.Workbook()
    wb.properties.created = wb.properties.modified = dt.datetime(*FIXED)
    ws = wb.active
    ws.title = "Iakttagelser"
    d = dt.date
    findings = [
        ["I001", d(2024, 11, 5), "U001", "U001|KVAL|2024", "Avvikelse", "Dokumentation", "Genomförandeplaner saknas", "", d(2024, 11, 6), d(2024, 12, 6), None, None, None, None, "", "", ""],
        ["I002", d(2024, 12, 2), "U002", "", "Allvarlig brist", "Läkemedel", "Signeringslistor ofullständiga", "Brister i läkemedelshantering", d(2024, 12, 3), d(2025, 1, 2), d(2024, 12, 20), None, None, None, "", "", ""],
        ["I003", d(2025, 1, 3), "U003", "", "Gott exempel", "Mat och måltider", "Bra måltidsmiljö", "", None, None, None, None, None, None, "", "", ""],
    ]
    _table(ws, FINDINGS.table, FINDINGS.headers, findings)
    _date_format(ws, FINDINGS.headers, {c.header: "yyyy-mm-dd" for c in FINDINGS.columns if c.kind.value == "date"})
    ws["G2"].comment = Comment("[Trådad kommentar]\nKontrollera med MAS innan återkopplingen.", "Anna Andersson")

    ws = wb.create_sheet("Årshjul")
    schedule = [
        ["U001|KVAL|2025", "U001", "Solgården", "Särskilt boende", "Vård- och omsorgsnämnden", "KVAL", "Kvalitetsuppföljning", "2025",
         d(2025, 12, 31), d(2025, 10, 14), None, "", "", d(2025, 8, 30), None, None, "Planerad", "Eva", "", "", ""],
        ["U002|AVT|2025", "U002", "Hemtjänst Nord", "Hemtjänst", "Vård- och omsorgsnämnden", "AVT", "Avtalsuppföljning", "2025",
         d(2025, 12, 31), d(2025, 3, 12), None, "", "", d(2025, 1, 26), None, None, "Planerad", "Eva", "", "", ""],
    ]
    _table(ws, SCHEDULE.table, SCHEDULE.headers, schedule)
    _date_format(ws, SCHEDULE.headers, {c.header: "yyyy-mm-dd" for c in SCHEDULE.columns if c.kind.value == "date"})
    # What a user adds to the tool's sheet: a dropdown for Ansvarig and a colour for Utgår.
    people = DataValidation(type="list", formula1='"Eva,Anna,Karin"', allow_blank=True)
    people.add("R2:R500")
    ws.add_data_validation(people)
    grey = DifferentialStyle(font=Font(color="FF808080"), fill=PatternFill(bgColor="FFEDEDED"))
    ws.conditional_formatting.add("Q2:Q500", Rule(type="cellIs", operator="equal", formula=['"Utgår"'], dxf=grey))

    ws = wb.create_sheet("Listor")
    _table(ws, "tblListor", ["Kategori"], [["Avvikelse"], ["Allvarlig brist"], ["Förbättringsområde"], ["Förtydligande"], ["Gott exempel"]])

    ws = wb.create_sheet("Mina anteckningar")
    ws["A1"] = "Egen sammanställning"
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["Område", "Belopp"])
    for area, amount in (("Hemtjänst", 125000.5), ("Särskilt boende", 98000.25), ("LSS", 45500)):
        ws.append([area, amount])
    for row in ws.iter_rows(min_row=3, max_row=5, min_col=2, max_col=2):
        row[0].number_format = "#,##0.00 kr"
    ws["A2"].fill = PatternFill("solid", fgColor="FFFFE699")
    ws["B2"].fill = PatternFill("solid", fgColor="FFFFE699")
    ws["A6"] = "Summa"
    ws["B6"] = "=SUM(B3:B5)"
    ws["B6"].font = Font(bold=True)
    ws["B6"].number_format = "#,##0.00 kr"
    ws.column_dimensions["A"].width = 24
    png = io.BytesIO()
    PILImage.new("RGB", (40, 24), (30, 90, 160)).save(png, format="PNG")
    png.seek(0)
    ws.add_image(Image(png), "D2")

    ws = wb.create_sheet("Logg")
    _table(ws, LOG.table, LOG.headers, [[dt.datetime(2025, 1, 9, 8, 30), "init", "Ny arbetsbok", "anna"]])
    _date_format(ws, LOG.headers, {"Tidpunkt": "yyyy-mm-dd hh:mm"})

    # Excel gives every sheet of an .xlsm a code name that ties it to its VBA module.
    for i, sheet in enumerate(wb.worksheets, start=1):
        sheet.sheet_properties.codeName = f"Blad{i}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _vba_project() -> bytes:
    import xlwings

    source = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(source) as zf:
        return zf.read("xl/vbaProject.bin")


def _add_rel(xml: str, rel_id: str, rel_type: str, target: str) -> str:
    return xml.replace("</Relationships>", f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/></Relationships>')


def _to_shared_strings(parts: dict[str, bytes]) -> None:
    """Store texts in xl/sharedStrings.xml as Excel does (openpyxl writes them inline)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings: dict[str, int] = {}
    for name in sorted(n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)):
        root = etree.fromstring(parts[name])
        for c in root.iter(f"{{{main}}}c"):
            if c.get("t") != "inlineStr":
                continue
            inline = c.find(f"{{{main}}}is")
            if inline is None:  # openpyxl's empty text: Excel stores no value at all
                del c.attrib["t"]
                continue
            text = "".join(inline.itertext())
            c.remove(inline)
            c.set("t", "s")
            etree.SubElement(c, f"{{{main}}}v").text = str(strings.setdefault(text, len(strings)))
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    sst = etree.Element(f"{{{main}}}sst", nsmap={None: main}, count=str(len(strings)), uniqueCount=str(len(strings)))
    for text in strings:
        t = etree.SubElement(etree.SubElement(sst, f"{{{main}}}si"), f"{{{main}}}t")
        t.text = text
        if text != text.strip() or "\n" in text:
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    parts["xl/sharedStrings.xml"] = etree.tostring(sst, xml_declaration=True, encoding="UTF-8", standalone=True)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = _add_rel(
        rels, "rIdSst", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings", "sharedStrings.xml"
    ).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )


def build() -> bytes:
    with zipfile.ZipFile(io.BytesIO(base_workbook())) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    ct = ct.replace(
        "</Types>",
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        '<Override PartName="/xl/threadedComments/threadedComment1.xml" ContentType="application/vnd.ms-excel.threadedcomments+xml"/>'
        '<Override PartName="/xl/persons/person.xml" ContentType="application/vnd.ms-excel.person+xml"/></Types>',
    )
    parts["[Content_Types].xml"] = ct.encode()
    # openpyxl stamps the save time as "modified"; a fixed stamp keeps the fixture reproducible.
    parts["docProps/core.xml"] = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-01-10T12:00:00Z", parts["docProps/core.xml"]
    )
    parts["xl/vbaProject.bin"] = _vba_project()
    wb_rels = parts["xl/_rels/workbook.xml.rels"].decode()
    wb_rels = _add_rel(wb_rels, "rIdVba", RT_VBA, "vbaProject.bin")
    wb_rels = _add_rel(wb_rels, "rIdPersons", RT_PERSON, "persons/person.xml")
    parts["xl/_rels/workbook.xml.rels"] = wb_rels.encode()

    parts["customUI/customUI14.xml"] = CUSTOM_UI14.encode()
    parts["customUI/customUI.xml"] = CUSTOM_UI.encode()
    root_rels = parts["_rels/.rels"].decode()
    root_rels = _add_rel(root_rels, "rIdUi14", RT_UI14, "customUI/customUI14.xml")
    root_rels = _add_rel(root_rels, "rIdUi", RT_UI, "customUI/customUI.xml")
    parts["_rels/.rels"] = root_rels.encode()

    _to_shared_strings(parts)
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("</worksheet>", X14_VALIDATION.format(sqref="E2:E200") + "</worksheet>")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    # The user's own validation on the tool's Årshjul (its Kommentar column), which a rewrite keeps.
    schedule = parts["xl/worksheets/sheet2.xml"].decode()
    schedule = schedule.replace("</worksheet>", X14_VALIDATION.format(sqref="S2:S500") + "</worksheet>")
    parts["xl/worksheets/sheet2.xml"] = schedule.encode()
    parts["xl/threadedComments/threadedComment1.xml"] = THREADED.encode()
    parts["xl/persons/person.xml"] = PERSONS.encode()
    sheet_rels = parts["xl/worksheets/_rels/sheet1.xml.rels"].decode()
    sheet_rels = _add_rel(sheet_rels, "rIdThreaded", RT_THREADED, "../threadedComments/threadedComment1.xml")
    parts["xl/worksheets/_rels/sheet1.xml.rels"] = sheet_rels.encode()
    assert re.search(r"xl/media/image1\.png", "\n".join(parts)), "the image was not written"

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        order = ["[Content_Types].xml"] + [n for n in parts if n != "[Content_Types].xml"]
        for name in order:
            info = zipfile.ZipInfo(name, FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, parts[name])
    return out.getvalue()


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(build())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
