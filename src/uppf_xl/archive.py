"""Closed years out of the Årshjul, and what they leave behind (`uppf-xl archive`).

After some years most of the Årshjul is history. `archive` moves the finished rows of the
years before a given year (default: last year) to an archive workbook beside the main one
(`<namn>-arkiv.xlsx`, sheet Årshjul, every column and every cell as it was). A row moves when

- its year is before the cut-off year,
- it is finished: it has Genomförd, or its Status is Utgår,
- and no finding names it (Iakttagelser's Nyckel or Uppföljs vid).

Everything else stays, above all the backlog: rows of earlier years neither done nor Utgår.

What the computations need from the archived rows stays in the hidden sheet Arkiv, one row
per provider and follow-up type: the latest archived row with Genomförd (its Nyckel and date),
the number of archived rows, and how many were done each year. From it come the intervals
(Vartannat år, a missed Vid start), coverage, the provider's latest follow-up on the public
pages and the effect section's comparison with earlier years. The archive file is the source:
Arkiv is rebuilt from all of it on every archive run.

`archive --återställ` moves every archived row back; the archive file is removed afterwards.

Example:
    >>> pairs = summarize([row_2025_done])                           # doctest: +SKIP
    >>> pairs[0].done_by_year                                        # doctest: +SKIP
    {2025: 1}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from uppf_xl import contract
from uppf_xl.errors import ERROR, WARNING, Problem
from uppf_xl.model import ArchivedPair, Register, ScheduleRow
from uppf_xl.period import Nyckel
from uppf_xl.vocab import Interval, RowStatus
from uppf_xl.workbook.content import SheetContent, TableBlock, Value

SUFFIX = "-arkiv.xlsx"
_STAND_INS = "archive.stand_ins"  # the Register.memo key
_COUNT = re.compile(r"\s*(\d{4})\s*:\s*(\d+)\s*")


def archive_path(workbook: Path) -> Path:
    """The archive workbook beside `workbook`: uppfoljning.xlsx -> uppfoljning-arkiv.xlsx."""
    return workbook.with_name(workbook.stem + SUFFIX)


def named_keys(register: Register) -> set[str]:
    """The Årshjul keys a finding names (Nyckel, Uppföljs vid): those rows never move."""
    out: set[str] = set()
    for f in register.findings:
        if f.key:
            out.add(str(f.key))
        if f.verify_at:
            out.add(f.verify_at.strip())
    return out


def movable(register: Register, rows: Iterable[ScheduleRow], before: int) -> list[ScheduleRow]:
    """The finished rows of the years before `before` that no finding names."""
    named = named_keys(register)
    out = []
    for r in rows:
        year = r.period.year
        if year is None or year >= before or r.key in named:
            continue
        if r.done is not None or r.status is RowStatus.UTGAR:
            out.append(r)
    return out


def summarize(rows: Iterable[ScheduleRow], before: int) -> list[ArchivedPair]:
    """One Arkiv row per (UtförarID, TypID) of the archived rows, sorted."""
    groups: dict[tuple[str, str], ArchivedPair] = {}
    for r in rows:
        k = (r.provider_id, r.type_id)
        pair = groups.get(k)
        if pair is None:
            pair = groups[k] = ArchivedPair(r.provider_id, r.type_id, None, None, 0, {}, before)
        pair.rows += 1
        if r.done is None:
            continue
        pair.done_by_year[r.done.year] = pair.done_by_year.get(r.done.year, 0) + 1
        if pair.last_done is None or (r.done, r.key) > (pair.last_done, pair.key or ""):
            pair.last_done, pair.key = r.done, r.key
    for pair in groups.values():
        pair.done_by_year = dict(sorted(pair.done_by_year.items()))
    return [groups[k] for k in sorted(groups)]


def format_counts(counts: dict[int, int]) -> str:
    """The text of Genomförda per år.

    >>> format_counts({2025: 2, 2026: 1})
    '2025: 2; 2026: 1'
    """
    return "; ".join(f"{y}: {n}" for y, n in sorted(counts.items()))


def parse_counts(text: str) -> dict[int, int] | None:
    """Genomförda per år read back; None when the text is not in that form.

    >>> parse_counts("2025: 2; 2026: 1")
    {2025: 2, 2026: 1}
    >>> parse_counts("två") is None
    True
    """
    out: dict[int, int] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        m = _COUNT.fullmatch(part)
        if m is None:
            return None
        out[int(m.group(1))] = out.get(int(m.group(1)), 0) + int(m.group(2))
    return out


def archived_before(register: Register) -> int | None:
    """The cut-off of the archive: its rows are of the years before this one (None: no archive)."""
    return max((p.before for p in register.archived), default=None)


def stand_ins(register: Register) -> list[ScheduleRow]:
    """One Genomförd row per archived pair: its latest archived follow-up (key, date, names).

    For the rules that ask when a provider and type were last followed up (intervals, a
    missed Vartannat år, coverage, the public pages). Never written anywhere.
    """
    memo = register.memo.get(_STAND_INS)
    if isinstance(memo, list):
        return memo
    out = []
    for p in register.archived:
        if p.key is None or p.last_done is None:
            continue
        provider, ftype = register.provider(p.provider_id), register.type(p.type_id)
        out.append(ScheduleRow(
            key=p.key, provider_id=p.provider_id, provider_name=provider.name if provider else "",
            area=provider.area if provider else "", namnd=provider.namnd if provider else "",
            type_id=p.type_id, type_name=ftype.name if ftype else p.type_id, period=p.key.period, due=None,
            done=p.last_done, status=RowStatus.GENOMFORD,
        ))
    register.memo[_STAND_INS] = out
    return out


def done_in(register: Register, provider_ids: set[str], year: int, skip: frozenset[Interval] = frozenset()) -> int:
    """Archived rows of these providers done in `year`, types with an interval in `skip` left out."""
    total = 0
    for p in register.archived:
        if p.provider_id not in provider_ids:
            continue
        ftype = register.type(p.type_id)
        if ftype is not None and ftype.interval in skip:
            continue
        total += p.done_by_year.get(year, 0)
    return total


def check_archive(register: Register, workbook: Path) -> list[Problem]:
    """What `check` says about the archive workbook beside `workbook`: every problem in its
    cells (an old year broken there is reported like one in Årshjul), a missing or stray
    archive file, and pairs whose Arkiv row no longer matches the archive's rows."""
    from uppf_xl.errors import FileAccessError
    from uppf_xl.workbook.archive_file import archive_rows

    path = archive_path(workbook)
    if not path.exists():
        if not register.archived:
            return []
        moved = sum(p.rows for p in register.archived)
        return [Problem(ERROR, contract.ARCHIVE.name, "", f"{missing_text(path, workbook.name)} ({moved} rader); lägg "
                                                          "tillbaka filen (archive och --återställ stoppas tills den "
                                                          "är tillbaka)")]
    try:
        rows, problems = archive_rows(path)
    except FileAccessError as exc:
        return [Problem(ERROR, path.name, "", str(exc))]
    if not register.archived:
        return [*problems, Problem(WARNING, path.name, "", f"filen ligger bredvid {workbook.name}, men arbetsboken har "
                                                           "inget arkiverat (bladet Arkiv är tomt); den hör till en "
                                                           "annan arbetsbok. Flytta eller döp om den")]
    if any(p.is_error for p in problems):
        return problems
    expected = {(p.provider_id, p.type_id): p for p in summarize(rows, archived_before(register) or 0)}
    written = {(p.provider_id, p.type_id): p for p in register.archived}
    differ = sorted(k for k in expected.keys() | written.keys() if expected.get(k) != written.get(k))
    if differ:
        shown = ", ".join(f"{provider}/{ftype}" for provider, ftype in differ[:5]) + (" ..." if len(differ) > 5 else "")
        problems.append(Problem(WARNING, contract.ARCHIVE.name, "", (
            f"bladet stämmer inte med {path.name} för {len(differ)} utförare och typer ({shown}); intervall, "
            f"täckning och effektjämförelser räknar med bladet. Kör uppf-xl archive {workbook.name} så räknas det "
            "om från arkivet")))
    return problems


