"""One storage interface for every file the portal keeps (attachments, receipts, documents).

The database implementation is the default, so several hosts share files without more set-up; a
filesystem or S3-compatible implementation can take its place behind the same two calls.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Protocol

from sqlalchemy.orm import Session

from portal.files.models import StoredFile


class Storage(Protocol):
    def put(self, session: Session, content: bytes, media_type: str) -> StoredFile: ...

    def get(self, session: Session, file_id: uuid.UUID) -> bytes: ...


class DatabaseStorage:
    def put(self, session: Session, content: bytes, media_type: str) -> StoredFile:
        stored = StoredFile(
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            media_type=media_type,
            content=content,
        )
        session.add(stored)
        session.flush()
        return stored

    def get(self, session: Session, file_id: uuid.UUID) -> bytes:
        stored = session.get(StoredFile, file_id)
        if stored is None:
            raise KeyError(file_id)
        return stored.content


storage: Storage = DatabaseStorage()
