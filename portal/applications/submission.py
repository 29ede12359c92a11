"""Submission: the case, its first timeline event, the receipt, the attachments as documents, the outbox
item for the case system and an audit event, in one transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from forms import engine
from forms.base import Answers, EService
from portal.accounts.models import Person
from portal.actor import Actor
from portal.applications.models import Draft, Signature
from portal.applications.receipts import receipt_email, render_receipt
from portal.audit import services as audit
from portal.cases import services as cases
from portal.cases.models import Case, Document
from portal.db import get_session, utcnow
from portal.files.storage import storage
from portal.municipalities.models import Municipality, Unit
from portal.outbox import services as outbox
from portal.representation.estates import from_dodsboanmalan


def build_payload(
    eservice: EService,
    draft: Draft,
    applicant: Person,
    co_applicant: dict[str, str] | None,
    submitted_at: Any,
) -> dict[str, Any]:
    raw = draft.answers or {}
    typed = engine.typed_answers(eservice, raw)
    return {
        "eservice": eservice.id,
        "version": eservice.version,
        "submitted_at": submitted_at.isoformat(),
        "applicant": {"personal_number": applicant.personal_number, "name": applicant.name},
        "co_applicant": co_applicant,
        "answers": typed,
        "attachments": [
            {
                "id": str(a.id),
                "step": a.step_id,
                "slot": a.slot,
                "filename": a.filename,
                "media_type": a.media_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in draft.attachments
        ],
        "calculation": eservice.calculation(Answers(raw), typed),
    }


def submit(draft: Draft, eservice: EService, actor: Actor) -> Case:
    session = get_session()
    now = utcnow()
    municipality = session.get(Municipality, draft.municipality_id)
    assert municipality is not None  # noqa: S101 - foreign key
    applicant = session.get(Person, draft.owner_id)
    assert applicant is not None  # noqa: S101 - foreign key
    signatures = list(session.scalars(sa.select(Signature).where(Signature.draft_id == draft.id)))
    co_applicant = None
    if draft.co_applicant_id is not None:
        co_person = session.get(Person, draft.co_applicant_id)
        co_signed = next((s for s in signatures if s.role == "co_applicant"), None)
        assert co_person is not None and co_signed is not None  # noqa: S101 - finish_signing's order
        co_applicant = {
            "personal_number": co_person.personal_number,
            "name": co_person.name,
            "signed_at": co_signed.signed_at.isoformat(),
        }
    subject = applicant if draft.subject_id == applicant.id else session.get(Person, draft.subject_id)
    assert subject is not None  # noqa: S101 - foreign key
    payload = build_payload(eservice, draft, subject, co_applicant, now)
    if subject.id != applicant.id:
        # An ombud applied: the case system sees whom the application is for and who made it.
        payload["representative"] = {"personal_number": applicant.personal_number, "name": applicant.name}
    unit = session.scalar(
        sa.select(Unit).where(Unit.municipality_id == municipality.id, Unit.code == eservice.unit_code)
    ) or session.scalar(
        sa.select(Unit).where(Unit.municipality_id == municipality.id).order_by(Unit.id).limit(1)
    )
    case = Case(
        draft_id=draft.id,
        case_number=cases.new_case_number(session),
        municipality_id=municipality.id,
        subject_id=draft.subject_id,
        applicant_id=applicant.id,
        eservice_id=eservice.id,
        eservice_version=eservice.version,
        case_type=eservice.case_type,
        unit_id=unit.id if unit else None,
        status="submitted",
        payload=payload,
        created_at=now,
    )
    session.add(case)
    session.flush()
    cases.add_event(session, case, "submitted")
    if eservice.id == "dodsboanmalan":
        from_dodsboanmalan(session, case, payload.get("answers") or {}, actor)
    receipt = render_receipt(case, eservice, draft, municipality, subject, signatures)
    stored = storage.put(session, receipt, "application/pdf")
    session.add(
        Document(
            case=case,
            kind="kvitto",
            title=_("Receipt"),
            filename=f"kvitto-{case.case_number}.pdf",
            media_type="application/pdf",
            size=len(receipt),
            sha256=stored.sha256,
            stored_file=stored,
        )
    )
    for attachment in draft.attachments:
        session.add(
            Document(
                case=case,
                kind="bilaga",
                title=attachment.filename,
                filename=attachment.filename,
                media_type=attachment.media_type,
                size=attachment.size,
                sha256=attachment.sha256,
                stored_file_id=attachment.stored_file_id,
            )
        )
    adapter = (municipality.adapters or {}).get(eservice.id, "embedded")
    outbox.enqueue(
        session,
        topic="application.submitted",
        adapter=adapter,
        municipality_id=municipality.id,
        idempotency_key=f"application:{case.id}",
        payload={
            "case_number": case.case_number,
            "case_id": str(case.id),
            "municipality": municipality.slug,
            "application": payload,
        },
    )
    email = getattr(eservice, "email", lambda _answers: None)(Answers(draft.answers or {})) or applicant.email
    if email:
        outbox.enqueue(
            session,
            topic="notification.email",
            adapter="mail",
            municipality_id=municipality.id,
            idempotency_key=f"receipt:{case.id}",
            payload=receipt_email(email, municipality, case),
        )
    draft.status, draft.submitted_at, draft.case_id = "submitted", now, case.id
    audit.record(
        session,
        "application_submitted",
        actor=actor,
        actor_type="person",
        actor_id=applicant.id,
        subject_person_id=draft.subject_id,
        object_type="case",
        object_id=str(case.id),
        municipality_id=municipality.id,
        eservice=eservice.id,
    )
    session.flush()
    return case
