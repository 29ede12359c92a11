"""Staff accounts from an identity provider's claims: matching, and (where configured) provisioning."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit import services as audit
from portal.auth.models import LoginSession
from portal.auth.oidc import Identity
from portal.auth.oidc import Provider as OIDCProvider
from portal.db import commit_now, get_session, utcnow
from portal.municipalities.models import Municipality, Unit
from portal.providers.models import Provider
from portal.staff.models import ROLES, StaffUser


def roles_from_claims(provider: OIDCProvider, claims: dict[str, object]) -> list[str] | None:
    """The portal roles the claims give (through the role map); None when there is no roles claim."""
    raw = claims.get(provider.roles_claim)
    if raw is None:
        return None
    values = raw.replace(",", " ").split() if isinstance(raw, str) else [str(v) for v in raw]  # type: ignore[union-attr]
    roles = {provider.role_map.get(value, value) for value in values}
    return sorted(role for role in roles if role in ROLES)


def staff_for_identity(
    provider_config: OIDCProvider, identity: Identity, municipality: Municipality, actor: Actor
) -> StaffUser | None:
    """The active staff account of ``municipality`` this identity logs in as, or None.

    Matched by the provider's subject, then by personnummer (linking the account to the subject). With
    ``provision``, roles and unit follow the claims at every login, and a person with roles but no
    account gets one. Without roles from the claims an unknown person gets nothing. ``actor``: the
    request's, for the account's event (a system event, with the login's address).
    """
    db = get_session()
    subject = f"{provider_config.id}:{identity.subject}"
    base = sa.select(StaffUser).where(StaffUser.municipality_id == municipality.id)
    staff = db.scalar(base.where(StaffUser.subject == subject))
    if staff is None and identity.personal_number is not None:
        staff = db.scalar(base.where(StaffUser.personal_number == identity.personal_number.digits12))
    roles = roles_from_claims(provider_config, identity.claims) if provider_config.provision else None
    unit = None
    unit_code = identity.claims.get(provider_config.unit_claim)
    if provider_config.provision and unit_code:
        unit = db.scalar(
            sa.select(Unit).where(Unit.municipality_id == municipality.id, Unit.code == str(unit_code))
        )
    provider = None
    organisation_number = identity.claims.get(provider_config.provider_claim)
    if provider_config.provision and organisation_number:
        # Utförare staff: their provider by organisation number (the catalogue's, portal/providers).
        provider = db.scalar(
            sa.select(Provider).where(
                Provider.municipality_id == municipality.id,
                Provider.organisation_number == str(organisation_number),
            )
        )
    if staff is None:
        if not roles:
            return None
        staff = StaffUser(
            municipality_id=municipality.id,
            personal_number=identity.personal_number.digits12 if identity.personal_number else None,
            name=identity.name or identity.subject,
            roles=[],
        )
        db.add(staff)
    changes: dict[str, object] = {}
    if staff.subject != subject:
        staff.subject = subject
        changes["subject"] = "linked"
    if roles is not None and sorted(staff.roles or []) != roles:
        changes["roles"] = roles
        staff.roles = roles
    if provider is not None and staff.provider_id != provider.id:
        staff.provider_id = provider.id
        changes["provider"] = provider.organisation_number
    if unit is not None and staff.unit_id != unit.id:
        staff.unit = unit
        changes["unit"] = unit.code
    email = str(identity.claims.get("email") or "")
    if email and provider_config.provision:
        staff.email = email
    if changes:
        db.flush()
        audit.record(
            db,
            "staff_account_from_identity_provider",
            actor=actor,
            actor_type="system",
            municipality_id=municipality.id,
            object_type="staff_user",
            object_id=str(staff.id),
            identity_provider=provider_config.id,
            **changes,
        )
    if not staff.active or not staff.roles:
        commit_now(db, "the account the identity provider describes is kept although the login is refused")
        return None
    return staff


# --- accounts kept by the municipality's administrators ----------------------------------------------------

ACCOUNT_FIELDS = ("name", "personal_number", "email", "roles", "unit_id", "provider_id")


def save_account(
    session: Session, account: StaffUser | None, municipality_id: int, values: dict[str, object], *, by: Actor
) -> StaffUser:
    """Add or change a staff account; the audit event names the changed fields, never a personnummer."""
    created = account is None
    if account is None:
        account = StaffUser(municipality_id=municipality_id, roles=[])
        session.add(account)
    changed = sorted(name for name in ACCOUNT_FIELDS if getattr(account, name, None) != values[name])
    for name in ACCOUNT_FIELDS:
        setattr(account, name, values[name])
    session.flush()
    audit.record(
        session,
        "staff_account_created" if created else "staff_account_changed",
        actor=by,
        object_type="staff_user",
        object_id=str(account.id),
        municipality_id=municipality_id,
        changed=changed,
        roles=list(account.roles),
    )
    session.flush()
    return account


def set_account_active(session: Session, account: StaffUser, active: bool, *, by: Actor) -> None:
    """Deactivate or reactivate an account. Deactivating ends every open login of the account at once, on
    every host (the login rows are ended, so an old cookie is worth nothing even after a reactivation);
    it cannot log in again until reactivated, and then only with a new login."""
    account.active = active
    ended = 0
    if not active:
        ended = session.execute(
            sa.update(LoginSession)
            .where(LoginSession.staff_user_id == account.id, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason="deactivated")
            .execution_options(synchronize_session=False)
        ).rowcount
    audit.record(
        session,
        "staff_account_activated" if active else "staff_account_deactivated",
        actor=by,
        object_type="staff_user",
        object_id=str(account.id),
        municipality_id=account.municipality_id,
        **({} if active else {"logins_ended": ended}),
    )
    session.flush()
