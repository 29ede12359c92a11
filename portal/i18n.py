"""Languages: Swedish by default, the visitor's choice remembered in a cookie (and on their person record)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from portal.access import public

LOCALE_COOKIE = "portal_locale"
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}
# Languages written right to left: the page gets dir="rtl" and the layout mirrors (logical CSS properties).
RTL_LOCALES = frozenset({"ar"})

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    config = current_app.config["PORTAL"]
    chosen = request.cookies.get(LOCALE_COOKIE, "")
    if chosen in config.locales:
        return chosen
    person = getattr(g, "person", None)
    if person is not None and person.preferred_locale in config.locales:
        return person.preferred_locale
    return config.default_locale


def safe_next(target: str | None, fallback: str) -> str:
    """A same-site path to go back to; anything else (another host, a scheme, //evil) becomes the fallback."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


@bp.get("/sprak/<locale>")
@public
def switch(locale: str) -> ResponseReturnValue:
    config = current_app.config["PORTAL"]
    target = safe_next(request.args.get("next"), url_for("home.start"))
    response = redirect(target)
    if locale in config.locales:
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
            from portal.accounts.services import set_preferred_locale

            set_preferred_locale(person, locale)
    return response


def left_to_right(value: object) -> Markup:
    """Case numbers, personnummer, phone numbers and amounts as one left-to-right unit.

    In an Arabic (right-to-left) sentence the bidi algorithm would otherwise reorder the groups of
    "070-123 45 67" or "12 500 kr"; <bdi> also keeps the number from reordering the text around it.
    """
    return Markup('<bdi dir="ltr">%s</bdi>') % value


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(left_to_right, "ltr")

    @app.context_processor
    def _language_links() -> dict[str, object]:
        from flask_babel import get_locale

        current = str(get_locale())
        others = [
            (code, LANGUAGE_NAMES.get(code, code)) for code in app.config["PORTAL"].locales if code != current
        ]
        return {
            "current_locale": current,
            "text_direction": "rtl" if current in RTL_LOCALES else "ltr",
            "other_languages": others,
        }
