"""Kundval: the catalogue, which insats a person may choose for, the choice itself (with its audit event,
timeline event and outbox item in one transaction), and the utförare's cases. The catalogue's upkeep is
``portal.providers.upkeep``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from portal.actor import Actor
from portal.audit import services as audit
from portal.cases import handling as case_handling
from portal.cases import services as cases
from portal.cases.models import Case, Decision
from portal.db import locked, utcnow
from portal.municipalities.models import Municipality
from portal.outbox import services as outbox
from portal.providers.models import Provider, ProviderChoice
from portal.staff.models import StaffUser

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Outcomes that grant an insats the citizen can choose an utförare for.
GRANTED = ("granted", "partly_granted")
TOPIC = "provider.chosen"
COMPARE_MAX = 3


def today() -> dt.date:
    """The date in Sweden: an effective date "today" means the Swedish day, also just after midnight."""
    return dt.datetime.now(STOCKHOLM).date()


# --- the catalogue ----------------------------------------------------------------------------------------


def catalogue(session: Session, municipality_id: int, service: str) -> list[Provider]:
    """Active providers of a service, the ickevalsalternativ first, then by name; one query."""
    providers = session.scalars(
        sa.select(Provider)
        .where(Provider.municipality_id == municipality_id, Provider.active.is_(True))
        .order_by(Provider.name)
    ).all()
    offered = [p for p in providers if service in (p.services or [])]
    return sorted(offered, key=lambda p: not p.is_default_for(service))


def kundval_services(session: Session, municipality_id: int) -> list[str]:
    """The services with kundval here: those some active provider offers."""
    rows = session.scalars(
        sa.select(Provider.services).where(
            Provider.municipality_id == municipality_id, Provider.active.is_(True)
        )
    ).all()
    return sorted({service for services in rows for service in (services or [])})


def filter_providers(providers: Iterable[Provider], *, area: str = "", language: str = "") -> list[Provider]:
    return [
        p
        for p in providers
        if (not area or area in (p.areas or [])) and (not language or language in (p.languages or []))
    ]


def default_provider(providers: Iterable[Provider], service: str) -> Provider | None:
    return next((p for p in providers if p.is_default_for(service)), None)


def find_provider(session: Session, municipality_id: int, service: str, provider_id: int) -> Provider | None:
    provider = session.get(Provider, provider_id)
    if (
        provider is None
        or provider.municipality_id != municipality_id
        or not provider.active
        or service not in (provider.services or [])
    ):
        return None
    return provider


# --- who serves a case ------------------------------------------------------------------------------------


def _serving(choice: type[ProviderChoice] | ProviderChoice, on: dt.date) -> sa.ColumnElement[bool]:
    """SQL: ``choice`` is the one serving its case on ``on``: not cancelled, in effect, and no later one in
    effect (a later effective date, or the same date chosen later)."""
    later = aliased(ProviderChoice)
    return sa.and_(
        choice.cancelled_at.is_(None),
        choice.effective_date <= on,
        ~sa.exists().where(
            later.case_id == choice.case_id,
            later.cancelled_at.is_(None),
            later.effective_date <= on,
            sa.or_(
                later.effective_date > choice.effective_date,
                sa.and_(later.effective_date == choice.effective_date, later.chosen_at > choice.chosen_at),
            ),
        ),
    )


def current_choice(session: Session, case_id: uuid.UUID, on: dt.date | None = None) -> ProviderChoice | None:
    return session.scalar(
        sa.select(ProviderChoice).where(
            ProviderChoice.case_id == case_id, _serving(ProviderChoice, on or today())
        )
    )


def serving_since(choice: ProviderChoice) -> dt.datetime:
    """When the provider of ``choice`` took over: the utförare sees the messages from then on, not those
    the person wrote to an earlier provider (another organisation, another duty of confidentiality)."""
    local = dt.datetime.combine(choice.effective_date, dt.time.min, tzinfo=STOCKHOLM)
    # A choice that takes effect the day it is made: what was written earlier that day was to the
    # provider then serving.
    return max(local.astimezone(dt.UTC), choice.chosen_at)


def pending_choice(session: Session, case_id: uuid.UUID, on: dt.date | None = None) -> ProviderChoice | None:
    """A choice for a later date, waiting to take over."""
    return session.scalar(
        sa.select(ProviderChoice)
        .where(
            ProviderChoice.case_id == case_id,
            ProviderChoice.cancelled_at.is_(None),
            ProviderChoice.effective_date > (on or today()),
        )
        .order_by(ProviderChoice.chosen_at.desc())
        .limit(1)
    )


def cases_served_by(
    provider_id: int, municipality_id: int, on: dt.date | None = None
) -> sa.Select[tuple[Case]]:
    """The cases where ``provider_id`` is the current choice: all an utförare may open."""
    return (
        sa.select(Case)
        .join(ProviderChoice, ProviderChoice.case_id == Case.id)
        .where(
            Case.municipality_id == municipality_id,
            ProviderChoice.provider_id == provider_id,
            _serving(ProviderChoice, on or today()),
        )
    )


# --- which insats a person may choose for -----------------------------------------------------------------


def granted_cases(session: Session, person_id: int, municipality_id: int) -> list[Case]:
    """The person's open cases whose newest decision grants the insats, of a service that some active
    provider here offers (kundval); one query."""
    # The newest decision of each of the person's cases (not of every case there is).
    newest = (
        sa.select(Decision.case_id, sa.func.max(Decision.published_at).label("published_at"))
        .join(Case, Case.id == Decision.case_id)
        .where(Case.subject_id == person_id)
        .group_by(Decision.case_id)
        .subquery()
    )
    # Provider.services is a JSON list of ids: '["hemtjanst", ...]' as text on SQLite and PostgreSQL alike.
    offered = sa.exists().where(
        Provider.municipality_id == Case.municipality_id,
        Provider.active.is_(True),
        sa.cast(Provider.services, sa.Text).like(sa.literal('%"') + Case.eservice_id + sa.literal('"%')),
    )
    return list(
        session.scalars(
            sa.select(Case)
            .join(newest, newest.c.case_id == Case.id)
            .join(
                Decision,
                sa.and_(Decision.case_id == Case.id, Decision.published_at == newest.c.published_at),
            )
            .where(
                Case.subject_id == person_id,
                Case.municipality_id == municipality_id,
                Case.status != "closed",
                Decision.outcome.in_(GRANTED),
                offered,
            )
            .order_by(Case.created_at.desc())
        ).all()
    )


def granted_case(session: Session, person_id: int, municipality_id: int, case_id: uuid.UUID) -> Case | None:
    return next((c for c in granted_cases(session, person_id, municipality_id) if c.id == case_id), None)


# --- the choice -------------------------------------------------------------------------------------------


def choose(
    session: Session,
    case: Case,
    provider: Provider,
    effective_date: dt.date,
    *,
    actor: Actor,
) -> ProviderChoice:
    """Record the choice, in one transaction with its timeline event, audit event and the outbox item that
    takes it to the case system. A choice still waiting for its date is cancelled by a newer one.

    One atomic step under the case's row lock: the same confirmation sent twice (a double click, a
    reload) finds its own choice as the newest and returns it, so there is one choice and one delivery."""
    locked(session, Case, case.id)
    newest = session.scalar(
        sa.select(ProviderChoice)
        .where(ProviderChoice.case_id == case.id, ProviderChoice.cancelled_at.is_(None))
        .order_by(ProviderChoice.chosen_at.desc())
        .limit(1)
    )
    if newest is not None and (newest.provider_id, newest.effective_date) == (provider.id, effective_date):
        return newest
    now = utcnow()
    current = current_choice(session, case.id)
    choice = ProviderChoice(
        id=uuid.uuid4(),
        case_id=case.id,
        person_id=case.subject_id,
        provider_id=provider.id,
        effective_date=effective_date,
        chosen_at=now,
        chosen_by_id=actor.id,
    )
    session.add(choice)
    session.flush()
    waiting = session.scalars(
        sa.select(ProviderChoice).where(
            ProviderChoice.case_id == case.id,
            ProviderChoice.id != choice.id,
            ProviderChoice.cancelled_at.is_(None),
            ProviderChoice.effective_date > today(),
        )
    ).all()
    for old in waiting:
        old.cancelled_at, old.replaced_by_id = now, choice.id
    if current is not None:
        current.replaced_by_id = choice.id
    cases.add_event(
        session,
        case,
        "provider_chosen",
        provider=provider.name,
        provider_id=provider.id,
        effective_date=effective_date.isoformat(),
    )
    audit.record(
        session,
        "provider_chosen",
        actor=actor,
        subject_person_id=case.subject_id,
        object_type="case",
        object_id=str(case.id),
        municipality_id=case.municipality_id,
        provider_id=provider.id,
        effective_date=effective_date.isoformat(),
    )
    municipality = session.get(Municipality, case.municipality_id)
    adapter = ((municipality.adapters if municipality else None) or {}).get(case.eservice_id, "embedded")
    outbox.enqueue(
        session,
        topic=TOPIC,
        adapter=adapter,
        municipality_id=case.municipality_id,
        idempotency_key=f"provider-choice:{choice.id}",
        payload={
            "case_number": case.case_number,
            "case_id": str(case.id),
            "external_ref": case.external_ref,
            "municipality": municipality.slug if municipality else "",
            "service": case.eservice_id,
            "provider": {
                "id": provider.id,
                "name": provider.name,
                "organisation_number": provider.organisation_number,
            },
            "effective_date": effective_date.isoformat(),
            "chosen_at": now.isoformat(),
            "previous_provider": (
                {"id": current.provider.id, "name": current.provider.name} if current is not None else None
            ),
        },
    )
    session.flush()
    return choice


def choice_for_case(session: Session, case_id: uuid.UUID, choice_id: uuid.UUID) -> ProviderChoice | None:
    choice = session.get(ProviderChoice, choice_id)
    return choice if choice is not None and choice.case_id == case_id else None


# --- the utförare's side ----------------------------------------------------------------------------------


def add_implementation_plan(session: Session, case: Case, staff: Actor, pdf: tuple[str, bytes]) -> str | None:
    """A genomförandeplan from the utförare, as a PDF checked by its content. Returns an error reason."""
    document = case_handling.add_pdf_document(
        session, case, staff.id, pdf, kind="genomforandeplan", title=f"Genomförandeplan {today().isoformat()}"
    )
    if isinstance(document, str):
        return document
    cases.add_event(session, case, "document_added", document_kind="genomforandeplan")
    audit.record(
        session,
        "document_added",
        actor=staff,
        subject_person_id=case.subject_id,
        object_type="document",
        object_id=str(document.id),
        municipality_id=case.municipality_id,
    )
    cases.notify_citizen(session, case, "document")
    session.flush()
    return None


def providers_by_id(session: Session, ids: Sequence[int]) -> dict[int, Provider]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(sa.select(Provider).where(Provider.id.in_(ids)))}


def author_providers(session: Session, conversation: object) -> dict[int, str]:
    """For the citizen's utförare thread: each staff author's provider name (an earlier provider's messages
    keep its name after a change), in one query."""
    messages = getattr(conversation, "messages", None) or []
    ids = {m.author_staff_id for m in messages if m.author_staff_id}
    if not ids:
        return {}
    rows = session.execute(
        sa.select(StaffUser.id, Provider.name)
        .join(Provider, Provider.id == StaffUser.provider_id)
        .where(StaffUser.id.in_(ids))
    ).all()
    return {staff_id: name for staff_id, name in rows}
