from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UUIDPK, Base, CreatedAt, OptionalTimestamp
from portal.files.models import StoredFile


class MessageThread(Base):
    """A case's conversation with one audience: the handläggare, or (once chosen) the utförare."""

    __tablename__ = "message_thread"
    __table_args__ = (sa.UniqueConstraint("case_id", "audience"),)

    id: Mapped[UUIDPK]
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    audience: Mapped[str] = mapped_column(sa.String(20))  # handlaggare, utforare
    created_at: Mapped[CreatedAt]
    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", order_by="Message.created_at", lazy="raise"
    )


class Message(Base):
    __tablename__ = "message"

    id: Mapped[UUIDPK]
    thread_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("message_thread.id"), index=True)
    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    author_type: Mapped[str] = mapped_column(sa.String(10))  # person, staff
    author_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    author_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[CreatedAt]
    # Read by the other side: the citizen reads staff messages, staff read the citizen's.
    read_at: Mapped[OptionalTimestamp]
    attachments: Mapped[list[MessageAttachment]] = relationship(back_populates="message", lazy="raise")


class MessageAttachment(Base):
    __tablename__ = "message_attachment"

    id: Mapped[UUIDPK]
    message_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("message.id"), index=True)
    message: Mapped[Message] = relationship(back_populates="attachments")
    filename: Mapped[str] = mapped_column(sa.String(255))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_file_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("stored_file.id"), index=True)
    stored_file: Mapped[StoredFile] = relationship()
