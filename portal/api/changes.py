"""What case systems change through the API: every change, its timeline event and audit event (actor "api").

The changes themselves do not commit: ``run_once`` commits each one together with its Idempotency-Key
record, so a retry can never see the effect without the stored response, or the other way round. They
reuse the case services' pieces (``add_event``, ``notify_citizen``, ``topics.delivered``) but not the staff
functions ``publish_decision`` and ``request_supplement`` or ``messaging.post``: those commit on their
own, audit the actor as staff, and ``post`` without a staff id writes the message as the citizen's.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from integrations.base import DeliveryResult
from portal.actor import Actor
from portal.api.models import MAPPABLE_STATUSES, ApiClient
from portal.api.services import Body, Rejected, audit_event, find_case, timestamp
from portal.cases import handling as case_handling
from portal.cases import services as cases
from portal.cases.models import Case, Decision, Document, SupplementRequest
from portal.db import utcnow
from portal.files import quota, validation
from portal.files.messages import API_DETAILS
from portal.files.storage import storage
from portal.messaging import services as messaging
from portal.messaging.models import Message
from portal.outbox import topics
from portal.outbox.models import OutboxItem

DOCUMENT_KINDS = ("utredning", "beslut", "genomforandeplan", "bilaga")
OUTCOMES = ("granted", "partly_granted", "rejected")
# As for decisions published in the staff workspace (cases.handling.publish_decision).
DECISION_MAX_BYTES = 20 * 1024 * 1024
MAX_SUPPLEMENT_TEXT = 4000


# --- changes (committed by run_once) ----------------------------------------------------------------


def report_status(
    session: Session, client: ApiClient, actor: Actor, case: Case, code: str, reference: str | None
) -> tuple[int, Body]:
    """The case system's status code, mapped through the client's status map onto a portal status."""
    status = (client.status_map or {}).get(code)
    if status not in MAPPABLE_STATUSES:
        raise Rejected(
            "unknown_status_code",
            f"The status code {code!r} is not in this client's status map. Known codes: "
            f"{', '.join(sorted(client.status_map or {})) or 'none'}.",
        )
    previous = case.status
    changed = status != previous
    if changed:
        case.status = status
        cases.add_event(session, case, "status_changed", old=previous, new=status, code=code)
    if case.received_at is None:
        # Whatever the case system reports about a case, it has it.
        case.received_at = utcnow()
    if reference is not None:
        case.external_ref = reference
    audit_event(
        session,
        client,
        actor,
        "case_status_reported",
        case=case,
        code=code,
        old=previous,
        new=status,
        reference=case.external_ref,
    )
    return 200, {
        "case_number": case.case_number,
        "status": case.status,
        "previous_status": previous,
        "changed": changed,
        "external_ref": case.external_ref,
    }


def add_document(
    session: Session,
    client: ApiClient,
    actor: Actor,
    case: Case,
    *,
    kind: str,
    title: str,
    filename: str,
    content: bytes,
) -> tuple[int, Body]:
    """A document from the case system (utredning, beslut, genomförandeplan, bilaga) for the citizen."""
    if kind not in DOCUMENT_KINDS:
        raise Rejected("unknown_kind", f"The kind must be one of {', '.join(DOCUMENT_KINDS)}.")
    checked = _checked(filename, content, current_app.config["PORTAL"].upload_max_bytes)
    document = _store_document(
        session, client, case, kind, title.strip() or checked.safe_filename, checked, content
    )
    cases.add_event(session, case, "document_added", document_kind=kind)
    audit_event(
        session,
        client,
        actor,
        "document_added",
        case=case,
        object_type="document",
        object_id=str(document.id),
    )
    cases.notify_citizen(session, case, "document")
    return 201, _document_body(document)


def publish_decision(
    session: Session,
    client: ApiClient,
    actor: Actor,
    case: Case,
    *,
    outcome: str,
    motivation: str,
    decided_at: dt.date,
    filename: str,
    content: bytes,
) -> tuple[int, Body]:
    """As ``cases.handling.publish_decision`` does for staff: the PDF, the decision with its appeal
    deadline, status "decided", timeline, notice to the citizen; audited as the API client."""
    if outcome not in OUTCOMES:
        raise Rejected("unknown_outcome", f"The outcome must be one of {', '.join(OUTCOMES)}.")
    if not motivation.strip():
        raise Rejected("empty_motivation", "Write the motivation in plain language.")
    checked = _checked(filename, content, DECISION_MAX_BYTES)
    if checked.media_type != "application/pdf":
        raise Rejected("not_pdf", "The decision must be a PDF.")
    same = case_handling.published_already(
        session, case, outcome=outcome, motivation=motivation.strip(), decided_at=decided_at, content=content
    )
    if same is not None:
        return 201, _decision_body(case, same, session.get(Document, same.document_id))
    document = _store_document(
        session, client, case, "beslut", f"Beslut {decided_at.isoformat()}", checked, content
    )
    published = utcnow()
    decision = Decision(
        case_id=case.id,
        outcome=outcome,
        motivation=motivation.strip(),
        decided_at=decided_at,
        appeal_deadline=published.date() + dt.timedelta(weeks=case_handling.APPEAL_WEEKS),
        document_id=document.id,
        decided_by_id=None,
        published_at=published,
    )
    session.add(decision)
    session.flush()
    previous, case.status = case.status, "decided"
    cases.add_event(session, case, "decision", outcome=outcome)
    cases.add_event(session, case, "status_changed", old=previous, new="decided")
    audit_event(
        session,
        client,
        actor,
        "decision_published",
        case=case,
        object_type="decision",
        object_id=str(decision.id),
        outcome=outcome,
    )
    cases.notify_citizen(session, case, "decision")
    return 201, _decision_body(case, decision, document)


def _decision_body(case: Case, decision: Decision, document: Document | None) -> Body:
    return {
        "id": str(decision.id),
        "case_number": case.case_number,
        "outcome": decision.outcome,
        "decided_at": decision.decided_at.isoformat(),
        "appeal_deadline": decision.appeal_deadline.isoformat(),
        "published_at": timestamp(decision.published_at),
        "document": _document_body(document) if document is not None else None,
    }


def post_message(
    session: Session, client: ApiClient, actor: Actor, case: Case, body: str
) -> tuple[int, Body]:
    """A message from the handläggare in the case system, in the case's thread with the citizen."""
    text = body.strip()
    if not text:
        raise Rejected("empty_message", "Write the message.")
    if len(text) > messaging.MAX_BODY:
        raise Rejected("too_long", f"Write at most {messaging.MAX_BODY} characters.")
    thread = messaging.thread(session, case) or messaging.open_thread(session, case, "handlaggare")
    # A staff message without a staff account: the portal knows the case officer only by the case system.
    message = Message(thread_id=thread.id, author_type="staff", author_staff_id=None, body=text)
    session.add(message)
    session.flush()
    cases.add_event(session, case, "message", visible_to_citizen=False, author="staff")
    audit_event(
        session, client, actor, "message_sent", case=case, object_type="message", object_id=str(message.id)
    )
    cases.notify_citizen(session, case, "message")
    return 201, {
        "id": str(message.id),
        "case_number": case.case_number,
        "created_at": timestamp(message.created_at or utcnow()),
    }


