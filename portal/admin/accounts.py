"""Staff accounts, kept by the municipality's administrators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms.fields import options
from portal.access import current_actor, staff_required
from portal.admin.blueprint import bp
from portal.admin.forms import ROLE_LABELS, StaffAccountForm
from portal.audit import services as audit
from portal.auth.forms import PostForm
from portal.db import get_session, taken_in_municipality
from portal.domain_errors import Forbidden
from portal.municipalities.models import Unit
from portal.providers.models import Provider
from portal.staff import services as staff_services
from portal.staff.models import StaffUser


def _account_or_404(account_id: int) -> StaffUser:
    account = get_session().get(StaffUser, account_id)
    if account is None or account.municipality_id != g.staff.municipality_id:
        audit.deny(audit.by_staff, "staff_user", account_id)
    return account


@bp.get("/personal/")
@staff_required("administrator")
def accounts() -> ResponseReturnValue:
    rows = (
        get_session()
        .execute(
            sa.select(StaffUser, Unit.name, Provider.name)
            .outerjoin(Unit, Unit.id == StaffUser.unit_id)
            .outerjoin(Provider, Provider.id == StaffUser.provider_id)
            .where(StaffUser.municipality_id == g.staff.municipality_id)
            .order_by(StaffUser.active.desc(), StaffUser.name, StaffUser.id)
        )
        .all()
    )
    return render_template("staff/accounts.html", rows=rows, role_labels=ROLE_LABELS)


def _account_form(account: StaffUser | None, *, submitted: bool, formdata: object = None) -> StaffAccountForm:
    db = get_session()
    if submitted:
        form = StaffAccountForm(formdata=formdata) if formdata is not None else StaffAccountForm()
    elif account is None:
        form = StaffAccountForm(formdata=None)
    else:
        form = StaffAccountForm(formdata=None, data=StaffAccountForm.data_of(account))
    units = db.execute(
        sa.select(Unit.id, Unit.name)
        .where(Unit.municipality_id == g.staff.municipality_id)
        .order_by(Unit.name)
    ).all()
    form.unit.choices = options([("", _("No unit")), *((str(i), name) for i, name in units)])
    # The municipality's active providers, and the account's own even if it has since been deactivated.
    current = account.provider_id if account is not None else None
    providers = db.execute(
        sa.select(Provider.id, Provider.name, Provider.active)
        .where(
            Provider.municipality_id == g.staff.municipality_id,
            sa.or_(Provider.active.is_(True), Provider.id == current),
        )
        .order_by(Provider.name)
    ).all()
    form.provider.choices = options(
        [
            ("", _("None")),
            *(
                (str(i), name if active else _("%(name)s (deactivated)", name=name))
                for i, name, active in providers
            ),
        ]
    )
    return form


def _render_account_form(
    form: StaffAccountForm, account: StaffUser | None, status: int = 200
) -> ResponseReturnValue:
    errors = [(field.id, str(message)) for field in form for message in field.errors]
    own = account is not None and account.id == g.staff.id
    locked = {}
    if own:
        locked = {
            "roles": [str(ROLE_LABELS.get(role, role)) for role in account.roles or []],
            "unit": account.unit.name if account.unit is not None else "",
            "provider": (
                get_session().get(Provider, account.provider_id).name if account.provider_id else ""
            ),
        }
    return (
        render_template(
            "staff/account_form.html", form=form, account=account, errors=errors, own=own, locked=locked
        ),
        status,
    )


# What an administrator cannot change on their own account (another administrator can): what they may do,
# and whose cases they see. The form shows them read-only; a crafted post is refused and audited.
OWN_LOCKED_FIELDS = ("roles", "unit", "provider")


def _own_account_formdata(account: StaffUser) -> object:
    """The posted form with the locked fields as the account has them, or None (after the refusal is
    audited) when the post tries to change one of them."""
    current = StaffAccountForm.data_of(account)
    tried = []
    if "roles" in request.form and set(request.form.getlist("roles")) != set(current["roles"]):  # type: ignore[call-overload]
        tried.append("roles")
    for name in ("unit", "provider"):
        if name in request.form and request.form.get(name, "") != current[name]:
            tried.append(name)
    if tried:
        # 403, and the refusal recorded after the request is rolled back (portal.errors).
        raise Forbidden(
            audit_action="staff_account_change_refused",
            actor_kind="staff",
            object_type="staff_user",
            object_id=str(account.id),
            reason="own_account",
            fields=tried,
        )
    formdata = MultiDict(request.form)
    for name in OWN_LOCKED_FIELDS:
        formdata.poplist(name)
    formdata.setlist("roles", list(current["roles"]))  # type: ignore[arg-type]
    formdata["unit"] = current["unit"]
    formdata["provider"] = current["provider"]
    return formdata


def _save_account(form: StaffAccountForm, account: StaffUser | None) -> bool:
    """Saves a valid form; False (with the field's error set) when it cannot be saved."""
    if not form.validate_on_submit():
        return False
    values = form.values()
    number = values["personal_number"]
    if number and taken_in_municipality(
        get_session(),
        StaffUser.personal_number,
        str(number),
        g.staff.municipality_id,
        account.id if account else None,
    ):
        form.personal_number.errors = [
            _("Another staff account in the municipality already has this personal identity number")
        ]
        return False
    staff_services.save_account(
        get_session(), account, g.staff.municipality_id, values, by=current_actor("staff")
    )
    return True


@bp.route("/personal/ny", methods=["GET", "POST"])
@staff_required("administrator")
def new_account() -> ResponseReturnValue:
    form = _account_form(None, submitted=request.method == "POST")
    if request.method == "POST":
        if _save_account(form, None):
            flash(_("The staff account for %(name)s is added.", name=form.values()["name"]), "success")
            return redirect(url_for(".accounts"))
        return _render_account_form(form, None, 400)
    return _render_account_form(form, None)


@bp.route("/personal/<int:account_id>", methods=["GET", "POST"])
@staff_required("administrator")
def edit_account(account_id: int) -> ResponseReturnValue:
    account = _account_or_404(account_id)
    formdata = None
    if request.method == "POST" and account.id == g.staff.id:
        formdata = _own_account_formdata(account)
        if formdata is None:
            abort(403)
    form = _account_form(account, submitted=request.method == "POST", formdata=formdata)
    if request.method == "POST":
        if _save_account(form, account):
            flash(_("The changes to %(name)s are saved.", name=account.name), "success")
            return redirect(url_for(".accounts"))
        return _render_account_form(form, account, 400)
    return _render_account_form(form, account)


@bp.post("/personal/<int:account_id>/<action>")
@staff_required("administrator")
def account_active(account_id: int, action: str) -> ResponseReturnValue:
    account = _account_or_404(account_id)
    if action not in ("inaktivera", "aktivera"):
        abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    if action == "inaktivera" and account.id == g.staff.id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for(".accounts"))
    staff_services.set_account_active(get_session(), account, action == "aktivera", by=current_actor("staff"))
    if action == "aktivera":
        flash(_("%(name)s can log in again.", name=account.name), "success")
    else:
        flash(_("%(name)s can no longer log in.", name=account.name), "success")
    return redirect(url_for(".accounts"))
