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
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")  # pending, delivered, failed, dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[CreatedAt]
    delivered_at: Mapped[OptionalTimestamp]
