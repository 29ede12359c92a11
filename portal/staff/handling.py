"""The staff case workspace: handling a case — taking it, its status, notes, a request for more information
(komplettering) and the decision."""

from __future__ import annotations

import uuid

from flask import abort, flash, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from forms import engine
from portal.access import current_actor, staff_required
from portal.auth.forms import PostForm
from portal.cases import handling as cases
from portal.db import get_session
from portal.files.messages import pdf_upload_message
from portal.staff.forms import DecisionForm, NoteForm, StatusForm, SupplementForm
from portal.staff.views import bp
from portal.staff.workspace import back, case_or_404, render_case


@bp.post("/arenden/<uuid:case_id>/tilldela")
@staff_required("handlaggare")
def assign(case_id: uuid.UUID) -> ResponseReturnValue:
    current = case_or_404(case_id)
    if not PostForm().validate_on_submit():
        abort(400)
    cases.assign(get_session(), current, current_actor("staff"))
    flash(_("The case is assigned to you."), "success")
    return back(case_id)


@bp.post("/arenden/<uuid:case_id>/status")
@staff_required("handlaggare")
def status(case_id: uuid.UUID) -> ResponseReturnValue:
    current = case_or_404(case_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    cases.set_status(get_session(), current, form.status.data, current_actor("staff"))
    flash(_("The status is changed."), "success")
    return back(case_id)


@bp.post("/arenden/<uuid:case_id>/anteckning")
@staff_required("handlaggare")
def note(case_id: uuid.UUID) -> ResponseReturnValue:
    current = case_or_404(case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_case(current, errors=engine.render_field_errors(form), note_form=form)
    cases.add_note(get_session(), current, current_actor("staff"), form.body.data)
    return back(case_id)


@bp.post("/arenden/<uuid:case_id>/komplettering")
@staff_required("handlaggare")
def supplement(case_id: uuid.UUID) -> ResponseReturnValue:
    current = case_or_404(case_id)
    form = SupplementForm()
    if not form.validate_on_submit():
        return render_case(current, errors=engine.render_field_errors(form), supplement_form=form)
    cases.request_supplement(
        get_session(), current, current_actor("staff"), form.text.data, form.due_date.data
    )
    flash(_("The request for more information is sent to the applicant."), "success")
    return back(case_id)


@bp.post("/arenden/<uuid:case_id>/beslut")
@staff_required("handlaggare")
def decision(case_id: uuid.UUID) -> ResponseReturnValue:
    current = case_or_404(case_id)
    form = DecisionForm()
    upload = request.files.get("document")
    valid = form.validate_on_submit()
    if not valid or upload is None or not upload.filename:
        if upload is None or not upload.filename:
            form.document.errors = [*form.document.errors, _("Attach the decision as a PDF")]
        return render_case(current, errors=engine.render_field_errors(form), decision_form=form)
    error = cases.publish_decision(
        get_session(),
        current,
        current_actor("staff"),
        outcome=form.outcome.data,
        motivation=form.motivation.data,
        decided_at=form.decided_at.data,
        pdf=(upload.filename, upload.read()),
    )
    if error:
        form.document.errors = [pdf_upload_message(error, _("The decision must be a readable PDF."))]
        return render_case(current, errors=engine.render_field_errors(form), decision_form=form)
    flash(_("The decision is published to the applicant."), "success")
    return back(case_id)
