"""Imports every model module so the metadata is complete for Alembic and for tests."""

from portal.accounts.models import Person
from portal.applications.models import Draft, DraftAttachment, Signature
from portal.audit.models import AuditEvent
from portal.auth.models import BankIDOrder, LoginSession
from portal.cases.models import Case, CaseEvent, Document
from portal.files.models import StoredFile
from portal.municipalities.models import Municipality, Unit
from portal.outbox.models import OutboxItem

__all__ = [
    "AuditEvent",
    "BankIDOrder",
    "Case",
    "CaseEvent",
    "Document",
    "Draft",
    "DraftAttachment",
    "LoginSession",
    "Municipality",
    "OutboxItem",
    "Person",
    "Signature",
    "StoredFile",
    "Unit",
]
