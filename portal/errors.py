"""Error pages in the visitor's language that say what to do next and leak nothing about the server."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from portal import db
from portal.access import current_actor
from portal.api import views as api_views
from portal.audit import services as audit
from portal.domain_errors import DomainError

log = logging.getLogger(__name__)

PAGES = {
    400: (
        _l("Something went wrong with the request"),
        _l("The page could not handle what was sent. Go back and try again."),
    ),
    403: (
        _l("You do not have access to this page"),
        _l("If you think you should have access, contact the municipality."),
    ),
    404: (
        _l("Page not found"),
        _l("Check the address, or go to the start page. If you followed a link, it may be out of date."),
    ),
    405: (
        _l("Something went wrong with the request"),
        _l("The page could not handle what was sent. Go back and try again."),
    ),
    413: (
        _l("The file is too large"),
        _l("What you sent is larger than the portal accepts. Choose a smaller file and try again."),
    ),
    429: (_l("Too many attempts"), _l("Wait a few minutes and try again.")),
    500: (
        _l("Sorry, something went wrong on our side"),
        _l("Nothing you did caused this. Try again in a while. What you saved before is kept."),
    ),
    503: (_l("The service is temporarily unavailable"), _l("Try again in a while.")),
}
CSRF_PAGE = (
    _l("The page had expired"),
    _l("For your security, forms expire after a while. Go back, reload the page and send it again."),
)


# How long a client is asked to wait when the database cannot be reached (Retry-After).
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached, at connect or during the request (down, restarting, a connection
    cut, the pool exhausted, SQLite's file locked or missing): an outage to wait out, not a bug."""
    if isinstance(exc, sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        return exc.connection_invalidated or isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
    return False


def log_database_unavailable(exc: BaseException) -> None:
    # The driver's error class only: the message may carry the statement and its parameters.
    cause = getattr(exc, "orig", None) or exc
    log.warning("database unavailable on %s: %s", request.path, type(cause).__name__)


def _render(code: int, heading: object, text: object) -> tuple[str, int]:
    # Error pages must render even when the request failed before the municipality or login was loaded.
    g.setdefault("municipality", None)
    g.setdefault("person", None)
    # An error page commits nothing the request did; a failed transaction must not take the page down with
    # it (nor a connection that is gone).
    db.fail_request()
    try:
        return render_template("errors/error.html", code=code, heading=heading, text=text), code
    except Exception:
        log.exception("error page could not be rendered")
        return (
            '<!doctype html><html lang="sv"><title>Fel</title><main><h1>Något gick fel</h1></main></html>',
            code,
        )


def record_refusal(exc: DomainError) -> None:
    """The audit event of a refusal (``access_denied``, say): after the request is rolled back (nothing it
    did stays), in a transaction of its own that is committed, whatever the answer."""
    db.fail_request()
    session = db.get_session()
    audit.record(session, exc.audit_action, actor=current_actor(exc.actor_kind), **exc.audit_fields)  # type: ignore[arg-type]
    session.commit()


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> object:
        if exc.audit_action:
            record_refusal(exc)
        if api_views.is_api_request():
            return api_views.domain_problem(exc)
        return _render(exc.status, *PAGES[exc.status])

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> tuple[str, int]:
        log.info("CSRF check failed on %s: %s", request.path, exc.description)
        return _render(400, *CSRF_PAGE)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> object:
        if request.url_rule is None and api_views.is_api_request():
            # Routing failed before the API blueprint was reached (TRACE, say): its problem details.
            return api_views.unrouted_problem()
        code = exc.code or 500
        if code not in PAGES:
            return exc
        # An exception may carry its own heading and text, for a case the generic ones explain badly.
        page, code = _render(code, *getattr(exc, "page", PAGES[code]))
        # A 405 says which methods the page takes (RFC 9110).
        allow = [header for header in exc.get_headers() if header[0] == "Allow"]
        return page, code, allow

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> object:
        if isinstance(exc, HTTPException):
            return _http(exc)

        if request.url_rule is None and api_views.is_api_request():
            # Failed before routing reached the API blueprint (a before-request hook, on TRACE say).
            return api_views.unexpected_problem(exc)
        if database_unavailable(exc):
            log_database_unavailable(exc)
            page, code = _render(503, *PAGES[503])
            return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        log.exception("unhandled error on %s", request.path)
        return _render(500, *PAGES[InternalServerError.code])
