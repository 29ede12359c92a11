"""Granting a fullmakt (a new one, or changing one not yet signed, and reviewing it) and revoking one."""

from __future__ import annotations

import uuid

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import citizen_required, current_actor
from portal.accounts.personnummer import Personnummer
from portal.auth import bankid_flow
from portal.auth.forms import PostForm
from portal.representation import fullmakt, reading, revocation, validity
from portal.representation.forms import FullmaktForm, check_fullmakt, default_until, error_list
from portal.representation.models import Representation
from portal.representation.views import _case_labels, _eservice_choices, _own_or_404, _view, bp

# --- granting a fullmakt ------------------------------------------------------------------------------------


def _fullmakt_form(rep: Representation | None) -> FullmaktForm:
    form = FullmaktForm()
    form.case_ids.choices = list(_case_labels(g.person.id).items())
    form.eservice_ids.choices = _eservice_choices()
    if request.method == "GET":
        if rep is None:
            form.valid_until.data = default_until().isoformat()
            form.rights.data = ["read"]
        else:
            form.personal_number.data = Personnummer(rep.agent_number).formatted
            form.scope.data = rep.scope
            form.case_ids.data = list(rep.case_ids or [])
            form.eservice_ids.data = list(rep.eservice_ids or [])
            form.rights.data = rep.rights
            form.valid_until.data = validity.last_day(rep).isoformat()
    return form


TOO_MANY_TRIES = _l(
    "You have written powers of attorney for many different people today. To protect everyone's personal "
    "data, "
    "you can give more tomorrow. Contact the social services if you need help now."
)


def _edit(rep: Representation | None) -> ResponseReturnValue:
    form = _fullmakt_form(rep)
    errors: list[tuple[str, str]] = []
    status, headers = 200, {}
    if request.method == "POST":
        form.validate()
        if "csrf_token" in form.errors:
            abort(400)
        check_fullmakt(form, g.person.personal_number)
        errors = error_list(form)
        if not errors:
            verdict = fullmakt.count_try(g.person, form.personal_number.digits12 or "")
            if not verdict.allowed:
                form.personal_number.errors.append(TOO_MANY_TRIES)
                errors = error_list(form)
                status, headers = 429, {"Retry-After": str(verdict.retry_after)}
        if not errors:
            terms = fullmakt.FullmaktTerms(
                agent_number=form.personal_number.digits12 or "",
                scope=form.scope.data,
                case_ids=list(form.case_ids.data or []),
                eservice_ids=list(form.eservice_ids.data or []),
                rights=list(form.rights.data or []),
                valid_until=form.valid_until.date,  # type: ignore[arg-type]
            )
            saved = fullmakt.save_fullmakt_draft(g.person, g.municipality, terms, rep)
            return redirect(url_for(".review", rep_id=saved.id))
        status = status if status != 200 else 400
    page = render_template("representation/form.html", form=form, errors=errors, rep=rep)
    return page, status, headers


@bp.route("/fullmakter/ny", methods=["GET", "POST"])
@citizen_required
def new() -> ResponseReturnValue:
    return _edit(None)


@bp.route("/fullmakter/<uuid:rep_id>/andra", methods=["GET", "POST"])
@citizen_required
def edit(rep_id: uuid.UUID) -> ResponseReturnValue:
    return _edit(_own_or_404(rep_id, unsigned=True))


@bp.get("/fullmakter/<uuid:rep_id>/granska")
@citizen_required
def review(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id, unsigned=True)
    return render_template("representation/review.html", mobile_first=bankid_flow.is_mobile(), **_view(rep))


# --- revoking ---------------------------------------------------------------------------------------------


@bp.get("/fullmakter/<uuid:rep_id>/aterkalla")
@citizen_required
def confirm_revoke(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id)
    if rep.revoked_at is not None:
        return redirect(url_for(".index"))
    return render_template("representation/revoke.html", **_view(rep))


@bp.post("/fullmakter/<uuid:rep_id>/aterkalla")
@citizen_required
def revoke(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id)
    if not PostForm().validate_on_submit():
        abort(400)
    revocation.revoke(rep, by=current_actor("person"))
    flash(
        _(
            "The power of attorney is revoked. %(name)s can no longer act for you.",
            name=reading.agent_label(rep),
        ),
        "success",
    )
    return redirect(url_for(".index"))
