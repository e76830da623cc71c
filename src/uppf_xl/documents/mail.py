"""E-mail drafts (.eml) with a letter attached, which Outlook opens as an unsent draft.

The header `X-Unsent: 1` makes Outlook open the file as a new message ready to send
(Send button, editable recipients) instead of as a received mail. No From header is
written: Outlook fills in the user's own account.

Example:
    >>> write_eml(Path("ut/brev.eml"), to="chef@solrosen.se", subject="Kallelse",
    ...           body="Hej!", attachment=Path("ut/brev.docx"))       # doctest: +SKIP
"""

from __future__ import annotations

import mimetypes
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from pathlib import Path

from collections.abc import Iterable
from typing import TYPE_CHECKING

from uppf_xl.errors import ERROR, Problem, WorkbookInvalid
from uppf_xl.model import Settings

if TYPE_CHECKING:
    from uppf_xl.senders import Sender

MIME_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def letter_body(subject: str, settings: Settings, sender: Sender | None = None, facts: Iterable[str] = ()) -> str:
    """A short Swedish covering text with the letter's facts (a visit's date, time, place and
    material deadline), signed by `sender` (the handläggare), else the sender in Inställningar."""
    name, title, phone, email = (
        (sender.name, sender.title, sender.phone, sender.email)
        if sender is not None
        else (settings.avsandare, settings.titel, settings.telefon, settings.epost)
    )
    signature = [
        line
        for line in (
            name,
            title if name else "",
            ", ".join(p for p in (settings.forvaltning, settings.kommun) if p),
            f"Telefon {phone}" if phone else "",
            email,
        )
        if line
    ]
    facts = list(facts)
    return "\n".join(
        [
            "Hej!",
            "",
            f"Bifogat finns brevet \"{subject}\".",
            *([""] + facts + [""] if facts else []),
            "Hör gärna av er om ni har frågor.",
            "",
            "Med vänlig hälsning",
            *signature,
            "",
        ]
    )


def header_value(value: str) -> str:
    """A header text on one line: line breaks and runs of spaces become one space.

    A provider name typed with Alt+Enter in Excel ends up in the Subject; folded like this it
    can never start a header of its own.
    """
    return " ".join(value.split())


def write_eml(
    path: Path, *, to: str, subject: str, body: str, attachment: Path, cc: str = "", extra: Iterable[Path] = ()
) -> Path:
    """Write an unsent draft to `to` with `attachment` (and the `extra` files); returns `path`.

    Every text passes the personal-data guard of the running command. An address holding a
    line break or a space is refused (WorkbookInvalid naming its cell): it could add headers.
    """
    from uppf_xl import guard, outputs

    checker = guard.current()
    for address in (to, cc):
        if address and (any(c in address for c in "\r\n") or len(address.split()) > 1):
            raise _bad_address(address, checker)
    to, cc, subject, body = checker.texts(
        f"E-postutkastet {path.name}", [(to, True, False), (cc, True, False), (header_value(subject), True, False), (body, True, False)]
    )
    msg = EmailMessage(policy=SMTP)
    msg["To"] = to.strip()
    if cc:
        msg["Cc"] = cc.strip()
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["X-Unsent"] = "1"
    msg.set_content(body, charset="utf-8")
    for file in (attachment, *extra):
        mime = MIME_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(file.read_bytes(), maintype=maintype, subtype=subtype, filename=file.name)
    checker.filename(path.name)
    outputs.write_bytes(path, msg.as_bytes())
    return path


def _bad_address(address: str, checker: object) -> WorkbookInvalid:
    from uppf_xl.guard import OutputGuard

    shown = " ".join(address.split())
    cells = checker.cells_holding(address) if isinstance(checker, OutputGuard) else []
    message = f'e-postadressen "{shown}" innehåller en radbrytning eller ett mellanslag; skriv en enda adress på en rad'
    problems = [Problem(ERROR, sheet, cell, message) for sheet, cell in cells] or [Problem(ERROR, "E-post", "", message)]
    return WorkbookInvalid(problems)
