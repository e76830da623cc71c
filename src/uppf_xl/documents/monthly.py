"""The monthly check's drill-down file (`month-in --detaljer`): the flagged visits by pseudonym.

`uppf_xl.monthly` finds the visits; this writes them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from uppf_xl import guard
from uppf_xl.workbook.output import write_plain_table


def write_details(path: Path, flagged: pl.DataFrame) -> int:
    """The drill-down file: every flagged visit, customers and staff by pseudonym only.

    Its texts pass the personal-data guard like every other output (a pseudonym holds no
    digit, so it never looks like a personnummer); each distinct text is checked once.
    """
    checker = guard.current()
    checker.filename(path.name)
    texts = sorted({v for c in ("month", "provider", "kind", "customer", "staff")
                    for v in flagged.get_column(c).drop_nulls().unique().to_list()})
    safe = dict(zip(texts, checker.texts(f"Kalkylbladet {path.name}", [(t, True, False) for t in texts])))
    header = ["Månad", "UtförarID", "Avvikelse", "Brukare (pseudonym)", "Personal (pseudonym)", "Start", "Slut",
              "Minuter", "Registrering", "Registrerad"]
    rows = (
        [safe.get(row["month"]), safe.get(row["provider"]), safe.get(row["kind"]), safe.get(row["customer"]),
         safe.get(row["staff"]), row["start"], row["end"], round(row["minutes"], 1),
         "Manuell" if row["manual"] else "Elektronisk", row["registered"]]
        for row in flagged.iter_rows(named=True)
    )
    return write_plain_table(path, "Flaggade besök", "tblFlaggadeBesok", header, rows,
                             widths=(9, 11, 22, 20, 21, 17, 17, 9, 12, 17))
