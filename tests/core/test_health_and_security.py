import re

import pytest

from tests.helpers import page_csrf


def test_health_reports_database_status(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"


def test_health_reports_an_unreachable_database(app, monkeypatch):
    import sqlalchemy as sa

    from portal import db

    class Broken:
        def execute(self, *_args, **_kwargs):
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr("portal.health.views.get_session", lambda: Broken())
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"
    assert db  # the module the view normally uses


@pytest.mark.parametrize("path", ["/", "/logga-in", "/tillganglighet", "/finns-inte"])
def test_security_headers_on_every_page(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(client):
    page_csrf(client, "/logga-in")  # the CSRF token puts something in the session
    cookie = client.get_cookie("portal_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_secure_cookie_flag_follows_configuration(migrated_app):
    import dataclasses

    from portal.app import create_app

    app = create_app(dataclasses.replace(migrated_app.config["PORTAL"], secure_cookies=True))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "Strict-Transport-Security" in app.test_client().get("/").headers
    app.extensions["db_engine"].dispose()


def test_form_without_csrf_token_is_refused_with_a_clear_page(client):
    response = client.post("/logga-in/bankid", data={"device": "other"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Sidan hade gått ut" in body
    assert "Traceback" not in body


def test_form_with_a_forged_csrf_token_is_refused(client):
    page_csrf(client, "/logga-in")
    response = client.post("/logga-in/bankid", data={"device": "other", "csrf_token": "forged"})
    assert response.status_code == 400


@pytest.mark.parametrize(("locale", "text"), [("sv", "Sidan hittades inte"), ("en", "Page not found")])
def test_not_found_page_in_both_languages(client, locale, text):
    client.set_cookie("portal_locale", locale)
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)
    assert f'<html lang="{locale}">' in response.get_data(as_text=True)


def test_server_error_page_leaks_nothing(fresh_app):
    app = fresh_app

    @app.get("/_boom")
    def _boom():
        raise RuntimeError("secret internal detail /etc/passwd")

    from portal.access import public

    public(_boom)
    response = app.test_client().get("/_boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in body
    assert "Traceback" not in body
    assert "Något gick fel hos oss" in body


def test_too_large_request_gets_413_page(app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = app.test_client().post("/logga-in/bankid", data={"device": "x" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = app.config["PORTAL"].max_content_length
    assert response.status_code == 413
    assert "Filen är för stor" in response.get_data(as_text=True)


@pytest.mark.parametrize("code", [403, 429])
def test_other_error_pages_render_in_swedish(fresh_app, code):
    app = fresh_app

    from flask import abort

    from portal.access import public

    @public
    def _fail():
        abort(code)

    app.add_url_rule(f"/_fail{code}", f"_fail{code}", _fail)
    response = app.test_client().get(f"/_fail{code}")
    assert response.status_code == code
    assert re.search(r"<h1>[^<]+</h1>", response.get_data(as_text=True))


def test_a_nul_byte_in_a_form_is_a_clear_400_not_a_server_error(client):
    token = page_csrf(client, "/logga-in")
    response = client.post("/logga-in/bankid", data={"device": "other\x00", "csrf_token": token})
    assert response.status_code == 400
    assert "Något blev fel med förfrågan" in response.get_data(as_text=True)
