"""Sending a stored file to a browser, the same way wherever it is sent from."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

from flask import Response

from portal.db import get_session
from portal.files.storage import storage


def file_response(content: bytes, media_type: str, filename: str, *, inline: bool = True) -> Response:
    response = Response(content, mimetype=media_type)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename, safe='')}"
    # Uploaded files are never run as a page of ours: no scripts, no plug-ins, an opaque origin (sandbox
    # without allow-scripts), the type we found by content and no other (nosniff), and no other site may
    # embed them. PDFs with scripts or actions are refused at upload (portal.files.validation) as well.
    response.headers["Content-Security-Policy"] = "default-src 'none'; object-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def audited_file(
    by: Callable[..., object],
    action: str,
    *,
    subject_person_id: int,
    object_type: str,
    object_id: object,
    stored_file_id: uuid.UUID,
    media_type: str,
    filename: str,
    inline: bool = True,
) -> Response:
    """A stored file of someone's case data, sent after the read is audited (``by``: audit.by_person or
    audit.by_staff), committed with the request before the file is sent: every read of case data leaves a
    trace."""
    session = get_session()
    by(
        session,
        action,
        subject_person_id=subject_person_id,
        object_type=object_type,
        object_id=str(object_id),
    )
    session.flush()
    return file_response(storage.get(session, stored_file_id), media_type, filename, inline=inline)


class StoredRecord(Protocol):
    """A case document or a message attachment: a record that names its stored file."""

    id: Any
    stored_file_id: uuid.UUID
    media_type: str
    filename: str


def audited_record(
    by: Callable[..., object],
    action: str,
    record: StoredRecord,
    *,
    subject_person_id: int,
    object_type: str,
    inline: bool = True,
) -> Response:
    """``audited_file`` for a record that carries its own file, type and name (documents, attachments)."""
    return audited_file(
        by,
        action,
        subject_person_id=subject_person_id,
        object_type=object_type,
        object_id=record.id,
        stored_file_id=record.stored_file_id,
        media_type=record.media_type,
        filename=record.filename,
        inline=inline,
    )
