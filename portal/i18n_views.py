"""The language switch (/sprak/<locale>): the choice in a cookie, and on the person when logged in."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from portal.access import public
from portal.accounts.services import set_preferred_locale
from portal.i18n import EASY_READ, EASY_READ_COOKIE, LOCALE_COOKIE, safe_next

bp = Blueprint("i18n", __name__)


@bp.get("/sprak/<locale>")
@public
def switch(locale: str) -> ResponseReturnValue:
    config = current_app.config["PORTAL"]
    target = safe_next(request.args.get("next"), url_for("home.start"))
    response = redirect(target)
    easy = locale == EASY_READ and "sv" in config.locales
    if easy:
        locale = "sv"
    if locale in config.locales:
        if easy:
            response.set_cookie(
                EASY_READ_COOKIE,
                "1",
                max_age=365 * 24 * 3600,
                secure=config.secure_cookies,
                httponly=True,
                samesite="Lax",
            )
        else:
            response.delete_cookie(EASY_READ_COOKIE)
        response.set_cookie(
            LOCALE_COOKIE,
            locale,
            max_age=365 * 24 * 3600,
            secure=config.secure_cookies,
            httponly=True,
            samesite="Lax",
        )
        person = getattr(g, "person", None)
        if person is not None:
            set_preferred_locale(person, locale)
    return response
