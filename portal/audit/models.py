from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, CreatedAt, IntPK


class AuditEvent(Base):
    """Who did or read what, whose data, from where. Written in the same transaction as the change."""

    __tablename__ = "audit_event"
    # "Vem har tittat på mina uppgifter": one person's events, newest first.
    __table_args__ = (sa.Index("ix_audit_event_subject_person_id_at", "subject_person_id", "at"),)

    id: Mapped[IntPK]
    at: Mapped[CreatedAt]
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    actor_type: Mapped[str] = mapped_column(sa.String(20))  # person, staff, api, system, anonymous
    actor_id: Mapped[int | None] = mapped_column(index=True)
    # The person the actor acted for, when acting under a representation.
    principal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    # Whose data was read or changed.
    subject_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45), default="")
    detail: Mapped[dict[str, object]] = mapped_column(sa.JSON, default=dict)
