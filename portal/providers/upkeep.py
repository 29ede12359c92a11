"""The catalogue's upkeep: administrators add, change, activate and deactivate providers (utförare)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit import services as audit
from portal.providers.models import Provider

PROVIDER_FIELDS = (
    "name",
    "organisation_number",
    "services",
    "areas",
    "languages",
    "profile",
    "quality",
    "phone",
    "email",
    "website",
    "address",
    "default_for",
)


def save_provider(
    session: Session,
    provider: Provider | None,
    municipality_id: int,
    staff: Actor,
    values: dict[str, object],
) -> Provider:
    created = provider is None
    if provider is None:
        provider = Provider(municipality_id=municipality_id)
        session.add(provider)
    for name in PROVIDER_FIELDS:
        if name in values:
            setattr(provider, name, values[name])
    session.flush()
    # One ickevalsalternativ per service: naming a new one takes the role from the old.
    for service in provider.default_for or []:
        others = session.scalars(
            sa.select(Provider).where(Provider.municipality_id == municipality_id, Provider.id != provider.id)
        ).all()
        for other in others:
            if service in (other.default_for or []):
                other.default_for = [s for s in other.default_for if s != service]
    audit.record(
        session,
        "provider_created" if created else "provider_changed",
        actor=staff,
        object_type="provider",
        object_id=str(provider.id),
        municipality_id=municipality_id,
    )
    session.flush()
    return provider


def set_active(session: Session, provider: Provider, active: bool, staff: Actor) -> None:
    provider.active = active
    audit.record(
        session,
        "provider_activated" if active else "provider_deactivated",
        actor=staff,
        object_type="provider",
        object_id=str(provider.id),
        municipality_id=provider.municipality_id,
    )
    session.flush()
