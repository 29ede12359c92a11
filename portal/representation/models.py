"""Representation: someone (the agent, ombud) may act for a principal within a scope, rights and time.

A fullmakt is granted by the principal and signed with BankID; god man, förvaltare and vårdnadshavare are
registered by staff with the decision or förordnande as a PDF; dödsbodelägare named in a dödsboanmälan
follow that case. Access is checked on every request against the row (see portal.representation.access).
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Person
from portal.db import UUIDPK, Base, CreatedAt, MunicipalMixin, OptionalTimestamp, Timestamp

BASES = ("fullmakt", "god_man", "forvaltare", "vardnadshavare", "dodsbodelagare")
STAFF_BASES = ("god_man", "forvaltare", "vardnadshavare")
SCOPES = ("all", "cases", "eservices")
RIGHTS = ("read", "message", "apply")
# Who may end a representation, by its state (Representation.state): the principal their own fullmakt while
# it is valid, not valid yet, or waiting for the agent to accept; the social services any representation that
# is valid or not valid yet. What the principal did not grant (god man, förvaltare, ...) only they end.
REVOCABLE_BY_PRINCIPAL = ("active", "future", "offered")
REVOCABLE_BY_STAFF = ("active", "future")
# A fullmakt the principal has signed that is in the agent's hands (or was): its receipt says it is signed.
SIGNED_BY_PRINCIPAL = ("offered", "not_accepted", "declined")


class Representation(MunicipalMixin, Base):
    __tablename__ = "representation"

    id: Mapped[UUIDPK]
    principal_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    principal: Mapped[Person] = relationship(foreign_keys=[principal_id])
    # A citizen's fullmakt names its agent by the personnummer the principal typed (agent_number); the
    # agent's person is set only when they accept with their own e-ID, so looking creates no person row
    # and the principal learns nothing about the number (not even whether the portal knows it).
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    agent: Mapped[Person | None] = relationship(foreign_keys=[agent_id])
    agent_number: Mapped[str] = mapped_column(sa.String(12), default="", index=True)
    basis: Mapped[str] = mapped_column(sa.String(20))
    # "all" the principal's matters here, chosen "cases" (case_ids) or "eservices" (eservice_ids).
    scope: Mapped[str] = mapped_column(sa.String(20), default="all")
    case_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    eservice_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    can_read: Mapped[bool] = mapped_column(default=False)
    can_message: Mapped[bool] = mapped_column(default=False)
    can_apply: Mapped[bool] = mapped_column(default=False)
    # A citizen's fullmakt: "unsigned" while it waits for the principal's BankID signature, "offered" while
    # it waits for the agent to accept (until offer_expires_at), then "active" or "declined". A staff
    # registration is "pending" while it waits for a second staff member's approval ("refused" if they
    # refuse it). Only "active" gives access.
    status: Mapped[str] = mapped_column(sa.String(20), default="unsigned")
    offer_expires_at: Mapped[OptionalTimestamp]
    answered_at: Mapped[OptionalTimestamp]
    valid_from: Mapped[Timestamp]
    valid_until: Mapped[Timestamp]
    revoked_at: Mapped[OptionalTimestamp]
    revoked_by_type: Mapped[str] = mapped_column(sa.String(20), default="")  # person, staff
    revoked_by_id: Mapped[int | None]
    created_at: Mapped[CreatedAt]
    # Evidence: the BankID signature of a fullmakt (as portal.applications' Signature keeps it) ...
    signed_text: Mapped[str] = mapped_column(sa.Text, default="")
    signature: Mapped[str] = mapped_column(sa.Text, default="")
    ocsp_response: Mapped[str] = mapped_column(sa.Text, default="")
    order_ref: Mapped[str] = mapped_column(sa.String(64), default="")
    signed_at: Mapped[OptionalTimestamp]
    # The agent's acceptance, signed with their own BankID: signed_text, signature, ocsp_response, order_ref.
    acceptance: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # ... or the staff member who registered it and the decision or förordnande they uploaded ...
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    document_file_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("stored_file.id"), index=True)
    document_filename: Mapped[str] = mapped_column(sa.String(255), default="")
    document_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    # Four eyes: the second staff member who approved or refused a staff registration, and why refused.
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    reviewed_at: Mapped[OptionalTimestamp]
    refusal_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # ... or the dödsboanmälan that named the dödsbodelägare.
    source_case_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("case.id"), index=True)

    @property
    def rights(self) -> list[str]:
        return [
            r for r, on in zip(RIGHTS, (self.can_read, self.can_message, self.can_apply), strict=True) if on
        ]

    def is_active(self, now: dt.datetime) -> bool:
        return (
            self.status == "active" and self.revoked_at is None and self.valid_from <= now < self.valid_until
        )

    def state(self, now: dt.datetime) -> str:
        """unsigned, offered, declined, not_accepted, pending, refused, revoked, expired, future or active:
        what the lists show."""
        if self.status in ("pending", "refused"):
            return self.status
        if self.status == "offered" and self.revoked_at is None:
            expires = self.offer_expires_at
            return "not_accepted" if expires is not None and now >= expires else "offered"
        if self.status == "declined":
            return "declined"
        if self.status not in ("active", "offered"):
            return "unsigned"
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.valid_until:
            return "expired"
        if now < self.valid_from:
            return "future"
        return "active"

    def revocable_by_principal(self, now: dt.datetime) -> bool:
        """Whether the principal may revoke it now (their own fullmakt, see REVOCABLE_BY_PRINCIPAL)."""
        return self.basis == "fullmakt" and self.state(now) in REVOCABLE_BY_PRINCIPAL

    def revocable_by_staff(self, now: dt.datetime) -> bool:
        """Whether the social services may revoke it now (see REVOCABLE_BY_STAFF)."""
        return self.state(now) in REVOCABLE_BY_STAFF

    def signed_for_agent(self, now: dt.datetime) -> bool:
        """A fullmakt the principal signed that went to the agent and is not in force: its receipt says it
        is signed (see SIGNED_BY_PRINCIPAL)."""
        return self.state(now) in SIGNED_BY_PRINCIPAL

    def ended_by_staff_only(self, now: dt.datetime) -> bool:
        """A valid representation the principal did not grant: they ask the social services to end it."""
        return self.basis != "fullmakt" and self.state(now) == "active"
