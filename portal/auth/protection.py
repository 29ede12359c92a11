"""Refusing logins that come too fast (with how long to wait), and OIDC failures in words."""

from __future__ import annotations

from flask import make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal.access import current_actor
from portal.actor import Actor
from portal.audit import services as audit
from portal.auth import ratelimit
from portal.db import commit_now, get_session

# What a person is told when an OpenID login fails (portal.auth.oidc.LoginFailed.reason).
OIDC_FAILURES = {
    "cancelled": _l("The login was cancelled. You can try again or choose another way to log in."),
    "state": _l(
        "The login could not be completed: it was started in another window or took too long. "
        "Please start again."
    ),
    "provider": _l(
        "The e-ID service did not complete the login. Please try again, or choose another way to log in."
    ),
    "token": _l(
        "The answer from the e-ID service could not be verified, so you were not logged in. "
        "Please try again, or choose another way to log in."
    ),
    "personal_number": _l(
        "Your e-ID did not give us your personal identity number, which we need to show your matters. "
        "Log in with BankID or another e-ID."
    ),
    "userinfo": _l(
        "The e-ID service did not give us the details we need. Please try again, or choose another "
        "way to log in."
    ),
}


def record_refusal(municipality_id: int, kind: str, actor: Actor) -> None:
    session = get_session()
    audit.record(
        session,
        "login_rate_limited",
        actor=actor,
        actor_type="anonymous",
        municipality_id=municipality_id,
        limit=kind,
    )
    commit_now(session, "a rate-limited login is recorded although the request ends in an error page")


def refusal_text(verdict: ratelimit.Verdict) -> str:
    return ngettext(
        "For your security, logging in is paused after many attempts. Wait %(num)s minute and try again.",
        "For your security, logging in is paused after many attempts. Wait %(num)s minutes and try again.",
        verdict.minutes,
    )


def too_many(verdict: ratelimit.Verdict, *, municipality_id: int, kind: str) -> ResponseReturnValue:
    """The 429 page, with Retry-After, and an audit event that says which limit was reached."""
    record_refusal(municipality_id, kind, current_actor())
    return too_many_page(verdict)


def too_many_page(verdict: ratelimit.Verdict) -> ResponseReturnValue:
    text = refusal_text(verdict)
    body = render_template("errors/error.html", code=429, heading=_l("Too many login attempts"), text=text)
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(verdict.retry_after)
    return response


def check_client(municipality_id: int) -> ResponseReturnValue | None:
    """Count a login start from this client address; the 429 response when it is one too many."""
    verdict = ratelimit.client_attempt(request.remote_addr or "unknown")
    return None if verdict.allowed else too_many(verdict, municipality_id=municipality_id, kind="client")


def check_identity(identity: str, municipality_id: int) -> ResponseReturnValue | None:
    """Count a completed login for this identity; the 429 response when it is one too many."""
    verdict = ratelimit.identity_attempt(identity)
    return None if verdict.allowed else too_many(verdict, municipality_id=municipality_id, kind="identity")
