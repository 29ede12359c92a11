"""What case systems do through the API: every change, its timeline event and audit event (actor "api").

The changes themselves do not commit: ``run_once`` commits each one together with its Idempotency-Key
record, so a retry can never see the effect without the stored response, or the other way round. They
reuse the case services' pieces (``add_event``, ``notify_citizen``, ``topics.delivered``) but not the staff
functions ``publish_decision`` and ``request_supplement`` or ``messaging.post``: those commit on their
own, audit the actor as staff, and ``post`` without a staff id writes the message as the citizen's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrations.base import DeliveryResult
from portal.actor import SYSTEM, Actor
from portal.api.models import MAPPABLE_STATUSES, SCOPES, ApiClient, ApiIdempotency
from portal.audit import services as audit
from portal.cases import services as cases
from portal.cases.models import Case, Decision, Document, SupplementRequest
from portal.db import all_municipalities, commit_now, utcnow
from portal.files import quota, validation
from portal.files.messages import API_DETAILS
from portal.files.storage import storage
from portal.messaging import services as messaging
from portal.messaging.models import Message, MessageThread
from portal.outbox import topics
from portal.outbox.models import OutboxItem

DOCUMENT_KINDS = ("utredning", "beslut", "genomforandeplan", "bilaga")
OUTCOMES = ("granted", "partly_granted", "rejected")
# As for decisions published in the staff workspace (cases.services.publish_decision).
DECISION_MAX_BYTES = 20 * 1024 * 1024
MAX_SUPPLEMENT_TEXT = 4000

Body = dict[str, Any]


class Rejected(ValueError):
    """A well-formed request the portal will not carry out; ``reason`` is a stable code for the client."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class KeyReused(ValueError):
    """An Idempotency-Key already used by this client for another request."""


# --- clients and tokens -------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(
    session: Session,
    municipality_id: int,
    name: str,
    scopes: list[str],
    status_map: dict[str, str],
    actor: Actor = SYSTEM,
) -> tuple[ApiClient, str]:
    """A new client and its token. Only the token's hash is kept: show the token once, now."""
    unknown_scopes = set(scopes) - set(SCOPES)
    if unknown_scopes:
        raise ValueError(f"unknown scopes: {sorted(unknown_scopes)}")
    bad = {code: status for code, status in status_map.items() if status not in MAPPABLE_STATUSES}
    if bad or not all(isinstance(code, str) and code for code in status_map):
        raise ValueError(f"status codes must map to one of {MAPPABLE_STATUSES}: {bad}")
    token = secrets.token_urlsafe(32)
    client = ApiClient(
        municipality_id=municipality_id,
        name=name,
        token_hash=hash_token(token),
        scopes=sorted(set(scopes)),
        status_map=dict(status_map),
        active=True,
    )
    session.add(client)
    session.flush()
    audit.record(
        session,
        "api_client_created",
        actor=actor,
        actor_type="system",
        object_type="api_client",
        object_id=str(client.id),
        municipality_id=municipality_id,
        scopes=client.scopes,
    )
    session.flush()
    return client, token


def revoke_client(session: Session, client_id: int, actor: Actor = SYSTEM) -> bool:
    """The client's token stops working; its records stay for the audit trail."""
    client = session.get(ApiClient, client_id)
    if client is None:
        return False
    client.active = False
    audit.record(
        session,
        "api_client_revoked",
        actor=actor,
        actor_type="system",
        object_type="api_client",
        object_id=str(client.id),
        municipality_id=client.municipality_id,
    )
    session.flush()
    return True


def authenticate(session: Session, token: str) -> ApiClient | None:
    """The active client holding ``token``; its last use is recorded with the request's own commit.

    A token is the client's, whichever municipality's host it is sent to: the request is then scoped to
    the client's municipality (portal.api.views)."""
    with all_municipalities():
        client = session.scalar(
            sa.select(ApiClient).where(ApiClient.token_hash == hash_token(token), ApiClient.active.is_(True))
        )
    if client is not None:
        client.last_used_at = utcnow()
    return client


# --- idempotency --------------------------------------------------------------------------------------


