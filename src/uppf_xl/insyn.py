"""Information requests (Informationsbegäran): the letters, their reminders and what is open.

A row of Informationsbegäran asks a provider for information, for the public's insight
(allmänhetens insyn, kommunallagen 10 kap. 9 §) or for the nämnd's follow-up. Like an
action plan it goes out as a letter, has a deadline, and gets a reminder when no answer
comes in:

- `letters --kind insyn` writes "Begäran om information" for every request not yet sent
  (Skickad empty, nothing received, Datum not in the future); with `--from/--to`, for the
  requests whose Datum is in the window (a re-send; `--mark-sent` keeps the first date).
- `letters --kind paminnelse` also reminds providers whose request was sent, whose
  deadline has passed and who have not answered (Inkommen empty); without a window a
  reminder goes again only after "Påminnelse igen efter (dagar)"; with a window, for the
  deadlines in it.
- The deadline is Svar senast as typed (a weekend or holiday there gets a warning from
  `check`), else Datum plus "Svarstid åtgärdsplan (dagar)" moved to the next working day.
- `--mark-sent` writes Skickad (first sending only) and Påminnelse skickad (every reminder).
- Översikt lists every open request (nothing received) with its state.

The text of "Vad som begärs" goes to the provider and passes the personal-data guard; it is
split into bullets at line breaks and ";".

Example:
    >>> deadline(InfoRequest("B1", date(2025, 3, 3), "U001", "Bemanning"), Settings(svarstid_atgardsplan=30)).isoformat()
    '2025-04-02'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from uppf_xl import guard
from uppf_xl import letters as lt
from uppf_xl.contract import INFO_REQUESTS, CellLocator, default_cell
from uppf_xl.dates import is_working_day, next_working_day, swedish_long_date
from uppf_xl.errors import WARNING, Problem
from uppf_xl.model import InfoRequest, Provider, Register, Settings
from uppf_xl.vocab import Avtalsform, Regi
from uppf_xl.workbook.content import CellPatch, Value

INSYN = "insyn"
REQUEST_TEMPLATE = "begaran_information.docx"
REMINDER_TEMPLATE = "paminnelse_information.docx"
SENT, REMINDED = "Skickad", "Påminnelse skickad"
OPEN_HEADER = ["BegäranID", "UtförarID", "Utförare", "Vad som begärs", "Datum", "Skickad", "Svar senast", "Läge", "Dagar sen"]
NOT_SENT, WAITING, LATE, REMINDED_STATE = "Ej skickad", "Väntar på svar", "Försenad", "Påmind"


def deadline(req: InfoRequest, settings: Settings) -> date:
    """The deadline in force: Svar senast as typed, else Datum + Svarstid moved to a working day."""
    if req.answer_by is not None:
        return req.answer_by
    return next_working_day(req.day + timedelta(days=settings.svarstid_atgardsplan))


def requested_items(text: str) -> list[str]:
    """'Bemanning v. 10; Lex Sarah-rapporter' -> ['Bemanning v. 10', 'Lex Sarah-rapporter']."""
    return [part.strip(" -•\t") for part in re.split(r"[;\n\r]+", text) if part.strip(" -•\t")]


def typed_deadline_warnings(register: Register, cell: Callable[[int, str], str] | None = None) -> list[Problem]:
    """A typed Svar senast on a Saturday, Sunday or holiday gets a warning (lag 1930:173)."""
    out = []
    for req in register.info_requests:
        if req.answer_by is not None and not is_working_day(req.answer_by):
            where = (cell or (lambda r, h: default_cell(INFO_REQUESTS.name, r, h)))(req.row, "Svar senast") if req.row else ""
            out.append(Problem(WARNING, INFO_REQUESTS.name, where,
                               f"Svar senast {req.answer_by.isoformat()} är ingen arbetsdag; "
                               f"närmaste arbetsdag efter är {next_working_day(req.answer_by).isoformat()}"))
    return out


def _in_window(day: date | None, window: tuple[date | None, date | None]) -> bool:
    first, last = window
    return day is not None and (first is None or day >= first) and (last is None or day <= last)


def wants_request(req: InfoRequest, today: date, window: tuple[date | None, date | None]) -> bool:
    if req.received is not None:
        return False
    if window[0] is not None or window[1] is not None:
        return _in_window(req.day, window)
    return req.sent is None and req.day <= today


def wants_reminder(req: InfoRequest, settings: Settings, today: date, window: tuple[date | None, date | None]) -> bool:
    due = deadline(req, settings)
    if req.received is not None or req.sent is None or due >= today:
        return False
    if window[0] is not None or window[1] is not None:
        return _in_window(due, window)
    return req.reminder_sent is None or req.reminder_sent <= today - timedelta(days=settings.paminnelse_igen_dagar)


def add_letters(register: Register, today: date, kinds: set[str], window: tuple[date | None, date | None],
                letters: list[lt.Letter], skipped: list[lt.Skip], locate: CellLocator = default_cell) -> None:
    """Append the information-request letters (and reminders) a run writes to `letters`/`skipped`."""
    settings = register.settings
    wanted: list[tuple[str, InfoRequest]] = []
    for req in sorted(register.info_requests, key=lambda r: (r.provider_id, r.id)):
        if INSYN in kinds and wants_request(req, today, window):
            wanted.append((INSYN, req))
        if lt.PAMINNELSE in kinds and wants_reminder(req, settings, today, window):
            wanted.append((lt.PAMINNELSE, req))
    if not wanted:
        return
    texts = guard.scan_texts(
        [guard.GuardItem(INFO_REQUESTS.name, locate(INFO_REQUESTS.name, r.row, "Vad som begärs") if r.row else "", r.what)
         for _, r in wanted],
        guard.person_names(register),
    )
    for (kind, req), text in zip(wanted, texts):
        provider = register.provider(req.provider_id)
        if provider is None:
            skipped.append(lt.Skip(kind, req.provider_id, req.id, f"utföraren {req.provider_id} finns inte i Utförare"))
            continue
        if provider.end is not None and provider.end < today:
            skipped.append(lt.Skip(kind, req.provider_id, req.id, f"utföraren slutade {provider.end.isoformat()}"))
            continue
        letters.append(_letter(kind, req, provider, text, settings, today))


@dataclass
class RequestLetter(lt.Letter):
    """A letter about one information request; its file name ends with the BegäranID."""

    request: InfoRequest | None = None

    @property
    def ref(self) -> str:
        return self.request.id if self.request is not None else ""


def _letter(kind: str, req: InfoRequest, provider: Provider, text: str, settings: Settings, today: date) -> RequestLetter:
    due = deadline(req, settings)
    if kind == INSYN:
        subject, template, answer_by = f"Begäran om information – {provider.name}", REQUEST_TEMPLATE, due
    else:
        # A reminder asks for the answer within the minimum notice, on a working day.
        answer_by = next_working_day(today + timedelta(days=max(settings.minsta_varsel, 1) * 7 // 5))
        subject, template = f"Påminnelse om begäran om information – {provider.name}", REMINDER_TEMPLATE
    context = {
        **lt._common(settings, provider, today, settings.diarienummer, subject),
        "senast": swedish_long_date(answer_by),
        "grund": lt.basis(provider),
        "egen_regi": provider.regi is Regi.EGEN or provider.avtalsform is Avtalsform.UPPDRAG,
        "begaran": {
            "id": req.id,
            "vad": requested_items(text) or [text],
            "datum": swedish_long_date(req.day),
            "senast": swedish_long_date(due),
            "skickad": swedish_long_date(req.sent) if req.sent else "",
        },
    }
    return RequestLetter(kind, provider, today, template, subject, context, request=req)




def mark_sent_patch(letters: list[lt.Letter], today: date) -> CellPatch | None:
    """Skickad for requests sent the first time, Påminnelse skickad for every reminder."""
    values: dict[tuple[int, str], Value] = {}
    for letter in letters:
        req = getattr(letter, "request", None)
        if not isinstance(req, InfoRequest) or req.row <= 0:
            continue
        if letter.kind == INSYN and req.sent is None:
            values[(req.row, SENT)] = today
        elif letter.kind != INSYN:
            values[(req.row, REMINDED)] = today
    return CellPatch(INFO_REQUESTS.name, values) if values else None


@dataclass(frozen=True)
class OpenRequest:
    request: InfoRequest
    provider: str
    due: date
    state: str
    days_late: int


def open_requests(register: Register, today: date) -> list[OpenRequest]:
    """Every request without an answer, oldest deadline first."""
    out = []
    for req in register.info_requests:
        if req.received is not None:
            continue
        due = deadline(req, register.settings)
        late = (today - due).days if due < today else 0
        if req.sent is None:
            state = NOT_SENT
        elif late and req.reminder_sent is not None:
            state = REMINDED_STATE
        elif late:
            state = LATE
        else:
            state = WAITING
        provider = register.provider(req.provider_id)
        out.append(OpenRequest(req, provider.name if provider else "", due, state, late))
    return sorted(out, key=lambda o: (o.due, o.request.id))


def open_request_rows(register: Register, today: date) -> list[list[Value]]:
    """The rows of Översikt's table of open information requests (header OPEN_HEADER)."""
    return [
        [o.request.id, o.request.provider_id, o.provider, o.request.what, o.request.day, o.request.sent, o.due, o.state, o.days_late]
        for o in open_requests(register, today)
    ]
