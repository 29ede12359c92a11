"""The staff case workspace: the unit's inbox, a case, its audit log and its documents."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import abort, g, render_template, request
from flask.typing import ResponseReturnValue

import forms
from portal import paging
from portal.access import staff_required
from portal.accounts.models import Person
from portal.audit import services as audit
from portal.audit.labels import ACTION_LABELS
from portal.audit.models import AuditEvent
from portal.cases.labels import STATUS_LABELS
from portal.cases.models import Case, Decision, Document, SupplementRequest
from portal.db import get_session
from portal.files.responses import audited_record
from portal.messaging import services as messaging
from portal.messaging.models import Message, MessageAttachment, MessageThread
from portal.staff.models import StaffUser
from portal.staff.views import _home, bp
from portal.staff.workspace import case_or_404, render_case, unit_cases

PAGE_SIZE = 25


@bp.get("/")
@staff_required("handlaggare", others_to=_home)
def inbox() -> ResponseReturnValue:
    db = get_session()
    view = request.args.get("visa", "open")
    stmt = unit_cases()
    if view == "mine":
        stmt = stmt.where(Case.assigned_to_id == g.staff.id)
    elif view == "unassigned":
        stmt = stmt.where(Case.assigned_to_id.is_(None), Case.status != "closed")
    elif view == "open":
        stmt = stmt.where(Case.status != "closed")
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    page = paging.page_of(total, PAGE_SIZE)
    rows = db.execute(
        stmt.add_columns(Person.given_name, Person.surname)
        .join(Person, Person.id == Case.subject_id)
        .order_by(Case.created_at.desc())
        .offset(page.offset)
        .limit(PAGE_SIZE)
    ).all()
    staff_names = dict(
        db.execute(
            sa.select(StaffUser.id, StaffUser.name).where(
                StaffUser.municipality_id == g.staff.municipality_id
            )
        ).all()
    )
    unread = messaging.unread_by_case(db, [row[0].id for row in rows])
    audit.by_staff(db, "staff_inbox_read", count=len(rows))
    return render_template(
        "staff/inbox.html",
        rows=rows,
        view=view,
        page=page.number,
        total=total,
        pages=page.pages,
        titles=forms.titles(),
        statuses=STATUS_LABELS,
        staff_names=staff_names,
        unread=unread,
    )


@bp.get("/arenden/<uuid:case_id>")
@staff_required("handlaggare")
def case(case_id: uuid.UUID) -> ResponseReturnValue:
    return render_case(case_or_404(case_id))


@bp.get("/arenden/<uuid:case_id>/logg")
@staff_required("handlaggare")
def audit_log(case_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    current = case_or_404(case_id)
    # This case's own objects only: another case of the same person is not this case's business.
    thread_ids = sa.select(MessageThread.id).where(MessageThread.case_id == current.id)
    message_ids = sa.select(Message.id).where(Message.thread_id.in_(thread_ids))
    object_ids = sa.union_all(
        sa.select(sa.literal(current.id)),
        sa.select(Document.id).where(Document.case_id == current.id),
        sa.select(Decision.id).where(Decision.case_id == current.id),
        sa.select(SupplementRequest.id).where(SupplementRequest.case_id == current.id),
        message_ids,
        sa.select(MessageAttachment.id).where(MessageAttachment.message_id.in_(message_ids)),
    )
    ids = [str(value) for value in db.scalars(object_ids)]
    events = db.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_id.in_(ids), AuditEvent.subject_person_id == current.subject_id)
        .order_by(AuditEvent.at.desc())
        .limit(200)
    ).all()
    staff_names = dict(
        db.execute(
            sa.select(StaffUser.id, StaffUser.name).where(
                StaffUser.municipality_id == g.staff.municipality_id
            )
        ).all()
    )
    audit.by_staff(
        db,
        "audit_log_read",
        subject_person_id=current.subject_id,
        object_type="case",
        object_id=str(current.id),
    )
    return render_template(
        "staff/audit_log.html", case=current, events=events, staff_names=staff_names, labels=ACTION_LABELS
    )


@bp.get("/dokument/<uuid:document_id>")
@staff_required("handlaggare")
def document(document_id: uuid.UUID) -> ResponseReturnValue:
    db = get_session()
    doc = db.get(Document, document_id)
    if doc is None:
        abort(404)
    current = case_or_404(doc.case_id)
    return audited_record(
        audit.by_staff,
        "document_read",
        doc,
        subject_person_id=current.subject_id,
        object_type="document",
    )