def missing_text(path: Path, workbook: str) -> str:
    """What `archive` and `check` say when the archive file is gone but Arkiv shows rows moved there."""
    return f"arkivet {path.name} saknas bredvid {workbook}, men det dolda bladet Arkiv visar att rader har arkiverats dit"


def merged(archived: list[ScheduleRow], moved: list[ScheduleRow]) -> list[ScheduleRow]:
    """The archive's rows with `moved` added; a moved row replaces an archived one of its key."""
    keys = {r.key for r in moved}
    rows = [r for r in archived if r.key not in keys] + list(moved)
    return sorted(rows, key=_order)


def restored(kept: list[ScheduleRow], archived: list[ScheduleRow]) -> tuple[list[ScheduleRow], int]:
    """The Årshjul with the archived rows back in year order; a key already in the sheet wins.

    Returns the rows and how many archived rows were left out because their key was there.
    """
    present = {r.key for r in kept}
    back = [r for r in archived if r.key not in present]
    rows = sorted([*kept, *back], key=lambda r: (r.period.year or 0,))  # stable: each year's order stays
    return rows, len(archived) - len(back)


def _order(row: ScheduleRow) -> tuple[int, str, str, str]:
    return (row.period.year or 0, row.provider_id, row.type_id, str(row.period))


def summary_sheet(pairs: list[ArchivedPair]) -> SheetContent:
    """The whole hidden sheet Arkiv."""
    sheet = contract.ARCHIVE
    rows: list[list[Value]] = [
        [p.provider_id, p.type_id, str(p.key) if p.key else None, p.last_done, p.rows, format_counts(p.done_by_year),
         p.before]
        for p in pairs
    ]
    block = TableBlock(sheet.table, 1, 1, sheet.headers, rows,
                       styles={"Senast genomförd": "date", "UtförarID": "text", "TypID": "text", "Nyckel": "text",
                               "Genomförda per år": "text"})
    widths = sheet.widths
    return SheetContent(sheet.name, tables=[block], widths=widths, freeze="A2")