def fingerprint(method: str, path: str, body: Body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def run_once(
    session: Session,
    client: ApiClient,
    key: str | None,
    request_hash: str,
    action: Callable[[], tuple[int, Body]],
) -> tuple[int, Body, bool]:
    """Do ``action``, once per Idempotency-Key: (status, body, replayed).

    A key seen before with the same request answers with the stored response and does nothing; with
    another request it raises ``KeyReused``. Two requests racing with one key: the unique constraint
    lets one store its key, the other's effect is rolled back and it answers like a replay.
    """
    if key is not None:
        stored = _stored(session, client, key)
        if stored is not None:
            return _replay(stored, request_hash)
    try:
        # A savepoint: a key another request stored first undoes this one's effect, and only that.
        with session.begin_nested():
            status, body = action()
            if key is not None:
                session.add(
                    ApiIdempotency(
                        client_id=client.id,
                        key=key,
                        request_hash=request_hash,
                        status_code=status,
                        response_body=body,
                    )
                )
    except IntegrityError:
        stored = _stored(session, client, key) if key is not None else None
        if stored is None:
            raise
        return _replay(stored, request_hash)
    return status, body, False


def _stored(session: Session, client: ApiClient, key: str) -> ApiIdempotency | None:
    return session.scalar(
        sa.select(ApiIdempotency).where(ApiIdempotency.client_id == client.id, ApiIdempotency.key == key)
    )


def _replay(stored: ApiIdempotency, request_hash: str) -> tuple[int, Body, bool]:
    if stored.request_hash != request_hash:
        raise KeyReused(stored.key)
    return stored.status_code, dict(stored.response_body), True


def prune_idempotency(session: Session, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Forget stored responses older than ``older_than`` (for a periodic job); returns how many."""
    result = session.execute(
        sa.delete(ApiIdempotency).where(ApiIdempotency.created_at < utcnow() - older_than)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- reading --------------------------------------------------------------------------------------------


def find_case(session: Session, client: ApiClient, case_number: str) -> Case | None:
    """A case of the client's own municipality, by its number as written or read out."""
    return session.scalar(
        sa.select(Case).where(
            Case.case_number == cases.normalise_case_number(case_number),
            Case.municipality_id == client.municipality_id,
        )
    )


def record_denied(
    session: Session, client: ApiClient, actor: Actor, object_type: str, object_id: str
) -> None:
    """A client asked for something that is not its municipality's (or does not exist)."""
    _audit(session, client, actor, "access_denied", object_type=object_type, object_id=object_id[:64])
    commit_now(session, "access_denied is recorded although the request answers with a problem")


def read_case(session: Session, client: ApiClient, actor: Actor, case: Case) -> Body:
    _audit(session, client, actor, "case_read", case=case)
    session.flush()
    return {
        "case_number": case.case_number,
        "status": case.status,
        "external_ref": case.external_ref,
        "eservice": case.eservice_id,
        "eservice_version": case.eservice_version,
        "case_type": case.case_type,
        "created_at": _timestamp(case.created_at),
        "received_at": _timestamp(case.received_at) if case.received_at else None,
        "payload": case.payload,
    }


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
    _audit(
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
    _audit(
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
    """As ``cases.services.publish_decision`` does for staff: the PDF, the decision with its appeal
    deadline, status "decided", timeline, notice to the citizen; audited as the API client."""
    if outcome not in OUTCOMES:
        raise Rejected("unknown_outcome", f"The outcome must be one of {', '.join(OUTCOMES)}.")
    if not motivation.strip():
        raise Rejected("empty_motivation", "Write the motivation in plain language.")
    checked = _checked(filename, content, DECISION_MAX_BYTES)
    if checked.media_type != "application/pdf":
        raise Rejected("not_pdf", "The decision must be a PDF.")
    same = cases.published_already(
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
        appeal_deadline=published.date() + dt.timedelta(weeks=cases.APPEAL_WEEKS),
        document_id=document.id,
        decided_by_id=None,
        published_at=published,
    )
    session.add(decision)
    session.flush()
    previous, case.status = case.status, "decided"
    cases.add_event(session, case, "decision", outcome=outcome)
    cases.add_event(session, case, "status_changed", old=previous, new="decided")
    _audit(
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
        "published_at": _timestamp(decision.published_at),
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
    thread = messaging.thread(session, case)
    if thread is None:
        thread = MessageThread(case_id=case.id, audience="handlaggare")
        session.add(thread)
        session.flush()
    # A staff message without a staff account: the portal knows the case officer only by the case system.
    message = Message(thread_id=thread.id, author_type="staff", author_staff_id=None, body=text)
    session.add(message)
    session.flush()
    cases.add_event(session, case, "message", visible_to_citizen=False, author="staff")
    _audit(
        session, client, actor, "message_sent", case=case, object_type="message", object_id=str(message.id)
    )
    cases.notify_citizen(session, case, "message")
    return 201, {
        "id": str(message.id),
        "case_number": case.case_number,
        "created_at": _timestamp(message.created_at or utcnow()),
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
    _audit(
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
    _audit(
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
        "delivered_at": _timestamp(item.delivered_at) if item.delivered_at else None,
        "case_number": case.case_number if case is not None else None,
        "reference": reference,
    }


# --- helpers ------------------------------------------------------------------------------------------


def _audit(
    session: Session,
    client: ApiClient,
    actor: Actor,
    action: str,
    *,
    case: Case | None = None,
    object_type: str = "case",
    object_id: str = "",
    **detail: object,
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        actor_type="api",
        actor_id=client.id,
        subject_person_id=case.subject_id if case is not None else None,
        object_type=object_type,
        object_id=object_id or (str(case.id) if case is not None else ""),
        municipality_id=client.municipality_id,
        client=client.name,
        **detail,
    )


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
        "created_at": _timestamp(document.created_at or utcnow()),
    }


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
