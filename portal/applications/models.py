from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Person
from portal.db import (
    UUIDPK,
    Base,
    CreatedAt,
    MunicipalMixin,
    OptionalTimestamp,
    Timestamp,
    UTCDateTime,
    utcnow,
)
from portal.files.models import StoredFile


class Draft(MunicipalMixin, Base):
    """An application being filled in. Answers are kept exactly as typed, step by step, so nothing is lost
    to a validation error, a timeout or a logout; they are checked again before signing."""

    __tablename__ = "draft"

    id: Mapped[UUIDPK]
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    owner: Mapped[Person] = relationship(foreign_keys=[owner_id])
    # The person the application is about, when an ombud applies for them (later issue); else the owner.
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    eservice_id: Mapped[str] = mapped_column(sa.String(60))
    eservice_version: Mapped[int]
    # {step_id: {field: value or [values]}} for a step; {step_id: [{...}, ...]} for a repeating group.
    answers: Mapped[dict[str, object]] = mapped_column(sa.JSON, default=dict)
    current_step: Mapped[str] = mapped_column(sa.String(60), default="")
    # in_progress → awaiting_co_applicant → submitted; or cancelled
    status: Mapped[str] = mapped_column(sa.String(30), default="in_progress")
    co_applicant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[OptionalTimestamp]
    case_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("case.id"), index=True)

    attachments: Mapped[list[DraftAttachment]] = relationship(
        back_populates="draft",
        order_by="DraftAttachment.created_at",
        cascade="all, delete-orphan",
        lazy="raise",
    )


class DraftAttachment(Base):
    __tablename__ = "draft_attachment"

    id: Mapped[UUIDPK]
    draft_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("draft.id"), index=True)
    draft: Mapped[Draft] = relationship(back_populates="attachments")
    step_id: Mapped[str] = mapped_column(sa.String(60))
    slot: Mapped[str] = mapped_column(sa.String(60))  # which document this is, e.g. "kontoutdrag"
    filename: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_file_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("stored_file.id"), index=True)
    stored_file: Mapped[StoredFile] = relationship()
    created_at: Mapped[CreatedAt]


class Signature(Base):
    """Evidence of a BankID signature: what was shown, the signature XML and the OCSP response."""

    __tablename__ = "signature"

    id: Mapped[UUIDPK]
    draft_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("draft.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))  # applicant, co_applicant
    user_visible_data: Mapped[str] = mapped_column(sa.Text)
    payload_sha256: Mapped[str] = mapped_column(sa.String(64))
    signature: Mapped[str] = mapped_column(sa.Text)
    ocsp_response: Mapped[str] = mapped_column(sa.Text)
    order_ref: Mapped[str] = mapped_column(sa.String(64))
    signed_at: Mapped[Timestamp]
