"""Letters to providers: kallelser, begäran om åtgärdsplan, påminnelser, återkoppling and
begäran om förtydligande; and the memo to the förvaltningschef, underrättelse om allvarlig brist.

Who signs: the handläggare who owns the item (`uppf_xl.senders`). What was sent is recorded by
--mark-sent: Kallelse skickad (Årshjul), Begäran skickad, Påminnelse skickad and Underrättad
(Iakttagelser). A begäran with Begäran skickad is not written again; a påminnelse goes to every
late plan (deadline: Svar senast, `findings.deadline`) that has none, or whose last one is older
than "Påminnelse igen efter (dagar)" or predates the deadline in force (an extension);
proposals (Bekräftad Nej) get no letter.

`select` decides which letters a run writes and builds each letter's template context;
`uppf_xl.documents.write_letters` renders them (all in memory first, so a template error stops the batch before
any file exists), writes the .docx files, optionally PDF/A copies, an .eml draft per letter
and the send list utskickslista.xlsx. The workbook is never written here: `--mark-sent` gets
a `CellPatch` back (`LetterResult.mark_sent_patch`) for the caller to apply.

Which letters (WORKBOOK.md, Decisions, "Letters"):
- kallelse: visit rows (type with Besök Ja) whose Kallas senast is in the window; without a
  window the rows that are Att kalla and not sent. With a window, rows already sent are
  written again (a re-send), but --mark-sent keeps their first Kallelse skickad date.
- atgardsplan: per provider, its findings with Åtgärdsplan begärd in the window;
- paminnelse: per provider, findings whose deadline (Åtgärdsplan senast, else begärd plus
  Svarstid) is in the window and passed, with no plan received;
- aterkoppling: per provider, findings with Åtgärdsplan godkänd in the window.
Without a window the finding letters take the last 14 days up to today. Only findings of
the action-plan flow count (Avvikelse, Allvarlig brist, Förbättringsområde); Förtydligande
and Gott exempel get no letter. A kallelse uses its type's Mall (default kallelse.docx).
A letter quotes a finding's Sammanfattning för nämnd, else its Beskrivning, after the
personal-data guard (`uppf_xl.guard`): a hit stops the run before any file is written.
Skipped, with the reason in the summary: a provider missing from Utförare or ended before
the visit (or, for finding letters, before today), a visit without a date or in the past.
A provider without E-post gets its letter but no .eml draft.

File names: `<date>_<UtförarID>_<Kind>_<ref>.docx`; the date is the visit date for a
kallelse, the letter's date (today) otherwise; ref is the TypID for a kallelse and, for a
letter covering several findings, the first IakttagelseID in ID order. Characters Windows
forbids become "-"; a name that would repeat in one batch gets "_2", "_3".

Example:
    >>> letters, skipped = plan(register, register.schedule, date(2025, 1, 10), set(KINDS),
    ...                         (None, None))                                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from uppf_xl import findings as fnd
from uppf_xl import guard, statuses
from uppf_xl.contract import FINDINGS, SCHEDULE, CellLocator, default_cell
from uppf_xl.dates import previous_working_day, swedish_date_with_week, swedish_long_date, swedish_month
from uppf_xl.errors import UsageError
from uppf_xl.model import Finding, FollowUpType, Provider, Register, ScheduleRow, Settings
from uppf_xl.senders import Sender, kallelse_owner, sender_for
from uppf_xl.vocab import Avtalsform, Category, Regi, RowStatus
from uppf_xl.workbook.content import CellPatch, Changes, Value

KALLELSE, ATGARDSPLAN, PAMINNELSE, ATERKOPPLING = "kallelse", "atgardsplan", "paminnelse", "aterkoppling"
ANDRAD = "andrad"
KINDS: tuple[str, ...] = (KALLELSE, ATGARDSPLAN, PAMINNELSE, ATERKOPPLING, ANDRAD)
FILE_KIND = {KALLELSE: "Kallelse", ATGARDSPLAN: "Atgardsplan", PAMINNELSE: "Paminnelse", ATERKOPPLING: "Aterkoppling",
             ANDRAD: "AndradTid"}
TEMPLATES = {
    KALLELSE: "kallelse.docx",
    ATGARDSPLAN: "begaran_atgardsplan.docx",
    PAMINNELSE: "paminnelse.docx",
    ATERKOPPLING: "aterkoppling.docx",
    ANDRAD: "andrad_tid.docx",
}
# Singular and plural for the summary.
KIND_NAMES = {
    KALLELSE: ("kallelse", "kallelser"),
    ATGARDSPLAN: ("begäran om åtgärdsplan", "begäranden om åtgärdsplan"),
    PAMINNELSE: ("påminnelse", "påminnelser"),
    ATERKOPPLING: ("återkoppling", "återkopplingar"),
    ANDRAD: ("ändrad tid", "ändrade tider"),
}
# Request for clarification and the memo to the förvaltningschef about a serious deficiency.
FORTYDLIGANDE, UNDERRATTELSE = "fortydligande", "underrattelse"
KINDS += (FORTYDLIGANDE, UNDERRATTELSE)
FILE_KIND.update({FORTYDLIGANDE: "Fortydligande", UNDERRATTELSE: "Underrattelse"})
TEMPLATES.update({FORTYDLIGANDE: "begaran_fortydligande.docx", UNDERRATTELSE: "underrattelse.docx"})
KIND_NAMES.update({
    FORTYDLIGANDE: ("begäran om förtydligande", "begäranden om förtydligande"),
    UNDERRATTELSE: ("underrättelse om allvarlig brist", "underrättelser om allvarlig brist"),
})
FINDING_KINDS = (ATGARDSPLAN, FORTYDLIGANDE, PAMINNELSE, ATERKOPPLING, UNDERRATTELSE)
# The Iakttagelser column --mark-sent fills in for each kind, and whether a later letter
# of the kind moves the date (a påminnelse records the latest one; the others the first).
SENT_COLUMN = {
    ATGARDSPLAN: ("Begäran skickad", False),
    FORTYDLIGANDE: ("Begäran skickad", False),
    PAMINNELSE: ("Påminnelse skickad", True),
    UNDERRATTELSE: ("Underrättad", False),
}
DEFAULT_DAYS_BACK = 14
SEND_LIST = "utskickslista.xlsx"
SEND_LIST_HEADER = ["Utförare", "UtförarID", "E-post", "Fil", "Ämne"]
ARSHJUL_SENT = "Kallelse skickad"

Window = tuple[date | None, date | None]

BASIS = {
    Avtalsform.LOV: "avtalet inom kommunens valfrihetssystem (LOV)",
    Avtalsform.LOU: "det upphandlade avtalet (LOU)",
    Avtalsform.RAMAVTAL: "ramavtalet",
    Avtalsform.DIREKT: "avtalet (direktupphandling)",
    Avtalsform.IOP: "överenskommelsen om idéburet offentligt partnerskap (IOP)",
    Avtalsform.UPPDRAG: "uppdragsbeskrivningen",
}


@dataclass
class Letter:
    """One letter to write: its kind, recipient, the date in its file name and its context."""

    kind: str
    provider: Provider
    day: date
    template: str
    subject: str
    context: dict[str, Any]
    row: ScheduleRow | None = None
    findings: list[Finding] = field(default_factory=list)
    sender: Sender | None = None
    to: str | None = None  # the e-mail address when it is not the provider's
    body: list[str] = field(default_factory=list)  # facts for the e-mail draft
    attachments: list[Path] = field(default_factory=list)  # Bilagor found in Mallmapp
    missing_attachments: list[str] = field(default_factory=list)

    @property
    def email(self) -> str:
        return (self.provider.email if self.to is None else self.to).strip()

    @property
    def ref(self) -> str:
        """TypID for a kallelse, the first IakttagelseID otherwise."""
        return self.row.type_id if self.row is not None else self.findings[0].id

    @property
    def filename(self) -> str:
        parts = [self.day.isoformat(), self.provider.id, FILE_KIND[self.kind], self.ref]
        return "_".join(safe_name_part(p) for p in parts) + ".docx"


@dataclass(frozen=True)
class Skip:
    """A letter that was not written and why (Swedish)."""

    kind: str
    provider_id: str
    ref: str
    reason: str

    @property
    def text(self) -> str:
        return f"{self.provider_id} {self.ref} ({KIND_NAMES[self.kind][0]}): {self.reason}"


@dataclass
class LetterResult:
    """What `documents.write_letters` wrote, what it skipped, and the patch for --mark-sent."""

    files: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    emls: list[Path] = field(default_factory=list)
    send_list: Path | None = None
    skipped: list[Skip] = field(default_factory=list)
    no_email: list[Letter] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    mark_sent_patch: CellPatch | None = None
    finding_patch: CellPatch | None = None  # Begäran skickad, Påminnelse skickad, Underrättad
    attachment_folder: str = ""  # Mallmapp, where a type's Bilagor are looked for
    lines: list[str] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[object]]]] = field(default_factory=list)
    log: str = ""
    pdf_error: str = ""

    @property
    def changes(self) -> Changes:
        """The workbook changes for --mark-sent (empty when nothing was written)."""
        return Changes(patches=[p for p in (self.mark_sent_patch, self.finding_patch) if p])


# ---------------------------------------------------------------- selection
def select(
    register: Register,
    rows: list[ScheduleRow],
    today: date,
    kinds: set[str],
    window: Window,
    mask: bool = False,
) -> list[Letter]:
    """The letters a run writes: kallelser by Kallas senast, then the finding letters by provider.

    Raises PersonalDataFound when a text a letter would quote holds personal data.
    """
    return plan(register, rows, today, kinds, window, mask)[0]


def check_request(kinds: Iterable[str], window: Window) -> None:
    """Raise UsageError for an unknown letter kind or a window that ends before it starts."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise UsageError(f"okänd brevtyp {', '.join(sorted(unknown))}; välj bland {', '.join(KINDS)}")
    first, last = window
    if first is not None and last is not None and first > last:
        raise UsageError(f"--from {first.isoformat()} ligger efter --to {last.isoformat()}")


