"""The public start page, Mina sidor, the accessibility statement and the municipality's theme stylesheet."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import forms
from forms import engine
from portal.access import citizen_required, current_actor, public
from portal.accounts.forms import ContactForm
from portal.accounts.services import update_contact_details
from portal.applications import drafts as applications
from portal.audit.models import AuditEvent
from portal.auth.logins import previous_login_at
from portal.cases.labels import STATUS_LABELS
from portal.cases.models import Case, SupplementRequest
from portal.db import get_session
from portal.home import accessibility as statement
from portal.messaging import services as messaging
from portal.municipalities.models import Unit
from portal.providers import services as providers
from portal.representation import access, offers, reading, validity
from portal.representation.views import BASIS_LABELS, RIGHT_LABELS
from portal.staff.models import StaffUser

bp = Blueprint("home", __name__)

READ_ACTION_LABELS = {
    "case_read": _l("Read your case"),
    "document_read": _l("Opened a document"),
    "message_attachment_read": _l("Opened an attachment to a message"),
    "audit_log_read": _l("Read the log of your case"),
}
READ_ACTIONS = tuple(READ_ACTION_LABELS)


@bp.get("/")
@public
def start() -> ResponseReturnValue:
    if g.get("person") is not None:
        return redirect(url_for(".my_pages"))
    return render_template("home/start.html")


@bp.get("/mina-sidor")
@citizen_required
def my_pages() -> ResponseReturnValue:
    eservices = forms.titles()
    if g.get("representation") is not None:
        return _acting_home(eservices)
    supplements = (
        get_session()
        .execute(
            sa.select(SupplementRequest, Case.case_number, Case.id)
            .join(Case, Case.id == SupplementRequest.case_id)
            .where(
                Case.subject_id == g.person.id,
                Case.municipality_id == g.municipality.id,
                SupplementRequest.status == "open",
            )
            .order_by(SupplementRequest.due_date)
        )
        .all()
    )
    return render_template(
        "home/my_pages.html",
        previous_login=previous_login_at(g.login),
        drafts=applications.open_drafts(g.person, g.municipality),
        to_sign=applications.awaiting_my_signature(g.person, g.municipality),
        cases=applications.cases_for(g.person, g.municipality),
        titles=eservices,
        case_statuses=STATUS_LABELS,
        supplements=supplements,
        unread_messages=messaging.unread_for_person(get_session(), g.person.id, g.municipality.id),
        kundval_cases=providers.granted_cases(get_session(), g.person.id, g.municipality.id),
        insats_names=forms.service_names(),
        represented=reading.active_for_agent(get_session(), g.person.id, g.municipality.id),
        offers=offers.offers_for(get_session(), g.person, g.municipality.id),
        display_name=reading.display_name,
        last_day=validity.last_day,
    )


def _acting_home(titles: dict[str, object]) -> ResponseReturnValue:
    """Mina sidor while acting for someone: only what the representation allows."""
    rep = g.representation
    session = get_session()
    cases = session.scalars(
        sa.select(Case).where(*access.case_conditions(rep, "read")).order_by(Case.created_at.desc()).limit(5)
    ).all()
    drafts = (
        applications.open_drafts(g.person, g.municipality, subject_id=rep.principal_id)
        if rep.can_apply
        else []
    )
    return render_template(
        "representation/acting_home.html",
        rep=rep,
        cases=cases,
        drafts=drafts,
        titles=titles,
        case_statuses=STATUS_LABELS,
        bases=BASIS_LABELS,
        rights=RIGHT_LABELS,
        last_day=validity.last_day(rep),
    )


@bp.route("/mina-sidor/kontaktuppgifter", methods=["GET", "POST"])
@citizen_required
def contact_details() -> ResponseReturnValue:
    form = ContactForm(obj=g.person)
    if form.validate_on_submit():
        update_contact_details(
            g.person,
            actor=current_actor("person"),
            email=form.email.data or "",
            phone=form.phone.data or "",
            notify_by_email=form.notify_by_email.data,
            notify_by_sms=form.notify_by_sms.data,
        )
        flash(_("Your contact details are saved."), "success")
        return redirect(url_for(".my_pages"))
    errors = [(field.id, str(message)) for field in form for message in field.errors]
    return render_template(
        "home/contact.html", form=form, errors=errors
    ), 400 if request.method == "POST" else 200


@bp.get("/mina-sidor/vem-har-last")
@citizen_required
def who_has_read() -> ResponseReturnValue:
    """Vem har tittat på mina uppgifter: reads of the person's data, staff shown by role and unit."""
    session = get_session()
    rows = session.execute(
        sa.select(AuditEvent, StaffUser.roles, Unit.name)
        .outerjoin(StaffUser, sa.and_(AuditEvent.actor_type == "staff", StaffUser.id == AuditEvent.actor_id))
        .outerjoin(Unit, Unit.id == StaffUser.unit_id)
        .where(
            AuditEvent.subject_person_id == g.person.id,
            AuditEvent.municipality_id == g.municipality.id,
            AuditEvent.actor_type.in_(("staff", "api", "system")),
            AuditEvent.action.in_(READ_ACTIONS),
        )
        .order_by(AuditEvent.at.desc())
        .limit(100)
    ).all()
    return render_template("home/who_has_read.html", rows=rows, labels=READ_ACTION_LABELS)


@bp.get("/tillganglighet")
@public
def accessibility() -> ResponseReturnValue:
    return render_template(
        "home/accessibility.html",
        statement=statement.statement(g.municipality),
        complaint_url=statement.DIGG_COMPLAINT_URL,
    )


@bp.route("/tillganglighet/synpunkter", methods=["GET", "POST"])
@public
def accessibility_feedback() -> ResponseReturnValue:
    """Report an accessibility shortcoming: a form that works without JavaScript, sent to the municipality
    by e-mail through the outbox; the sender gets a receipt page."""
    form = statement.FeedbackForm()
    if form.validate_on_submit():
        if statement.too_many_feedback_messages():
            form.message.errors = [
                _("You have sent many messages in a short time. Please try again in an hour.")
            ]
        else:
            statement.send_feedback(g.municipality, form)
            return redirect(url_for(".accessibility_feedback_sent"))
    errors = engine.render_field_errors(form)
    return render_template(
        "home/accessibility_feedback.html", form=form, errors=errors
    ), 400 if request.method == "POST" else 200


@bp.get("/tillganglighet/synpunkter/skickad")
@public
def accessibility_feedback_sent() -> ResponseReturnValue:
    return render_template("home/accessibility_feedback_sent.html")


@bp.get("/tema.css")
@public
def theme() -> ResponseReturnValue:
    # Colours come from the municipality's settings; a stylesheet (not inline style) keeps the CSP strict.
    css = render_template("home/theme.css", municipality=g.municipality)
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
