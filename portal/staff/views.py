"""The staff workspace of the embedded case system: log in, the unit's inbox, a case, and handling it.

Staff log in at /handlaggare with BankID mapped to their account (OIDC comes in a later issue). A staff
login is its own session, under its own key; it never opens citizen pages, and a citizen login never
opens these.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import forms
from forms import engine
from forms.fields import options
from portal import paging
from portal.access import ANY_STAFF, can_open, staff_required
from portal.accounts.models import Person
from portal.audit import services as audit
from portal.audit.labels import ACTION_LABELS
from portal.audit.models import AuditEvent
from portal.auth import methods as login_methods
from portal.auth import oidc
from portal.auth import services as auth_services
from portal.auth.forms import PostForm
from portal.auth.views import END_REASONS
from portal.cases import services as cases
from portal.cases.labels import EVENT_LABELS, OUTCOME_LABELS, STATUS_LABELS
from portal.cases.models import Case, CaseEvent, Decision, Document, StaffNote, SupplementRequest
from portal.db import get_session, taken_in_municipality
from portal.files.messages import UPLOAD_MESSAGES, pdf_upload_message
from portal.files.responses import audited_file
from portal.messaging import services as messaging
from portal.municipalities.models import Unit
from portal.staff import services as staff_services
from portal.staff.forms import (
    ROLE_LABELS,
    DecisionForm,
    NoteForm,
    StaffAccountForm,
    StatusForm,
    SupplementForm,
)
from portal.staff.login import PROVIDER_LOGOUT_KEY, SESSION_KEY, StaffLogin
from portal.staff.models import StaffUser

bp = Blueprint("staff", __name__, url_prefix="/handlaggare")

log = logging.getLogger(__name__)
PAGE_SIZE = 25
MESSAGE_ERRORS = {
    **UPLOAD_MESSAGES,
    "empty_message": _l("Write a message or attach a document."),
    "too_long": _l("The message is too long. Write at most 8000 characters."),
}


# --- login --------------------------------------------------------------------------------------------------


# The staff header's links; each is shown to whoever the route's declared roles let in (can_open).
STAFF_NAVIGATION = (
    ("staff.inbox", _l("Staff inbox")),
    ("utforare.cases", _l("Your clients")),
    ("staff_representation.index", _l("Representatives")),
    ("staff.deliveries", _l("Failed deliveries")),
    ("provider_admin.providers", _l("Care provider catalogue")),
    ("staff.accounts", _l("Staff accounts")),
)

# Where a staff member starts: the first of these their roles open (the routes' own declarations).
START_PAGES = ("staff.inbox", "utforare.cases", "staff.deliveries", "staff_representation.index")


def _home(staff: StaffUser) -> str:
    """The unit's inbox, the provider's cases, the register of representatives or the administrator's
    pages, whichever the staff member's roles open first."""
    for endpoint in START_PAGES:
        if can_open(endpoint, staff):
            return url_for(endpoint)
    return url_for(".deliveries")


@bp.get("/start")
@staff_required(ANY_STAFF)
def home() -> ResponseReturnValue:
    """Every staff member's own start page, wherever their roles take them."""
    return redirect(_home(g.staff))


# The staff login (/handlaggare/logga-in, BankID, the identity providers' OpenID routes): the login
# methods' routes, generated for the staff audience (portal/staff/login.py).
login_methods.add_login_routes(bp, StaffLogin(home=lambda staff: _home(staff)))


@bp.post("/logga-ut")
@staff_required(ANY_STAFF)
def logout() -> ResponseReturnValue:
    if PostForm().validate_on_submit():
        login = g.staff_login
        auth_services.end_login(login, "logout")
        token = session.pop(SESSION_KEY, None)
        if oidc.login_provider(login.method) is not None:
            session[PROVIDER_LOGOUT_KEY] = token
        flash(_("You are logged out."), "info")
        return redirect(url_for(".login"))
    return redirect(url_for(".inbox"))


# --- inbox and case -------------------------------------------------------------------------------------


