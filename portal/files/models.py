from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from portal.db import UUIDPK, Base, CreatedAt


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
