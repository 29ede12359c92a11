"""Upload quotas: how much one message, one case and one person in one day may add, the same on every path.

Every place that keeps an uploaded file (citizen messages and komplettering answers, draft attachments,
staff messages, decisions and genomförandeplaner, registrations of a god man, the API) calls ``admit``
after checking the file's content and before storing it; a refusal is an ``UploadRejected`` with reason
``quota_message``, ``quota_case`` or ``quota_day``, shown like any other refused file.

* per message: the files of one message, answer or upload together (``upload_quota_message_*``);
* per case, per side: what the citizen's side (citizen, ombud) has added to one case, and what the
  municipality (staff, the case system) has, are counted apart, so a citizen filling a case can never
  stop a decision from being published (``upload_quota_case_*``);
* per person and day (Swedish calendar day): what one citizen or ombud sends in all (``upload_quota_day_*``).
  Staff and case systems are known, audited accounts and have no daily quota.

Accepted uploads are recorded (``UploadRecord``: sizes and who, never content) in the same transaction as
the file, so a refused or rolled-back upload counts for nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.files.models import UploadRecord
from portal.files.validation import UploadRejected

STOCKHOLM = ZoneInfo("Europe/Stockholm")
KEEP_CASELESS = dt.timedelta(days=2)


@dataclass(frozen=True)
class Uploader:
    """Who uploads: a person (citizen or ombud, as themselves), a staff account or an API client."""

    municipality_id: int
    person_id: int | None = None
    staff_id: int | None = None
    api_client_id: int | None = None

    @property
    def side(self) -> str:
        return "citizen" if self.person_id is not None else "municipality"


def admit(
    session: Session, uploader: Uploader, sizes: Sequence[int], *, case_id: uuid.UUID | None = None
) -> None:
    """Refuse ``sizes`` (the files of one message or upload) if they break a quota; else record them."""
    if not sizes:
        return
    config = current_app.config["PORTAL"]
    if len(sizes) > config.upload_quota_message_files or sum(sizes) > config.upload_quota_message_bytes:
        raise UploadRejected("quota_message")
    counted = sa.select(sa.func.count(UploadRecord.id), sa.func.coalesce(sa.func.sum(UploadRecord.size), 0))
    if case_id is not None:
        files, size = session.execute(
            counted.where(UploadRecord.case_id == case_id, UploadRecord.side == uploader.side)
        ).one()
        if (
            files + len(sizes) > config.upload_quota_case_files
            or size + sum(sizes) > config.upload_quota_case_bytes
        ):
            raise UploadRejected("quota_case")
    if uploader.person_id is not None:
        files, size = session.execute(
            counted.where(
                UploadRecord.person_id == uploader.person_id, UploadRecord.created_at >= _start_of_today()
            )
        ).one()
        if (
            files + len(sizes) > config.upload_quota_day_files
            or size + sum(sizes) > config.upload_quota_day_bytes
        ):
            raise UploadRejected("quota_day")
    session.execute(
        sa.delete(UploadRecord).where(
            UploadRecord.case_id.is_(None), UploadRecord.created_at < _start_of_today() - KEEP_CASELESS
        )
    )
    session.add_all(
        UploadRecord(
            municipality_id=uploader.municipality_id,
            side=uploader.side,
            person_id=uploader.person_id,
            staff_id=uploader.staff_id,
            api_client_id=uploader.api_client_id,
            case_id=case_id,
            size=size,
        )
        for size in sizes
    )
    session.flush()


def _start_of_today() -> dt.datetime:
    today = utcnow().astimezone(STOCKHOLM).date()
    return dt.datetime.combine(today, dt.time(), tzinfo=STOCKHOLM).astimezone(dt.UTC)
