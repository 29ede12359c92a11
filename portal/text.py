"""Bidirectional text: what comes in is cleaned of direction controls, what is shown is isolated.

A right-to-left override (U+202E) in a document title, a name or a message makes the text after it read
backwards ("exe.gpj" shows as "jpg.exe"), and an unclosed one reverses the rest of the line around it. No
one needs these controls to write Swedish, Arabic or Somali: a browser lays out mixed text by itself
when each piece is isolated. So:

* ``strip_bidi`` removes the embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) and
  the direction marks (U+200E, U+200F, U+061C) from all text that comes in: every form field a citizen
  or staff member posts (``init_app``: one hook for WTForms forms and the fields read directly) and every
  string in an API body (``strip_bidi_deep``, called where the API parses JSON).
* the ``bdi`` template filter isolates names, case numbers, personnummer and titles where they are shown,
  so text from elsewhere (an e-ID's name, older rows) can neither turn around nor spill into the
  sentence around it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict

from portal.i18n import content_lang

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def strip_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def strip_bidi_deep(value: Any) -> Any:
    """``value`` (parsed JSON) with every string, keys too, cleaned of bidirectional controls."""
    if isinstance(value, str):
        return strip_bidi(value)
    if isinstance(value, list):
        return [strip_bidi_deep(item) for item in value]
    if isinstance(value, dict):
        return {strip_bidi(key): strip_bidi_deep(item) for key, item in value.items()}
    return value


def bdi(value: object) -> Markup:
    """``value`` escaped and isolated in ``<bdi>``: its direction neither turns nor leaks into the page."""
    return Markup("<bdi>{}</bdi>").format(value)


def as_written(value: object) -> Markup:
    """A name or text as people wrote it in Swedish (a care provider's name), isolated as ``bdi`` does and
    marked ``lang="sv"`` on a page in another language, so that a screen reader reads it with a Swedish
    voice. Not for attributes: the markup would show."""
    return Markup("<bdi{}>{}</bdi>").format(content_lang(), value)


def init_app(app: Flask) -> None:
    app.add_template_filter(bdi, "bdi")
    app.add_template_filter(as_written, "as_written")

    @app.before_request
    def _strip_bidi_from_forms() -> None:
        if request.method != "POST" or request.mimetype not in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            return
        form = request.form
        if any(BIDI_CONTROLS.search(value) for values in form.listvalues() for value in values):
            # Request.form is cached on first read; what every view and form reads from now on is clean.
            request.form = ImmutableMultiDict(  # type: ignore[misc]
                [(key, strip_bidi(value)) for key, value in form.items(multi=True)]
            )