def plan(
    register: Register,
    rows: list[ScheduleRow],
    today: date,
    kinds: set[str],
    window: Window,
    mask: bool = False,
    locate: CellLocator = default_cell,
) -> tuple[list[Letter], list[Skip]]:
    """Like `select`, also returning the letters left out and why.

    With `mask`, personal data in a quoted text is masked instead of stopping the run; the
    guard names the cell of a hit with `locate` (pass `RawWorkbook.cell` for the real columns)."""
    check_request(kinds, window)
    first, last = window
    letters: list[Letter] = []
    skipped: list[Skip] = []
    if KALLELSE in kinds:
        got, skip = _kallelser(register, rows, today, window)
        letters += got
        skipped += skip
    if ANDRAD in kinds:
        from uppf_xl import annual

        got, skip = annual.changed_time_letters(register, rows, today, window)
        letters += got
        skipped += skip
    quoted = _guarded_texts(register, today, kinds, window, mask, locate)
    for kind in FINDING_KINDS:
        if kind in kinds:
            got, skip = _finding_letters(register, rows, today, kind, window, quoted)
            letters += got
            skipped += skip
    from uppf_xl import insyn  # information requests (Informationsbegäran)

    insyn.add_letters(register, today, kinds, window, letters, skipped, locate)
    return letters, skipped