def request_supplement(
    session: Session, client: ApiClient, actor: Actor, case: Case, text: str, due_date: dt.date
) -> tuple[int, Body]:
    """Komplettering: what the citizen should send, by when; the case waits for it."""
    text = text.strip()
    if not text:
        raise Rejected("empty_text", "Describe what the applicant should send.")
    if len(text) > MAX_SUPPLEMENT_TEXT:
        raise Rejected("too_long", f"Write at most {MAX_SUPPLEMENT_TEXT} characters.")
    request = SupplementRequest(case_id=case.id, requested_by_id=None, text=text, due_date=due_date)
    session.add(request)
    session.flush()
    previous, case.status = case.status, "supplement_requested"
    cases.add_event(session, case, "supplement_requested", due_date=due_date.isoformat(), old=previous)
    audit_event(
        session,
        client,
        actor,
        "supplement_requested",
        case=case,
        object_type="supplement_request",
        object_id=str(request.id),
    )
    cases.notify_citizen(session, case, "supplement")
    return 201, {
        "id": str(request.id),
        "case_number": case.case_number,
        "text": text,
        "due_date": due_date.isoformat(),
        "status": request.status or "open",
    }


def acknowledge_delivery(
    session: Session, client: ApiClient, actor: Actor, idempotency_key: str, reference: str
) -> tuple[int, Body] | None:
    """The case system confirms it has taken an outbox item of its municipality: the item is delivered
    and what delivery means for its topic happens (``mark_received_many`` for an application: the case is
    received with the reference). None when there is no such item for this client.

    Notices to citizens (``notification.*``) go to mail and SMS, never to a case system: not acknowledgeable.
    """
    item = session.scalar(
        sa.select(OutboxItem).where(
            OutboxItem.idempotency_key == idempotency_key,
            OutboxItem.municipality_id == client.municipality_id,
            OutboxItem.topic.not_like("notification.%"),
        )
    )
    if item is None:
        return None
    if item.status != "delivered":
        item.status, item.delivered_at, item.last_error = "delivered", utcnow(), ""
    topics.delivered(session, item.topic, [(item, DeliveryResult(external_ref=reference))], actor)
    case = None
    if isinstance(item.payload, dict) and item.payload.get("case_number"):
        case = find_case(session, client, str(item.payload["case_number"]))
    if case is not None and reference and case.external_ref != reference:
        # Received already (a filedrop counts as delivered once written, without a reference): the
        # case system's own reference is still the one the citizen should see.
        case.external_ref = reference
    audit_event(
        session,
        client,
        actor,
        "delivery_acknowledged",
        case=case,
        object_type="outbox_item",
        object_id=str(item.id),
        reference=reference,
    )
    return 200, {
        "idempotency_key": item.idempotency_key,
        "topic": item.topic,
        "status": item.status,
        "delivered_at": timestamp(item.delivered_at) if item.delivered_at else None,
        "case_number": case.case_number if case is not None else None,
        "reference": reference,
    }


