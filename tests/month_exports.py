"""Exports for the monthly check's tests: one provider per planted deviation, and clean ones.

`scenario` picks providers from the demo workbook: nine get one plant each (see
uppf_xl.monthly_sample), four stay clean. The export names providers the ways real systems
do: by UtförarID, by name, by organisationsnummer. `write` puts the same export on disk in
each dialect the reader must accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from uppf_xl.model import Register
from uppf_xl.monthly_sample import GRANTED_COLUMNS, PLANTS, VISIT_COLUMNS, Export, generate, write_csv, write_xlsx

# plant -> the deviation code month-in must report for it (uppf_xl.monthly.KINDS)
EXPECTED = {
    "utford_lag": "UTF", "utford_hog": "UTF", "manuell": "MAN", "efter": "EFT", "dubbel": "DUB", "korta": "KORT",
    "tatt": "TATT", "kontinuitet": "KONT", "samma": "SAMMA",
}
CLEAN = 4
DIALECTS = ("utf8-semikolon", "cp1252-semikolon", "utf8-komma", "xlsx")


@dataclass
class Scenario:
    month: str
    export: Export
    planted: dict[str, str]  # UtförarID -> plant
    clean: list[str]  # UtförarID


def scenario(register: Register, month: str, customers: int = 12, seed: int = 3) -> Scenario:
    chosen = sorted(register.providers, key=lambda p: p.id)[: len(PLANTS) + CLEAN]
    labels: list[tuple[str, str]] = []
    for i, p in enumerate(chosen):
        label = p.orgnr if (i % 3 == 2 and p.orgnr) else (p.name if i % 3 == 1 else p.id)
        labels.append((label, p.name))
    plants_by_label = {labels[i][0]: plant for i, plant in enumerate(PLANTS)}
    export = generate(labels, month, plants_by_label, customers=customers, seed=seed)
    planted = {chosen[i].id: plant for i, plant in enumerate(PLANTS)}
    return Scenario(month, export, planted, [p.id for p in chosen[len(PLANTS):]])


def write(s: Scenario, folder: Path, dialect: str = "utf8-semikolon") -> list[Path]:
    """The visits and granted-time exports of `s` in one dialect; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    visits, granted = folder / f"tid_{s.month}", folder / f"beviljat_{s.month}"
    if dialect == "xlsx":
        write_xlsx(visits.with_suffix(".xlsx"), s.export.visits, VISIT_COLUMNS)
        write_xlsx(granted.with_suffix(".xlsx"), s.export.granted, GRANTED_COLUMNS)
        return [visits.with_suffix(".xlsx"), granted.with_suffix(".xlsx")]
    encoding = "cp1252" if dialect.startswith("cp1252") else "utf-8"
    sep = "," if dialect.endswith("komma") else ";"
    write_csv(visits.with_suffix(".csv"), s.export.visits, VISIT_COLUMNS, sep=sep, encoding=encoding)
    write_csv(granted.with_suffix(".csv"), s.export.granted, GRANTED_COLUMNS, sep=sep, encoding=encoding)
    return [visits.with_suffix(".csv"), granted.with_suffix(".csv")]
