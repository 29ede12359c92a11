"""Error pages in the visitor's language that say what to do next and leak nothing about the server."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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


def _render(code: int, heading: object, text: object) -> tuple[str, int]:
    # Error pages must render even when the request failed before the municipality or login was loaded.
    g.setdefault("municipality", None)
    g.setdefault("person", None)
    # A failed transaction must not take the error page down with it.
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    try:
        return render_template("errors/error.html", code=code, heading=heading, text=text), code
    except Exception:
        log.exception("error page could not be rendered")
        return (
            '<!doctype html><html lang="sv"><title>Fel</title><main><h1>Något gick fel</h1></main></html>',
            code,
        )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> tuple[str, int]:
        log.info("CSRF check failed on %s: %s", request.path, exc.description)
        return _render(400, *CSRF_PAGE)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> object:
        code = exc.code or 500
        if code not in PAGES:
            return exc
        # An exception may carry its own heading and text, for a case the generic ones explain badly.
        return _render(code, *getattr(exc, "page", PAGES[code]))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int]:
        if isinstance(exc, HTTPException):
            return _http(exc)  # type: ignore[return-value]
        log.exception("unhandled error on %s", request.path)
        return _render(500, *PAGES[InternalServerError.code])
