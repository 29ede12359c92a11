"""Kundval pages: the catalogue, a provider's profile, compare, choose (with a confirmation and a receipt);
the utförare's own cases with only the utförare thread and the genomförandeplan; and the catalogue's upkeep
by administrators."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import forms
from portal.access import citizen_required, current_actor, staff_required
from portal.accounts.models import Person
from portal.audit import services as audit
from portal.auth.forms import PostForm
from portal.cases.models import Case, Document
from portal.db import get_session, taken_in_municipality
from portal.files.messages import UPLOAD_MESSAGES, pdf_upload_message
from portal.files.responses import audited_file
from portal.messaging import services as messaging
from portal.providers import services
from portal.providers.forms import ChooseProviderForm, ImplementationPlanForm, ProviderForm
from portal.providers.models import Provider, ProviderChoice
from portal.representation import access as representation
from portal.staff.models import StaffUser

bp = Blueprint("providers", __name__)
utforare_bp = Blueprint("utforare", __name__, url_prefix="/handlaggare/utforare")
admin_bp = Blueprint("provider_admin", __name__, url_prefix="/handlaggare/katalog")

UPLOAD_ERRORS = {
    **UPLOAD_MESSAGES,
    "empty_message": _l("Write a message or attach a document."),
    "too_long": _l("The message is too long. Write at most 8000 characters."),
}


def _errors(form: object) -> list[tuple[str, str]]:
    return [(field.id, str(message)) for field in form for message in field.errors]  # type: ignore[attr-defined]


def _service_or_404(service: str) -> str:
    if service not in services.kundval_services(get_session(), g.municipality.id):
        abort(404)
    return service


def _granted() -> list[Case]:
    """Granted insatser of the person whose matters these are: oneself, or the principal while acting
    (those the representation lets the agent read)."""
    rep = representation.current()
    cases = services.granted_cases(get_session(), representation.subject_id(), g.municipality.id)
    return [c for c in cases if rep is None or representation.allows_case(rep, c, "read")]


def _granted_for(service: str) -> list[Case]:
    return [c for c in _granted() if c.eservice_id == service]


# --- the citizen's pages ----------------------------------------------------------------------------------


@bp.get("/kundval")
@citizen_required
def index() -> ResponseReturnValue:
    session = get_session()
    offered = services.kundval_services(session, g.municipality.id)
    granted = _granted()
    serving = {c.id: services.current_choice(session, c.id) for c in granted}
    return render_template(
        "providers/index.html",
        offered=offered,
        granted=granted,
        serving=serving,
        titles=forms.service_names(),
    )


def _render_catalogue(service: str, *, compare_error: str = "", status: int = 200) -> ResponseReturnValue:
    session = get_session()
    everyone = services.catalogue(session, g.municipality.id, service)
    area = request.args.get("omrade", "")
    language = request.args.get("sprak", "")
    shown = services.filter_providers(everyone, area=area, language=language)
    areas = sorted({a for p in everyone for a in p.areas or []})
    languages = sorted({lang for p in everyone for lang in p.languages or []})
    chosen = request.args.getlist("utforare")
    return render_template(
        "providers/catalogue.html",
        service=service,
        title=forms.service_names().get(service, service),
        providers=shown,
        total=len(everyone),
        default=services.default_provider(everyone, service),
        areas=areas,
        languages=languages,
        area=area if area in areas else "",
        language=language if language in languages else "",
        chosen=chosen,
        compare_error=compare_error,
        granted=_granted_for(service),
    ), status


@bp.get("/kundval/<service>")
@citizen_required
def catalogue(service: str) -> ResponseReturnValue:
    return _render_catalogue(_service_or_404(service))


@bp.get("/kundval/<service>/utforare/<int:provider_id>")
@citizen_required
def profile(service: str, provider_id: int) -> ResponseReturnValue:
    _service_or_404(service)
    provider = services.find_provider(get_session(), g.municipality.id, service, provider_id)
    if provider is None:
        abort(404)
    return render_template(
        "providers/profile.html",
        provider=provider,
        service=service,
        title=forms.service_names().get(service, service),
        granted=_granted_for(service),
    )


@bp.get("/kundval/<service>/jamfor")
@citizen_required
def compare(service: str) -> ResponseReturnValue:
    _service_or_404(service)
    session = get_session()
    ids = []
    for value in request.args.getlist("utforare"):
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    ids = ids[: services.COMPARE_MAX + 1]  # more than can be compared is refused below, without looking up
    providers = [
        p
        for p in (services.find_provider(session, g.municipality.id, service, i) for i in ids)
        if p is not None
    ]
    if not 2 <= len(providers) <= services.COMPARE_MAX:
        return _render_catalogue(
            service, compare_error=_("Choose two or three care providers to compare."), status=400
        )
    return render_template(
        "providers/compare.html",
        providers=providers,
        service=service,
        title=forms.service_names().get(service, service),
        granted=_granted_for(service),
        labels=sorted({str(q["label"]) for p in providers for q in p.quality or []}),
    )


def _granted_case_or_404(case_id: uuid.UUID) -> Case:
    """A granted insats to choose for: one's own, or, while acting, the principal's under the apply right."""
    session = get_session()
    case = services.granted_case(session, representation.subject_id(), g.municipality.id, case_id)
    rep = representation.current()
    if case is not None and rep is not None and not representation.allows_case(rep, case, "apply"):
        case = None
    if case is None:
        audit.deny(audit.by_person, "case", case_id)
    return case


def _render_choose(case: Case, form: ChooseProviderForm, status: int = 200) -> ResponseReturnValue:
    session = get_session()
    providers = services.catalogue(session, g.municipality.id, case.eservice_id)
    form.provider.choices = [(str(p.id), p.name) for p in providers]
    current, pending = services.current_choice(session, case.id), services.pending_choice(session, case.id)
    audit.by_person(
        session,
        "case_read",
        subject_person_id=case.subject_id,
        object_type="case",
        object_id=str(case.id),
        page="provider_choice",
    )
    return render_template(
        "providers/choose.html",
        case=case,
        form=form,
        providers=providers,
        errors=_errors(form),
        title=forms.service_names().get(case.eservice_id, case.eservice_id),
        current=current,
        pending=pending,
        default=services.default_provider(providers, case.eservice_id),
    ), status


@bp.get("/arenden/<uuid:case_id>/utforare")
@citizen_required
def choose(case_id: uuid.UUID) -> ResponseReturnValue:
    case = _granted_case_or_404(case_id)
    form = ChooseProviderForm(
        formdata=None,
        # Today unless the link says otherwise: most people want the change as soon as possible.
        data={
            "provider": request.args.get("utforare"),
            "effective_date": request.args.get("datum") or services.today().isoformat(),
        },
    )
    return _render_choose(case, form)


def _checked_choice(case: Case) -> tuple[ChooseProviderForm, Provider | None]:
    form = ChooseProviderForm()
    providers = services.catalogue(get_session(), g.municipality.id, case.eservice_id)
    form.provider.choices = [(str(p.id), p.name) for p in providers]
    if not form.validate_on_submit():
        return form, None
    provider = next((p for p in providers if str(p.id) == form.provider.data), None)
    return form, provider


@bp.post("/arenden/<uuid:case_id>/utforare")
@citizen_required
def check_choice(case_id: uuid.UUID) -> ResponseReturnValue:
    """Step one: the choice checked and shown for confirmation; nothing is saved yet."""
    case = _granted_case_or_404(case_id)
    form, provider = _checked_choice(case)
    if provider is None:
        return _render_choose(case, form, 400)
    current = services.current_choice(get_session(), case.id)
    return render_template(
        "providers/confirm.html",
        case=case,
        form=form,
        provider=provider,
        effective_date=form.effective_date.date,
        current=current,
        title=forms.service_names().get(case.eservice_id, case.eservice_id),
    )


@bp.post("/arenden/<uuid:case_id>/utforare/bekrafta")
@citizen_required
def confirm_choice(case_id: uuid.UUID) -> ResponseReturnValue:
    case = _granted_case_or_404(case_id)
    form, provider = _checked_choice(case)
    if provider is None or form.effective_date.date is None:
        return _render_choose(case, form, 400)
    choice = services.choose(
        get_session(), case, provider, form.effective_date.date, actor=current_actor("person")
    )
    return redirect(url_for(".receipt", case_id=case.id, choice_id=choice.id))


@bp.get("/arenden/<uuid:case_id>/utforare/kvitto/<uuid:choice_id>")
@citizen_required
def receipt(case_id: uuid.UUID, choice_id: uuid.UUID) -> ResponseReturnValue:
    session = get_session()
    case = session.scalar(representation.visible_cases("read").where(Case.id == case_id))
    choice = services.choice_for_case(session, case_id, choice_id) if case is not None else None
    if case is None or choice is None:
        audit.deny(audit.by_person, "provider_choice", choice_id)
    audit.by_person(
        session,
        "case_read",
        subject_person_id=case.subject_id,
        object_type="case",
        object_id=str(case.id),
        page="provider_choice_receipt",
    )
    return render_template(
        "providers/receipt.html",
        case=case,
        choice=choice,
        provider=choice.provider,
        title=forms.service_names().get(case.eservice_id, case.eservice_id),
        starts_now=choice.effective_date <= services.today(),
    )


# --- utförare staff ---------------------------------------------------------------------------------------


def _served_case_or_404(case_id: uuid.UUID) -> Case:
    staff: StaffUser = g.staff
    session = get_session()
    case = session.scalar(
        services.cases_served_by(staff.provider_id, staff.municipality_id).where(Case.id == case_id)  # type: ignore[arg-type]
    )
    if case is None:
        audit.deny(audit.by_staff, "case", case_id)
    return case


@utforare_bp.get("/")
@staff_required("utforare")
def cases() -> ResponseReturnValue:
    staff: StaffUser = g.staff
    session = get_session()
    rows = session.execute(
        services.cases_served_by(staff.provider_id, staff.municipality_id)  # type: ignore[arg-type]
        .add_columns(ProviderChoice.effective_date, Person.given_name, Person.surname)
        .join(Person, Person.id == Case.subject_id)
        .order_by(ProviderChoice.effective_date.desc(), Case.case_number)
    ).all()
    unread = messaging.unread_by_case(session, [row[0].id for row in rows], audience="utforare")
    provider = session.get(Provider, staff.provider_id)
    audit.by_staff(session, "utforare_case_list_read", count=len(rows))
    return render_template(
        "providers/utforare_cases.html",
        rows=rows,
        unread=unread,
        provider=provider,
        titles=forms.service_names(),
    )


@utforare_bp.get("/arenden/<uuid:case_id>")
@staff_required("utforare")
def case(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _served_case_or_404(case_id)
    return _render_utforare_case(current)


def _render_utforare_case(current: Case, *, unsent: str = "", message_error: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    session = get_session()
    subject = session.get(Person, current.subject_id)
    plans = session.scalars(
        sa.select(Document)
        .where(Document.case_id == current.id, Document.kind == "genomforandeplan")
        .order_by(Document.created_at)
    ).all()
    choice = services.current_choice(session, current.id)
    thread = messaging.thread(session, current, "utforare")
    since = services.serving_since(choice) if choice is not None else None
    conversation = SimpleNamespace(
        messages=[m for m in (thread.messages if thread else []) if since is None or m.created_at >= since]
    )
    names = _author_names(conversation)
    messaging.mark_read(session, current, by="staff", audience="utforare")
    audit.by_staff(
        session,
        "case_read",
        subject_person_id=current.subject_id,
        object_type="case",
        object_id=str(current.id),
        audience="utforare",
    )
    return render_template(
        "providers/utforare_case.html",
        case=current,
        subject=subject,
        plans=plans,
        conversation=conversation,
        author_names=names,
        choice=choice,
        title=forms.service_names().get(current.eservice_id, current.eservice_id),
        plan_form=ImplementationPlanForm(),
        unsent=unsent,
        message_error=message_error,
    ), status


def _author_names(conversation) -> dict[int, str]:  # type: ignore[no-untyped-def]
    ids = {m.author_staff_id for m in (conversation.messages if conversation else []) if m.author_staff_id}
    if not ids:
        return {}
    return dict(
        get_session().execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all()
    )


@utforare_bp.post("/arenden/<uuid:case_id>/meddelanden")
@staff_required("utforare")
def write_message(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _served_case_or_404(case_id)
    if not PostForm().validate_on_submit():
        abort(400)
    upload = request.files.get("attachment")
    content = (upload.filename or "", upload.read()) if upload is not None and upload.filename else None
    body = request.form.get("body", "")
    error = messaging.post(
        get_session(), current, body=body, upload=content, author=current_actor("staff"), audience="utforare"
    )
    if error:
        message = UPLOAD_ERRORS.get(error) or _l("The attachment must be a PDF, JPG, PNG or a photo (HEIC).")
        return _render_utforare_case(current, unsent=body, message_error=str(message), status=400)
    flash(_("The message is sent. The person gets a notice without its content."), "success")
    return redirect(url_for(".case", case_id=case_id))


@utforare_bp.post("/arenden/<uuid:case_id>/genomforandeplan")
@staff_required("utforare")
def upload_plan(case_id: uuid.UUID) -> ResponseReturnValue:
    current = _served_case_or_404(case_id)
    if not ImplementationPlanForm().validate_on_submit():
        abort(400)
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        flash(_("Attach the implementation plan (genomförandeplan) as a PDF"), "error")
        return redirect(url_for(".case", case_id=case_id))
    error = services.add_implementation_plan(
        get_session(), current, current_actor("staff"), (upload.filename, upload.read())
    )
    if error:
        flash(pdf_upload_message(error, _("The implementation plan must be a readable PDF.")), "error")
    else:
        flash(_("The implementation plan is published to the person."), "success")
    return redirect(url_for(".case", case_id=case_id))


@utforare_bp.get("/dokument/<uuid:document_id>")
@staff_required("utforare")
def document(document_id: uuid.UUID) -> ResponseReturnValue:
    session = get_session()
    doc = session.get(Document, document_id)
    if doc is None or doc.kind != "genomforandeplan":
        audit.deny(audit.by_staff, "document", document_id)
    current = _served_case_or_404(doc.case_id)
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


@utforare_bp.get("/meddelanden/bilagor/<uuid:attachment_id>")
@staff_required("utforare")
def message_attachment(attachment_id: uuid.UUID) -> ResponseReturnValue:
    from portal.messaging.models import Message, MessageAttachment, MessageThread

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
    current = _served_case_or_404(case_id)
    choice = services.current_choice(session, current.id)
    if choice is None or attachment.message.created_at < services.serving_since(choice):
        # Written to an earlier utförare: not this provider's to read.
        audit.deny(audit.by_staff, "message_attachment", attachment_id)
    return audited_file(
        audit.by_staff,
        "message_attachment_read",
        subject_person_id=current.subject_id,
        object_type="message_attachment",
        object_id=attachment.id,
        stored_file_id=attachment.stored_file_id,
        media_type=attachment.media_type,
        filename=attachment.filename,
    )


# --- the catalogue's upkeep -------------------------------------------------------------------------------


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


@admin_bp.get("/")
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


@admin_bp.route("/ny", methods=["GET", "POST"])
@staff_required("administrator")
def new() -> ResponseReturnValue:
    staff: StaffUser = g.staff
    form = _prepared(ProviderForm())
    if request.method == "POST":
        if form.validate_on_submit():
            values = form.values()
            if taken_in_municipality(
                get_session(),
                Provider.organisation_number,
                values["organisation_number"],
                staff.municipality_id,
            ):
                form.organisation_number.errors = [
                    _("A provider with this organisation number is already here")
                ]
            else:
                services.save_provider(
                    get_session(), None, staff.municipality_id, current_actor("staff"), values
                )
                flash(_("The provider %(name)s is added.", name=values["name"]), "success")
                return redirect(url_for(".providers"))
        return _render_form(form, None, 400)
    return _render_form(form, None)


@admin_bp.route("/<int:provider_id>", methods=["GET", "POST"])
@staff_required("administrator")
def edit(provider_id: int) -> ResponseReturnValue:
    staff: StaffUser = g.staff
    provider = _provider_or_404(provider_id)
    if request.method == "POST":
        form = _prepared(ProviderForm())
        if form.validate_on_submit():
            values = form.values()
            if taken_in_municipality(
                get_session(),
                Provider.organisation_number,
                values["organisation_number"],
                staff.municipality_id,
                provider.id,
            ):
                form.organisation_number.errors = [
                    _("A provider with this organisation number is already here")
                ]
            else:
                services.save_provider(
                    get_session(), provider, staff.municipality_id, current_actor("staff"), values
                )
                flash(_("The changes to %(name)s are saved.", name=values["name"]), "success")
                return redirect(url_for(".providers"))
        return _render_form(form, provider, 400)
    form = _prepared(ProviderForm(formdata=None, data=ProviderForm.text_of(provider)))
    return _render_form(form, provider)


@admin_bp.post("/<int:provider_id>/<action>")
@staff_required("administrator")
def set_active(provider_id: int, action: str) -> ResponseReturnValue:
    provider = _provider_or_404(provider_id)
    if action not in ("inaktivera", "aktivera"):
        abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    services.set_active(get_session(), provider, action == "aktivera", current_actor("staff"))
    if action == "aktivera":
        flash(_("%(name)s is shown to citizens again.", name=provider.name), "success")
    else:
        flash(_("%(name)s is no longer shown to citizens.", name=provider.name), "success")
    return redirect(url_for(".providers"))


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    app.register_blueprint(bp)
    app.register_blueprint(utforare_bp)
    app.register_blueprint(admin_bp)


__all__ = ["admin_bp", "bp", "init_app", "utforare_bp"]
