"""Kundval pages: the catalogue, a provider's profile, compare, choose (with a confirmation and a receipt).
The utförare's own pages are ``portal.utforare``; the catalogue's upkeep is ``portal.admin``."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from portal.access import citizen_required, current_actor
from portal.audit import services as audit
from portal.cases.models import Case
from portal.db import get_session
from portal.providers import services
from portal.providers.forms import ChooseProviderForm
from portal.providers.models import Provider
from portal.representation import access as representation

bp = Blueprint("providers", __name__)


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


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