# --- documents ----------------------------------------------------------------------------------------


def _checked(filename: str, content: bytes, max_bytes: int) -> validation.ValidatedFile:
    try:
        return validation.validate_upload(filename, content, max_bytes=max_bytes)
    except validation.UploadRejected as exc:
        raise Rejected(exc.reason, API_DETAILS.get(exc.reason, "The file was refused.")) from exc


def _store_document(
    session: Session,
    client: ApiClient,
    case: Case,
    kind: str,
    title: str,
    checked: validation.ValidatedFile,
    content: bytes,
) -> Document:
    uploader = quota.Uploader(client.municipality_id, api_client_id=client.id)
    try:
        quota.admit(session, uploader, [checked.size], case_id=case.id)
    except validation.UploadRejected as exc:
        raise Rejected(exc.reason, API_DETAILS[exc.reason]) from exc
    stored = storage.put(session, content, checked.media_type)
    document = Document(
        case_id=case.id,
        kind=kind,
        title=title[:200],
        filename=checked.safe_filename,
        media_type=checked.media_type,
        size=checked.size,
        sha256=checked.sha256,
        stored_file=stored,
        uploaded_by_id=None,
    )
    session.add(document)
    session.flush()
    return document


def _document_body(document: Document) -> Body:
    return {
        "id": str(document.id),
        "kind": document.kind,
        "title": document.title,
        "filename": document.filename,
        "media_type": document.media_type,
        "size": document.size,
        "sha256": document.sha256,
        "created_at": timestamp(document.created_at or utcnow()),
    }
