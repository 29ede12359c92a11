from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Person
from portal.db import UUIDPK, Base, CreatedAt, MunicipalMixin, OptionalTimestamp
from portal.files.models import StoredFile

# Portal statuses (DESIGN.md); case systems' codes map onto these.
STATUSES = ("submitted", "received", "investigating", "supplement_requested", "decided", "closed")


class Case(MunicipalMixin, Base):
    __tablename__ = "case"
    # The staff inbox (a unit's cases) and Mina sidor, Mina ärenden (a person's), newest first.
    __table_args__ = (
        sa.Index("ix_case_unit_id_created_at", "unit_id", "created_at"),
        sa.Index("ix_case_subject_id_created_at", "subject_id", "created_at"),
    )

    id: Mapped[UUIDPK]
    case_number: Mapped[str] = mapped_column(sa.String(12), unique=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    subject: Mapped[Person] = relationship(foreign_keys=[subject_id])
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    eservice_id: Mapped[str] = mapped_column(sa.String(60))
    eservice_version: Mapped[int]
    case_type: Mapped[str] = mapped_column(sa.String(60))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(sa.String(30), default="submitted")
    # The canonical JSON payload as submitted (see forms/ for its schema per e-service and version).
    payload: Mapped[dict[str, object]] = mapped_column(sa.JSON)
    external_ref: Mapped[str] = mapped_column(sa.String(100), default="")
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[CreatedAt]
    received_at: Mapped[OptionalTimestamp]
    # The signed draft this case was submitted from (unique: one signature gives one case, however often its
    # completion arrives); none for a case made otherwise. use_alter: draft.case_id points back here.
    draft_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("draft.id", use_alter=True), unique=True)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.at", lazy="raise"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="case", order_by="Document.created_at", lazy="raise"
    )

    @property
    def municipal_reference(self) -> str:
        """The case system's own reference when it is another than the portal's case number ("" if not)."""
        return self.external_ref if self.external_ref != self.case_number else ""


class CaseEvent(Base):
    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    case: Mapped[Case] = relationship(back_populates="events")
    at: Mapped[CreatedAt]
    kind: Mapped[str] = mapped_column(
        sa.String(40)
    )  # submitted, delivered, status_changed, document_added, …
    # Shown on the citizen's timeline, or only to staff.
    visible_to_citizen: Mapped[bool] = mapped_column(default=True)
    detail: Mapped[dict[str, object]] = mapped_column(sa.JSON, default=dict)


class Document(Base):
    __tablename__ = "document"

    id: Mapped[UUIDPK]
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    case: Mapped[Case] = relationship(back_populates="documents")
    kind: Mapped[str] = mapped_column(
        sa.String(30)
    )  # kvitto, ansokan, utredning, beslut, genomforandeplan, bilaga
    title: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_file_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("stored_file.id"), index=True)
    stored_file: Mapped[StoredFile] = relationship()
    created_at: Mapped[CreatedAt]
    read_at: Mapped[OptionalTimestamp]
    visible_to_citizen: Mapped[bool] = mapped_column(default=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)


class Decision(Base):
    """A decision with its outcome, motivation and how to appeal (överklagandehänvisning)."""

    __tablename__ = "decision"

    id: Mapped[UUIDPK]
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(20))  # granted, partly_granted, rejected
    motivation: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[dt.date]
    # Three weeks from when the citizen is notified; the portal counts from publication and says so.
    appeal_deadline: Mapped[dt.date]
    document_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("document.id"), index=True)
    document: Mapped[Document] = relationship()
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    published_at: Mapped[CreatedAt]
    read_at: Mapped[OptionalTimestamp]


class SupplementRequest(Base):
    """Komplettering: a case officer asks for information or documents by a date."""

    __tablename__ = "supplement_request"

    id: Mapped[UUIDPK]
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    due_date: Mapped[dt.date]
    status: Mapped[str] = mapped_column(sa.String(20), default="open")  # open, answered
    created_at: Mapped[CreatedAt]
    answered_at: Mapped[OptionalTimestamp]
    answer_text: Mapped[str] = mapped_column(sa.Text, default="")


class StaffNote(Base):
    """A note only staff see."""

    __tablename__ = "staff_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[CreatedAt]
