"""The kundval catalogue's upkeep by administrators: the care providers citizens choose among."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from portal.access import current_actor, staff_required
from portal.admin.blueprint import bp
from portal.admin.forms import ProviderForm
from portal.audit import services as audit
from portal.auth.forms import PostForm
from portal.db import get_session, taken_in_municipality
from portal.providers import upkeep
from portal.providers.models import Provider
from portal.staff.models import StaffUser


def _errors(form: object) -> list[tuple[str, str]]:
    return [(field.id, str(message)) for field in form for message in field.errors]  # type: ignore[attr-defined]


def _provider_or_404(provider_id: int) -> Provider:
    provider = get_session().get(Provider, provider_id)
    if provider is None or provider.municipality_id != g.staff.municipality_id:
        audit.deny(audit.by_staff, "provider", provider_id)
    return provider


def _service_choices() -> list[tuple[str, str]]:
    titles = forms.service_names()
    enabled = g.municipality.enabled_eservices or list(titles)
    # hemtjänst first: the first service with kundval.
    ordered = sorted(enabled, key=lambda s: (s != "hemtjanst", str(titles.get(s, s))))
    return [(s, str(titles.get(s, s))) for s in ordered if s in titles]


@bp.get("/katalog/")
@staff_required("administrator")
def providers() -> ResponseReturnValue:
    rows = (
        get_session()
        .scalars(
            sa.select(Provider)
            .where(Provider.municipality_id == g.staff.municipality_id)
            .order_by(Provider.active.desc(), Provider.name)
        )
        .all()
    )
    return render_template(
        "providers/admin_list.html", providers=rows, titles=forms.service_names(), form=PostForm()
    )


def _render_form(form: ProviderForm, provider: Provider | None, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "providers/admin_form.html", form=form, provider=provider, errors=_errors(form)
    ), status


def _prepared(form: ProviderForm) -> ProviderForm:
    form.services.choices = _service_choices()
    form.default_for.choices = _service_choices()
    return form


def _saved(form: ProviderForm, provider: Provider | None) -> bool:
    """Save the posted form as a new provider or over ``provider``; False when the form has errors (also
    an organisation number another provider of the municipality already has), which it then names."""
    if not form.validate_on_submit():
        return False
    staff: StaffUser = g.staff
    values = form.values()
    if taken_in_municipality(
        get_session(),
        Provider.organisation_number,
        values["organisation_number"],
        staff.municipality_id,
        provider.id if provider is not None else None,
    ):
        form.organisation_number.errors = [_("A provider with this organisation number is already here")]
        return False
    upkeep.save_provider(get_session(), provider, staff.municipality_id, current_actor("staff"), values)
    if provider is None:
        flash(_("The provider %(name)s is added.", name=values["name"]), "success")
    else:
        flash(_("The changes to %(name)s are saved.", name=values["name"]), "success")
    return True


@bp.route("/katalog/ny", methods=["GET", "POST"])
@staff_required("administrator")
def new_provider() -> ResponseReturnValue:
    form = _prepared(ProviderForm())
    if request.method == "POST":
        if _saved(form, None):
            return redirect(url_for(".providers"))
        return _render_form(form, None, 400)
    return _render_form(form, None)


@bp.route("/katalog/<int:provider_id>", methods=["GET", "POST"])
@staff_required("administrator")
def edit_provider(provider_id: int) -> ResponseReturnValue:
    provider = _provider_or_404(provider_id)
    if request.method == "POST":
        form = _prepared(ProviderForm())
        if _saved(form, provider):
            return redirect(url_for(".providers"))
        return _render_form(form, provider, 400)
    form = _prepared(ProviderForm(formdata=None, data=ProviderForm.text_of(provider)))
    return _render_form(form, provider)


@bp.post("/katalog/<int:provider_id>/<action>")
@staff_required("administrator")
def provider_active(provider_id: int, action: str) -> ResponseReturnValue:
    provider = _provider_or_404(provider_id)
    if action not in ("inaktivera", "aktivera"):
        abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    upkeep.set_active(get_session(), provider, action == "aktivera", current_actor("staff"))
    if action == "aktivera":
        flash(_("%(name)s is shown to citizens again.", name=provider.name), "success")
    else:
        flash(_("%(name)s is no longer shown to citizens.", name=provider.name), "success")
    return redirect(url_for(".providers"))
