"""E-mail drafts: parse back with the email package; unsent flag, recipient, body, attachment."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from uppf_xl.documents.mail import letter_body, write_eml
from uppf_xl.model import Settings


def test_draft_parses_and_carries_the_attachment(tmp_path: Path) -> None:
    attachment = tmp_path / "2025-03-11_U017_Kallelse_KVAL.docx"
    attachment.write_bytes(b"PK\x03\x04 not really a docx")
    settings = Settings(kommun="Exempelby kommun", forvaltning="Vård- och omsorgsförvaltningen",
                        avsandare="Anna Strateg", telefon="0123-456 78", epost="anna@exempelby.se")
    subject = "Kallelse till kvalitetsuppföljning – Solrosen Omsorg AB"
    path = write_eml(tmp_path / "brev.eml", to="chef@solrosen.se", subject=subject,
                     body=letter_body(subject, settings), attachment=attachment)
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert msg["X-Unsent"] == "1"
    assert msg["To"] == "chef@solrosen.se"
    assert msg["Subject"] == subject
    assert msg["From"] is None  # Outlook fills in the user's account
    body = msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")  # .eml uses CRLF
    assert body == (
        "Hej!\n\n"
        f'Bifogat finns brevet "{subject}".\n'
        "Hör gärna av er om ni har frågor.\n\n"
        "Med vänlig hälsning\n"
        "Anna Strateg\nStrateg\nVård- och omsorgsförvaltningen, Exempelby kommun\n"
        "Telefon 0123-456 78\nanna@exempelby.se\n"
    )
    parts = list(msg.iter_attachments())
    assert len(parts) == 1
    assert parts[0].get_filename() == attachment.name
    assert parts[0].get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert parts[0].get_payload(decode=True) == attachment.read_bytes()


def test_body_without_sender_settings() -> None:
    assert letter_body("Ämne", Settings(titel="Strateg")) == (
        'Hej!\n\nBifogat finns brevet "Ämne".\nHör gärna av er om ni har frågor.\n\nMed vänlig hälsning\n'
    )
