"""Small helpers for tests that post forms the way a browser does."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def page_csrf(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    return csrf_from(response.get_data(as_text=True))
