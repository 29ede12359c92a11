"""The API's clients and what every call shares: tokens, Idempotency-Keys, reading a case, audit events
(actor "api"). The changes a case system makes are ``portal.api.changes``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.actor import SYSTEM, Actor
from portal.api.models import MAPPABLE_STATUSES, SCOPES, ApiClient, ApiIdempotency
from portal.audit import services as audit
from portal.cases import services as cases
from portal.cases.models import Case
from portal.db import all_municipalities, commit_now, utcnow

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
    audit_event(session, client, actor, "access_denied", object_type=object_type, object_id=object_id[:64])
    commit_now(session, "access_denied is recorded although the request answers with a problem")


def read_case(session: Session, client: ApiClient, actor: Actor, case: Case) -> Body:
    audit_event(session, client, actor, "case_read", case=case)
    session.flush()
    return {
        "case_number": case.case_number,
        "status": case.status,
        "external_ref": case.external_ref,
        "eservice": case.eservice_id,
        "eservice_version": case.eservice_version,
        "case_type": case.case_type,
        "created_at": timestamp(case.created_at),
        "received_at": timestamp(case.received_at) if case.received_at else None,
        "payload": case.payload,
    }


# --- helpers ------------------------------------------------------------------------------------------


def audit_event(
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
    """An event by the API client (``actor``: the request's, built for the client), about ``case``."""
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


def timestamp(value: dt.datetime) -> str:
    """A moment as the API writes it: UTC, with a Z."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