def _unit_cases() -> sa.Select[tuple[Case]]:
    """Cases a handläggare may open: their municipality and their unit (the routes declare the role)."""
    staff: StaffUser = g.staff
    return sa.select(Case).where(Case.municipality_id == staff.municipality_id, Case.unit_id == staff.unit_id)


def _case_or_404(case_id: uuid.UUID) -> Case:
    case = get_session().scalar(_unit_cases().where(Case.id == case_id))
    if case is None:
        audit.deny(audit.by_staff, "case", case_id)
    return case


@bp.get("/")
@staff_required("handlaggare", others_to=_home)
def inbox() -> ResponseReturnValue:
    db = get_session()
    view = request.args.get("visa", "open")
    stmt = _unit_cases()
    if view == "mine":
        stmt = stmt.where(Case.assigned_to_id == g.staff.id)
    elif view == "unassigned":
        stmt = stmt.where(Case.assigned_to_id.is_(None), Case.status != "closed")
    elif view == "open":
        stmt = stmt.where(Case.status != "closed")
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    page = paging.page_of(total, PAGE_SIZE)
    rows = db.execute(
        stmt.add_columns(Person.given_name, Person.surname)
        .join(Person, Person.id == Case.subject_id)
        .order_by(Case.created_at.desc())
        .offset(page.offset)
        .limit(PAGE_SIZE)
    ).all()
    staff_names = dict(
        db.execute(
            sa.select(StaffUser.id, StaffUser.name).where(
                StaffUser.municipality_id == g.staff.municipality_id
            )
        ).all()
    )
    unread = messaging.unread_by_case(db, [row[0].id for row in rows])
    audit.by_staff(db, "staff_inbox_read", count=len(rows))
    db.commit()
    return render_template(
        "staff/inbox.html",
        rows=rows,
        view=view,
        page=page.number,
        total=total,
        pages=page.pages,
        titles=forms.titles(),
        statuses=STATUS_LABELS,
        staff_names=staff_names,
        unread=unread,
    )


@bp.get("/arenden/<uuid:case_id>")
@staff_required("handlaggare")
def case(case_id: uuid.UUID) -> ResponseReturnValue:
    return _render_case(_case_or_404(case_id))


def _render_case(
    current: Case,
    *,
    errors: list[tuple[str, str]] | None = None,
    message_error: str = "",
    unsent: str = "",
    **forms_given: Any,
) -> ResponseReturnValue:
    """The case page; a form that did not go through is shown again (400) with what was typed, its
    messages in the error summary at the top and next to its fields."""
    db = get_session()
    subject = db.get(Person, current.subject_id)
    documents = db.scalars(
        sa.select(Document).where(Document.case_id == current.id).order_by(Document.created_at)
    ).all()
    events = db.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == current.id).order_by(CaseEvent.at.desc())
    ).all()
    notes = db.scalars(
        sa.select(StaffNote).where(StaffNote.case_id == current.id).order_by(StaffNote.created_at)
    ).all()
    requests = db.scalars(
        sa.select(SupplementRequest)
        .where(SupplementRequest.case_id == current.id)
        .order_by(SupplementRequest.created_at)
    ).all()
    decisions = db.scalars(
        sa.select(Decision).where(Decision.case_id == current.id).order_by(Decision.published_at)
    ).all()
    staff_names = dict(
        db.execute(
            sa.select(StaffUser.id, StaffUser.name).where(
                StaffUser.municipality_id == g.staff.municipality_id
            )
        ).all()
    )
    answers = _answer_sections(current)
    case_threads = messaging.threads(db, current)
    conversation, utforare_thread = case_threads.get("handlaggare"), case_threads.get("utforare")
    messaging.mark_read(db, current, by="staff", audience="handlaggare")
    delivery = cases.waiting_delivery(db, current)
    audit.by_staff(
        db,
        "case_read",
        subject_person_id=current.subject_id,
        object_type="case",
        object_id=str(current.id),
    )
    db.commit()
    return render_template(
        "staff/case.html",
        case=current,
        subject=subject,
        documents=documents,
        events=events,
        notes=notes,
        requests=requests,
        decisions=decisions,
        staff_names=staff_names,
        answers=answers,
        title=forms.titles().get(current.eservice_id, current.eservice_id),
        outcomes=OUTCOME_LABELS,
        event_labels=EVENT_LABELS,
        statuses=STATUS_LABELS,
        status_form=StatusForm(status=current.status),
        note_form=forms_given.get("note_form") or NoteForm(formdata=None),
        supplement_form=forms_given.get("supplement_form") or SupplementForm(formdata=None),
        decision_form=forms_given.get("decision_form") or DecisionForm(formdata=None),
        errors=errors or [],
        message_error=message_error,
        unsent=unsent,
        conversation=conversation,
        utforare_thread=utforare_thread,
        delivery=delivery,
    ), (400 if errors else 200)


