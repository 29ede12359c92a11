"""Login sessions: starting one (after BankID or an identity provider), refusing one, keeping its idle clock,
ending it (logout, or a limit run out). Each leaves its audit event, named by the request's actor."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import Person
from portal.actor import SYSTEM, Actor
from portal.audit import services as audit
from portal.auth.models import BankIDOrder, LoginSession
from portal.auth.services import hash_token
from portal.db import commit_now, get_session, utcnow
from portal.municipalities.models import Municipality

BANKID_LOA = "loa3"


def log_in(
    order: BankIDOrder, municipality: Municipality, actor: Actor, *, staff_user_id: int | None = None
) -> str | None:
    """Turn a completed auth order into a login (a staff login with ``staff_user_id``); returns the new
    session token, once. ``actor``: the request's, for the login's event (its address)."""
    session = get_session()
    if order.status != "complete" or order.person_id is None or order.purpose != "auth":
        return None
    person = session.get(Person, order.person_id)
    assert person is not None  # noqa: S101 - the order's foreign key guarantees it
    # The order is spent: a second browser replaying the handle gets nothing.
    order.status = "used"
    return start_login(
        person, municipality, method="bankid", loa=BANKID_LOA, staff_user_id=staff_user_id, actor=actor
    )


def start_login(
    person: Person | None,
    municipality: Municipality,
    *,
    method: str,
    loa: str,
    staff_user_id: int | None = None,
    id_token: str = "",
    actor: Actor = SYSTEM,
) -> str:
    """A new login session for an authenticated person; returns its token, once. ``actor``: the request's
    (the login's event has its address), SYSTEM outside a request."""
    if person is None and staff_user_id is None:
        raise ValueError("a citizen login needs the person")
    session = get_session()
    now = utcnow()
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        token_hash=hash_token(token),
        person=person,
        municipality_id=municipality.id,
        method=method,
        loa=loa,
        authenticated_at=now,
        last_seen_at=now,
        staff_user_id=staff_user_id,
        id_token=id_token,
    )
    session.add(login)
    if person is not None:
        person.last_login_at = now
    audit.record(
        session,
        "staff_login" if staff_user_id else "login",
        actor=actor,
        actor_type="staff" if staff_user_id else "person",
        actor_id=staff_user_id or (person.id if person else None),
        subject_person_id=person.id if person else None,
        municipality_id=municipality.id,
        method=method,
        loa=loa,
    )
    session.flush()
    return token


def login_failed(
    municipality: Municipality, actor: Actor, *, method: str, reason: str, staff: bool = False
) -> None:
    """An audit event for a refused login: how and why, never who (the identity may be unproven)."""
    session = get_session()
    audit.record(
        session,
        "staff_login_failed" if staff else "login_failed",
        actor=actor,
        actor_type="anonymous",
        municipality_id=municipality.id,
        method=method,
        reason=reason,
    )
    commit_now(session, "a refused login is recorded although the request fails")


@dataclass
class LoadedLogin:
    login: LoginSession | None
    ended_reason: str = ""  # "idle" or "absolute" when the token was valid but has just run out
    # The login the idle limit has just ended: a form posted from its still-open page may be saved.
    expired: LoginSession | None = None
    # The token is a live login of another municipality: not valid here, but kept for going back there.
    elsewhere: bool = False


# The login's own bookkeeping (its idle clock, its end), not the request's work: kept whatever the page does,
# and a page that only reads does not hold SQLite's write lock while it is made (portal.db).
_LOGIN_BOOKKEEPING = "the login's idle clock and end are the login's, not the request's"


def load_login(token: str | None, municipality_id: int, actor: Actor, *, touch: bool = True) -> LoadedLogin:
    """The login a session token belongs to in this municipality, ending it when a limit has passed.
    ``touch`` counts the request as activity (not so for the page's own background checks); ``actor`` is
    the request's, for the event of a login that has run out.

    A login belongs to the municipality it was made in: another municipality of the installation asks
    the person to log in there (with the e-ID's single sign-on, if any), so that login is recorded there."""
    if not token:
        return LoadedLogin(None)
    session = get_session()
    login = session.scalar(sa.select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    if login is None or login.ended_at is not None:
        return LoadedLogin(None)
    if login.municipality_id != municipality_id:
        return LoadedLogin(None, elsewhere=True)
    config = current_app.config["PORTAL"]
    now = utcnow()
    reason = ""
    if now - login.last_seen_at > dt.timedelta(seconds=config.session_idle_seconds):
        reason = "idle"
    elif now - login.authenticated_at > dt.timedelta(seconds=config.session_absolute_seconds):
        reason = "absolute"
    if reason:
        end_login(login, reason, actor)
        commit_now(session, _LOGIN_BOOKKEEPING)
        grace = dt.timedelta(seconds=config.session_save_grace_seconds)
        expired = login if reason == "idle" and now - login.last_seen_at < grace else None
        return LoadedLogin(None, reason, expired)
    # One write a minute is enough to keep the idle clock, and spares a write on every request.
    if touch and now - login.last_seen_at > dt.timedelta(seconds=min(60, config.session_idle_seconds / 4)):
        login.last_seen_at = now
        commit_now(session, _LOGIN_BOOKKEEPING)
    return LoadedLogin(login)


def seconds_left(login: LoginSession) -> int:
    """Seconds until the idle limit (or the absolute limit, if that comes first) ends this login."""
    config = current_app.config["PORTAL"]
    now = utcnow()
    idle_end = login.last_seen_at + dt.timedelta(seconds=config.session_idle_seconds)
    absolute_end = login.authenticated_at + dt.timedelta(seconds=config.session_absolute_seconds)
    return max(0, int((min(idle_end, absolute_end) - now).total_seconds()))


def extend(login: LoginSession) -> None:
    """ "Fortsätt vara inloggad": the idle clock starts again (the absolute limit stays)."""
    login.last_seen_at = utcnow()
    get_session().flush()


def end_login(login: LoginSession, reason: str, actor: Actor) -> None:
    session = get_session()
    login.ended_at = utcnow()
    login.end_reason = reason
    audit.record(
        session,
        "logout" if reason == "logout" else "session_expired",
        actor=actor,
        actor_type="staff" if login.staff_user_id else "person",
        actor_id=login.staff_user_id or login.person_id,
        subject_person_id=login.person_id,
        municipality_id=login.municipality_id,
        reason=reason,
    )
    session.flush()


def previous_login_at(login: LoginSession) -> dt.datetime | None:
    session = get_session()
    return session.scalar(
        sa.select(LoginSession.authenticated_at)
        .where(LoginSession.person_id == login.person_id, LoginSession.id != login.id)
        .order_by(LoginSession.authenticated_at.desc())
        .limit(1)
    )


def login_for_provider_logout(token: str | None) -> LoginSession | None:
    """The OIDC login just ended by logout whose ended token the browser still holds, for the
    provider's end-session form; None once ten minutes have passed."""
    if not token:
        return None
    login = get_session().scalar(sa.select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    if (
        login is None
        or login.end_reason != "logout"
        or login.ended_at is None
        or not login.method.startswith("oidc:")
        or utcnow() - login.ended_at > dt.timedelta(minutes=10)
    ):
        return None
    return login
