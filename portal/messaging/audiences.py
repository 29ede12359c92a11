"""The three audiences of the message routes (``portal.messaging.views``): the citizen (or their
representative) on Mina ärenden, the handläggare in the staff workspace, and the utförare in their portal.
Each says which case and attachment its user may see, and which page a message goes back to."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import flash, g, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import citizen_required, current_actor, staff_required
from portal.audit import services as audit
from portal.cases import views as cases_views
from portal.cases.models import Case
from portal.db import get_session
from portal.files.messages import UPLOAD_MESSAGES
from portal.messaging import services as messaging
from portal.messaging.models import Message, MessageAttachment, MessageThread
from portal.messaging.views import Audience, Thread, blueprint
from portal.providers import services as providers
from portal.representation import access as representation
from portal.representation.access import visible_cases
from portal.staff import workspace
from portal.utforare import views as utforare_views

# --- the citizen ------------------------------------------------------------------------------------------

CITIZEN_ERRORS = {
    "empty_message": _l("Write a message or attach a document."),
    "too_long": _l("The message is too long. Write at most 8000 characters."),
}


def _citizen_case(case_id: uuid.UUID) -> Case:
    case = get_session().scalar(visible_cases("message").where(Case.id == case_id))
    if case is None:
        audit.deny(audit.by_person, "case", case_id)
    return case


def _citizen_may_write(case: Case, thread: str) -> bool:
    # No utförare serves the case (yet): there is no one to write to.
    return thread != "utforare" or providers.current_choice(get_session(), case.id) is not None


def _citizen_refused(case: Case, thread: str, error: str, body: str) -> ResponseReturnValue:
    answer_errors = cases_views.ANSWER_ERRORS
    message = str(CITIZEN_ERRORS.get(error, answer_errors.get(error, answer_errors["type"])))
    return cases_views.render_case(case.id, unsent=body, message_error=message, audience=thread, status=400)


def _citizen_sent(case: Case, thread: str) -> ResponseReturnValue:
    if thread == "utforare":
        flash(_("Your message is sent to the care provider."), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    flash(_("Your message is sent. You will get a notice when the case officer answers."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _citizen_attachment(attachment_id: uuid.UUID) -> tuple[MessageAttachment, Case]:
    found = messaging.attachment_with_case(get_session(), attachment_id)
    rep = representation.current()
    if rep is not None:
        allowed = found is not None and representation.allows_case(rep, found[1], "read")
    else:
        allowed = found is not None and found[1].subject_id == g.person.id
    if not allowed or found is None or found[1].municipality_id != g.municipality.id:
        audit.deny(audit.by_person, "message_attachment", attachment_id)
    return found


CITIZEN = Audience(
    name="citizen",
    url_prefix=None,
    guard=citizen_required,
    threads=(
        Thread("write", "", "handlaggare"),
        Thread("write_to_utforare", "/utforare", "utforare"),
    ),
    case_to_write=_citizen_case,
    may_write=_citizen_may_write,
    author=lambda: current_actor("person"),
    refused=_citizen_refused,
    sent=_citizen_sent,
    attachment=_citizen_attachment,
    audit_actor=audit.by_person,
)

# --- the handläggare --------------------------------------------------------------------------------------

# Why a staff member's message was not sent (the handläggare's and the utförare's alike).
STAFF_ERRORS = {
    **UPLOAD_MESSAGES,
    "empty_message": _l("Write a message or attach a document."),
    "too_long": _l("The message is too long. Write at most 8000 characters."),
}


def _staff_refused(case: Case, thread: str, error: str, body: str) -> ResponseReturnValue:
    message = str(STAFF_ERRORS.get(error, STAFF_ERRORS["type"]))
    return workspace.render_case(case, errors=[("message-body", message)], message_error=message, unsent=body)


def _staff_sent(case: Case, thread: str) -> ResponseReturnValue:
    flash(_("The message is sent. The applicant gets a notice without its content."), "success")
    return redirect(url_for("staff.case", case_id=case.id))


def _staff_attachment(attachment_id: uuid.UUID) -> tuple[MessageAttachment, Case]:
    db = get_session()
    found = messaging.attachment_with_case(db, attachment_id)
    if found is None:
        audit.deny(audit.by_staff, "message_attachment", attachment_id)
    attachment, owner_case = found
    workspace.case_or_404(owner_case.id)
    return attachment, owner_case


STAFF = Audience(
    name="staff",
    url_prefix="/handlaggare",
    guard=staff_required("handlaggare"),
    threads=(Thread("write", "", "handlaggare"),),
    case_to_write=workspace.case_or_404,
    author=lambda: current_actor("staff"),
    refused=_staff_refused,
    sent=_staff_sent,
    attachment=_staff_attachment,
    audit_actor=audit.by_staff,
)

# --- the utförare -----------------------------------------------------------------------------------------


def _utforare_refused(case: Case, thread: str, error: str, body: str) -> ResponseReturnValue:
    message = STAFF_ERRORS.get(error) or _l("The attachment must be a PDF, JPG, PNG or a photo (HEIC).")
    return utforare_views.render_case(case, unsent=body, message_error=str(message), status=400)


def _utforare_sent(case: Case, thread: str) -> ResponseReturnValue:
    flash(_("The message is sent. The person gets a notice without its content."), "success")
    return redirect(url_for("utforare.case", case_id=case.id))


def _utforare_attachment(attachment_id: uuid.UUID) -> tuple[MessageAttachment, Case]:
    session = get_session()
    row = session.execute(
        sa.select(MessageAttachment, MessageThread.case_id)
        .join(Message, Message.id == MessageAttachment.message_id)
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .where(MessageAttachment.id == attachment_id, MessageThread.audience == "utforare")
    ).first()
    if row is None:
        audit.deny(audit.by_staff, "message_attachment", attachment_id)
    attachment, case_id = row
    current = utforare_views.served_case_or_404(case_id)
    choice = providers.current_choice(session, current.id)
    if choice is None or attachment.message.created_at < providers.serving_since(choice):
        # Written to an earlier utförare: not this provider's to read.
        audit.deny(audit.by_staff, "message_attachment", attachment_id)
    return attachment, current


UTFORARE = Audience(
    name="utforare",
    url_prefix="/handlaggare/utforare",
    guard=staff_required("utforare"),
    threads=(Thread("write", "", "utforare"),),
    case_to_write=utforare_views.served_case_or_404,
    author=lambda: current_actor("staff"),
    refused=_utforare_refused,
    sent=_utforare_sent,
    attachment=_utforare_attachment,
    audit_actor=audit.by_staff,
)

AUDIENCES = (CITIZEN, STAFF, UTFORARE)
citizen_bp, staff_bp, utforare_bp = (blueprint(audience) for audience in AUDIENCES)

__all__ = ["AUDIENCES", "CITIZEN", "STAFF", "UTFORARE", "citizen_bp", "staff_bp", "utforare_bp"]
