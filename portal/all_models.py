"""Imports every model module so the metadata is complete for Alembic and for tests."""

from portal.accounts.models import Person
from portal.api.models import ApiClient, ApiIdempotency
from portal.applications.models import Draft, DraftAttachment, Signature
from portal.audit.models import AuditEvent
from portal.auth.models import BankIDOrder, LoginSession
from portal.cases.models import Case, CaseEvent, Decision, Document, StaffNote, SupplementRequest
from portal.files.models import StoredFile
from portal.messaging.models import Message, MessageAttachment, MessageThread
from portal.municipalities.models import Municipality, Unit
from portal.outbox.models import OutboxItem
from portal.providers.models import Provider, ProviderChoice
from portal.representation.models import Representation
from portal.staff.models import StaffUser

__all__ = [
    "ApiClient",
    "ApiIdempotency",
    "AuditEvent",
    "BankIDOrder",
    "Case",
    "CaseEvent",
    "Decision",
    "Document",
    "Draft",
    "DraftAttachment",
    "LoginSession",
    "Message",
    "MessageAttachment",
    "MessageThread",
    "Municipality",
    "OutboxItem",
    "Person",
    "Provider",
    "ProviderChoice",
    "Representation",
    "Signature",
    "StaffNote",
    "StaffUser",
    "StoredFile",
    "SupplementRequest",
    "Unit",
]
