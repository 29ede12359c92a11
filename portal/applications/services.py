"""Applications: drafts that keep every answer, attachments, BankID signing, and submission.

Submission writes the case, its first timeline event, the receipt, the attachments as documents, the
outbox item for the case system and an audit event in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

import forms
from forms import engine
from forms.base import Answers, EService, Step
from portal.accounts.models import Person
from portal.accounts.personnummer import parse
from portal.accounts.services import person_by_number
from portal.actor import Actor
from portal.applications.models import Draft, DraftAttachment, Signature
from portal.audit import services as audit
from portal.auth import services as auth_services
from portal.auth.models import BankIDOrder
from portal.cases import services as cases
from portal.cases.models import Case, Document
from portal.db import get_session, locked, utcnow
from portal.files import quota, validation
from portal.files.storage import storage
from portal.municipalities.models import Municipality, Unit
from portal.outbox import services as outbox

log = logging.getLogger(__name__)

OPEN_STATUSES = ("in_progress", "awaiting_co_applicant")


def enabled_eservices(municipality: Municipality) -> list[EService]:
    forms.load()
    return [forms.get(eid) for eid in municipality.enabled_eservices if eid in forms.registry]


def eservice_for(municipality: Municipality, eservice_id: str) -> EService | None:
    forms.load()
    if eservice_id not in municipality.enabled_eservices or eservice_id not in forms.registry:
        return None
    return forms.get(eservice_id)


# --- drafts ---------------------------------------------------------------------------------------------


def start_draft(
    person: Person,
    municipality: Municipality,
    eservice: EService,
    *,
    subject_id: int | None = None,
    actor: Actor,
) -> Draft:
    """The citizen's open draft of this e-service, or a new one: one application at a time per e-service.
    ``subject_id``: the principal an ombud applies for (the draft is the ombud's, the case will be theirs)."""
    session = get_session()
    subject_id = subject_id if subject_id is not None else person.id
    draft = session.scalar(
        sa.select(Draft).where(
            Draft.owner_id == person.id,
            Draft.subject_id == subject_id,
            Draft.municipality_id == municipality.id,
            Draft.eservice_id == eservice.id,
            Draft.status == "in_progress",
        )
    )
    if draft is None:
        draft = Draft(
            owner_id=person.id,
            subject_id=subject_id,
            municipality_id=municipality.id,
            eservice_id=eservice.id,
            eservice_version=eservice.version,
            answers={},
        )
        prefill = getattr(eservice, "prefill_for", None)
        if callable(prefill):
            draft.answers = prefill(previous_payload(person, municipality, subject_id=subject_id)) or {}
        session.add(draft)
        audit.record(
            session,
            "draft_created",
            actor=actor,
            actor_type="person",
            actor_id=person.id,
            subject_person_id=subject_id,
            object_type="draft",
            eservice=eservice.id,
        )
        session.flush()
    return draft


def previous_payload(
    person: Person, municipality: Municipality, *, subject_id: int | None = None
) -> dict[str, Any] | None:
    """The latest ekonomiskt bistånd application, which a månadsansökan starts from."""
    session = get_session()
    return session.scalar(
        sa.select(Case.payload)
        .where(
            Case.subject_id == (subject_id if subject_id is not None else person.id),
            Case.municipality_id == municipality.id,
            Case.eservice_id.in_(("ekonomiskt_bistand", "manadsansokan")),
        )
        .order_by(Case.created_at.desc())
        .limit(1)
    )


def open_drafts(person: Person, municipality: Municipality, *, subject_id: int | None = None) -> list[Draft]:
    """The person's open drafts about themself, or (``subject_id``) about the principal they act for."""
    session = get_session()
    return list(
        session.scalars(
            sa.select(Draft)
            .where(
                Draft.owner_id == person.id,
                Draft.subject_id == (subject_id if subject_id is not None else person.id),
                Draft.municipality_id == municipality.id,
                Draft.status.in_(OPEN_STATUSES),
            )
            .order_by(Draft.updated_at.desc())
        )
    )


def awaiting_my_signature(person: Person, municipality: Municipality) -> list[Draft]:
    session = get_session()
    return list(
        session.scalars(
            sa.select(Draft)
            .options(selectinload(Draft.owner))
            .where(
                Draft.co_applicant_id == person.id,
                Draft.municipality_id == municipality.id,
                Draft.status == "awaiting_co_applicant",
            )
        )
    )


def draft_for_owner(
    draft_id: uuid.UUID, person: Person, municipality: Municipality, *, subject_id: int | None = None
) -> Draft | None:
    """The person's draft about themself, or (``subject_id``) about the principal they act for: a draft
    made for someone opens only while acting for them."""
    session = get_session()
    return session.scalar(
        sa.select(Draft)
        .options(selectinload(Draft.attachments))
        .where(
            Draft.id == draft_id,
            Draft.owner_id == person.id,
            Draft.subject_id == (subject_id if subject_id is not None else person.id),
            Draft.municipality_id == municipality.id,
        )
    )


def draft_for_co_applicant(draft_id: uuid.UUID, person: Person, municipality: Municipality) -> Draft | None:
    session = get_session()
    return session.scalar(
        sa.select(Draft)
        .options(selectinload(Draft.attachments))
        .where(
            Draft.id == draft_id,
            Draft.co_applicant_id == person.id,
            Draft.municipality_id == municipality.id,
            Draft.status.in_(("awaiting_co_applicant", "submitted")),
        )
    )


def save_step(draft: Draft, step: Step, raw: Any) -> None:
    """Autosave: keep exactly what was typed on this step, valid or not."""
    session = get_session()
    answers = dict(draft.answers or {})
    answers[step.id] = raw
    draft.answers = answers
    draft.current_step = step.id
    draft.updated_at = utcnow()
    session.flush()


def delete_draft(draft: Draft, person: Person, *, actor: Actor) -> None:
    session = get_session()
    draft.status = "cancelled"
    draft.answers = {}
    for attachment in list(draft.attachments):
        session.delete(attachment)
    audit.record(
        session,
        "draft_deleted",
        actor=actor,
        actor_type="person",
        actor_id=person.id,
        subject_person_id=draft.subject_id,
        object_type="draft",
        object_id=str(draft.id),
    )
    session.flush()


# --- attachments ----------------------------------------------------------------------------------------


def add_attachment(draft: Draft, step: Step, slot_id: str, filename: str, content: bytes) -> str | None:
    """Store an upload after checking its content; returns an error reason, or None when stored."""
    config = current_app.config["PORTAL"]
    if slot_id not in {slot.id for slot in step.attachments}:
        return "slot"
    try:
        checked = validation.validate_upload(filename, content, max_bytes=config.upload_max_bytes)
        validation.check_total(
            [a.size for a in draft.attachments] + [checked.size], config.upload_max_total_bytes
        )
        uploader = quota.Uploader(draft.municipality_id, person_id=draft.owner_id)
        quota.admit(get_session(), uploader, [checked.size])
    except validation.UploadRejected as exc:
        return exc.reason
    session = get_session()
    stored = storage.put(session, content, checked.media_type)
    draft.attachments.append(
        DraftAttachment(
            step_id=step.id,
            slot=slot_id,
            filename=checked.safe_filename,
            media_type=checked.media_type,
            size=checked.size,
            sha256=checked.sha256,
            stored_file=stored,
        )
    )
    draft.updated_at = utcnow()
    session.flush()
    return None


def remove_attachment(draft: Draft, attachment_id: str) -> bool:
    session = get_session()
    for attachment in draft.attachments:
        if str(attachment.id) == attachment_id:
            draft.attachments.remove(attachment)
            draft.updated_at = utcnow()
            session.flush()
            return True
    return False


def missing_attachments(eservice: EService, draft: Draft) -> list[tuple[Step, Any]]:
    present = {(a.step_id, a.slot) for a in draft.attachments}
    answers = Answers(draft.answers or {})
    return [
        (step, slot)
        for step in eservice.visible_steps(answers)
        for slot in step.attachments
        if slot.required and (step.id, slot.id) not in present
    ]


def ready_to_sign(eservice: EService, draft: Draft) -> bool:
    return engine.all_complete(eservice, draft.answers or {}) and not missing_attachments(eservice, draft)


# --- payload, signing and submission --------------------------------------------------------------------


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


def answers_digest(eservice: EService, draft: Draft) -> str:
    """What a signature binds to: the typed answers and the attachments' hashes."""
    typed = engine.typed_answers(eservice, draft.answers or {})
    material = {"answers": typed, "attachments": sorted(a.sha256 for a in draft.attachments)}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def sign_text(eservice: EService, draft: Draft, signer: Person, role: str) -> str:
    """The text shown in the BankID app (simpleMarkdownV1): what is signed, by whom, and the main answers."""
    lines = [f"# {eservice.title}", ""]
    if role == "co_applicant":
        lines += [_("I approve the application from %(name)s as co-applicant.", name=draft.owner.name), ""]
    if draft.subject_id != draft.owner_id:
        subject = get_session().get(Person, draft.subject_id)
        lines += [_("I apply on behalf of %(name)s.", name=subject.name if subject else ""), ""]
    lines += [_("I certify that the information I have given is correct and complete."), ""]
    rows: list[str] = []
    for state in engine.states(eservice, draft.answers or {}):
        for question, answer in engine.summary_rows(state.step, state.form):
            rows.append(f"{question}: {answer}".replace("\n", " "))
    body = "\n".join(f"+ {row[:200]}" for row in rows[:40])
    if len(rows) > 40:
        body += "\n+ …"
    lines += [body, "", _("Signed by: %(name)s", name=signer.name)]
    return "\n".join(lines)


def sign_ref(draft: Draft, role: str) -> str:
    return f"draft:{draft.id}:{role}"


def start_signing(
    draft: Draft,
    eservice: EService,
    signer: Person,
    role: str,
    *,
    municipality: Municipality,
    end_user_ip: str,
    same_device: bool,
    return_url: str,
) -> auth_services.StartResult:
    return auth_services.start_order(
        municipality=municipality,
        end_user_ip=end_user_ip,
        same_device=same_device,
        return_url=return_url,
        purpose="sign",
        purpose_ref=sign_ref(draft, role),
        user_visible_data=sign_text(eservice, draft, signer, role),
        user_non_visible_data=answers_digest(eservice, draft),
        signer_personal_number=signer.personal_number,
    )


@dataclass
class SignOutcome:
    status: str  # "submitted", "awaiting_co_applicant", "wrong_signer", "changed"
    case: Case | None = None


def settled(draft: Draft, role: str) -> SignOutcome | None:
    """What the signing already led to, when ``role``'s part is done: the answer to a completion that
    arrives again (another tab, a reconnecting phone) is the first one's. Reads the draft as it is now."""
    session = get_session()
    session.refresh(draft)
    if draft.status == "submitted" and draft.case_id is not None:
        return SignOutcome("submitted", session.get(Case, draft.case_id))
    if role == "applicant" and draft.status == "awaiting_co_applicant":
        return SignOutcome("awaiting_co_applicant")
    return None


def finish_signing(
    draft: Draft, eservice: EService, order: BankIDOrder | Any, signer: Person, role: str, *, actor: Actor
) -> SignOutcome:
    """Store the signature and, when it is the last one, submit: one atomic state change. The draft's row
    is locked first, so a completion that arrives twice at once waits for the first and then lands on the
    same outcome; the unique case.draft_id stands behind it."""
    session = get_session()
    current = locked(session, Draft, draft.id)
    if current is None:
        return SignOutcome("changed")
    done = settled(current, role)
    if done is not None:
        return done
    if current.status != ("in_progress" if role == "applicant" else "awaiting_co_applicant"):
        return SignOutcome("changed")
    if isinstance(order, BankIDOrder):
        session.refresh(order)
        if order.status != "complete":  # spent by a completion whose outcome was not this draft's
            return SignOutcome("wrong_signer")
    try:
        # A savepoint: what the signing wrote is undone on its own, the rest of the request is not.
        with session.begin_nested():
            return _record_signature(current, eservice, order, signer, role, actor)
    except _AnswersChanged:
        return SignOutcome("changed")
    except IntegrityError:
        # Only if the lock did not hold (it does on SQLite and PostgreSQL): the constraint refused a second
        # case for the draft. The first one's outcome is the answer.
        return settled(current, role) or SignOutcome("changed")


class _AnswersChanged(Exception):
    """The co-applicant signed answers that are no longer the applicant's: nothing of the signing stays."""


def _record_signature(
    draft: Draft, eservice: EService, order: BankIDOrder | Any, signer: Person, role: str, actor: Actor
) -> SignOutcome:
    session = get_session()
    completion = order.completion or {}
    if completion.get("personal_number") != signer.personal_number:
        log.error("sign order %s completed by someone other than the signer", order.order_ref)
        return SignOutcome("wrong_signer")
    session.add(
        Signature(
            draft_id=draft.id,
            person_id=signer.id,
            role=role,
            user_visible_data=order.user_visible_data,
            payload_sha256=answers_digest(eservice, draft),
            signature=completion.get("signature", ""),
            ocsp_response=completion.get("ocsp_response", ""),
            order_ref=order.order_ref,
            signed_at=utcnow(),
        )
    )
    order.status, order.completion = "used", None
    audit.record(
        session,
        "application_signed",
        actor=actor,
        actor_type="person",
        actor_id=signer.id,
        subject_person_id=draft.subject_id,
        object_type="draft",
        object_id=str(draft.id),
        role=role,
    )
    if role == "applicant":
        co_number = eservice.co_applicant_number(Answers(draft.answers or {}))
        if co_number:
            name = str(Answers(draft.answers or {}).get("co_applicant", "name", "") or "")
            given, _sep, surname = name.strip().partition(" ")
            co_person = person_by_number(parse(co_number), given_name=given, surname=surname)
            draft.co_applicant_id = co_person.id
            draft.status = "awaiting_co_applicant"
            draft.updated_at = utcnow()
            session.flush()
            return SignOutcome("awaiting_co_applicant")
    elif session.scalar(
        sa.select(Signature.payload_sha256)
        .where(Signature.draft_id == draft.id, Signature.role == "applicant")
        .order_by(Signature.signed_at.desc())
        .limit(1)
    ) != answers_digest(eservice, draft):
        raise _AnswersChanged
    case = submit(draft, eservice, actor)
    return SignOutcome("submitted", case)


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
        from portal.representation.services import from_dodsboanmalan

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
    from portal.applications.receipt_pdf import ReceiptData
    from portal.applications.receipt_pdf import render_receipt as render

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
    return render(
        ReceiptData(
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


def cases_for(person: Person, municipality: Municipality) -> list[Case]:
    session = get_session()
    return list(
        session.scalars(
            sa.select(Case)
            .where(Case.subject_id == person.id, Case.municipality_id == municipality.id)
            .order_by(Case.created_at.desc())
            .limit(5)
        )
    )
