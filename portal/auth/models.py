from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Person
from portal.db import UUIDPK, Base, CreatedAt, IntPK, OptionalTimestamp, Timestamp


class LoginSession(Base):
    """A citizen's login. The signed session cookie carries only a random token whose hash is stored here,

    so logout and expiry end the login on every host at once and an old cookie is worth nothing.
    """

    __tablename__ = "login_session"

    id: Mapped[IntPK]
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # None only for a staff login through an identity provider that gives no personnummer (Entra ID).
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    person: Mapped[Person | None] = relationship(lazy="joined", foreign_keys=[person_id])
    # Set for a staff login: the staff account the person logged in as. Staff and citizen logins are
    # separate sessions with separate cookies' keys, never one session for both.
    staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    method: Mapped[str] = mapped_column(sa.String(20))  # "bankid", later "oidc:<provider>"
    # Level of assurance (tillitsnivå); BankID is LoA3 / eIDAS substantial.
    loa: Mapped[str] = mapped_column(sa.String(20))
    authenticated_at: Mapped[Timestamp]
    last_seen_at: Mapped[Timestamp]
    ended_at: Mapped[OptionalTimestamp]
    end_reason: Mapped[str] = mapped_column(sa.String(20), default="")  # logout, idle, absolute
    # The OpenID provider's ID token, kept for RP-initiated logout (id_token_hint); empty for BankID.
    id_token: Mapped[str] = mapped_column(sa.Text, default="")
    # Who the person acts for (a principal under a representation); None when acting for themselves.
    acting_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    # The representation the person chose to act under; checked again on every request.
    acting_representation_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("representation.id"), index=True
    )


class RateLimitCounter(Base):
    """Login attempts counted per key and fixed window, when no Redis is configured (shared by every host
    through the database). ``key`` holds a hash, never an address or a personnummer."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[Timestamp] = mapped_column(index=True)


class BankIDOrder(Base):
    """An order at BankID (auth or sign) that a browser is waiting on.

    The browser's session holds a random handle; the order's secrets stay on the server.
    """

    __tablename__ = "bankid_order"

    id: Mapped[UUIDPK]
    handle_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(10))  # "auth" or "sign"
    same_device: Mapped[bool]
    order_ref: Mapped[str] = mapped_column(sa.String(64))
    auto_start_token: Mapped[str] = mapped_column(sa.String(64))
    qr_start_token: Mapped[str] = mapped_column(sa.String(64))
    qr_start_secret: Mapped[str] = mapped_column(sa.String(64))  # emptied when the order ends
    created_at: Mapped[CreatedAt]
    last_collect_at: Mapped[OptionalTimestamp]
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending, failed, complete
    hint_code: Mapped[str] = mapped_column(sa.String(40), default="")
    error_code: Mapped[str] = mapped_column(sa.String(40), default="")
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    finished_at: Mapped[OptionalTimestamp]
    # What a sign order is for, e.g. "draft:<id>:applicant"; the flow that started it checks it.
    purpose_ref: Mapped[str] = mapped_column(sa.String(100), default="")
    # The text the signer saw, and the completion's evidence until the flow has stored it as a Signature.
    user_visible_data: Mapped[str] = mapped_column(sa.Text, default="")
    completion: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)

    def seconds_since_start(self, now: dt.datetime) -> int:
        return max(0, int((now - self.created_at).total_seconds()))


__all__ = ["BankIDOrder", "LoginSession", "RateLimitCounter"]
