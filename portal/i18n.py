"""Languages: the visitor's choice (a cookie, and on their person record), else what their browser asks for
(Accept-Language), else Swedish."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import flask_babel
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale
from markupsafe import Markup

from portal.config import TRANSLATIONS_DIR

LOCALE_COOKIE = "portal_locale"
# Lättläst svenska: easy-to-read alternatives for the guidance texts (start page, e-service introductions,
# statuses and what happens next, appeal guidance, the accessibility statement, error pages). They live in
# translations/sv/LC_MESSAGES/lattlast.po, keyed by the same English msgids, and are laid over the Swedish
# catalogue when the visitor has chosen "Lättläst"; every other text stays ordinary Swedish.
EASY_READ_COOKIE = "portal_lattlast"
EASY_READ = "lattlast"  # the switch's code for it: /sprak/lattlast
EASY_READ_DOMAIN = "lattlast"
EASY_READ_NAME = "Lättläst"
# Each language named in itself, so that someone who reads only that language finds it.
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "fi": "Suomi", "ar": "العربية"}
# Languages written right to left: the page gets dir="rtl" and the layout mirrors (logical CSS properties).
RIGHT_TO_LEFT = frozenset({"ar"})


def select_locale() -> str:
    config = current_app.config["PORTAL"]
    chosen = request.cookies.get(LOCALE_COOKIE, "")
    if chosen in config.locales:
        return chosen
    person = getattr(g, "person", None)
    if person is not None and person.preferred_locale in config.locales:
        return person.preferred_locale
    # A new visitor: the languages their browser asks for, in its order; "fi-FI" matches "fi".
    asked = request.accept_languages.best_match(config.locales)
    return asked or config.default_locale


def locale_to_remember(current: str) -> str:
    """At login: a language for a person who has none yet (notices and receipts follow it), from what their
    browser asks for. A choice made in the switch is stored when made while logged in; one made before logging
    in stays with that browser only, so that another device keeps showing what the person chose there."""
    if current or not has_request_context() or request.cookies.get(LOCALE_COOKIE):
        return current
    config = current_app.config["PORTAL"]
    asked = request.accept_languages.best_match(config.locales) or ""
    return "" if asked == config.default_locale else asked


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


def format_day(value: dt.date | dt.datetime, _requested: str | None = None) -> str:
    """A day in the page's language, always the same way ("2 december 2026", "December 2, 2026").

    Templates ask for "short" or "long"; a citizen should not meet "12/2/26" on one page and
    "December 2, 2026" on the next, so every date is written in the locale's long form."""
    return flask_babel.format_date(value, "long")


def format_moment(value: dt.datetime, _requested: str | None = None) -> str:
    """A date and time in Swedish time, written the one way of the page's language (the day as format_day)."""
    locale = flask_babel.get_locale()
    day = flask_babel.format_date(value, "long")
    time = flask_babel.format_time(value, "short")
    pattern = str(locale.datetime_formats["medium"]) if locale else "{1} {0}"
    return pattern.replace("'", "").replace("{0}", time).replace("{1}", day)


def content_lang() -> Markup:
    """` lang="sv"` on an element holding what people wrote (a decision's reasons, a message, a provider's
    text, a document name) when the page is in another language, so that a screen reader reads it with a
    Swedish voice. The content is written in the portal's default language."""
    content = current_app.config["PORTAL"].default_locale
    if str(flask_babel.get_locale()) == content:
        return Markup("")
    return Markup(' lang="{}"').format(content)


def easy_read() -> bool:
    """Whether this page shows the easy-to-read texts: chosen in the switch, and the page is in Swedish."""
    return request.cookies.get(EASY_READ_COOKIE) == "1" and str(flask_babel.get_locale()) == "sv"


def _easy_read_domain() -> flask_babel.Domain:
    directory = str(TRANSLATIONS_DIR)
    # Flask-Babel merges the domains in order: the lättläst texts replace the Swedish ones they cover.
    return flask_babel.Domain([directory, directory], domain=f"messages;{EASY_READ_DOMAIN}")


def left_to_right(value: object) -> Markup:
    """Case numbers, personnummer, phone numbers and amounts as one left-to-right unit.

    In an Arabic (right-to-left) sentence the bidi algorithm would otherwise reorder the groups of
    "070-123 45 67" or "12 500 kr"; <bdi> also keeps the number from reordering the text around it.
    """
    return Markup('<bdi dir="ltr">%s</bdi>') % value


def init_app(app: Flask) -> None:
    app.add_template_global(content_lang)
    easy_domain = _easy_read_domain()

    @app.before_request
    def _easy_read_texts() -> None:
        if easy_read():
            easy_domain.as_default()

    # Flask-Babel's filters, replaced by ones that write each locale's dates one way.
    app.jinja_env.filters["dateformat"] = format_day
    app.jinja_env.filters["datetimeformat"] = format_moment
    app.add_template_filter(left_to_right, "ltr")

    @app.context_processor
    def _language_links() -> dict[str, object]:
        current = str(get_locale())
        easy = easy_read()
        # (code for /sprak/, the name in itself, its language, its direction); the page's own one left out.
        others = []
        for code in app.config["PORTAL"].locales:
            direction = "rtl" if code in RIGHT_TO_LEFT else "ltr"
            if code != current or easy:
                others.append((code, LANGUAGE_NAMES.get(code, code), code, direction))
            if code == "sv" and not (current == "sv" and easy):
                others.append((EASY_READ, EASY_READ_NAME, "sv", "ltr"))
        return {
            "current_locale": current,
            "text_direction": "rtl" if current in RIGHT_TO_LEFT else "ltr",
            "other_languages": others,
            "easy_read": easy,
        }