def key_of(text: str) -> Nyckel | None:
    """A Nyckel read back from Arkiv, or None when empty."""
    text = text.strip()
    return Nyckel(text) if text else None


def lines(moved: int, kept: int, before: int, path: Path, total: int, workbook: str) -> list[str]:
    """What `archive` tells the user."""
    if not moved:
        return [f"Inga avslutade rader före {before} att arkivera; Årshjul har {kept} rader. Arkivet {path.name} "
                f"har {total} rader."]
    return [
        f"Flyttade {moved} avslutade rader från åren före {before} till {path.name} (arkivet har nu {total} rader).",
        f"Årshjul har kvar {kept} rader: åren från {before}, eftersläpningen (rader varken genomförda eller Utgår) "
        "och rader som en iakttagelse pekar på.",
        "Intervall, täckning och jämförelsen med tidigare år räknar fortfarande med de arkiverade raderna "
        "(det dolda bladet Arkiv). Ångra med "
        f"uppf-xl archive {workbook} --återställ.",
    ]


def plan_hint(register: Register, rows: Iterable[ScheduleRow], year: int, today: date, workbook: str) -> list[str]:
    """A line for `plan` when finished rows of the years before last year outnumber the plan
    year's own: the yearly `archive` keeps every command's cost to the year's work."""
    rows = list(rows)
    cut = today.year - 1
    old = len(movable(register, rows, cut))
    this_year = sum(1 for r in rows if r.period.year == year)
    if old <= this_year:
        return []
    return [f"Årshjul har {old} avslutade rader från åren före {cut}, fler än årets {this_year}. "
            f"uppf-xl archive {workbook} flyttar dem till arkivarbetsboken bredvid (och tillbaka med --återställ); "
            "plan och status läser och skriver då bara raderna som står kvar."]