def _in_window(day: date | None, window: Window) -> bool:
    first, last = window
    return day is not None and (first is None or day >= first) and (last is None or day <= last)


def _has_window(window: Window) -> bool:
    return window[0] is not None or window[1] is not None


def _kallelser(
    register: Register, rows: list[ScheduleRow], today: date, window: Window
) -> tuple[list[Letter], list[Skip]]:
    letters: list[Letter] = []
    skipped: list[Skip] = []
    windowed = _has_window(window)
    for row in sorted(rows, key=lambda r: (r.notify_by or date.max, r.provider_id, r.type_id, r.key)):
        ftype = register.type(row.type_id)
        if ftype is None or not ftype.visit or row.done or row.status is RowStatus.UTGAR:
            continue
        if windowed:
            if not _in_window(row.notify_by, window):
                continue
        elif row.notified or statuses.of(register, today).row(row) is not RowStatus.ATT_KALLA:
            continue
        provider = register.provider(row.provider_id)
        reason = _why_no_kallelse(row, provider, today)
        if not reason:
            from uppf_xl import annual

            reason = annual.short_notice(row, register.settings, today)
        if reason:
            skipped.append(Skip(KALLELSE, row.provider_id, row.type_id, reason))
        else:
            assert provider is not None and row.visit_date is not None
            letters.append(_kallelse(register, row, ftype, provider, row.visit_date, today))
    return letters, skipped


