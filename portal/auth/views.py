"""Citizen login, logout and the logged-out page, and the session-time routes.

The login routes (the page, BankID, OpenID) are generated from the login methods
(``portal.auth.methods``) for the citizen audience defined here. Without JavaScript the BankID waiting
page reloads itself every two seconds; with it, static/js/bankid.js polls ``bankid_status`` and swaps the
QR code every second. Both end in the same server-side checks.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import citizen_required, current_actor, public
from portal.accounts.services import person_from_eid
from portal.auth import logins, oidc, protection
from portal.auth import methods as login_methods
from portal.auth.bankid import user_message
from portal.auth.forms import PostForm
from portal.auth.models import BankIDOrder
from portal.i18n import safe_next

bp = Blueprint("auth", __name__)

ORDER_KEY = "bankid_order"
PROVIDER_LOGOUT_KEY = "provider_logout"
log = logging.getLogger(__name__)
END_REASONS = {
    "idle": _l(
        "You were logged out because you had not done anything for a while. Log in again to continue."
    ),
    "absolute": _l(
        "You were logged out because you had been logged in for a long time. Log in again to continue."
    ),
}


def _login_page(error: object = None, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "auth/login.html",
            **login_methods.page_context(CITIZEN, g.municipality),
            start_error=error,
        ),
        status,
    )


def _enter(token: str) -> str:
    target = safe_next(session.get("next"), url_for("home.my_pages"))
    session.clear()
    session[CITIZEN.session_key] = token
    return target


class CitizenLogin(login_methods.Audience):
    """The citizen login (/logga-in): the session is the person's, and the page they were going to
    follows (else Mina sidor); everything the anonymous session held is dropped."""

    name = "citizen"
    session_key = "login"
    bankid_order_key = ORDER_KEY
    bankid_purpose_ref = ""
    bankid_heading = _l("Log in with BankID")
    bankid_return_url_always = False
    requires_personal_number = True

    def already_logged_in(self) -> str | None:
        return url_for("home.my_pages") if g.get("person") is not None else None

    def login_page(self, error: object = None, status: int = 200) -> ResponseReturnValue:
        return _login_page(error, status)

    def bankid_form_invalid(self) -> ResponseReturnValue:
        flash(_("Choose how you want to use BankID."), "error")
        return redirect(url_for(".login"))

    def bankid_start_failed(self, error_code: str | None, same_device: bool) -> ResponseReturnValue:
        message = user_message(status=None, error_code=error_code, qr=not same_device)
        return _login_page(
            message.text, 503 if error_code in {"maintenance", "unavailable", "internalError"} else 200
        )

    def finish_bankid(self, order: BankIDOrder) -> str | None:
        """Log the person in; the new session replaces everything the anonymous one held."""
        token = logins.log_in(order, g.municipality, current_actor())
        if token is None:
            return None
        return _enter(token)

    def finish_oidc(self, provider: oidc.Provider, identity: oidc.Identity) -> ResponseReturnValue:
        assert identity.personal_number is not None  # noqa: S101 - complete() requires it
        refused = protection.check_identity(identity.personal_number.digits12, g.municipality.id)
        if refused is not None:
            return refused
        person = person_from_eid(identity.personal_number, identity.given_name, identity.family_name)
        token = logins.start_login(
            person,
            g.municipality,
            method=oidc.method_id(provider),
            loa=identity.loa,
            id_token=identity.id_token,
            actor=current_actor(),
        )
        return redirect(_enter(token))


CITIZEN = CitizenLogin()
# /logga-in, BankID and the e-ID brokers' OpenID routes: generated from the login methods.
login_methods.add_login_routes(bp, CITIZEN)


@bp.post("/logga-ut")
@citizen_required
def logout() -> ResponseReturnValue:
    form = PostForm()
    if form.validate_on_submit():
        login, token = g.login, session.get("login")
        logins.end_login(login, "logout", current_actor())
        session.clear()
        if oidc.login_provider(login.method) is not None and login.id_token:
            # The logged-out page offers to end the login at the e-ID service too (RP-initiated logout).
            session[PROVIDER_LOGOUT_KEY] = token
        return redirect(url_for(".logged_out"))
    return redirect(url_for("home.my_pages"))


@bp.get("/utloggad")
@public
def logged_out() -> ResponseReturnValue:
    provider_logout = None
    login = logins.login_for_provider_logout(session.get(PROVIDER_LOGOUT_KEY))
    if login is not None:
        provider = oidc.login_provider(login.method)
        if provider is not None:
            provider_logout = oidc.logout_link(provider, url_for(".logged_out_at_provider", _external=True))
    return render_template("auth/logged_out.html", provider_logout=provider_logout)


@bp.get("/utloggad/e-legitimation")
@public
def logged_out_at_provider() -> ResponseReturnValue:
    session.pop(PROVIDER_LOGOUT_KEY, None)
    flash(_("You are logged out of My pages and have come back from the e-ID service."), "success")
    return redirect(url_for(".logged_out"))


# --- session time: the page's warning before the idle limit, and "Fortsätt vara inloggad" ---------------
BACKGROUND_HEADER = "X-Portal-Background"


def is_background_request() -> bool:
    """The page's own checks and saves (static/js/session.js) are not activity: they never extend."""
    return request.headers.get(BACKGROUND_HEADER) == "1"


