"""The message routes, one implementation for every audience: writing in a case's thread and opening a
message's attachment. An :class:`Audience` (``portal.messaging.audiences``) says where its routes live, who
may use them, which case and attachment its user may see, and which page a message goes back to; each
audience gets a blueprint of its own from :func:`blueprint`, so the addresses stay the pages' own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue

from portal.actor import Actor
from portal.auth.forms import PostForm
from portal.cases.models import Case
from portal.db import get_session
from portal.files.responses import audited_record
from portal.messaging import services as messaging
from portal.messaging.models import MessageAttachment


@dataclass(frozen=True)
class Thread:
    """A thread an audience writes in: its endpoint, the path after ``/arenden/<case_id>/meddelanden`` and
    the thread's audience in the data (``handlaggare`` or ``utforare``)."""

    endpoint: str
    suffix: str
    audience: str


@dataclass(frozen=True)
class Audience:
    """Who writes and reads: the citizen, the handläggare or the utförare.

    ``guard`` is the access decorator of the routes (``citizen_required`` or ``staff_required(role)``).
    ``case_to_write(case_id)`` is the case the user may write in, or refuses (404, audited).
    ``may_write(case, thread)`` is checked after the form: whether there is anyone to write to.
    ``author()`` is the writer for ``messaging.post`` (the request's actor). ``refused(case, thread, error,
    body)`` shows the page again with what was typed and why it was not sent; ``sent(case, thread)`` says
    it was sent.
    ``attachment(attachment_id)`` is the attachment and its case if the user may open it, or refuses.
    ``audit_actor`` is ``audit.by_person`` or ``audit.by_staff``.
    """

    name: str
    url_prefix: str | None
    guard: Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]
    threads: tuple[Thread, ...]
    case_to_write: Callable[[uuid.UUID], Case]
    author: Callable[[], Actor]
    refused: Callable[[Case, str, str, str], ResponseReturnValue]
    sent: Callable[[Case, str], ResponseReturnValue]
    attachment: Callable[[uuid.UUID], tuple[MessageAttachment, Case]]
    audit_actor: Callable[..., object]
    may_write: Callable[[Case, str], bool] = lambda case, thread: True


def write(audience: Audience, thread: str, case_id: uuid.UUID) -> ResponseReturnValue:
    current = audience.case_to_write(case_id)
    if not PostForm().validate_on_submit():
        abort(400)
    if not audience.may_write(current, thread):
        abort(404)
    upload = request.files.get("attachment")
    content = (upload.filename or "", upload.read()) if upload is not None and upload.filename else None
    body = request.form.get("body", "")
    error = messaging.post(
        get_session(), current, body=body, upload=content, audience=thread, author=audience.author()
    )
    if error:
        # Shown again with what was typed, so nothing is lost.
        return audience.refused(current, thread, error, body)
    return audience.sent(current, thread)


def attachment(audience: Audience, attachment_id: uuid.UUID) -> ResponseReturnValue:
    found, owner_case = audience.attachment(attachment_id)
    return audited_record(
        audience.audit_actor,
        "message_attachment_read",
        found,
        subject_person_id=owner_case.subject_id,
        object_type="message_attachment",
    )


def _write_view(audience: Audience, thread: Thread) -> Callable[..., ResponseReturnValue]:
    def view(case_id: uuid.UUID) -> ResponseReturnValue:
        return write(audience, thread.audience, case_id)

    view.__name__ = view.__qualname__ = thread.endpoint
    return audience.guard(view)


def _attachment_view(audience: Audience) -> Callable[..., ResponseReturnValue]:
    def view(attachment_id: uuid.UUID) -> ResponseReturnValue:
        return attachment(audience, attachment_id)

    view.__name__ = view.__qualname__ = "attachment"
    return audience.guard(view)


def blueprint(audience: Audience) -> Blueprint:
    """The audience's message routes: ``<name>_messages.<thread endpoint>`` (POST
    ``/arenden/<case_id>/meddelanden<suffix>``) and ``<name>_messages.attachment`` (GET
    ``/meddelanden/bilagor/<attachment_id>``), under the audience's prefix."""
    bp = Blueprint(f"{audience.name}_messages", __name__, url_prefix=audience.url_prefix)
    for thread in audience.threads:
        bp.add_url_rule(
            f"/arenden/<uuid:case_id>/meddelanden{thread.suffix}",
            endpoint=thread.endpoint,
            view_func=_write_view(audience, thread),
            methods=["POST"],
        )
    bp.add_url_rule(
        "/meddelanden/bilagor/<uuid:attachment_id>",
        endpoint="attachment",
        view_func=_attachment_view(audience),
        methods=["GET"],
    )
    return bp


__all__ = ["Audience", "Thread", "attachment", "blueprint", "write"]
