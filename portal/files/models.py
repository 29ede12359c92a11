from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from portal.db import UUIDPK, Base, CreatedAt, MunicipalMixin


class StoredFile(Base):
    """File content kept in the database, so every host of a scaled-out portal sees the same files."""

    __tablename__ = "stored_file"

    id: Mapped[UUIDPK]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(sa.String(100))
    # Deferred: listing files never loads their bytes.
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    created_at: Mapped[CreatedAt]


class UploadRecord(MunicipalMixin, Base):
    """One accepted upload, counted by ``portal.files.quota`` against the quotas per case and per person
    and day. Only sizes and who: the file itself is kept where it belongs (a message, a document, a draft).

    Retention: rows without a case (draft attachments, registrations) are deleted two days after their
    day; rows of a case stay as long as the case, since they count towards its quota.
    """

    __tablename__ = "upload_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(sa.String(12))  # citizen, municipality
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    api_client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_client.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("case.id"), index=True)
    size: Mapped[int]
    created_at: Mapped[CreatedAt] = mapped_column(index=True)
