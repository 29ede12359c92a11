"""Representation registered by staff: god man, förvaltare and vårdnadshavare with their decision or
förordnande as a PDF, in the staff workspace; revoking them. Handläggare and administratörer only."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.access import staff_required
from portal.applications import services as applications
from portal.audit import services as audit
from portal.auth.forms import PostForm
from portal.db import get_session, utcnow
from portal.files.messages import UPLOAD_MESSAGES
from portal.files.responses import audited_file
from portal.representation import services
from portal.representation.forms import StaffRepresentationForm, check_staff, error_list
from portal.representation.models import Representation
from portal.representation.views import BASIS_LABELS, RIGHT_LABELS, STATE_LABELS

bp = Blueprint("staff_representation", __name__, url_prefix="/handlaggare/foretradare")

PAGE_SIZE = 50
UPLOAD_ERRORS = {
    **UPLOAD_MESSAGES,
    "not_pdf": _l("The decision or förordnande must be a PDF."),
    "missing": _l("Attach the decision or förordnande as a PDF."),
    "type": _l("The decision or förordnande must be a PDF."),
}


def _require_role() -> None:
    if not (g.staff.has_role("handlaggare") or g.staff.has_role("administrator")):
        abort(403)


def _rep_or_404(rep_id: uuid.UUID) -> Representation:
    db = get_session()
    rep = db.get(Representation, rep_id)
    if rep is None or rep.municipality_id != g.municipality.id or rep.basis == "fullmakt":
        audit.deny(audit.by_staff, "representation", rep_id)
    return rep


@bp.get("/")
@staff_required
def index() -> ResponseReturnValue:
    _require_role()
    db = get_session()
    reps = db.scalars(
        sa.select(Representation)
        .options(selectinload(Representation.principal), selectinload(Representation.agent))
        .where(Representation.municipality_id == g.municipality.id, Representation.basis != "fullmakt")
        .order_by(Representation.created_at.desc())
        .limit(PAGE_SIZE)
    ).all()
    return render_template(
        "representation/staff_index.html",
        reps=reps,
        now=utcnow(),
        bases=BASIS_LABELS,
        states=STATE_LABELS,
        rights=RIGHT_LABELS,
        last_day=services.last_day,
        display_name=services.display_name,
    )


@bp.route("/ny", methods=["GET", "POST"])
@staff_required
def new() -> ResponseReturnValue:
    _require_role()
    form = StaffRepresentationForm()
    form.eservice_ids.choices = [(e.id, str(e.title)) for e in applications.enabled_eservices(g.municipality)]
    errors: list[tuple[str, str]] = []
    if request.method == "GET":
        from forms.fields import swedish_today

        form.valid_from.data = swedish_today().isoformat()
        form.rights.data = ["read", "message"]
    else:
        form.validate()
        if "csrf_token" in form.errors:
            abort(400)
        check_staff(form)
        upload = request.files.get("document")
        if not form.document.errors and (upload is None or not upload.filename):
            form.document.errors = [str(UPLOAD_ERRORS["missing"])]
        errors = error_list(form)
        if not errors and upload is not None:
            name = (form.agent_name.data or "").strip()
            given, _sep, surname = name.partition(" ")
            terms = services.StaffTerms(
                principal_number=form.principal_number.digits12 or "",
                agent_number=form.agent_number.digits12 or "",
                agent_given_name=given,
                agent_surname=surname,
                basis=form.basis.data,
                scope=form.scope.data,
                eservice_ids=list(form.eservice_ids.data or []),
                rights=list(form.rights.data or []),
                valid_from=form.valid_from.date,  # type: ignore[arg-type]
                valid_until=form.valid_until.date,
            )
            result = services.register_by_staff(
                terms,
                staff_id=g.staff.id,
                municipality_id=g.municipality.id,
                document=(upload.filename or "", upload.read()),
            )
            if isinstance(result, Representation):
                flash(_("The representation is registered. The person represented gets a notice."), "success")
                return redirect(url_for(".index"))
            if result == "adult":
                form.principal_number.errors = [
                    _("The person is 18 or older. A vårdnadshavare can only be registered for a child.")
                ]
            else:
                form.document.errors = [str(UPLOAD_ERRORS.get(result, UPLOAD_ERRORS["type"]))]
            errors = error_list(form)
    return render_template("representation/staff_form.html", form=form, errors=errors), 400 if errors else 200


@bp.get("/<uuid:rep_id>/dokument")
@staff_required
def document(rep_id: uuid.UUID) -> ResponseReturnValue:
    _require_role()
    rep = _rep_or_404(rep_id)
    if rep.document_file_id is None:
        abort(404)
    return audited_file(
        audit.by_staff,
        "document_read",
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=rep.id,
        stored_file_id=rep.document_file_id,
        media_type="application/pdf",
        filename=rep.document_filename,
    )


@bp.get("/<uuid:rep_id>/aterkalla")
@staff_required
def confirm_revoke(rep_id: uuid.UUID) -> ResponseReturnValue:
    _require_role()
    rep = _rep_or_404(rep_id)
    return render_template(
        "representation/staff_revoke.html",
        rep=rep,
        bases=BASIS_LABELS,
        display_name=services.display_name,
    )


@bp.post("/<uuid:rep_id>/aterkalla")
@staff_required
def revoke(rep_id: uuid.UUID) -> ResponseReturnValue:
    _require_role()
    rep = _rep_or_404(rep_id)
    if not PostForm().validate_on_submit():
        abort(400)
    services.revoke(rep, by_type="staff", by_id=g.staff.id)
    flash(_("The representation is revoked."), "success")
    return redirect(url_for(".index"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
