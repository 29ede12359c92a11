"""What an applicant gets back: the receipt e-mail (no details: e-mail is not secure) and the PDF receipt,
with its texts translated into the citizen's language (``receipt_pdf`` renders it)."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from forms import engine
from forms.base import EService
from portal.accounts.models import Person
from portal.applications import receipt_pdf
from portal.applications.models import Draft, Signature
from portal.cases.models import Case
from portal.db import get_session
from portal.municipalities.models import Municipality


def receipt_email(address: str, municipality: Municipality, case: Case) -> dict[str, str]:
    """No personal or case details beyond the number: e-mail is not a secure channel."""
    base = current_app.config["PORTAL"].base_url.rstrip("/")
    body = "\n\n".join(
        [
            _("Hello,"),
            _(
                "Your application has been received by %(municipality)s. Your case number is %(number)s.",
                municipality=municipality.name,
                number=case.case_number,
            ),
            _(
                "Log in to My pages to see your receipt and follow your case: %(url)s",
                url=f"{base}/mina-sidor",
            ),
            _("This message cannot be answered."),
        ]
    )
    return {"to": address, "subject": _("Your application has been received"), "body": body}


def render_receipt(
    case: Case,
    eservice: EService,
    draft: Draft,
    municipality: Municipality,
    applicant: Person,
    signatures: list[Signature],
) -> bytes:
    session = get_session()
    sections = []
    for state in engine.states(eservice, draft.answers or {}):
        rows = engine.summary_rows(state.step, state.form)
        if rows:
            sections.append((str(state.step.title), rows))
    signed_by = []
    for signature in signatures:
        person = session.get(Person, signature.person_id)
        signed_by.append((person.name if person else "", signature.signed_at))
    texts = {
        "title": _("Receipt"),
        "case_number": _("Case number"),
        "submitted": _("Submitted"),
        "applicant": _("Applicant"),
        "attachments": _("Attachments"),
        "signed_by": _("Signed with BankID by"),
        "keep": _("Keep this receipt. Give the case number when you contact the municipality."),
    }
    return receipt_pdf.render_receipt(
        receipt_pdf.ReceiptData(
            municipality_name=municipality.name,
            eservice_title=str(eservice.title),
            case_number=case.case_number,
            submitted_at=case.created_at,
            applicant_name=applicant.name,
            sections=sections,
            attachments=[(a.filename, a.size) for a in draft.attachments],
            signed_by=signed_by,
            texts=texts,
            # The language the texts above were translated into: the citizen's.
            lang=locale.language if (locale := get_locale()) is not None else "sv",
        )
    )