def _why_no_kallelse(row: ScheduleRow, provider: Provider | None, today: date) -> str:
    """Why a due kallelse cannot be written (Swedish), or "" when it can."""
    visit = row.visit_date
    if provider is None:
        return f"utföraren {row.provider_id} finns inte i Utförare"
    if visit is None:
        return "inget besöksdatum (Planerat datum och Föreslaget datum är tomma)"
    if provider.end is not None and provider.end < visit:
        return f"utföraren slutar {provider.end.isoformat()}, före besöket {visit.isoformat()}"
    if visit < today:
        return f"besöksdatumet {visit.isoformat()} har redan passerat"
    return ""


def _kallelse(
    register: Register, row: ScheduleRow, ftype: FollowUpType, provider: Provider, visit: date, today: date
) -> Letter:
    settings = register.settings
    sender = sender_for(register, kallelse_owner(row, provider))
    material_due = None
    if ftype.material and ftype.material_days is not None:
        # A computed deadline on a weekend or holiday moves to the next working day, and
        # is never sooner than "Minsta varsel (arbetsdagar)" from the letter nor after the visit.
        from uppf_xl import annual

        material_due = annual.material_due(visit, ftype.material_days, today, settings)
        material_due = min(material_due, previous_working_day(visit - timedelta(days=1)))
    focus = [f for f in register.focus if f.year == visit.year]
    subject = f"Kallelse till {lower_first(ftype.name)} – {provider.name}"
    context = {
        **_common(settings, provider, today, row.dnr or settings.diarienummer, subject, sender),
        "uppfoljning": ftype.name,
        "uppfoljning_lc": lower_first(ftype.name),
        "verksamhetsomrade": provider.area,
        "verksamhetsomrade_lc": lower_first(provider.area),
        "grund": basis(provider),
        "egen_regi": provider.regi is Regi.EGEN or provider.avtalsform is Avtalsform.UPPDRAG,
        "besok": {
            "datum": swedish_date_with_week(visit),
            "iso": visit.isoformat(),
            "tid": row.time,
            "plats": row.place,
            "deltagare": sender.name or "förvaltningens handläggare",
        },
        "underlag": list(ftype.material),
        "underlag_senast": swedish_long_date(material_due) if material_due else "",
        "ar": visit.year,
        "fokusomraden": [{"namn": f.name, "beskrivning": f.description} for f in focus],
        "bilagor": list(ftype.attachments),
        "nyckel": row.key,
    }
    found, missing = attachment_files(ftype.attachments, settings)
    body = [
        f"Besök: {swedish_date_with_week(visit)}",
        f"Tid: {row.time or 'meddelas senare'}",
        f"Plats: {row.place or 'i er verksamhet'}",
    ]
    if material_due:
        body.append(f"Underlag ({', '.join(ftype.material)}) senast {swedish_long_date(material_due)}"
                    + (f" till {sender.email}" if sender.email else ""))
    return Letter(KALLELSE, provider, visit, template_name(ftype.template), subject, context, row=row,
                  sender=sender, body=body, attachments=found, missing_attachments=missing)


def attachment_files(names: Iterable[str], settings: Settings) -> tuple[list[Path], list[str]]:
    """The files in Mallmapp named by a type's Bilagor (with or without extension), and the missing names."""
    folder = Path(settings.mallmapp).expanduser() if settings.mallmapp else None
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder is not None and folder.is_dir() else []
    found: list[Path] = []
    missing: list[str] = []
    for name in names:
        wanted = name.strip().casefold()
        match = next((p for p in files if p.name.casefold() == wanted), None) or next(
            (p for p in files if p.stem.casefold() == wanted and not p.name.startswith("~$")), None
        )
        if match is None:
            missing.append(name)
        elif match not in found:
            found.append(match)
    return found, missing


def template_name(mall: str) -> str:
    """The kallelse template of a type: its Mall (".docx" added when missing), else the default."""
    mall = mall.strip()
    if not mall:
        return TEMPLATES[KALLELSE]
    return mall if mall.lower().endswith(".docx") else f"{mall}.docx"