def _current_login() -> tuple[str, object] | None:
    """The login of this request's area: staff pages' staff login, else the citizen's."""
    if request.args.get("area") == "staff" or request.form.get("area") == "staff":
        return ("staff", g.get("staff_login")) if g.get("staff_login") is not None else None
    return ("citizen", g.login) if g.get("login") is not None else None


@bp.get("/session/status")
@public
def session_status() -> ResponseReturnValue:
    current = _current_login()
    if current is None:
        return jsonify(state="ended")
    return jsonify(state="active", remaining=logins.seconds_left(current[1]))  # type: ignore[arg-type]


@bp.post("/session/forlang")
@public
def session_extend() -> ResponseReturnValue:
    current = _current_login()
    if not PostForm().validate_on_submit() or current is None:
        if request.accept_mimetypes.best == "application/json":
            return jsonify(state="ended"), 401
        return redirect(url_for("staff.login" if request.form.get("area") == "staff" else ".login"))
    logins.extend(current[1])  # type: ignore[arg-type]
    if request.accept_mimetypes.best == "application/json":
        return jsonify(state="active", remaining=logins.seconds_left(current[1]))  # type: ignore[arg-type]
    # Without JavaScript (the form itself): back to the page it was on.
    return redirect(safe_next(request.form.get("next"), url_for("home.my_pages")))


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    app.register_blueprint(bp)

    @app.before_request
    def _load_login() -> None:
        g.login = g.person = None
        if request.endpoint in {"static", "health.health"} or g.get("municipality") is None:
            return
        token = session.get("login")
        if not token:
            return
        loaded = logins.load_login(
            token, g.municipality.id, current_actor(), touch=not is_background_request()
        )
        if loaded.login is not None and loaded.login.staff_user_id is not None:
            loaded = logins.LoadedLogin(None)  # a staff login never opens citizen pages
        if loaded.login is None:
            if not loaded.elsewhere:
                session.pop("login", None)
            g.expired_login = loaded.expired
            if loaded.ended_reason:
                flash(str(END_REASONS[loaded.ended_reason]), "info")
            return
        g.login, g.person = loaded.login, loaded.login.person

    @app.context_processor
    def _login_context() -> dict[str, object]:
        return {"person": g.get("person")}

    @app.template_global()
    def session_seconds_left(area: str) -> int:
        """For static/js/session.js: how long this page's login has left as the page is made."""
        login = g.get("staff_login") if area == "staff" else g.get("login")
        return logins.seconds_left(login) if login is not None else 0
