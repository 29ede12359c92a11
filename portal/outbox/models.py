from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, CreatedAt, IntPK, OptionalTimestamp, UTCDateTime, utcnow


class OutboxItem(Base):
    """Something to hand to an external system, written in the same transaction as the change itself.

    The worker delivers it later, with retries; a web request never waits on a case system.
    """

    __tablename__ = "outbox_item"
    __table_args__ = (sa.Index("ix_outbox_item_due", "status", "next_attempt_at"),)

    id: Mapped[IntPK]
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(60))  # application.submitted, notification.email, …
    adapter: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, object]] = mapped_column(sa.JSON)
    idempotency_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # pending, delivering (leased to a worker), failed (retried later), delivered, dead, handled
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    # Attempts in the current series; an administrator's re-send starts a new series from 0.
    attempts: Mapped[int] = mapped_column(default=0)
    # While delivering: when the lease runs out (the worker renews it); otherwise when the item is due.
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The worker holding the lease (a random token per worker process), so that only it renews or
    # finishes the item; empty when no worker holds it.
    leased_by: Mapped[str] = mapped_column(sa.String(40), default="")
    # When the current series of attempts began (enqueued, or re-sent by an administrator): the item is
    # dead-lettered once a failure comes later than PORTAL_OUTBOX_RETRY_HOURS after it.
    series_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[CreatedAt]
    delivered_at: Mapped[OptionalTimestamp]

    @property
    def age(self) -> dt.timedelta:
        """How long the item has been waiting since it was written (what staff see)."""
        return (self.delivered_at or utcnow()) - self.created_at
