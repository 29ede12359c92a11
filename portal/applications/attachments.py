"""A draft's attachments: uploads checked for content, size and quota, and the slots still missing before
the draft can be signed."""

from __future__ import annotations

from typing import Any

from flask import current_app

from forms import engine
from forms.base import Answers, EService, Step
from portal.applications.models import Draft, DraftAttachment
from portal.db import get_session, utcnow
from portal.files import quota, validation
from portal.files.storage import storage


def add_attachment(draft: Draft, step: Step, slot_id: str, filename: str, content: bytes) -> str | None:
    """Store an upload after checking its content; returns an error reason, or None when stored."""
    config = current_app.config["PORTAL"]
    if slot_id not in {slot.id for slot in step.attachments}:
        return "slot"
    try:
        checked = validation.validate_upload(filename, content, max_bytes=config.upload_max_bytes)
        validation.check_total(
            [a.size for a in draft.attachments] + [checked.size], config.upload_max_total_bytes
        )
        uploader = quota.Uploader(draft.municipality_id, person_id=draft.owner_id)
        quota.admit(get_session(), uploader, [checked.size])
    except validation.UploadRejected as exc:
        return exc.reason
    session = get_session()
    stored = storage.put(session, content, checked.media_type)
    draft.attachments.append(
        DraftAttachment(
            step_id=step.id,
            slot=slot_id,
            filename=checked.safe_filename,
            media_type=checked.media_type,
            size=checked.size,
            sha256=checked.sha256,
            stored_file=stored,
        )
    )
    draft.updated_at = utcnow()
    session.flush()
    return None


def remove_attachment(draft: Draft, attachment_id: str) -> bool:
    session = get_session()
    for attachment in draft.attachments:
        if str(attachment.id) == attachment_id:
            draft.attachments.remove(attachment)
            draft.updated_at = utcnow()
            session.flush()
            return True
    return False


def missing_attachments(eservice: EService, draft: Draft) -> list[tuple[Step, Any]]:
    present = {(a.step_id, a.slot) for a in draft.attachments}
    answers = Answers(draft.answers or {})
    return [
        (step, slot)
        for step in eservice.visible_steps(answers)
        for slot in step.attachments
        if slot.required and (step.id, slot.id) not in present
    ]


def ready_to_sign(eservice: EService, draft: Draft) -> bool:
    return engine.all_complete(eservice, draft.answers or {}) and not missing_attachments(eservice, draft)
