"""Citizen login with BankID (RP API v6.0), logout and the logged-out page.

Without JavaScript the waiting page reloads itself every two seconds; with it, static/js/bankid.js polls
``bankid_status`` and swaps the QR code every second. Both end in the same server-side checks.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
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

from portal.access import citizen_required, public
from portal.accounts.services import person_from_eid
from portal.auth import bankid_flow, oidc, oidc_flow, protection, services
from portal.auth.bankid import user_message
from portal.auth.forms import BankIDStartForm, PostForm
from portal.auth.models import BankIDOrder
from portal.db import decides_on_get
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


@bp.get("/logga-in")
@public
def login() -> ResponseReturnValue:
    if g.get("person") is not None:
        return redirect(url_for("home.my_pages"))
    return _login_page()


def _login_page(error: object = None, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "auth/login.html",
            mobile_first=bankid_flow.is_mobile(),
            oidc_providers=oidc.providers_for("citizen", g.municipality.slug),
            start_error=error,
        ),
        status,
    )


@bp.post("/logga-in/bankid")
@public
def bankid_start() -> ResponseReturnValue:
    form = BankIDStartForm()
    if not form.validate_on_submit():
        flash(_("Choose how you want to use BankID."), "error")
        return redirect(url_for(".login"))
    refused = protection.check_client(g.municipality.id)
    if refused is not None:
        return refused
    same_device = form.device.data == "same"
    result = services.start_order(
        municipality=g.municipality,
        end_user_ip=request.remote_addr or "127.0.0.1",
        same_device=same_device,
        return_url=url_for(".bankid_wait", _external=True) if same_device else None,
    )
    if result.handle is None:
        message = user_message(status=None, error_code=result.error_code, qr=not same_device)
        return _login_page(
            message.text, 503 if result.error_code in {"maintenance", "unavailable", "internalError"} else 200
        )
    BANKID.remember(result.handle)
    return redirect(url_for(".bankid_wait"))


def _finish_login(order: BankIDOrder) -> str | None:
    """Log the person in; the new session replaces everything the anonymous one held."""
    token = services.log_in(order, g.municipality)
    if token is None:
        return None
    return _enter(token)


def _enter(token: str) -> str:
    target = safe_next(session.get("next"), url_for("home.my_pages"))
    session.clear()
    session["login"] = token
    return target


BANKID = bankid_flow.BankIDLogin(
    blueprint="auth",
    order_key=ORDER_KEY,
    purpose_ref="",
    heading=_l("Log in with BankID"),
    finish=_finish_login,
)


@bp.get("/logga-in/bankid")
@decides_on_get
@public
def bankid_wait() -> ResponseReturnValue:
    return BANKID.wait()


@bp.get("/logga-in/bankid/status")
@decides_on_get
@public
def bankid_status() -> ResponseReturnValue:
    return BANKID.status()


@bp.get("/logga-in/bankid/qr.svg")
@public
def bankid_qr() -> ResponseReturnValue:
    return BANKID.qr()


@bp.post("/logga-in/bankid/avbryt")
@public
def bankid_cancel() -> ResponseReturnValue:
    return BANKID.cancel()


# --- OpenID Connect (e-ID brokers) ------------------------------------------------------------------------
# The start is a link, not a form: it changes nothing here, and a form's redirect to another site would be
# stopped by the Content-Security-Policy's form-action. The state authlib keeps stops login CSRF.


@bp.get("/logga-in/oidc/<provider_id>")
@public
def oidc_start(provider_id: str) -> ResponseReturnValue:
    provider = oidc_flow.provider_or_404(provider_id, "citizen")
    return oidc_flow.begin(provider, ".oidc_callback", _login_page)


@bp.get("/logga-in/oidc/<provider_id>/callback")
@decides_on_get
@public
def oidc_callback(provider_id: str) -> ResponseReturnValue:
    provider = oidc_flow.provider_or_404(provider_id, "citizen")
    identity = oidc_flow.finish(provider, _login_page, require_personal_number=True)
    if not isinstance(identity, oidc.Identity):
        return identity
    assert identity.personal_number is not None  # noqa: S101 - complete() requires it
    refused = protection.check_identity(identity.personal_number.digits12, g.municipality.id)
    if refused is not None:
        return refused
    person = person_from_eid(identity.personal_number, identity.given_name, identity.family_name)
    token = services.start_login(
        person, g.municipality, method=f"oidc:{provider.id}", loa=identity.loa, id_token=identity.id_token
    )
    return redirect(_enter(token))


@bp.post("/logga-ut")
@citizen_required
def logout() -> ResponseReturnValue:
    form = PostForm()
    if form.validate_on_submit():
        login, token = g.login, session.get("login")
        services.end_login(login, "logout")
        session.clear()
        if login.method.startswith("oidc:") and login.id_token:
            # The logged-out page offers to end the login at the e-ID service too (RP-initiated logout).
            session[PROVIDER_LOGOUT_KEY] = token
        return redirect(url_for(".logged_out"))
    return redirect(url_for("home.my_pages"))


@bp.get("/utloggad")
@public
def logged_out() -> ResponseReturnValue:
    provider_logout = None
    login = services.login_for_provider_logout(session.get(PROVIDER_LOGOUT_KEY))
    if login is not None:
        provider = current_app.extensions["oidc_providers"].get(login.method.removeprefix("oidc:"))
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
    return jsonify(state="active", remaining=services.seconds_left(current[1]))  # type: ignore[arg-type]


@bp.post("/session/forlang")
@public
def session_extend() -> ResponseReturnValue:
    current = _current_login()
    if not PostForm().validate_on_submit() or current is None:
        if request.accept_mimetypes.best == "application/json":
            return jsonify(state="ended"), 401
        return redirect(url_for("staff.login" if request.form.get("area") == "staff" else ".login"))
    services.extend(current[1])  # type: ignore[arg-type]
    if request.accept_mimetypes.best == "application/json":
        return jsonify(state="active", remaining=services.seconds_left(current[1]))  # type: ignore[arg-type]
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
        loaded = services.load_login(token, g.municipality.id, touch=not is_background_request())
        if loaded.login is not None and loaded.login.staff_user_id is not None:
            loaded = services.LoadedLogin(None)  # a staff login never opens citizen pages
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
        return services.seconds_left(login) if login is not None else 0