@bp.post("/arenden/<uuid:case_id>/meddelanden")
@staff_required("handlaggare")
def write_message(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _case_or_404(case_id)
    if not PostForm().validate_on_submit():
        abort(400)
    upload = request.files.get("attachment")
    content = (upload.filename or "", upload.read()) if upload is not None and upload.filename else None
    body = request.form.get("body", "")
    error = messaging.post(get_session(), current, body=body, upload=content, staff_id=g.staff.id)
    if error:
        # Shown again with what was typed, so nothing is lost.
        message = str(MESSAGE_ERRORS.get(error, MESSAGE_ERRORS["type"]))
        return _render_case(current, errors=[("message-body", message)], message_error=message, unsent=body)
    flash(_("The message is sent. The applicant gets a notice without its content."), "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.get("/meddelanden/bilagor/<uuid:attachment_id>")
@staff_required("handlaggare")
def message_attachment(attachment_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    found = messaging.attachment_with_case(db, attachment_id)
    if found is None:
        audit.deny(audit.by_staff, "message_attachment", attachment_id)
    attachment, owner_case = found
    _case_or_404(owner_case.id)
    return audited_file(
        audit.by_staff,
        "message_attachment_read",
        subject_person_id=owner_case.subject_id,
        object_type="message_attachment",
        object_id=attachment.id,
        stored_file_id=attachment.stored_file_id,
        media_type=attachment.media_type,
        filename=attachment.filename,
    )


def _answer_sections(current: Case) -> list[tuple[str, list[tuple[str, str]]]]:
    """The submitted answers with the e-service's own questions, read from its schema."""
    forms.load()
    if current.eservice_id not in forms.registry:
        return []
    schema = engine.schema(forms.get(current.eservice_id))["properties"]["answers"]["properties"]
    sections = []
    for step_id, value in (current.payload.get("answers") or {}).items():
        step_schema = schema.get(step_id, {})
        props = (step_schema.get("items") or step_schema).get("properties", {})
        items = value if isinstance(value, list) else [value]
        rows = []
        for number, item in enumerate(items, start=1):
            for key, answer in (item or {}).items():
                if answer in (None, "", []):
                    continue
                label = props.get(key, {}).get("title", key)
                if isinstance(value, list):
                    label = f"{number}. {label}"
                rows.append((label, ", ".join(map(str, answer)) if isinstance(answer, list) else str(answer)))
        sections.append((step_schema.get("title", step_id), rows))
    return sections


def _back(case_id: uuid.UUID) -> ResponseReturnValue:
    return redirect(url_for(".case", case_id=case_id))


@bp.post("/arenden/<uuid:case_id>/tilldela")
@staff_required("handlaggare")
def assign(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _case_or_404(case_id)
    if not PostForm().validate_on_submit():
        abort(400)
    cases.assign(get_session(), current, g.staff.id)
    flash(_("The case is assigned to you."), "success")
    return _back(case_id)


@bp.post("/arenden/<uuid:case_id>/status")
@staff_required("handlaggare")
def status(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _case_or_404(case_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    cases.set_status(get_session(), current, form.status.data, g.staff.id)
    flash(_("The status is changed."), "success")
    return _back(case_id)


@bp.post("/arenden/<uuid:case_id>/anteckning")
@staff_required("handlaggare")
def note(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _case_or_404(case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_case(current, errors=engine.render_field_errors(form), note_form=form)
    cases.add_note(get_session(), current, g.staff.id, form.body.data)
    return _back(case_id)


@bp.post("/arenden/<uuid:case_id>/komplettering")
@staff_required("handlaggare")
def supplement(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _case_or_404(case_id)
    form = SupplementForm()
    if not form.validate_on_submit():
        return _render_case(current, errors=engine.render_field_errors(form), supplement_form=form)
    cases.request_supplement(get_session(), current, g.staff.id, form.text.data, form.due_date.data)
    flash(_("The request for more information is sent to the applicant."), "success")
    return _back(case_id)


@bp.post("/arenden/<uuid:case_id>/beslut")
@staff_required("handlaggare")
def decision(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _case_or_404(case_id)
    form = DecisionForm()
    upload = request.files.get("document")
    valid = form.validate_on_submit()
    if not valid or upload is None or not upload.filename:
        if upload is None or not upload.filename:
            form.document.errors = [*form.document.errors, _("Attach the decision as a PDF")]
        return _render_case(current, errors=engine.render_field_errors(form), decision_form=form)
    error = cases.publish_decision(
        get_session(),
        current,
        g.staff.id,
        outcome=form.outcome.data,
        motivation=form.motivation.data,
        decided_at=form.decided_at.data,
        pdf=(upload.filename, upload.read()),
    )
    if error:
        form.document.errors = [pdf_upload_message(error, _("The decision must be a readable PDF."))]
        return _render_case(current, errors=engine.render_field_errors(form), decision_form=form)
    flash(_("The decision is published to the applicant."), "success")
    return _back(case_id)


@bp.get("/arenden/<uuid:case_id>/logg")
@staff_required("handlaggare")
def audit_log(case_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    current = _case_or_404(case_id)
    # This case's own objects only: another case of the same person is not this case's business.
    from portal.messaging.models import Message, MessageAttachment, MessageThread

    thread_ids = sa.select(MessageThread.id).where(MessageThread.case_id == current.id)
    message_ids = sa.select(Message.id).where(Message.thread_id.in_(thread_ids))
    object_ids = sa.union_all(
        sa.select(sa.literal(current.id)),
        sa.select(Document.id).where(Document.case_id == current.id),
        sa.select(Decision.id).where(Decision.case_id == current.id),
        sa.select(SupplementRequest.id).where(SupplementRequest.case_id == current.id),
        message_ids,
        sa.select(MessageAttachment.id).where(MessageAttachment.message_id.in_(message_ids)),
    )
    ids = [str(value) for value in db.scalars(object_ids)]
    events = db.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_id.in_(ids), AuditEvent.subject_person_id == current.subject_id)
        .order_by(AuditEvent.at.desc())
        .limit(200)
    ).all()
    staff_names = dict(
        db.execute(
            sa.select(StaffUser.id, StaffUser.name).where(
                StaffUser.municipality_id == g.staff.municipality_id
            )
        ).all()
    )
    audit.by_staff(
        db,
        "audit_log_read",
        subject_person_id=current.subject_id,
        object_type="case",
        object_id=str(current.id),
    )
    db.commit()
    return render_template(
        "staff/audit_log.html", case=current, events=events, staff_names=staff_names, labels=ACTION_LABELS
    )


@bp.get("/dokument/<uuid:document_id>")
@staff_required("handlaggare")
def document(document_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    doc = db.get(Document, document_id)
    if doc is None:
        abort(404)
    current = _case_or_404(doc.case_id)
    return audited_file(
        audit.by_staff,
        "document_read",
        subject_person_id=current.subject_id,
        object_type="document",
        object_id=doc.id,
        stored_file_id=doc.stored_file_id,
        media_type=doc.media_type,
        filename=doc.filename,
    )


# --- administration ------------------------------------------------------------------------------------


@bp.get("/leveranser")
@staff_required("administrator")
def deliveries() -> ResponseReturnValue:
    """Deliveries to the case system and notices that failed or were dead-lettered."""
    from portal.outbox.models import OutboxItem

    db = get_session()
    items = db.scalars(
        sa.select(OutboxItem)
        .where(
            OutboxItem.municipality_id == g.staff.municipality_id, OutboxItem.status.in_(("failed", "dead"))
        )
        .order_by(OutboxItem.created_at.desc())
        .limit(200)
    ).all()
    retry_hours = round(current_app.config["PORTAL"].outbox_retry_hours)
    return render_template("staff/deliveries.html", items=items, retry_hours=retry_hours)


@bp.post("/leveranser/<int:item_id>/<action>")
@staff_required("administrator")
def delivery_action(item_id: int, action: str) -> ResponseReturnValue:
    from portal.outbox import services as outbox
    from portal.outbox.models import OutboxItem

    if not PostForm().validate_on_submit():
        abort(400)
    db = get_session()
    item = db.get(OutboxItem, item_id)
    if (
        item is None
        or item.municipality_id != g.staff.municipality_id
        or item.status not in ("failed", "dead")
    ):
        audit.deny(audit.by_staff, "outbox_item", item_id)
    if action == "forsok-igen":
        outbox.retry_now(db, item, g.staff.id)
        flash(_("The delivery will be tried again within a minute."), "success")
    elif action == "hanterad":
        outbox.mark_handled(db, item, g.staff.id)
        flash(_("The delivery is marked as handled by hand."), "success")
    else:
        abort(404)
    return redirect(url_for(".deliveries"))


# --- staff accounts, kept by the municipality's administrators -----------------------------------------


def _account_or_404(account_id: int) -> StaffUser:
    account = get_session().get(StaffUser, account_id)
    if account is None or account.municipality_id != g.staff.municipality_id:
        audit.deny(audit.by_staff, "staff_user", account_id)
    return account


@bp.get("/personal/")
@staff_required("administrator")
def accounts() -> ResponseReturnValue:
    from portal.providers.models import Provider

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
    from portal.providers.models import Provider

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
        from portal.providers.models import Provider

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
    from werkzeug.datastructures import MultiDict

    current = StaffAccountForm.data_of(account)
    tried = []
    if "roles" in request.form and set(request.form.getlist("roles")) != set(current["roles"]):  # type: ignore[call-overload]
        tried.append("roles")
    for name in ("unit", "provider"):
        if name in request.form and request.form.get(name, "") != current[name]:
            tried.append(name)
    if tried:
        audit.by_staff(
            get_session(),
            "staff_account_change_refused",
            object_type="staff_user",
            object_id=str(account.id),
            reason="own_account",
            fields=tried,
        )
        get_session().commit()
        return None
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
    staff_services.save_account(get_session(), account, g.staff.municipality_id, values)
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
    staff_services.set_account_active(get_session(), account, action == "aktivera")
    if action == "aktivera":
        flash(_("%(name)s can log in again.", name=account.name), "success")
    else:
        flash(_("%(name)s can no longer log in.", name=account.name), "success")
    return redirect(url_for(".accounts"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _load_staff() -> None:
        g.staff_login = g.staff = None
        if request.endpoint in {"static", "health.health"} or g.get("municipality") is None:
            return
        token = session.get(SESSION_KEY)
        if not token:
            return
        loaded = auth_services.load_login(
            token, g.municipality.id, touch=request.headers.get("X-Portal-Background") != "1"
        )
        login = loaded.login
        if loaded.elsewhere:
            return  # a login of another municipality: this one asks for its own
        if login is None or login.staff_user_id is None:
            session.pop(SESSION_KEY, None)
            if loaded.ended_reason and request.blueprint == bp.name:
                flash(str(END_REASONS[loaded.ended_reason]), "info")
            return
        staff = get_session().get(StaffUser, login.staff_user_id)
        if staff is None or not staff.active or staff.municipality_id != g.municipality.id:
            return
        g.staff_login, g.staff = login, staff

    app.jinja_env.globals["can_open"] = can_open

    @app.context_processor
    def _staff_context() -> dict[str, object]:
        return {"staff": g.get("staff"), "staff_navigation": STAFF_NAVIGATION}


__all__ = ["bp", "init_app"]