def basis(provider: Provider) -> str:
    """What the follow-up checks against: the contract, or for egen regi the assignment."""
    if provider.regi is Regi.EGEN:
        return BASIS[Avtalsform.UPPDRAG]
    return BASIS.get(provider.avtalsform, "avtalet")


def lower_first(text: str) -> str:
    """'Kvalitetsuppföljning' -> 'kvalitetsuppföljning'; acronyms ('MAS-tillsyn') are kept."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _common(
    settings: Settings, provider: Provider, today: date, dnr: str, subject: str, sender: Sender | None = None
) -> dict[str, Any]:
    postort = " ".join(p for p in (provider.postcode, provider.city) if p)
    if sender is None:
        sender = Sender(settings.avsandare, settings.titel, settings.epost, settings.telefon, False)
    return {
        "avsandare": {
            "kommun": settings.kommun,
            "forvaltning": settings.forvaltning,
            "postadress": settings.postadress,
            "handlaggare": sender.name,
            "titel": sender.title,
            "telefon": sender.phone,
            "epost": sender.email,
        },
        "datum": today.isoformat(),
        "datum_text": swedish_long_date(today),
        "dnr": dnr,
        "amne": subject,
        "namnd": provider.namnd,
        "utforare_id": provider.id,
        "mottagare": {
            "namn": provider.name,
            "verksamhetschef": provider.chef,
            "adress": provider.address,
            "postort": postort,
            "epost": provider.email,
        },
    }


# ---------------------------------------------------------------- finding letters
def _default_window(today: date) -> Window:
    return (today - timedelta(days=DEFAULT_DAYS_BACK), today)


def _finding_date(f: Finding, kind: str, settings: Settings) -> date | None:
    """The date the window applies to for `kind`."""
    if kind in (ATGARDSPLAN, FORTYDLIGANDE):
        return f.requested
    if kind == PAMINNELSE:
        return fnd.deadline(f, settings)
    if kind == UNDERRATTELSE:
        return f.day
    return f.approved


def reminder_due(f: Finding, settings: Settings, today: date) -> bool:
    """A late plan needs a påminnelse: none sent yet, the last one was sent before the deadline
    in force (an extension moved it), or "Påminnelse igen efter (dagar)" have passed since."""
    due = fnd.deadline(f, settings)
    if f.requested is None or f.received is not None or f.approved is not None or due is None or due >= today:
        return False
    last = f.reminder_sent
    return last is None or last <= due or today >= last + timedelta(days=settings.paminnelse_igen_dagar)


def _wanted(f: Finding, kind: str, settings: Settings, today: date, window: Window) -> bool:
    """Whether `f` goes into a letter of `kind`; `window` is (None, None) for the default."""
    if not f.confirmed:
        return False  # a proposal counts nowhere until a user writes Ja in Bekräftad
    windowed = _has_window(window)
    if kind == UNDERRATTELSE:
        if f.category is not Category.ALLVARLIG or f.verified is not None:
            return False
        return _in_window(f.day, window) if windowed else f.notified_chief is None
    wanted_flow = fnd.Flow.CLARIFICATION if kind == FORTYDLIGANDE else fnd.Flow.PLAN
    if fnd.flow(f) is not wanted_flow:
        return False
    if kind == PAMINNELSE:
        if windowed:
            due = fnd.deadline(f, settings)
            late = f.requested is not None and f.received is None and f.approved is None and due is not None and due < today
            return late and _in_window(due, window)
        return reminder_due(f, settings, today)  # however long ago the deadline passed
    if not _in_window(_finding_date(f, kind, settings), window if windowed else _default_window(today)):
        return False
    if kind in (ATGARDSPLAN, FORTYDLIGANDE):
        return f.request_sent is None  # a begäran is written once
    return True


def _already_sent(register: Register, kind: str, window: Window) -> list[Skip]:
    """Requests in the window that are not written again because Begäran skickad is filled in."""
    if kind not in (ATGARDSPLAN, FORTYDLIGANDE) or not _has_window(window):
        return []
    wanted_flow = fnd.Flow.CLARIFICATION if kind == FORTYDLIGANDE else fnd.Flow.PLAN
    return [
        Skip(kind, f.provider_id, f.id, f"begäran skickades redan {f.request_sent.isoformat()} (Begäran skickad)")
        for f in sorted(register.findings, key=lambda f: f.id)
        if f.confirmed and f.request_sent is not None and fnd.flow(f) is wanted_flow and _in_window(f.requested, window)
    ]


def plural_words(n: int) -> dict[str, str]:
    """Words that follow the number of findings in a letter: "en iakttagelse" / "iakttagelserna"."""
    one = n == 1
    return {
        "iakttagelse": "en iakttagelse" if one else "iakttagelser",
        "iakttagelsen": "iakttagelsen" if one else "iakttagelserna",
        "rubrik": "Iakttagelse" if one else "Iakttagelser",
        "plan": "åtgärdsplanen" if one else "åtgärdsplanerna",
        "godkanda": "Godkänd åtgärdsplan" if one else "Godkända åtgärdsplaner",
    }


SUBJECTS = {
    ATGARDSPLAN: "Begäran om åtgärdsplan",
    FORTYDLIGANDE: "Begäran om förtydligande",
    PAMINNELSE: "Påminnelse om åtgärdsplan",
    ATERKOPPLING: "Återkoppling på åtgärdsplan",
    UNDERRATTELSE: "Underrättelse om allvarlig brist",
}


def _finding_letters(
    register: Register,
    rows: list[ScheduleRow],
    today: date,
    kind: str,
    window: Window,
    quoted: dict[str, str],
) -> tuple[list[Letter], list[Skip]]:
    settings = register.settings
    by_provider: dict[str, list[Finding]] = {}
    for f in register.findings:
        if _wanted(f, kind, settings, today, window):
            by_provider.setdefault(f.provider_id, []).append(f)
    dnr_of_key: dict[str, str] = {r.key: r.dnr for r in rows if r.dnr}
    letters: list[Letter] = []
    skipped: list[Skip] = _already_sent(register, kind, window)
    for provider_id in sorted(by_provider):
        group = sorted(by_provider[provider_id], key=lambda f: f.id)
        provider = register.provider(provider_id)
        if provider is None:
            skipped.append(Skip(kind, provider_id, group[0].id, f"utföraren {provider_id} finns inte i Utförare"))
            continue
        if provider.end is not None and provider.end < today and kind != UNDERRATTELSE:
            skipped.append(Skip(kind, provider_id, group[0].id, f"utföraren slutade {provider.end.isoformat()}"))
            continue
        sender = sender_for(register, provider.responsible)
        # The memo to the förvaltningschef is one per serious deficiency; the others one per provider.
        for part in ([[f] for f in group] if kind == UNDERRATTELSE else [group]):
            letters.append(_finding_letter(register, kind, provider, part, today, sender, dnr_of_key, quoted))
    return letters, skipped


def _finding_letter(
    register: Register,
    kind: str,
    provider: Provider,
    group: list[Finding],
    today: date,
    sender: Sender,
    dnr_of_key: dict[str, str],
    quoted: dict[str, str],
) -> Letter:
    settings = register.settings
    dnr = next((dnr_of_key[f.key] for f in group if f.key in dnr_of_key), settings.diarienummer)
    subject = f"{SUBJECTS[kind]} – {provider.name}"
    deadlines = [d for d in (fnd.deadline(f, settings) for f in group) if d is not None]
    earlier = [f.reminder_sent for f in group if f.reminder_sent is not None]
    context = {
        **_common(settings, provider, today, dnr, subject, sender),
        "senast": swedish_long_date(min(deadlines)) if deadlines else "",
        "iakttagelser": [_finding_context(f, settings, quoted[f.id]) for f in group],
        "antal": len(group),
        "ord": plural_words(len(group)),
        "tidigare_paminnelse": _short(max(earlier)) if kind == PAMINNELSE and earlier else "",
    }
    to: str | None = None
    body: list[str] = []
    if deadlines and kind in (ATGARDSPLAN, FORTYDLIGANDE, PAMINNELSE):
        body.append(f"Svar senast: {swedish_long_date(min(deadlines))}")
    if kind == UNDERRATTELSE:
        f = group[0]
        to = settings.forvaltningschef_epost
        context["chef"] = {"namn": settings.forvaltningschef, "epost": settings.forvaltningschef_epost}
        context["brist"] = {
            **_finding_context(f, settings, quoted[f.id]),
            "utforare": provider.name,
            "verksamhetsomrade": provider.area,
            "regi": provider.regi.value,
        }
        body.append(f"Allvarlig brist {f.id} hos {provider.name} ({provider.id}), konstaterad {_short(f.day)}.")
    return Letter(kind, provider, today, TEMPLATES[kind], subject, context, findings=group, sender=sender, to=to,
                  body=body)


def _short(day: date | None) -> str:
    return f"{day.day} {swedish_month(day.month)} {day.year}" if day else ""


def _finding_context(f: Finding, settings: Settings, text: str) -> dict[str, str]:
    return {
        "id": f.id,
        "kategori": f.category.value,
        "omrade": f.area,
        "text": text,
        "datum": _short(f.day),
        "begard": _short(f.requested),
        "senast": _short(fnd.deadline(f, settings)),
        "inkommen": _short(f.received),
        "godkand": _short(f.approved),
    }


def _guarded_texts(register: Register, today: date, kinds: set[str], window: Window, mask: bool = False,
                   locate: CellLocator = default_cell) -> dict[str, str]:
    """The text each finding letter quotes, by IakttagelseID, after the personal-data guard.

    Every quoted text is checked at once, so one run reports every place to correct; with
    `mask` the texts come back masked instead.
    """
    settings = register.settings
    wanted = [
        f
        for f in register.findings
        if any(_wanted(f, k, settings, today, window) for k in kinds if k not in (KALLELSE, ANDRAD))
    ]
    items = [
        guard.GuardItem(FINDINGS.name, _cell(f, locate), f.public_text)
        for f in wanted
    ]
    texts = guard.scan_texts(items, guard.person_names(register), masked=mask)
    return {f.id: t for f, t in zip(wanted, texts)}


def _cell(f: Finding, locate: CellLocator) -> str:
    """The cell a quoted finding text comes from."""
    header = "Sammanfattning för nämnd" if f.summary else "Beskrivning"
    return locate(FINDINGS.name, f.row, header) if f.row > 0 else ""


# ---------------------------------------------------------------- writing
def safe_name_part(text: str) -> str:
    """A piece of a file name that Windows accepts (see `uppf_xl.filenames.safe_part`)."""
    from uppf_xl.filenames import safe_part

    return safe_part(text)


def unique_names(letters: list[Letter]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for letter in letters:
        name = letter.filename
        key = name.lower()  # Windows file names ignore case
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            name = f"{name[:-5]}_{seen[key]}.docx"
        names.append(name)
    return names


def mark_sent_schedule(letters: list[Letter], today: date) -> CellPatch | None:
    values: dict[tuple[int, str], Value] = {
        (letter.row.row, ARSHJUL_SENT): today
        for letter in letters
        if letter.kind == KALLELSE and letter.row is not None and letter.row.row > 0 and letter.row.notified is None
    }
    from uppf_xl import annual

    values.update(annual.announced_cells(letters))
    return CellPatch(SCHEDULE.name, values) if values else None


def mark_sent_findings(letters: list[Letter], today: date) -> CellPatch | None:
    """Begäran skickad, Påminnelse skickad and Underrättad for the findings the letters are about.

    A begäran and an underrättelse keep a date already there (the first letter counts); a
    påminnelse records the latest one, which the next reminder is counted from.
    """
    values: dict[tuple[int, str], Value] = {}
    for letter in letters:
        if letter.kind not in SENT_COLUMN:
            continue
        column, latest = SENT_COLUMN[letter.kind]
        attr = {"Begäran skickad": "request_sent", "Påminnelse skickad": "reminder_sent", "Underrättad": "notified_chief"}[column]
        for f in letter.findings:
            if f.row > 0 and (latest or getattr(f, attr) is None):
                values[(f.row, column)] = today
    return CellPatch(FINDINGS.name, values) if values else None


# ---------------------------------------------------------------- information requests
# Begäran om information (Informationsbegäran) is one more kind; its selection and context
# live in uppf_xl.insyn (templates begaran_information.docx, paminnelse_information.docx,
# built by templates/build/insyn.py), its reminders count as påminnelser.
INSYN = "insyn"
KINDS += (INSYN,)
FILE_KIND[INSYN] = "Informationsbegaran"
KIND_NAMES[INSYN] = ("begäran om information", "begäranden om information")
