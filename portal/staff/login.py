"""The staff audience of the generated login routes (/handlaggare/logga-in): a staff login is a staff
account's, found by BankID's personnummer or the identity provider's subject (with roles, unit and
provider from the claims where the provider provisions them), and starts on the member's own page.

The routes themselves are the login methods' (``portal.auth.methods``), the same as the citizens'.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import current_actor
from portal.accounts.models import Person
from portal.accounts.services import person_from_eid
from portal.audit import services as audit
from portal.auth import logins, oidc, protection
from portal.auth import methods as login_methods
from portal.auth.bankid import user_message
from portal.auth.models import BankIDOrder
from portal.db import get_session
from portal.municipalities.models import Municipality
from portal.staff import services as staff_services
from portal.staff.models import StaffUser

ORDER_KEY = "staff_bankid_order"
SESSION_KEY = "staff_login"
PROVIDER_LOGOUT_KEY = "staff_provider_logout"


class StaffLogin(login_methods.Audience):
    name = "staff"
    session_key = SESSION_KEY
    bankid_order_key = ORDER_KEY
    bankid_purpose_ref = "staff"
    bankid_heading = _l("Staff login with BankID")
    bankid_return_url_always = True
    requires_personal_number = False

    def __init__(self, home: Callable[[StaffUser], str]) -> None:
        # Where a staff member starts: the first page their roles open (the workspace decides).
        self.home = home

    def already_logged_in(self) -> str | None:
        return self.home(g.staff) if g.get("staff") is not None else None

    def login_page(self, error: object = None, status: int = 200) -> ResponseReturnValue:
        provider_logout = None
        ended = logins.login_for_provider_logout(session.get(PROVIDER_LOGOUT_KEY))
        if ended is not None:
            provider = oidc.login_provider(ended.method)
            if provider is not None:
                provider_logout = oidc.logout_link(provider, url_for(".login", _external=True))
            session.pop(PROVIDER_LOGOUT_KEY, None)
        return (
            render_template(
                "staff/login.html",
                **login_methods.page_context(self, g.municipality),
                error=error,
                provider_logout=provider_logout,
            ),
            status,
        )

    def bankid_offered(self, municipality: Municipality) -> bool:
        # A municipality can switch BankID off for its staff.
        return bool(municipality.staff_bankid_login)

    def bankid_form_invalid(self) -> ResponseReturnValue:
        abort(400)

    def bankid_start_failed(self, error_code: str | None, same_device: bool) -> ResponseReturnValue:
        flash(str(user_message(status=None, error_code=error_code, qr=not same_device).text), "error")
        return redirect(url_for(".login"))

    def _enter(self, token: str | None) -> None:
        session.pop(self.session_key, None)
        session[self.session_key] = token

    def finish_bankid(self, order: BankIDOrder) -> str:
        staff = get_session().scalar(
            sa.select(StaffUser)
            .join(Person, Person.personal_number == StaffUser.personal_number)
            .where(
                Person.id == order.person_id,
                StaffUser.municipality_id == g.municipality.id,
                StaffUser.active.is_(True),
            )
        )
        session.pop(self.bankid_order_key, None)
        if staff is None:
            order.status = "used"
            audit.record(
                get_session(),
                "staff_login_refused",
                actor=current_actor("person"),
                actor_type="person",
                actor_id=order.person_id,
            )
            flash(
                _("You have no staff account in %(municipality)s.", municipality=g.municipality.name), "error"
            )
            return url_for(".login")
        token = logins.log_in(order, g.municipality, current_actor(), staff_user_id=staff.id)
        self._enter(token)
        return self.home(staff)

    def finish_oidc(self, provider: oidc.Provider, identity: oidc.Identity) -> ResponseReturnValue:
        method = oidc.method_id(provider)
        refused = protection.check_identity(f"{provider.id}:{identity.subject}", g.municipality.id)
        if refused is not None:
            return refused
        staff = staff_services.staff_for_identity(provider, identity, g.municipality, current_actor())
        if staff is None:
            logins.login_failed(
                g.municipality, current_actor(), method=method, reason="no_staff_account", staff=True
            )
            return self.login_page(
                _(
                    "You have no staff account with a role in %(municipality)s. "
                    "Ask your administrator for access.",
                    municipality=g.municipality.name,
                ),
                403,
            )
        person = None
        if identity.personal_number is not None:
            person = person_from_eid(identity.personal_number, identity.given_name, identity.family_name)
        token = logins.start_login(
            person,
            g.municipality,
            method=method,
            loa=identity.loa,
            staff_user_id=staff.id,
            id_token=identity.id_token,
            actor=current_actor(),
        )
        self._enter(token)
        return redirect(self.home(staff))
