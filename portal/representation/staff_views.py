"""Representation registered by staff: god man, förvaltare and vårdnadshavare with their decision or
förordnande as a PDF, in the staff workspace; a second staff member approves or refuses each registration
(four eyes); revoking them.

The register and its decisions are sensitive (who has a god man says much about a person): a staff member
sees a representation only when their unit handles a case of the person, when they hold the
``foretradarregister`` role, or when they registered it themselves. Every read is audited; anything else
is a 404 and an ``access_denied`` event."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from forms.fields import swedish_today
from portal.access import current_actor, holds, staff_required
from portal.applications import drafts
from portal.audit import services as audit
from portal.auth.forms import PostForm
from portal.cases.models import Case
from portal.db import get_session, utcnow
from portal.files.messages import UPLOAD_MESSAGES
from portal.files.responses import audited_file
from portal.representation import reading, registration, revocation, validity
from portal.representation.forms import StaffRepresentationForm, check_staff, error_list
from portal.representation.models import Representation
from portal.representation.staff_forms import RefuseRegistrationForm
from portal.representation.views import BASIS_LABELS, RIGHT_LABELS, STATE_LABELS
from portal.staff.models import StaffUser

bp = Blueprint("staff_representation", __name__, url_prefix="/handlaggare/foretradare")

PAGE_SIZE = 50
UPLOAD_ERRORS = {
    **UPLOAD_MESSAGES,
    "not_pdf": _l("The decision or letter of appointment must be a PDF."),
    "missing": _l("Attach the decision or letter of appointment (förordnande) as a PDF."),
    "type": _l("The decision or letter of appointment must be a PDF."),
}


# Who registers, who keeps the register, who reviews. Administrators may register (a decision often
# arrives at the administration) but see only what they registered; reviewing needs case work or the role.
REGISTRARS = ("handlaggare", "foretradarregister", "administrator")
REVIEWERS = ("handlaggare", "foretradarregister")
STAFF_STATE_LABELS = {
    **STATE_LABELS,
    "pending": _l("Waiting for approval"),
    "refused": _l("Refused"),
}


def _visible() -> list[Any]:
    """The representations the staff member of this request may see, as SQL conditions."""
    staff: StaffUser = g.staff
    conditions: list[Any] = [
        Representation.municipality_id == g.municipality.id,
        Representation.basis != "fullmakt",
    ]
    if holds(staff, "foretradarregister"):
        return conditions
    mine: list[Any] = [Representation.registered_by_id == staff.id]
    if holds(staff, "handlaggare") and staff.unit_id is not None:
        mine.append(
            sa.exists().where(
                Case.subject_id == Representation.principal_id,
                Case.municipality_id == staff.municipality_id,
                Case.unit_id == staff.unit_id,
            )
        )
    return [*conditions, sa.or_(*mine)]


def _rep_or_404(rep_id: uuid.UUID) -> Representation:
    rep = get_session().scalar(sa.select(Representation).where(Representation.id == rep_id, *_visible()))
    if rep is None:
        audit.deny(audit.by_staff, "representation", rep_id)
    return rep


def _may_review(rep: Representation) -> bool:
    staff: StaffUser = g.staff
    return (
        rep.status == "pending"
        and rep.registered_by_id != staff.id
        and any(holds(staff, role) for role in REVIEWERS)
    )


def _staff_names(reps: list[Representation]) -> dict[int, str]:
    ids = {r.registered_by_id for r in reps} | {r.reviewed_by_id for r in reps}
    ids.discard(None)
    if not ids:
        return {}
    return dict(
        get_session().execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all()
    )


@bp.get("/")
@staff_required(*REGISTRARS)
def index() -> ResponseReturnValue:
    db = get_session()
    reps = db.scalars(
        sa.select(Representation)
        .options(selectinload(Representation.principal), selectinload(Representation.agent))
        .where(*_visible())
        .order_by(Representation.created_at.desc())
        .limit(PAGE_SIZE)
    ).all()
    pending = [rep for rep in reps if rep.status == "pending"]
    audit.by_staff(db, "representation_register_read", count=len(reps))
    return render_template(
        "representation/staff_index.html",
        reps=[rep for rep in reps if rep.status != "pending"],
        pending=pending,
        may_review=_may_review,
        keeps_register=holds(g.staff, "foretradarregister"),
        staff_names=_staff_names(pending),
        now=utcnow(),
        bases=BASIS_LABELS,
        states=STAFF_STATE_LABELS,
        rights=RIGHT_LABELS,
        last_day=validity.last_day,
        display_name=reading.display_name,
    )


@bp.route("/ny", methods=["GET", "POST"])
@staff_required(*REGISTRARS)
def new() -> ResponseReturnValue:
    form = StaffRepresentationForm()
    form.eservice_ids.choices = [(e.id, str(e.title)) for e in drafts.enabled_eservices(g.municipality)]
    errors: list[tuple[str, str]] = []
    if request.method == "GET":
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
            terms = registration.StaffTerms(
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
            result = registration.register_by_staff(
                terms,
                staff=current_actor("staff"),
                municipality_id=g.municipality.id,
                document=(upload.filename or "", upload.read()),
            )
            if isinstance(result, Representation):
                flash(
                    _(
                        "The representation is registered. It applies when another staff member has "
                        "approved it. The person represented gets a notice now."
                    ),
                    "success",
                )
                return redirect(url_for(".index"))
            if result == "agent_is_staff":
                form.agent_number.errors = [
                    _(
                        "The representative has a staff account in the municipality. Staff cannot register "
                        "a representation where staff act for a citizen."
                    )
                ]
            elif result == "adult":
                form.principal_number.errors = [
                    _("The person is 18 or older. A guardian can only be registered for a child.")
                ]
            else:
                form.document.errors = [str(UPLOAD_ERRORS.get(result, UPLOAD_ERRORS["type"]))]
            errors = error_list(form)
    return render_template("representation/staff_form.html", form=form, errors=errors), 400 if errors else 200


@bp.get("/<uuid:rep_id>/dokument")
@staff_required(*REGISTRARS)
def document(rep_id: uuid.UUID) -> ResponseReturnValue:
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


def _render_review(
    rep: Representation, form: RefuseRegistrationForm, status: int = 200
) -> ResponseReturnValue:
    errors = [(f.id, str(message)) for f in form for message in f.errors if f.id != "csrf_token"]
    return (
        render_template(
            "representation/staff_review.html",
            rep=rep,
            form=form,
            errors=errors,
            staff_names=_staff_names([rep]),
            bases=BASIS_LABELS,
            rights=RIGHT_LABELS,
            last_day=validity.last_day,
            display_name=reading.display_name,
        ),
        status,
    )


def _reviewable_or_404(rep_id: uuid.UUID) -> Representation:
    rep = _rep_or_404(rep_id)
    if not _may_review(rep):
        # The registrant's own, or no longer waiting: not this staff member's to review.
        audit.deny(audit.by_staff, "representation", rep_id)
    return rep


@bp.get("/<uuid:rep_id>/granska")
@staff_required(*REVIEWERS)
def review(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _reviewable_or_404(rep_id)
    audit.by_staff(
        get_session(),
        "representation_read",
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=str(rep.id),
    )
    return _render_review(rep, RefuseRegistrationForm(formdata=None))


@bp.post("/<uuid:rep_id>/godkann")
@staff_required(*REVIEWERS)
def approve(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _reviewable_or_404(rep_id)
    if not PostForm().validate_on_submit():
        abort(400)
    if registration.review_registration(rep, staff=current_actor("staff"), approve=True):
        flash(
            _("The representation is approved and applies now. The person represented gets a notice."),
            "success",
        )
    else:
        flash(_("The registration was already reviewed by someone else."), "info")
    return redirect(url_for(".index"))


@bp.post("/<uuid:rep_id>/avsla")
@staff_required(*REVIEWERS)
def refuse(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _reviewable_or_404(rep_id)
    form = RefuseRegistrationForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _render_review(rep, form, 400)
    if registration.review_registration(
        rep, staff=current_actor("staff"), approve=False, reason=form.reason.data.strip()
    ):
        flash(_("The registration is refused. It gives no one access."), "success")
    else:
        flash(_("The registration was already reviewed by someone else."), "info")
    return redirect(url_for(".index"))


@bp.get("/<uuid:rep_id>/aterkalla")
@staff_required(*REVIEWERS)
def confirm_revoke(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _rep_or_404(rep_id)
    return render_template(
        "representation/staff_revoke.html",
        rep=rep,
        bases=BASIS_LABELS,
        display_name=reading.display_name,
    )


@bp.post("/<uuid:rep_id>/aterkalla")
@staff_required(*REVIEWERS)
def revoke(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _rep_or_404(rep_id)
    if not PostForm().validate_on_submit():
        abort(400)
    revocation.revoke(rep, by=current_actor("staff"))
    flash(_("The representation is revoked."), "success")
    return redirect(url_for(".index"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
