"""BankID orders, for logging in and for signing: starting, collecting, cancelling. Views call these; these
flush, and commit on their own (commit_now) only around BankID calls and for what must outlast a failed
request. Login sessions are ``portal.auth.logins``."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from portal.accounts.personnummer import InvalidPersonnummer, parse
from portal.accounts.services import person_from_eid
from portal.actor import SYSTEM, Actor
from portal.audit import services as audit
from portal.auth.bankid import SIMPLE_MARKDOWN_V1, BankIDClient, BankIDError, BankIDUnavailable, Order
from portal.auth.models import BankIDOrder
from portal.db import commit_now, get_session, locked, utcnow
from portal.municipalities.models import Municipality

log = logging.getLogger(__name__)

# Finished or abandoned orders are kept this long for their audit trail, then deleted.
ORDER_RETENTION = dt.timedelta(hours=1)


def hash_token(token: str) -> str:
    """How a handle or session token is kept: only its hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def bankid_client() -> BankIDClient:
    client = current_app.extensions.get("bankid_client")
    if client is None:
        config = current_app.config["PORTAL"]
        cert = (config.bankid_client_cert, config.bankid_client_key) if config.bankid_client_cert else None
        client = BankIDClient(
            config.bankid_url,
            client_cert=cert,
            ca_file=config.bankid_ca_file or None,
            timeout=config.bankid_timeout,
        )
        current_app.extensions["bankid_client"] = client
    return client


@dataclass
class StartResult:
    handle: str | None = None
    error_code: str = ""  # BankID's errorCode, or "unavailable" when BankID could not be reached


def start_order(
    *,
    municipality: Municipality,
    end_user_ip: str,
    same_device: bool,
    return_url: str | None,
    purpose: str = "auth",
    purpose_ref: str = "",
    user_visible_data: str | None = None,
    user_non_visible_data: str | None = None,
    signer_personal_number: str | None = None,
) -> StartResult:
    """Start an auth order, or a sign order that only ``signer_personal_number`` can sign."""
    session = get_session()
    session.execute(sa.delete(BankIDOrder).where(BankIDOrder.created_at < utcnow() - ORDER_RETENTION))
    commit_now(session, "no transaction (nor SQLite's write lock) open across the call to BankID")
    client = bankid_client()
    try:
        order: Order
        if purpose == "sign":
            if not user_visible_data or not signer_personal_number:
                raise ValueError("a sign order needs the text to sign and the signer")
            order = client.sign(
                end_user_ip,
                user_visible_data,
                user_visible_data_format=SIMPLE_MARKDOWN_V1,
                user_non_visible_data=user_non_visible_data,
                requirement={"personalNumber": signer_personal_number},
                return_url=return_url if same_device else None,
            )
        else:
            order = client.auth(end_user_ip, return_url=return_url if same_device else None)
    except BankIDError as exc:
        log.warning("BankID %s refused: %s", purpose, exc.error_code)
        return StartResult(error_code=exc.error_code)
    except BankIDUnavailable:
        log.exception("BankID could not be reached")
        return StartResult(error_code="unavailable")
    handle = secrets.token_urlsafe(32)
    session.add(
        BankIDOrder(
            handle_hash=hash_token(handle),
            municipality_id=municipality.id,
            purpose=purpose,
            same_device=same_device,
            order_ref=order.order_ref,
            auto_start_token=order.auto_start_token,
            qr_start_token=order.qr_start_token,
            qr_start_secret=order.qr_start_secret,
            purpose_ref=purpose_ref,
            user_visible_data=user_visible_data or "",
        )
    )
    session.flush()
    return StartResult(handle=handle)


def find_order(handle: str | None, *, purpose: str = "auth", purpose_ref: str = "") -> BankIDOrder | None:
    if not handle:
        return None
    return get_session().scalar(
        sa.select(BankIDOrder).where(
            BankIDOrder.handle_hash == hash_token(handle),
            BankIDOrder.purpose == purpose,
            BankIDOrder.purpose_ref == purpose_ref,
        )
    )


# BankID hands out a result once: what it answered (and a failed login's event) is kept whatever becomes of
# the request that collected it.
_COLLECTED = "BankID's answer to a collect is kept whatever becomes of the request"


