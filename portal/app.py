"""The app factory: ``create_app`` builds the portal, its extensions, registries and routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

import forms
import integrations
from portal import db, errors, i18n, i18n_views, security, text
from portal import logging as portal_logging
from portal.admin import bp as admin_bp
from portal.api import case_views as api_case_views  # noqa: F401 - adds routes
from portal.api import delivery_views as api_delivery_views  # noqa: F401 - adds routes
from portal.api.views import bp as api_bp
from portal.applications import review_views as applications_review  # noqa: F401 - adds routes
from portal.applications import signing_views as applications_signing  # noqa: F401 - adds routes
from portal.applications.views import bp as applications_bp
from portal.auth import methods as login_methods
from portal.auth import views as auth_views
from portal.cases import labels as case_labels
from portal.cases.views import bp as cases_bp
from portal.config import STATIC_DIR, TEMPLATES_DIR, TRANSLATIONS_DIR, Config
from portal.extensions import babel, csrf
from portal.health.views import bp as health_bp
from portal.home import readers
from portal.home.views import bp as home_bp
from portal.messaging import audiences as messaging_audiences
from portal.municipalities import services as municipalities
from portal.outbox import topics
from portal.providers import views as providers_views
from portal.representation import fullmakt_views as representation_fullmakt  # noqa: F401 - adds routes
from portal.representation import signing_views as representation_signing  # noqa: F401 - adds routes
from portal.representation import staff_views as representation_staff_views
from portal.representation import views as representation_views
from portal.staff import handling as staff_handling  # noqa: F401 - adds routes
from portal.staff import inbox as staff_inbox  # noqa: F401 - adds routes
from portal.staff import views as staff_views
from portal.utforare.views import bp as utforare_bp


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` is a ready Config, or overrides for the one read from ``PORTAL_*``."""
    settings = config if isinstance(config, Config) else Config.from_env(**(config or {}))
    settings.validate(checks=[login_methods.settings_problems])

    app = Flask(
        "portal",  # the package: the app's name (its logger's too) and root path
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        instance_path=settings.instance_dir,
    )
    app.config.update(
        PORTAL=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.env == "test",
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_NAME="portal_session",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # A form stays valid as long as the login may last: a citizen filling in slowly must not lose it.
        WTF_CSRF_TIME_LIMIT=settings.session_absolute_seconds,
        WTF_CSRF_SSL_STRICT=settings.secure_cookies,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        # Times are stored in UTC and shown in Swedish time.
        BABEL_DEFAULT_TIMEZONE="Europe/Stockholm",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
        TEMPLATES_AUTO_RELOAD=settings.env == "development",
    )

    portal_logging.configure()
    # Registries are filled once, at start-up, not on the first request that needs them (login methods
    # by the views that generate their routes).
    forms.load()
    integrations.load()
    topics.load()
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.proxy_count,
            x_proto=settings.proxy_count,
            x_host=settings.proxy_count,
        )
    # Order matters: the database first (everything reads it), then CSRF and languages, then the
    # before-request hooks in the order they must run (municipality, then login), then pages and errors.
    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    security.init_app(app)
    text.init_app(app)  # after the NUL check: bidirectional controls are removed from what is posted
    municipalities.init_app(app)
    login_methods.init_app(app)  # each method built from its own settings
    auth_views.init_app(app)
    staff_views.init_app(app)
    representation_views.init_app(app)
    representation_staff_views.init_app(app)
    i18n.init_app(app)
    app.register_blueprint(i18n_views.bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(applications_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(api_bp)
    providers_views.init_app(app)
    app.register_blueprint(utforare_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(messaging_audiences.citizen_bp)
    app.register_blueprint(messaging_audiences.staff_bp)
    app.register_blueprint(messaging_audiences.utforare_bp)
    errors.init_app(app)

    @app.context_processor
    def _portal_context() -> dict[str, object]:
        return {"municipality": g.get("municipality"), "portal_config": settings}

    @app.template_global()
    def csrf_field() -> Markup:
        # A hidden CSRF input without an id: pages carry several forms (logout in the header, for one).
        return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()

    # Rules the templates show, computed once in Python: the templates only display what these give.
    app.add_template_global(case_labels.timeline_title)
    app.add_template_global(readers.reader_label)

    @app.template_filter("datetime_attr")
    def datetime_attr(value: dt.datetime) -> str:
        """A valid HTML ``datetime`` value: whole seconds, with the offset (naive values are UTC, as
        SQLite returns them). Python's isoformat() would give microseconds, which HTML does not allow."""
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat(timespec="seconds")

    @app.template_filter("sentence_case")
    def sentence_case(text: object) -> str:
        """The first letter upper case, the rest as written ("hemtjänst" as a heading; LSS stays LSS)."""
        value = str(text)
        return value[:1].upper() + value[1:]

    return app