def poll_order(order: BankIDOrder, actor: Actor = SYSTEM) -> BankIDOrder:
    """Collect the status from BankID, at most once per collect interval however often the page asks.

    One request at a time collects an order: BankID hands a result out once, so a second collect at the
    same moment (two tabs, a double click) would get an error for an order the first just completed. The
    request that claims the collect marks ``last_collect_at`` ahead by the call's longest duration; one that
    finds a collect in flight waits for its result instead of asking BankID itself. ``actor``: who asks
    (a failed login's event has their address)."""
    if order.status != "pending":
        return order
    session = get_session()
    config = current_app.config["PORTAL"]
    now = utcnow()
    interval = dt.timedelta(seconds=config.bankid_collect_interval)
    in_flight = dt.timedelta(seconds=config.bankid_timeout + 5)
    claimed = session.execute(
        sa.update(BankIDOrder)
        .where(
            BankIDOrder.id == order.id,
            BankIDOrder.status == "pending",
            sa.or_(BankIDOrder.last_collect_at.is_(None), BankIDOrder.last_collect_at <= now - interval),
        )
        .values(last_collect_at=now + in_flight)
        .execution_options(synchronize_session=False)
    )
    commit_now(
        session, "the claim is seen by other polls, and no transaction is open across the call to BankID"
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return _after_collect_in_flight(order, in_flight)
    order.last_collect_at = now
    try:
        result = bankid_client().collect(order.order_ref)
    except BankIDError as exc:
        if _still_pending(order):
            _finish(order, "failed", actor, error_code=exc.error_code)
        commit_now(session, _COLLECTED)
        return order
    except BankIDUnavailable:
        # A passing network fault: keep the order pending and try again on the next poll.
        log.warning("BankID collect failed for order %s", order.order_ref)
        commit_now(session, _COLLECTED)
        return order
    if not _still_pending(order):
        commit_now(session, _COLLECTED)
        return order
    order.hint_code = result.hint_code or ""
    if result.status == "failed":
        _finish(order, "failed", actor)
    elif result.status == "complete" and result.completion is not None:
        completion = result.completion
        try:
            pnr = parse(completion.personal_number)
        except InvalidPersonnummer:
            log.error("BankID returned an invalid personal number for order %s", order.order_ref)
            _finish(order, "failed", actor, error_code="invalidPersonalNumber")
        else:
            person = person_from_eid(pnr, completion.given_name, completion.surname)
            session.flush()
            order.person_id = person.id
            if order.purpose == "sign":
                # Kept until the signing flow stores it as evidence (portal.applications).
                order.completion = {
                    "personal_number": pnr.digits12,
                    "name": completion.name,
                    "signature": completion.signature,
                    "ocsp_response": completion.ocsp_response,
                    "signed_at": utcnow().isoformat(),
                }
            _finish(order, "complete", actor)
    commit_now(session, _COLLECTED)
    return order


def _after_collect_in_flight(order: BankIDOrder, longest: dt.timedelta) -> BankIDOrder:
    """The order once another request's collect has ended (at once when none is in flight, only the
    interval not yet passed)."""
    session = get_session()
    deadline = time.monotonic() + longest.total_seconds()
    while True:
        session.refresh(order)
        commit_now(
            session, "a wait: each look at the order is a transaction of its own, none open while asleep"
        )
        collecting = order.last_collect_at is not None and order.last_collect_at > utcnow()
        if order.status != "pending" or not collecting or time.monotonic() > deadline:
            return order
        time.sleep(0.05)


def _still_pending(order: BankIDOrder) -> bool:
    """Locks the order and reads it afresh. Another request may have collected it meanwhile (two tabs, a
    double click) and used it, after which BankID may answer this collect with an error: the result is
    written only to an order still pending, so a finished order is never finished again."""
    return locked(get_session(), BankIDOrder, order.id) is not None and order.status == "pending"


def cancel_order(order: BankIDOrder, actor: Actor = SYSTEM) -> None:
    session = get_session()
    if order.status == "pending":
        commit_now(session, "no transaction (nor SQLite's write lock) open across the call to BankID")
        try:
            bankid_client().cancel(order.order_ref)
        except (BankIDError, BankIDUnavailable):
            # The order expires at BankID on its own; the citizen is done with it either way.
            log.warning("BankID cancel failed for order %s", order.order_ref)
        _finish(order, "failed", actor, hint_code="cancelled")
    commit_now(
        session, "a cancelled BankID order and its login_failed event persist although the request fails"
    )


def _finish(
    order: BankIDOrder, status: str, actor: Actor, *, error_code: str = "", hint_code: str | None = None
) -> None:
    order.status = status
    order.error_code = error_code
    if hint_code is not None:
        order.hint_code = hint_code
    order.qr_start_secret = ""
    order.finished_at = utcnow()
    if status == "failed" and order.purpose == "auth":
        # A login that did not happen (cancelled, expired, refused): how and why, never who.
        audit.record(
            get_session(),
            "staff_login_failed" if order.purpose_ref == "staff" else "login_failed",
            actor=actor,
            actor_type="anonymous",
            municipality_id=order.municipality_id,
            method="bankid",
            reason=order.error_code or order.hint_code or "failed",
        )
